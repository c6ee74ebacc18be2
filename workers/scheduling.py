"""Periodic planning of reminders and follow-ups from event times."""

from celery import shared_task

from app.extensions import db
from app.services.planning import plan_followups, plan_reminders


@shared_task(name="workers.scheduling.plan_messages")
def plan_messages() -> int:
    """Write the reminders and follow-ups that are due; the after-commit hook wakes delivery."""
    planned = plan_reminders() + plan_followups()
    db.session.commit()
    return planned
