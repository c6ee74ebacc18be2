"""Registering, changing and cancelling, with the seat rules of DESIGN.md (rules 1-3)."""

import logging

from dataclasses import dataclass
from functools import cache
from datetime import datetime

from sqlalchemy import Insert, Row, ScalarSelect, bindparam, delete, func, select, text, update
from sqlalchemy.orm import load_only

from app.extensions import db
from app.models import Event, Message, Registration
from app.models.registrations import ACTIVE, ACTIVE_STATUSES
from app.models.types import utcnow
from app.services.queue import (
    dedupe_key, forget_message_row, insert_of, queue_first_message_row, queue_message, queue_message_row,
)
from app.services.tokens import issue_manage_token


log = logging.getLogger(__name__)

class RegistrationClosed(Exception):
    """The event does not take sign-ups now."""


class CancellationClosed(Exception):
    """The event has started or taken place: its registrations stay as they are."""


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
    """What register() did. The page depends on `event_full` alone, which is the same for a repeat
    as for a new person (rule 3): the registration is None when a new person found no seat."""

    registration_id: int | None
    created: bool
    event_full: bool = False

    @property
    def registration(self) -> Registration | None:
        """The registration itself, read when asked for: the sign-up page needs only `event_full`."""
        return None if self.registration_id is None else db.session.get(Registration, self.registration_id)


# What decides a seat, and all register() reads of the event: not its texts and programme.
# Built once: the option keeps its cache key, which sign-ups would otherwise compute each time.
ONLY_SEAT_COLUMNS = load_only(
    Event.id, Event.status, Event.registration_opens_at, Event.registration_closes_at, Event.starts_at,
    Event.capacity, Event.waitlist_enabled, Event.revision,
)
# The same and the seats taken, read under the lock.
SEAT_COLUMNS_AND_COUNT = load_only(
    Event.id, Event.status, Event.registration_opens_at, Event.registration_closes_at, Event.starts_at,
    Event.capacity, Event.waitlist_enabled, Event.revision, Event.confirmed_count,
)


def lock_event(event_id: int, *options) -> Event:
    """Take the event's write lock for the rest of the transaction, reading the event afresh (as `options` say)."""
    statement = select(Event).where(Event.id == event_id).options(*options).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite locks the whole database: a no-op write takes the writer lock
        # now (as BEGIN IMMEDIATE would) so the seat count below cannot go stale.
        db.session.execute(update(Event).where(Event.id == event_id).values(updated_at=Event.updated_at))
        return db.session.execute(statement).scalar_one()
    # NO KEY UPDATE: it serializes the event's writers but lets others insert rows that refer
    # to the event, as register() does before it takes the lock.
    return db.session.execute(statement.with_for_update(key_share=True)).scalar_one()


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


def active_registration_of(event_id, email: str) -> ScalarSelect:
    """The id of the person's confirmed or waitlisted registration for the event (an id or a column), as a subquery."""
    return (
        select(Registration.id)
        .where(Registration.event_id == event_id, Registration.email == email,
               Registration.status.in_(ACTIVE_STATUSES))
        .scalar_subquery()
    )


def register(event: int | str, applicant: Applicant, privacy_notice_version: str,
             now: datetime | None = None) -> Outcome:
    """Confirm, waitlist or recognise a repeat sign-up for the event (by id or slug), writing the mail to the outbox.

    Guarantees: never more confirmed than capacity (rule 1); a repeat sign-up creates nothing,
    mails the existing manage link, takes the same lock and is told the same as a new person
    (rule 3); a full event without a waiting list keeps nothing of a new person. Raises
    RegistrationClosed also when there is no such event. The caller commits.
    """
    now = now or utcnow()
    which = Event.slug == event if isinstance(event, str) else Event.id == event
    event = db.session.execute(select(Event).options(ONLY_SEAT_COLUMNS).where(which)).scalar_one_or_none()
    if event is None or not event.registration_is_open(now):
        raise RegistrationClosed
    # Written first, outside the lock: sign-ups queue for the lock, so the less happens under
    # it, the more of them an event takes a second. Core statements, not the unit of work:
    # this is the site's busiest write. The unique index (rule 3) turns a repeat, or a twin
    # racing this one, into no row, after waiting for the twin to commit or roll back.
    registration_id = db.session.connection().execute(
        insert_unless_active(db.session.get_bind().dialect.name),
        new_registration_values(event.id, applicant, privacy_notice_version, now),
    ).scalar()
    if registration_id is not None:
        message_id = queue_first_message_row(registration_id, "confirmation")
    else:
        registration_id = db.session.execute(select(active_registration_of(event.id, applicant.email))).scalar_one()
        # At most one reminder of the link an hour, so nobody can flood an inbox.
        queue_message_row(registration_id, "already_registered", f"already-registered:{now:%Y%m%d%H}")
        message_id = None

    # A repeat waits for the lock and reads the seats as a new sign-up does, so that neither
    # its answer nor its speed tells anyone that the address is registered (rule 3).
    # Under the lock the count holds every sign-up decided before this one, none that is still
    # waiting: the seats go in the order the lock is granted.
    if message_id is None:
        event = lock_event(event.id, SEAT_COLUMNS_AND_COUNT)
        if not event.registration_is_open(now):
            raise RegistrationClosed
        # What a new person would be told now: full when every seat is taken and nobody can queue.
        full = event.capacity is not None and not event.waitlist_enabled and event.confirmed_count >= event.capacity
        return Outcome(registration_id, created=False, event_full=full)
    seat = take_seat(event.id)
    # Event.registration_is_open reads only columns the seat row carries.
    if not Event.registration_is_open(seat, now):
        raise RegistrationClosed
    if seat.capacity is not None and seat.confirmed_count > seat.capacity:
        give_back_seat(event.id)
        if not seat.waitlist_enabled:
            db.session.execute(delete(Message).where(Message.id == message_id))
            db.session.execute(delete(Registration).where(Registration.id == registration_id))
            forget_message_row(message_id)
            return Outcome(None, created=False, event_full=True)
        db.session.execute(
            update(Registration).where(Registration.id == registration_id)
            .values(status="waitlisted", confirmed_at=None)
        )
        db.session.execute(
            update(Message).where(Message.id == message_id)
            .values(kind="waitlisted", dedupe_key=dedupe_key(registration_id, "waitlisted"))
        )
    return Outcome(registration_id, created=True)


EVENT = Event.__table__
# Built once, its values bound at execution, so it is compiled once per process.
TAKE_SEAT = (
    update(EVENT).where(EVENT.c.id == bindparam("seat_event_id"))
    .values(confirmed_count=EVENT.c.confirmed_count + 1, updated_at=EVENT.c.updated_at)
    .returning(EVENT.c.status, EVENT.c.registration_opens_at, EVENT.c.registration_closes_at, EVENT.c.starts_at,
               EVENT.c.capacity, EVENT.c.waitlist_enabled, EVENT.c.confirmed_count)
)


def take_seat(event_id: int) -> Row:
    """Count one more confirmed seat, taking the event's write lock; returns the event's seat columns as they now are.

    One UPDATE is both the lock and the count: PostgreSQL rereads the row once a writer ahead
    of it commits, and on SQLite a write takes the database's writer lock.
    """
    return db.session.connection().execute(TAKE_SEAT, {"seat_event_id": event_id}).one()


def give_back_seat(event_id: int) -> None:
    """Undo take_seat: the sign-up went to the waiting list or away; the caller still holds the lock."""
    db.session.execute(
        update(Event).where(Event.id == event_id)
        .values(confirmed_count=Event.confirmed_count - 1, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )


@cache
def insert_unless_active(dialect: str) -> Insert:
    """INSERT of a registration returning its id, or no row when the person already has an active one (rule 3)."""
    table = Registration.__table__
    return (
        insert_of(table, dialect)
        .on_conflict_do_nothing(index_elements=["event_id", "email"], index_where=text(ACTIVE))
        .returning(table.c.id)
    )


def new_registration_values(event_id: int, applicant: Applicant, privacy_notice_version: str,
                            now: datetime) -> dict:
    """The columns of the applicant's new registration, confirmed, with a manage token; register() decides its seat."""
    token_holder = Registration()
    issue_manage_token(token_holder)
    return {
        "event_id": event_id,
        "email": applicant.email,
        "first_name": applicant.first_name,
        "last_name": applicant.last_name,
        "municipality_code": applicant.municipality_code,
        "organization": applicant.organization,
        "job_title": applicant.job_title,
        "language": applicant.language,
        "questions": applicant.questions,
        "accessibility_needs": applicant.accessibility_needs,
        "future_events_consent": applicant.future_events_consent,
        "privacy_notice_version": privacy_notice_version,
        "privacy_consented_at": now,
        "status": "confirmed",
        "attended": "unknown",
        "manage_token_nonce": token_holder.manage_token_nonce,
        "manage_token_hash": token_holder.manage_token_hash,
        "confirmed_at": now,
        "created_at": now,
        "updated_at": now,
    }


def gives_seats(event: Event, now: datetime) -> bool:
    """Whether the event can still give anyone a seat; a seat in a webinar under way or over is worth nothing."""
    return event.status == "published" and now < event.starts_at


def give_seat(registration: Registration, now: datetime) -> Registration:
    """Confirm a waitlisted person and mail them their invite; the caller holds the event lock and saw a free seat."""
    registration.status = "confirmed"
    registration.confirmed_at = now
    queue_message(registration, "promoted")
    return registration


def promote_waitlist(event: Event, now: datetime | None = None) -> list[Registration]:
    """Confirm the oldest waitlisted people while seats are free, mailing each their invite.

    Nobody is promoted once the event has started (gives_seats). The caller holds the event
    lock (lock_event) and commits.
    """
    now = now or utcnow()
    if not gives_seats(event, now):
        return []
    free = seats_left(event)
    if free == 0:
        return []
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
    )
    if free is not None:
        query = query.limit(free)
    return [give_seat(registration, now) for registration in db.session.execute(query).scalars()]


def can_cancel(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the person may still cancel: an active registration for a published event that has not started."""
    event = registration.event
    return (
        registration.status in ACTIVE_STATUSES and event.status == "published" and (now or utcnow()) < event.starts_at
    )


@dataclass(frozen=True)
class Cancellation:
    """What cancel_registration() did: whether this call cancelled it, and who got a seat from the waiting list."""

    registration: Registration
    cancelled: bool
    promoted: list[Registration]


def cancel_registration(registration_id: int, now: datetime | None = None) -> Cancellation:
    """Cancel a registration, drop its unsent mail, send a CANCEL, and move the waiting list.

    Cancelling twice is harmless: the second call changes nothing and says so (`cancelled` is
    False). Raises CancellationClosed once the event has started or was cancelled, changing
    nothing. The caller commits.
    """
    now = now or utcnow()
    registration = db.session.get(Registration, registration_id)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status == "cancelled":
        return Cancellation(registration, cancelled=False, promoted=[])
    if not can_cancel(registration, now):
        raise CancellationClosed
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = now
    db.session.execute(
        update(Message)
        .where(Message.registration_id == registration.id, Message.status == "pending")
        .values(status="cancelled")
    )
    queue_message(registration, "registration_cancelled")
    db.session.flush()
    promoted = promote_waitlist(event, now) if was_confirmed else []
    return Cancellation(registration, cancelled=True, promoted=promoted)


class CapacityBelowConfirmed(Exception):
    """A new capacity would leave confirmed people without their seat."""

    def __init__(self, confirmed: int):
        super().__init__(f"{confirmed} seats are taken")
        self.confirmed = confirmed


def change_capacity(event_id: int, capacity: int | None) -> list[Registration]:
    """Set a new capacity and promote from the waiting list into any new seats; the caller commits.

    Raises CapacityBelowConfirmed, changing nothing, when fewer seats than are taken are asked
    for: a confirmed seat is never taken back by lowering the capacity.
    """
    event = lock_event(event_id)
    if capacity is not None and capacity != event.capacity:
        confirmed = confirmed_count(event.id)
        if capacity < confirmed:
            raise CapacityBelowConfirmed(confirmed)
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


def recount_seats(now: datetime | None = None) -> list[int]:
    """Set event.confirmed_count to the real count wherever they differ, for events still to start; returns their ids.

    register() decides seats from the counter, which the ORM's hook and register() keep; a
    status changed some other way (a raw SQL fix, code from before the counter during a
    rolling deploy) would leave it wrong, and a counter too low would overbook (rule 1). Each
    event is recounted under its lock, in a statement that starts after the lock is held, so
    the count sees every sign-up committed before it.
    """
    now = now or utcnow()
    drifted = list(db.session.execute(
        select(Event.id).where(Event.starts_at > now, Event.confirmed_count != confirmed_count_of(Event.id))
    ).scalars())
    corrected = []
    for event_id in drifted:
        event = lock_event(event_id)
        # Seen without the lock, a difference may have been a sign-up in flight; under it, it is real.
        real = confirmed_count(event_id)
        if event.confirmed_count != real:
            log.warning("Seat counter of event %s was %s, corrected to %s", event_id, event.confirmed_count, real)
            event.confirmed_count = real
            corrected.append(event_id)
    db.session.flush()
    return corrected
