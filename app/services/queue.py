"""Writing outbox rows, each at most once per dedupe key (rule 5)."""

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Message, Registration


def dedupe_key(registration_id: int, key: str) -> str:
    """The unique key of one kind of mail to one registration, such as "r42:reminder-60m-…"."""
    return f"r{registration_id}:{key}"


def queue_message(registration: Registration, kind: str, key: str | None = None, **fields) -> Message | None:
    """Write an outbox row unless one with the same dedupe key exists; the caller commits."""
    unique_key = dedupe_key(registration.id, key or kind)
    if db.session.execute(select(Message.id).where(Message.dedupe_key == unique_key)).scalar() is not None:
        return None
    message = Message(kind=kind, registration=registration, dedupe_key=unique_key, **fields)
    db.session.add(message)
    return message


def queue_first_message(registration: Registration, kind: str, **fields) -> Message:
    """Write the first row of a registration made in this transaction: nothing can share its key yet."""
    message = Message(kind=kind, registration=registration, dedupe_key=dedupe_key(registration.id, kind), **fields)
    db.session.add(message)
    return message


def queue_for_each(registration_ids: Select, kind: str, key: str | None = None, **fields) -> int:
    """Write one row per selected registration that lacks it, in two queries; returns how many."""
    key = key or kind
    existing = set(db.session.execute(
        select(Message.dedupe_key).where(Message.kind == kind, Message.registration_id.in_(registration_ids))
    ).scalars())
    keys = {registration_id: dedupe_key(registration_id, key) for registration_id in
            db.session.execute(registration_ids).scalars()}
    missing = [registration_id for registration_id, unique_key in keys.items() if unique_key not in existing]
    db.session.add_all(
        Message(kind=kind, registration_id=registration_id, dedupe_key=keys[registration_id], **fields)
        for registration_id in missing
    )
    return len(missing)
