"""Personal data goes away (rule 9): RETENTION_DAYS after their event, registrations are anonymized and
attendance reports emptied."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AttendanceImport, Event, FeedbackResponse, Message, Registration
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
    and their manage links stop working. The events' attendance reports lose their rows, which
    name people who never registered too; a preview still waiting is discarded, as nothing is left to save.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    forget_attendance_reports(select(Event.id).where(Event.ends_at < cutoff))
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


def forget_attendance_reports(event_ids) -> None:
    """Empty the rows of the events' attendance imports, discarding their waiting previews; the history stays.

    The history lists an import by its time, file, layout, organizer and minimum time, none of them
    read from the rows; undo needs only `previous_attendance`, registration ids and values.
    """
    db.session.execute(
        update(AttendanceImport)
        .where(AttendanceImport.event_id.in_(event_ids), AttendanceImport.status == "preview")
        .values(status="discarded", rows=[])
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(AttendanceImport)
        # Only those not yet emptied: every night's run would otherwise rewrite them all again.
        .where(AttendanceImport.event_id.in_(event_ids), func.json_array_length(AttendanceImport.rows) > 0)
        .values(rows=[])
        .execution_options(synchronize_session=False)
    )
