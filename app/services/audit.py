"""The audit log: who viewed or exported personal data, and who changed an event or an account (rule 9)."""

from app.extensions import db
from app.models import AuditEntry, OrganizerUser

# Every action the log knows, in the order the audit page offers them as a filter.
AUDIT_ACTIONS = (
    "attendees_viewed",
    "registration_viewed",
    "attendees_exported",
    "registration_changed",
    "event_created",
    "event_changed",
    "event_published",
    "event_unpublished",
    "event_cancelled",
    "organizer_created",
    "organizer_changed",
    "password_changed",
    "attendance_imported",
    "attendance_import_undone",
    "messages_viewed",
    "message_resent",
    "mailing_sent",
    "feedback_exported",
)


def record(user: OrganizerUser, action: str, event_id: int | None = None, **detail) -> AuditEntry:
    """Write who did what to which event, with details such as the row count; the caller commits."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"Unknown audit action: {action}")
    entry = AuditEntry(user_id=user.id, action=action, event_id=event_id, detail=detail or None)
    db.session.add(entry)
    return entry
