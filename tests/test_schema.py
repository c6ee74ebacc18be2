"""Each schema constraint rejects what it exists to reject, on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.models import (
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    Message,
    OrganizerUser,
    ProgrammeItem,
    Registration,
)
from app.extensions import db
from app.models.types import utcnow
from tests.factories import make_event, make_municipality, make_registration


def rejected(db, change):
    """Apply a change and flush; the database must refuse it, and the session is rolled back."""
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            change()
            db.session.flush()


def test_second_active_registration_for_same_email_is_rejected(db):
    event = make_event()
    make_registration(event, email="aino@example.org")
    rejected(db, lambda: make_registration(event, email="aino@example.org"))


def test_same_email_may_register_again_after_cancelling(db):
    event = make_event()
    first = make_registration(event, email="aino@example.org")
    first.status = "cancelled"
    db.session.flush()
    again = make_registration(event, email="aino@example.org")
    assert again.id != first.id


def test_same_email_may_register_for_two_events(db):
    first = make_registration(make_event(), email="aino@example.org")
    second = make_registration(make_event(), email="aino@example.org")
    db.session.commit()
    stored = db.session.execute(
        select(Registration.event_id).where(Registration.email == "aino@example.org", Registration.status == "confirmed")
    ).scalars().all()
    assert sorted(stored) == sorted([first.event_id, second.event_id])


def test_waitlisted_registration_counts_as_active(db):
    event = make_event()
    make_registration(event, email="aino@example.org", status="waitlisted")
    rejected(db, lambda: make_registration(event, email="aino@example.org"))


@pytest.mark.parametrize(
    "field, value",
    [("status", "maybe"), ("attended", "perhaps"), ("language", "de")],
)
def test_registration_values_outside_their_sets_are_rejected(db, field, value):
    registration = make_registration(make_event())
    rejected(db, lambda: setattr(registration, field, value))


def test_registration_has_municipality_or_organization_not_both(db):
    event = make_event()
    rejected(db, lambda: make_registration(event, municipality=make_municipality(), organization="Yhdistys ry"))
    rejected(db, lambda: make_registration(event, municipality_code=None, organization=None))


def test_registration_keeps_personal_data_until_purged(db):
    registration = make_registration(make_event())
    rejected(db, lambda: setattr(registration, "email", None))
    registration.email = None
    registration.first_name = None
    registration.last_name = None
    registration.manage_token_hash = None
    registration.manage_token_nonce = None
    registration.purged_at = utcnow()
    db.session.flush()


def test_manage_token_hashes_are_unique(db):
    event = make_event()
    first = make_registration(event)
    rejected(db, lambda: make_registration(
        event, manage_token_nonce="x", manage_token_hash=first.manage_token_hash
    ))


def test_registration_needs_an_existing_event(db):
    event = make_event()
    registration = make_registration(event)
    rejected(db, lambda: db.session.execute(
        update(Registration).where(Registration.id == registration.id).values(event_id=event.id + 999)
    ))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "archived"},
        {"capacity": -1},
        {"revision": -1},
        {"followup_delay_minutes": -5},
    ],
)
def test_event_values_outside_their_ranges_are_rejected(db, fields):
    rejected(db, lambda: make_event(**fields))


def test_event_must_end_after_it_starts(db):
    start = utcnow() + timedelta(days=3)
    rejected(db, lambda: make_event(starts_at=start, ends_at=start))


def test_registration_must_close_after_it_opens(db):
    opens = utcnow()
    rejected(db, lambda: make_event(registration_opens_at=opens, registration_closes_at=opens - timedelta(hours=1)))


def test_event_slugs_and_calendar_uids_are_unique(db):
    first = make_event()
    rejected(db, lambda: make_event(slug=first.slug))
    rejected(db, lambda: make_event(ical_uid=first.ical_uid))


def test_programme_item_kind_is_talk_panel_or_break(db):
    event = make_event()
    rejected(db, lambda: db.session.add(ProgrammeItem(event=event, position=1, kind="lunch", title_fi="Lounas")))


def message_for(registration, **fields):
    """An outbox row for the registration."""
    values = {"kind": "confirmation", "registration": registration, "dedupe_key": f"r{registration.id}:confirmation"}
    values.update(fields)
    message = Message(**values)
    db.session.add(message)
    return message


def test_message_dedupe_key_makes_each_email_happen_once(db):
    registration = make_registration(make_event())
    message_for(registration)
    db.session.flush()
    rejected(db, lambda: message_for(registration))


def test_message_ids_are_unique(db):
    registration = make_registration(make_event())
    first = message_for(registration)
    db.session.flush()
    rejected(db, lambda: message_for(registration, dedupe_key="other", message_id=first.message_id))


@pytest.mark.parametrize("fields", [{"status": "lost"}, {"kind": "spam"}, {"attempts": -1}, {"status": "sent"}])
def test_message_values_outside_their_sets_are_rejected(db, fields):
    registration = make_registration(make_event())
    rejected(db, lambda: message_for(registration, **fields))


def test_message_is_kept_with_its_sent_time(db):
    registration = make_registration(make_event())
    message = message_for(registration, status="sent", sent_at=utcnow())
    db.session.flush()
    assert message.message_id.startswith("<") and message.message_id.endswith("@kuntatutor>")


def test_one_feedback_response_per_registration(db):
    event = make_event()
    registration = make_registration(event)
    form = FeedbackForm(event=event)
    db.session.add(form)
    db.session.add(FeedbackResponse(form=form, registration=registration))
    db.session.flush()
    rejected(db, lambda: db.session.add(FeedbackResponse(form=form, registration=registration)))


def test_feedback_question_kind_is_known(db):
    form = FeedbackForm(event=make_event())
    db.session.add(form)
    rejected(db, lambda: db.session.add(FeedbackQuestion(form=form, position=1, kind="essay", text_fi="?")))


def test_organizer_role_is_admin_or_organizer(db):
    rejected(db, lambda: db.session.add(
        OrganizerUser(email="x@example.org", name="X", password_hash="h", role="superuser")
    ))


def test_naive_datetimes_are_refused_before_reaching_the_database(db):
    from datetime import datetime

    with pytest.raises(Exception, match="timezone-aware"):
        make_event(starts_at=datetime(2030, 1, 1, 9, 0))
    db.session.rollback()


def test_times_come_back_timezone_aware_in_utc(db):
    event = make_event()
    db.session.commit()
    db.session.expire_all()
    assert event.starts_at.utcoffset() == timedelta(0)
