"""Registering, changing and cancelling, with the seat rules of DESIGN.md (rules 1-3)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, ScalarSelect, func, select, update

from app.extensions import db
from app.models import Event, Message, Registration
from app.models.types import utcnow
from app.services.queue import queue_first_message, queue_message
from app.services.tokens import issue_manage_token


class RegistrationClosed(Exception):
    """The event does not take sign-ups now."""


class EventFull(Exception):
    """No seat is free and the event has no waiting list."""


@dataclass(frozen=True)
class Applicant:
    """What a person typed into the registration form, already validated and normalized."""

    email: str
    first_name: str
    last_name: str
    language: str
    municipality_code: str | None = None
    organization: str | None = None
    job_title: str | None = None
    questions: str | None = None
    accessibility_needs: str | None = None
    future_events_consent: bool = False


@dataclass(frozen=True)
class Outcome:
    """What register() did; the page says the same for every case (rule 3)."""

    registration: Registration
    created: bool


ACTIVE_STATUSES = ("confirmed", "waitlisted")


def lock_event(event_id: int) -> Event:
    """Take the event's write lock for the rest of the transaction."""
    return locked_event_row(event_id)[0]


def locked_event_row(event_id: int, *columns) -> Row:
    """Take the event's write lock, reading the event and any other `columns` in the same round trip.

    The other columns are read as of the moment the statement started, which may be before a
    lock it waited for was released: count seats only in a later statement.
    """
    statement = select(Event, *columns).where(Event.id == event_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite locks the whole database: a no-op write takes the writer lock
        # now (as BEGIN IMMEDIATE would) so the seat count below cannot go stale.
        db.session.execute(update(Event).where(Event.id == event_id).values(updated_at=Event.updated_at))
        return db.session.execute(statement).one()
    return db.session.execute(statement.with_for_update(of=Event)).one()


def confirmed_count_of(event_id) -> ScalarSelect:
    """How many seats of the event (an id or a column) are taken, as a subquery."""
    return (
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event_id, Registration.status == "confirmed")
        .scalar_subquery()
    )


def confirmed_count(event_id: int) -> int:
    """How many seats are taken."""
    return db.session.execute(select(confirmed_count_of(event_id))).scalar_one()


def free_seats(capacity: int | None, confirmed: int) -> int | None:
    """Seats not taken, never below zero; None when there is no capacity limit."""
    return None if capacity is None else max(capacity - confirmed, 0)


def seats_left(event: Event) -> int | None:
    """Free seats, or None when the event has no capacity limit."""
    if event.capacity is None:
        return None
    return free_seats(event.capacity, confirmed_count(event.id))


def active_registration_of(event_id: int, email: str) -> ScalarSelect:
    """The id of the person's confirmed or waitlisted registration for the event, as a subquery."""
    return (
        select(Registration.id)
        .where(Registration.event_id == event_id, Registration.email == email,
               Registration.status.in_(ACTIVE_STATUSES))
        .scalar_subquery()
    )


def register(event_id: int, applicant: Applicant, privacy_notice_version: str,
             now: datetime | None = None) -> Outcome:
    """Lock the event, then confirm, waitlist or recognise a repeat, writing the mail to the outbox.

    Guarantees: never more confirmed than capacity (rule 1); a repeat sign-up creates nothing
    and mails the existing manage link (rule 3). The caller commits.
    """
    now = now or utcnow()
    # The repeat check rides on the lock's round trip. It may miss a sign-up committed while
    # the lock was awaited; the unique index then stops that one, and the caller retries it
    # as a repeat.
    event, existing_id = locked_event_row(event_id, active_registration_of(event_id, applicant.email))
    if not event.registration_is_open(now):
        raise RegistrationClosed
    if existing_id is not None:
        existing = db.session.get(Registration, existing_id)
        # At most one reminder of the link an hour, so nobody can flood an inbox.
        queue_message(existing, "already_registered", f"already-registered:{now:%Y%m%d%H}")
        return Outcome(existing, created=False)

    free = seats_left(event)
    if free is None or free > 0:
        status = "confirmed"
    elif event.waitlist_enabled:
        status = "waitlisted"
    else:
        raise EventFull
    registration = Registration(
        event=event,
        email=applicant.email,
        first_name=applicant.first_name,
        last_name=applicant.last_name,
        municipality_code=applicant.municipality_code,
        organization=applicant.organization,
        job_title=applicant.job_title,
        language=applicant.language,
        questions=applicant.questions,
        accessibility_needs=applicant.accessibility_needs,
        future_events_consent=applicant.future_events_consent,
        privacy_notice_version=privacy_notice_version,
        privacy_consented_at=now,
        status=status,
        confirmed_at=now if status == "confirmed" else None,
        created_at=now,
    )
    issue_manage_token(registration)
    db.session.add(registration)
    db.session.flush()
    if status == "confirmed":
        queue_first_message(registration, "confirmation", event_revision=event.revision)
    else:
        queue_first_message(registration, "waitlisted")
    return Outcome(registration, created=True)


def promote_waitlist(event: Event, now: datetime | None = None) -> list[Registration]:
    """Confirm the oldest waitlisted people while seats are free, mailing each their invite.

    The caller holds the event lock (lock_event) and commits.
    """
    if event.status != "published":
        return []
    free = seats_left(event)
    if free == 0:
        return []
    now = now or utcnow()
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
    )
    if free is not None:
        query = query.limit(free)
    promoted = list(db.session.execute(query).scalars())
    for registration in promoted:
        registration.status = "confirmed"
        registration.confirmed_at = now
        queue_message(registration, "promoted", event_revision=event.revision)
    return promoted


def cancel_registration(registration_id: int, now: datetime | None = None) -> Registration:
    """Cancel a registration, drop its unsent mail, send a CANCEL, and move the waiting list.

    Cancelling twice is harmless. The caller commits.
    """
    now = now or utcnow()
    registration = db.session.get(Registration, registration_id)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status == "cancelled":
        return registration
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = now
    db.session.execute(
        update(Message)
        .where(Message.registration_id == registration.id, Message.status == "pending")
        .values(status="cancelled")
    )
    queue_message(registration, "registration_cancelled", event_revision=event.revision)
    db.session.flush()
    if was_confirmed:
        promote_waitlist(event, now)
    return registration


def change_capacity(event_id: int, capacity: int | None) -> list[Registration]:
    """Set a new capacity and promote from the waiting list into any new seats; the caller commits."""
    event = lock_event(event_id)
    event.capacity = capacity
    db.session.flush()
    return promote_waitlist(event)


def update_details(registration: Registration, **details) -> Registration:
    """Change the person's own details (not their email or status); the caller commits."""
    allowed = {
        "first_name", "last_name", "municipality_code", "organization", "job_title", "language",
        "questions", "accessibility_needs", "future_events_consent",
    }
    unknown = set(details) - allowed
    if unknown:
        raise ValueError(f"Not changeable here: {', '.join(sorted(unknown))}")
    for field, value in details.items():
        setattr(registration, field, value)
    return registration
