"""Personal data goes away (rule 9): registrations are anonymized RETENTION_DAYS after their event."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Event, FeedbackResponse, Message, Registration
from app.models.types import utcnow
from app.services.transport import delete_stored_mail

# What identifies a person; the municipality, organization, status and attendance stay for
# the series' reach statistics, and feedback answers stay, now anonymous.
PERSONAL_FIELDS = (
    "email", "first_name", "last_name", "job_title", "questions", "accessibility_needs",
    "manage_token_nonce", "manage_token_hash",
)


def purge_expired(now: datetime | None = None) -> int:
    """Anonymize the registrations of events that ended RETENTION_DAYS ago; returns how many. The caller commits.

    Their unsent mail is cancelled, since it has no recipient any more, the errors stored with
    their mail (servers' replies quote addresses) are cleared, the development mailbox's copies of
    their mail are deleted, their feedback is unlinked from them (its answers stay, anonymous),
    and their manage links stop working.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    expired = (
        select(Registration.id)
        .join(Event, Registration.event_id == Event.id)
        .where(Event.ends_at < cutoff, Registration.purged_at.is_(None))
    )
    # The ids stay in the database as a subquery: a backlog of more than 65,535 registrations
    # would not fit PostgreSQL's bound parameters.
    count = db.session.execute(select(func.count()).select_from(expired.subquery())).scalar_one()
    if not count:
        return 0
    ids = expired.scalar_subquery()
    db.session.execute(
        update(Message)
        .where(Message.registration_id.in_(ids), Message.status.in_(("pending", "sending")))
        .values(status="cancelled")
    )
    db.session.execute(update(Message).where(Message.registration_id.in_(ids)).values(last_error=None))
    message_ids = db.session.execute(select(Message.message_id).where(Message.registration_id.in_(ids))).scalars()
    delete_stored_mail(current_app.config["MAIL_FOLDER"], message_ids)
    db.session.execute(
        update(FeedbackResponse).where(FeedbackResponse.registration_id.in_(ids)).values(registration_id=None)
    )
    db.session.execute(
        update(Registration)
        .where(Registration.id.in_(ids))
        .values(purged_at=now, **{field: None for field in PERSONAL_FIELDS})
        .execution_options(synchronize_session=False)
    )
    return count
