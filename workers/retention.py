"""The daily removal of personal data past its retention time."""

from celery import shared_task

from app.extensions import db
from app.services.retention import purge_expired as purge


@shared_task(name="workers.retention.purge_expired")
def purge_expired() -> int:
    """Anonymize registrations of events that ended RETENTION_DAYS ago."""
    purged = purge()
    db.session.commit()
    return purged
