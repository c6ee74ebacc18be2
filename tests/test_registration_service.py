"""The seat rules of DESIGN.md (1-3) at the service level, without HTTP."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.models import Event, Message, Registration
from app.models.types import utcnow
from app.services.attendees import apply_change, cancel_by_organizer
from app.services.composer import compose
from app.services.events import cancel_event
from app.services.registration import (
    Applicant,
    CancellationClosed,
    RegistrationClosed,
    cancel_registration,
    change_capacity,
    give_seat,
    recount_seats,
    register,
    seats_left,
)
from app.services.retention import purge_expired
from tests.factories import make_event, make_municipality, make_registration


def applicant(n: int = 1, **fields) -> Applicant:
    """A valid applicant from Vantaa."""
    make_municipality()
    values = {"email": f"person{n}@example.org", "first_name": "Aino", "last_name": f"Virtanen{n}",
              "language": "fi", "municipality_code": "092"}
    values.update(fields)
    return Applicant(**values)


def sign_up(db, event, n: int = 1, **fields):
    """Register and commit, as the view does."""
    outcome = register(event.id, applicant(n, **fields), "2026-11")
    db.session.commit()
    return outcome


def outbox(db, kind: str | None = None) -> list[Message]:
    """Outbox rows, optionally of one kind."""
    query = select(Message).order_by(Message.id)
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.execute(query).scalars())


def test_registration_is_confirmed_while_seats_are_free_and_queues_a_confirmation(db):
    event = make_event(capacity=2)
    outcome = sign_up(db, event)
    assert outcome.created
    assert outcome.registration.status == "confirmed"
    assert outcome.registration.confirmed_at is not None
    [message] = outbox(db)
    assert (message.kind, message.registration_id, message.status) == ("confirmation", outcome.registration.id, "pending")


def test_privacy_consent_version_and_time_are_stored(db):
    registration = sign_up(db, make_event()).registration
    assert registration.privacy_notice_version == "2026-11"
    assert registration.privacy_consented_at is not None


def test_full_event_puts_people_on_the_waiting_list(db):
    event = make_event(capacity=1)
    first = sign_up(db, event, 1).registration
    second = sign_up(db, event, 2).registration
    assert (second.status, second.confirmed_at) == ("waitlisted", None)
    assert [(m.kind, m.dedupe_key) for m in outbox(db)] == [
        ("confirmation", f"r{first.id}:confirmation"),
        ("waitlisted", f"r{second.id}:waitlisted"),
    ]
    assert seats_left(event) == 0


def test_the_event_can_be_named_by_its_slug_and_an_unknown_one_takes_no_sign_ups(db):
    event = make_event()
    outcome = register(event.slug, applicant(), "2026-11")
    db.session.commit()
    assert outcome.registration.event_id == event.id
    with pytest.raises(RegistrationClosed):
        register("no-such-webinar", applicant(2), "2026-11")


def test_full_event_without_waiting_list_refuses_and_keeps_nothing_of_the_new_person(db):
    event = make_event(capacity=1, waitlist_enabled=False)
    sign_up(db, event, 1)
    outcome = sign_up(db, event, 2)
    assert (outcome.event_full, outcome.registration, outcome.created) == (True, None, False)
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar() == 1
    assert [m.kind for m in outbox(db)] == ["confirmation"]


def test_unlimited_event_always_confirms(db):
    event = make_event(capacity=None)
    assert all(sign_up(db, event, n).registration.status == "confirmed" for n in range(5))
    assert seats_left(event) is None


def test_registering_twice_creates_nothing_and_mails_the_existing_link(db):
    event = make_event()
    first = sign_up(db, event, 1)
    again = sign_up(db, event, 1, first_name="Someone", last_name="Else")
    assert not again.created
    assert again.registration.id == first.registration.id
    assert again.registration.first_name == "Aino"
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar() == 1
    assert [m.kind for m in outbox(db)] == ["confirmation", "already_registered"]


def test_repeat_sign_ups_mail_the_link_at_most_once_an_hour(db):
    event = make_event()
    for _ in range(4):
        sign_up(db, event, 1)
    assert len(outbox(db, "already_registered")) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "draft"},
        {"status": "cancelled"},
        {"registration_opens_at": utcnow() + timedelta(days=1)},
        {"registration_closes_at": utcnow() - timedelta(minutes=1), "registration_opens_at": utcnow() - timedelta(days=2)},
        {"starts_at": utcnow() - timedelta(minutes=5)},
    ],
    ids=["draft", "cancelled", "not-yet-open", "closed", "started"],
)
def test_registration_only_between_opening_and_closing_of_a_published_event(db, fields):
    event = make_event(**fields)
    with pytest.raises(RegistrationClosed):
        register(event.id, applicant(), "2026-11")
    db.session.rollback()
    assert outbox(db) == []


def test_cancelling_a_confirmed_seat_promotes_the_oldest_waitlisted_in_the_same_transaction(db):
    event = make_event(capacity=1)
    confirmed = sign_up(db, event, 1).registration
    older = sign_up(db, event, 2).registration
    newer = sign_up(db, event, 3).registration
    cancel_registration(confirmed.id)
    db.session.commit()
    assert (confirmed.status, older.status, newer.status) == ("cancelled", "confirmed", "waitlisted")
    assert [m.registration_id for m in outbox(db, "promoted")] == [older.id]
    assert [m.registration_id for m in outbox(db, "registration_cancelled")] == [confirmed.id]


def test_cancelling_drops_the_persons_unsent_mail(db):
    event = make_event()
    registration = sign_up(db, event).registration
    cancel_registration(registration.id)
    db.session.commit()
    statuses = {m.kind: m.status for m in outbox(db)}
    assert statuses == {"confirmation": "cancelled", "registration_cancelled": "pending"}


def test_cancelling_twice_is_harmless(db):
    registration = sign_up(db, make_event()).registration
    cancel_registration(registration.id)
    db.session.commit()
    cancel_registration(registration.id)
    db.session.commit()
    assert len(outbox(db, "registration_cancelled")) == 1


def test_cancelling_a_waitlisted_registration_promotes_nobody(db):
    event = make_event(capacity=1)
    sign_up(db, event, 1)
    waiting = sign_up(db, event, 2).registration
    third = sign_up(db, event, 3).registration
    cancel_registration(waiting.id)
    db.session.commit()
    assert third.status == "waitlisted"
    assert outbox(db, "promoted") == []


def test_raising_capacity_promotes_as_many_as_there_are_new_seats(db):
    event = make_event(capacity=1)
    sign_up(db, event, 1)
    waiting = [sign_up(db, event, n).registration for n in range(2, 6)]
    promoted = change_capacity(event.id, 3)
    db.session.commit()
    assert [r.id for r in promoted] == [waiting[0].id, waiting[1].id]
    assert [r.status for r in waiting] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_removing_the_capacity_limit_promotes_everyone(db):
    event = make_event(capacity=1)
    sign_up(db, event, 1)
    waiting = [sign_up(db, event, n).registration for n in range(2, 4)]
    change_capacity(event.id, None)
    db.session.commit()
    assert {r.status for r in waiting} == {"confirmed"}


def test_same_person_may_register_again_after_cancelling(db):
    event = make_event()
    first = sign_up(db, event).registration
    cancel_registration(first.id)
    db.session.commit()
    again = sign_up(db, event)
    assert again.created and again.registration.id != first.id


def statements_of(db, action) -> list[str]:
    """The SQL statements `action` runs."""
    from sqlalchemy import event as sqlalchemy_event

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", record)
    return statements


def takes_the_event_lock(statement: str) -> bool:
    """Whether the statement locks the event: lock_event's (FOR NO KEY UPDATE, SQLite's no-op write) or a seat count's write."""
    return "FOR NO KEY UPDATE" in statement or statement.startswith(("UPDATE event SET updated_at",
                                                                     "UPDATE event SET confirmed_count"))


def counts_seats(statement: str) -> bool:
    """Whether the statement counts the event's confirmed registrations, or reads or moves its count of them."""
    return (statement.startswith(("SELECT (SELECT count(*)", "SELECT count(*)", "UPDATE event SET confirmed_count"))
            or statement.startswith("SELECT event.") and "event.confirmed_count" in statement)


def test_a_repeat_sign_up_waits_for_the_lock_and_counts_the_seats_as_a_new_one_does(db):
    event = make_event(capacity=5)
    db.session.commit()

    new = statements_of(db, lambda: sign_up(db, event, 1))
    repeat = statements_of(db, lambda: sign_up(db, event, 1))

    for statements in (new, repeat):
        assert any(map(takes_the_event_lock, statements)), statements
        assert any(map(counts_seats, statements)), statements
    # Comparable work, so a repeat is not measurably faster: within a statement of each other.
    assert abs(len(new) - len(repeat)) <= 1, (new, repeat)


def test_a_new_sign_up_is_a_read_two_inserts_before_the_lock_and_one_update_of_the_seat_count(db):
    event = make_event(capacity=5)
    db.session.commit()
    sign_up(db, event, 1)  # the first sign-up of a test fills per-process caches
    event_id, person = event.id, applicant(2)

    statements = statements_of(db, lambda: (register(event_id, person, "2026-11"), db.session.commit()))

    read, registration, message, seat = statements
    assert read.startswith("SELECT event.") and "FROM registration" not in read, read
    # The repeat check is the unique index, met by the insert itself.
    assert registration.startswith("INSERT INTO registration") and "ON CONFLICT" in registration, registration
    assert message.startswith("INSERT INTO message"), message
    # Under the lock only the seat count moves, at the same cost at any number of registrations.
    assert seat.startswith("UPDATE event SET confirmed_count=(event.confirmed_count +") and "RETURNING" in seat, seat


def test_a_sign_up_written_without_the_unit_of_work_still_wakes_the_delivery_workers(app, db, monkeypatch):
    event = make_event(capacity=1, waitlist_enabled=True)
    db.session.commit()
    rung = []
    monkeypatch.setattr(app.extensions["outbox_doorbell"], "ring", rung.append)

    confirmed = sign_up(db, event, 1)
    waitlisted = sign_up(db, event, 2)
    repeat = sign_up(db, event, 2)

    [[confirmation], [waiting], [link]] = rung
    assert db.session.get(Message, confirmation).registration_id == confirmed.registration_id
    assert db.session.get(Message, waiting).kind == "waitlisted"
    assert db.session.get(Message, link).kind == "already_registered"
    assert repeat.registration_id == waitlisted.registration_id


def test_a_new_person_turned_away_from_a_full_event_leaves_no_row_and_wakes_nobody(app, db, monkeypatch):
    event = make_event(capacity=1, waitlist_enabled=False)
    db.session.commit()
    sign_up(db, event, 1)
    rung = []
    monkeypatch.setattr(app.extensions["outbox_doorbell"], "ring", rung.append)

    outcome = sign_up(db, event, 2)

    assert (outcome.registration, outcome.event_full, rung) == (None, True, [])
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 1
    assert [m.kind for m in outbox(db)] == ["confirmation"]


def test_a_repeat_sign_up_on_a_full_event_without_waiting_list_is_told_it_is_full_and_mailed(db):
    event = make_event(capacity=1, waitlist_enabled=False)
    first = sign_up(db, event, 1).registration
    again = sign_up(db, event, 1)
    assert (again.event_full, again.created, again.registration.id) == (True, False, first.id)
    assert [m.kind for m in outbox(db)] == ["confirmation", "already_registered"]


def test_a_repeat_sign_up_with_a_free_seat_is_not_told_it_is_full(db):
    event = make_event(capacity=2, waitlist_enabled=False)
    sign_up(db, event, 1)
    assert not sign_up(db, event, 1).event_full


def test_nobody_is_promoted_once_the_event_has_started(db):
    event = make_event(capacity=1)
    sign_up(db, event, 1)
    waiting = sign_up(db, event, 2).registration
    with time_machine.travel(event.starts_at + timedelta(minutes=1), tick=False):
        assert change_capacity(event.id, None) == []
    db.session.commit()
    assert waiting.status == "waitlisted"
    assert outbox(db, "promoted") == []


def test_cancelling_after_the_start_is_refused_and_changes_nothing(db):
    event = make_event(capacity=1)
    confirmed = sign_up(db, event, 1).registration
    waiting = sign_up(db, event, 2).registration
    with pytest.raises(CancellationClosed):
        cancel_registration(confirmed.id, now=event.starts_at)
    db.session.rollback()
    assert (confirmed.status, waiting.status) == ("confirmed", "waitlisted")
    assert outbox(db, "registration_cancelled") == outbox(db, "promoted") == []


def test_cancelling_a_waitlisted_registration_mails_no_calendar_cancel(app, db):
    event = make_event(capacity=1)
    sign_up(db, event, 1)
    waiting = sign_up(db, event, 2).registration
    cancel_registration(waiting.id)
    db.session.commit()
    [message] = outbox(db, "registration_cancelled")
    mail = compose(message)
    assert [part.get_content_type() for part in mail.walk() if part.get_content_type() == "text/calendar"] == []
    assert "calendar" not in mail.get_body(("plain",)).get_content()


def test_cancelling_a_confirmed_registration_mails_a_calendar_cancel(app, db):
    registration = sign_up(db, make_event(), 1).registration
    cancel_registration(registration.id)
    db.session.commit()
    [message] = outbox(db, "registration_cancelled")
    mail = compose(message)
    calendars = [part for part in mail.walk() if part.get_content_type() == "text/calendar"]
    assert [part.get_param("method") for part in calendars if not part.is_attachment()] == ["CANCEL"]


def test_cancelling_says_what_it_did_and_whom_it_gave_the_seat(db):
    event = make_event(capacity=1)
    confirmed = sign_up(db, event, 1).registration
    older = sign_up(db, event, 2).registration
    sign_up(db, event, 3)
    done = cancel_registration(confirmed.id)
    assert (done.registration, done.cancelled, done.promoted) == (confirmed, True, [older])
    db.session.commit()
    again = cancel_registration(confirmed.id)
    assert (again.registration, again.cancelled, again.promoted) == (confirmed, False, [])


def test_giving_a_seat_confirms_and_mails_the_invite(db):
    event = make_event(capacity=1)
    waiting = make_registration(event, status="waitlisted")
    now = utcnow()
    assert give_seat(waiting, now) is waiting
    db.session.commit()
    assert (waiting.status, waiting.confirmed_at) == ("confirmed", now)
    assert [m.registration_id for m in outbox(db, "promoted")] == [waiting.id]


def seats_counted_and_kept(db, event) -> tuple[int, int]:
    """The confirmed registrations as counted, and as the event's counter keeps them."""
    db.session.commit()
    counted = db.session.execute(
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    ).scalar_one()
    kept = db.session.execute(select(Event.confirmed_count).where(Event.id == event.id)).scalar_one()
    return counted, kept


def test_the_event_counter_of_confirmed_seats_equals_the_count_after_every_kind_of_change(app, db):
    event = make_event(capacity=2, waitlist_enabled=True)
    other = make_event(capacity=1, waitlist_enabled=False)
    steps = []

    def after(step: str, on=event) -> None:
        steps.append((step, *seats_counted_and_kept(db, on)))

    after("an empty event")
    first = sign_up(db, event, 1).registration_id
    after("a confirmed sign-up")
    second = sign_up(db, event, 2).registration_id
    third = sign_up(db, event, 3).registration_id
    fourth = sign_up(db, event, 4).registration_id
    after("sign-ups to the waiting list")
    sign_up(db, event, 1)
    after("a repeat")
    sign_up(db, other, 1)
    sign_up(db, other, 2)
    after("a new person turned away from a full event", other)
    cancel_registration(first)
    after("a cancellation that promotes")
    cancel_registration(fourth)
    after("a cancellation from the waiting list")
    change_capacity(event.id, 5)
    after("a capacity increase")
    make_registration(event, status="waitlisted")
    waiting = make_registration(event, status="waitlisted")
    after("registrations made through the ORM")
    apply_change(waiting.id, "confirm")
    after("an organizer's confirmation from the waiting list")
    cancel_by_organizer(second)
    after("an organizer's cancellation")
    db.session.delete(db.session.get(Registration, third))
    after("a deleted registration")
    cancel_event(event.id)
    after("a cancelled event")
    with time_machine.travel(event.ends_at + timedelta(days=app.config["RETENTION_DAYS"] + 1)):
        purge_expired()
    after("a purge")

    assert [step for step in steps if step[1] != step[2]] == []
    assert [kept for _step, _counted, kept in steps] == [0, 1, 2, 2, 1, 2, 2, 2, 2, 3, 3, 2, 2, 2]


def test_the_seat_counter_cannot_go_below_zero(db):
    event = make_event()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Event).where(Event.id == event.id).values(confirmed_count=-1))
        db.session.flush()
    db.session.rollback()


def test_a_seat_counter_left_too_low_by_a_change_outside_the_orm_is_corrected_before_it_overbooks(app, db, runner):
    make_municipality()
    event = make_event(capacity=2, waitlist_enabled=True)
    past = make_event(starts_at=utcnow() - timedelta(days=1))
    for n in (1, 2):
        register(event.id, applicant(n), "2026-11")
    db.session.commit()
    # A fix made in psql, or a web process still on the code from before the counter.
    db.session.execute(update(Event).where(Event.id.in_([event.id, past.id])).values(confirmed_count=0))
    db.session.commit()

    assert recount_seats() == [event.id]
    db.session.commit()
    outcome = register(event.id, applicant(3), "2026-11")
    db.session.commit()

    assert outcome.registration.status == "waitlisted"
    assert db.session.execute(
        select(func.count()).where(Registration.event_id == event.id, Registration.status == "confirmed")
    ).scalar_one() == 2
    db.session.expire_all()
    assert db.session.get(Event, event.id).confirmed_count == 2
    # A started event's seats no longer matter; its counter is left as it is.
    assert db.session.get(Event, past.id).confirmed_count == 0
    assert recount_seats() == []


def test_flask_recount_seats_corrects_the_counters(app, db, runner):
    event = make_event()
    make_registration(event)
    db.session.commit()
    db.session.execute(update(Event).where(Event.id == event.id).values(confirmed_count=5))
    db.session.commit()

    result = runner.invoke(args=["recount-seats"])

    assert "Seat counters corrected on 1 events." in result.output
    db.session.expire_all()
    assert db.session.get(Event, event.id).confirmed_count == 1


def test_a_status_set_without_loading_the_old_one_still_moves_the_counter(db):
    event = make_event()
    registration = make_registration(event)
    db.session.commit()
    db.session.expire_all()
    registration = db.session.get(Registration, registration.id)
    db.session.expire(registration, ["status"])

    registration.status = "cancelled"
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(Event, event.id).confirmed_count == 0
