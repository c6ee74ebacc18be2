"""The scheduler's heartbeat, so /healthz and organizers can see that beat is alive."""

from celery import shared_task

from app.services.health import record_heartbeat as store_heartbeat


@shared_task(name="workers.health.record_heartbeat")
def record_heartbeat(name: str = "scheduler") -> None:
    """Store that the periodic scheduler ran just now."""
    store_heartbeat(name)
