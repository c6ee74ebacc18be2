"""Writing outbox rows, each at most once per dedupe key (rule 5)."""

from sqlalchemy import Insert, Select, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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


# Where a session notes the outbox rows its transaction wrote, for the commit hook that wakes the
# delivery workers (workers/wakeup.py reads the same key).
NEW_MESSAGE_IDS = "new_message_ids"


def insert_of(model, dialect: str | None = None) -> Insert:
    """An INSERT of the session's (or the named) dialect, which can skip rows that meet a unique index (ON CONFLICT)."""
    dialect = dialect or db.session.get_bind().dialect.name
    return (sqlite_insert if dialect == "sqlite" else postgresql_insert)(model)


# Built once: a statement with its values bound at execution is compiled once per process, not
# once per sign-up.
FIRST_MESSAGE_INSERT = insert(Message.__table__).returning(Message.__table__.c.id)


def queue_first_message_row(registration_id: int, kind: str) -> int:
    """Write the first row of a registration made in this transaction, as one Core INSERT; returns its id.

    Nothing can share its key yet, so nothing is looked up first.
    """
    message_id = db.session.connection().execute(FIRST_MESSAGE_INSERT, {
        "kind": kind, "registration_id": registration_id, "dedupe_key": dedupe_key(registration_id, kind),
    }).scalar_one()
    note_message_row(message_id)
    return message_id


def queue_message_row(registration_id: int, kind: str, key: str) -> int | None:
    """queue_message as one Core INSERT that writes nothing when the dedupe key exists; returns the new row's id."""
    message_id = db.session.execute(
        insert_of(Message)
        .values(kind=kind, registration_id=registration_id, dedupe_key=dedupe_key(registration_id, key))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Message.id)
    ).scalar()
    if message_id is not None:
        note_message_row(message_id)
    return message_id


def note_message_row(message_id: int) -> None:
    """The unit of work never saw a row written by a Core INSERT: tell the commit hook of it here."""
    db.session.info.setdefault(NEW_MESSAGE_IDS, []).append(message_id)


def forget_message_row(message_id: int) -> None:
    """Take back a row from queue_first_message_row deleted in the same transaction: nothing to wake workers for."""
    noted = db.session.info.get(NEW_MESSAGE_IDS, [])
    if message_id in noted:
        noted.remove(message_id)
