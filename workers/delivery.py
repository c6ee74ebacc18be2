"""Delivering the outbox: right after a commit, and by a periodic sweep that misses nothing."""

from celery import shared_task

from app.services.outbox import deliver_due


@shared_task(name="workers.delivery.deliver_messages")
def deliver_messages(message_ids: list[int]) -> int:
    """Send these outbox rows (a batch of a mailing) if they are still due and unclaimed; returns how many were sent."""
    return len(deliver_due(ids=message_ids).sent)


@shared_task(name="workers.delivery.sweep_outbox")
def sweep_outbox() -> int:
    """Send every due pending message, and those a dead worker left in `sending`; sent by beat and by the doorbell."""
    return len(deliver_due().sent)
