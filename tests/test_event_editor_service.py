"""The event editor's services without HTTP: slugs, saving in one transaction, seats, clones and status changes."""

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from app.models import (
    Event, FeedbackAnswer, FeedbackForm, FeedbackQuestion, FeedbackResponse, Message, ProgrammeItem,
)
from app.models.types import utcnow
from app.services import events as events_service
from app.services.events import (
    EventCancelled, EventChangedMeanwhile, EventStarted, ItemsHaveFeedback, ProgrammeItemDetails, SlugTaken,
    StillHasRegistrations, cancel_event, clone_details, create_event, details_of, free_slug, publish_event,
    save_event, slug_from, unpublish_event, version_of,
)
from app.services.feedback_forms import add_default_form
from app.services.organizers import create_organizer
from app.services.queue import queue_message
from app.services.registration import CapacityBelowConfirmed, cancel_registration, change_capacity
from tests.factories import make_event, make_registration, make_series

STARTS_AT = datetime(2030, 11, 13, 7, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("title", "slug"), [
    ("Kunnan digituki kuntoon yhteistyöllä", "kunnan-digituki-kuntoon-yhteistyolla"),
    ("Åbo & Ärla: Öppna  data!", "abo-arla-oppna-data"),
    ("  – ", "webinar"),
    ("Digituki 2030 – osa 2", "digituki-2030-osa-2"),
])
def test_slug_from_a_title(title, slug):
    assert slug_from(title) == slug


def test_a_long_title_gives_a_slug_of_at_most_100_characters_without_a_trailing_hyphen():
    slug = slug_from("sana " * 40)
    assert len(slug) <= 100 and not slug.endswith("-")


def test_a_taken_slug_gets_the_next_free_number(db):
    make_event(slug="digituki")
    make_event(slug="digituki-2")
    assert free_slug("Digituki") == "digituki-3"
    assert free_slug("Uusi aihe") == "uusi-aihe"


def test_lowering_the_capacity_below_the_confirmed_count_raises_and_changes_nothing(db):
    event = make_event(capacity=5)
    for _ in range(3):
        make_registration(event)
    db.session.commit()

    with pytest.raises(CapacityBelowConfirmed) as refusal:
        change_capacity(event.id, 2)

    assert refusal.value.confirmed == 3
    db.session.rollback()
    assert db.session.get(Event, event.id).capacity == 5
    assert change_capacity(event.id, 3) == []
    assert db.session.get(Event, event.id).capacity == 3


def test_save_event_refused_for_capacity_saves_nothing_after_the_callers_rollback(db):
    event = make_event(capacity=5, starts_at=STARTS_AT)
    make_registration(event), make_registration(event)
    db.session.commit()
    details = replace(details_of(event), capacity=1, title_fi="Uusi", starts_at=STARTS_AT + timedelta(days=1),
                      ends_at=STARTS_AT + timedelta(days=1, hours=3))

    with pytest.raises(CapacityBelowConfirmed):
        save_event(event.id, details)
    db.session.rollback()

    stored = db.session.get(Event, event.id)
    assert (stored.capacity, stored.title_fi, stored.starts_at, stored.revision) == (5, event.title_fi, STARTS_AT, 0)
    assert db.session.execute(select(Message).where(Message.kind == "event_updated")).first() is None


def test_a_started_event_refuses_a_new_time_but_takes_new_texts(db):
    event = make_event(starts_at=STARTS_AT)
    db.session.commit()
    with time_machine.travel(STARTS_AT + timedelta(minutes=5), tick=False):
        with pytest.raises(EventStarted) as refusal:
            save_event(event.id, replace(details_of(event), capacity=500, join_url=None))
        assert set(refusal.value.fields_changed) == {"capacity", "join_url"}
        db.session.rollback()

        saved = save_event(event.id, replace(details_of(event), title_en="Thanks", recording_url="https://v.example/1"))
    assert saved.changed == ["title_en", "recording_url"]


def test_a_cancelled_event_cannot_be_saved(db):
    event = make_event(status="cancelled")
    with pytest.raises(EventCancelled):
        save_event(event.id, replace(details_of(event), title_fi="Uusi"))


def test_a_typed_slug_of_another_event_raises(db):
    make_event(slug="varattu")
    event = make_event()
    with pytest.raises(SlugTaken):
        save_event(event.id, replace(details_of(event), slug="varattu"))


def test_an_emptied_slug_is_made_again_from_the_title(db):
    event = make_event(slug="vanha-osoite", title_fi="Digituki kuntoon")
    saved = save_event(event.id, replace(details_of(event), slug=None))
    assert event.slug == "digituki-kuntoon" and saved.changed == ["slug"]


def test_programme_times_are_helsinki_times_of_day_on_the_event_date(db):
    user = create_organizer("admin@example.org", "Anna Admin", "x" * 12, role="admin")
    series = make_series()
    # 1 July 2030: summer time, UTC+3.
    summer = datetime(2030, 7, 1, 6, 0, tzinfo=timezone.utc)
    event = create_event(replace(
        details_of(make_event(series=series, starts_at=summer)), slug=None,
        programme=(ProgrammeItemDetails(title_fi="Avaus", time_of_day=time(9, 15)),)), user)
    assert event.programme[0].starts_at == datetime(2030, 7, 1, 6, 15, tzinfo=timezone.utc)
    assert details_of(event).programme[0].time_of_day == time(9, 15)


def test_clone_details_keep_the_wall_clock_time_across_a_change_of_daylight_saving(db):
    # Wednesday 23 October 2030 at 9.00 summer time; the clocks go back on Sunday 27 October.
    event = make_event(starts_at=datetime(2030, 10, 23, 6, 0, tzinfo=timezone.utc),
                       registration_closes_at=datetime(2030, 10, 22, 13, 0, tzinfo=timezone.utc))
    details = clone_details(event)
    assert details.starts_at == datetime(2030, 10, 30, 7, 0, tzinfo=timezone.utc)
    assert details.registration_closes_at == datetime(2030, 10, 29, 14, 0, tzinfo=timezone.utc)
    assert details.slug is None


def test_a_clone_is_granted_to_an_organizer_who_manages_only_the_source_event(db):
    organizer = create_organizer("olli@example.org", "Olli", "x" * 12)
    admin = create_organizer("anna@example.org", "Anna", "x" * 12, role="admin")
    source = make_event(title_fi="Digituki", slug="digituki")
    organizer.events.append(source)

    theirs = create_event(clone_details(source), organizer)
    admins = create_event(clone_details(source), admin)

    assert theirs in organizer.events and admins not in admin.events
    assert (theirs.status, theirs.slug, admins.slug) == ("draft", "digituki-2", "digituki-3")


def test_unpublishing_with_people_registered_raises_with_their_number(db):
    event = make_event()
    make_registration(event), make_registration(event, status="waitlisted")
    make_registration(event, status="cancelled")
    with pytest.raises(StillHasRegistrations) as refusal:
        unpublish_event(event.id)
    assert refusal.value.active == 2
    assert event.status == "published"


def outbox(db, registration_id: int) -> list[tuple[str, str]]:
    """(kind, status) of the registration's outbox rows, oldest first."""
    db.session.expire_all()
    return [(m.kind, m.status) for m in db.session.execute(
        select(Message).where(Message.registration_id == registration_id).order_by(Message.id)).scalars()]


def test_cancelling_the_event_keeps_the_own_cancellation_of_someone_who_cancelled_first(db):
    event = make_event(capacity=2)
    confirmed, leaving, waiting = make_registration(event), make_registration(event), make_registration(
        event, status="waitlisted")
    for registration in (confirmed, leaving, waiting):
        queue_message(registration, "confirmation")
    db.session.commit()
    cancel_registration(leaving.id)
    db.session.commit()
    assert outbox(db, leaving.id) == [("confirmation", "cancelled"), ("registration_cancelled", "pending")]
    assert outbox(db, waiting.id) == [("confirmation", "pending"), ("promoted", "pending")]

    assert cancel_event(event.id) is True
    db.session.commit()
    assert cancel_event(event.id) is False
    db.session.commit()

    # Their own CANCEL still goes, and nothing else: it takes the event out of their calendar.
    assert outbox(db, leaving.id) == [("confirmation", "cancelled"), ("registration_cancelled", "pending")]
    assert outbox(db, confirmed.id) == [("confirmation", "cancelled"), ("event_cancelled", "pending")]
    assert outbox(db, waiting.id) == [
        ("confirmation", "cancelled"), ("promoted", "cancelled"), ("event_cancelled", "pending")]


def test_a_clone_has_no_recording_link_but_keeps_the_join_link(db):
    event = make_event(join_url="https://meet.example.org/j/room", recording_url="https://video.example.org/41")
    details = clone_details(event)
    assert details.recording_url is None
    assert details.join_url == "https://meet.example.org/j/room"


def rated(db, event: Event, item: ProgrammeItem) -> FeedbackAnswer:
    """A feedback answer rating the programme item."""
    form = FeedbackForm(event=event)
    question = FeedbackQuestion(form=form, position=0, kind="programme_rating", text_fi="Arvioi ohjelma")
    answer = FeedbackAnswer(question=question, programme_item=item, value_int=5)
    db.session.add(FeedbackResponse(form=form, answers=[answer]))
    db.session.flush()
    return answer


def test_a_programme_item_with_feedback_ratings_cannot_be_removed(db):
    event = make_event(starts_at=STARTS_AT)
    welcome, panel = ProgrammeItem(position=0, title_fi="Tervetuloa"), ProgrammeItem(position=1, title_fi="Paneeli")
    event.programme.extend([welcome, panel])
    db.session.flush()
    answer = rated(db, event, panel)
    db.session.commit()
    details = details_of(event)

    with pytest.raises(ItemsHaveFeedback) as refusal:
        save_event(event.id, replace(details, title_fi="Uusi", programme=details.programme[:1]))
    db.session.rollback()

    assert [item.id for item in refusal.value.items] == [panel.id]
    assert refusal.value.items[0].title_fi == "Paneeli"
    db.session.expire_all()
    assert [item.title_fi for item in db.session.get(Event, event.id).programme] == ["Tervetuloa", "Paneeli"]
    assert db.session.get(Event, event.id).title_fi != "Uusi"
    assert db.session.get(FeedbackAnswer, answer.id) is not None
    # An item nobody rated can go, and the rated one can change.
    renamed = replace(details.programme[1], title_fi="Paneelikeskustelu")
    save_event(event.id, replace(details, programme=(renamed,)))
    db.session.commit()
    assert [item.title_fi for item in db.session.get(Event, event.id).programme] == ["Paneelikeskustelu"]
    assert db.session.get(FeedbackAnswer, answer.id).value_int == 5


def test_a_save_from_a_stale_version_is_refused_and_changes_nothing(db):
    event = make_event(starts_at=STARTS_AT)
    db.session.commit()
    seen = version_of(event)
    details = details_of(event)

    save_event(event.id, replace(details, title_fi="Ensimmäinen"), seen_version=seen)
    db.session.commit()
    assert version_of(event) != seen
    with pytest.raises(EventChangedMeanwhile):
        save_event(event.id, replace(details, starts_at=STARTS_AT + timedelta(days=1),
                                     ends_at=STARTS_AT + timedelta(days=1, hours=3)), seen_version=seen)
    db.session.rollback()

    stored = db.session.get(Event, event.id)
    assert (stored.title_fi, stored.starts_at, stored.revision) == ("Ensimmäinen", STARTS_AT, 0)


def test_a_programme_change_alone_moves_the_version(db):
    event = make_event(starts_at=STARTS_AT)
    db.session.commit()
    seen = version_of(event)

    save_event(event.id, replace(details_of(event), programme=(ProgrammeItemDetails(title_fi="Avaus"),)))
    db.session.commit()

    assert version_of(db.session.get(Event, event.id)) != seen
    with pytest.raises(EventChangedMeanwhile):
        save_event(event.id, details_of(event), seen_version=seen)


def test_a_save_counts_the_updated_invites_it_queued(db):
    event = make_event(starts_at=STARTS_AT)
    make_registration(event), make_registration(event), make_registration(event, status="waitlisted")
    db.session.commit()
    moved = replace(details_of(event), starts_at=STARTS_AT + timedelta(hours=1),
                    ends_at=STARTS_AT + timedelta(hours=4))

    assert save_event(event.id, moved).invites_updated == 2
    assert save_event(event.id, replace(moved, title_en="New")).invites_updated == 0


def test_a_draft_moved_queues_no_invites(db):
    event = make_event(starts_at=STARTS_AT, status="draft")
    db.session.commit()
    saved = save_event(event.id, replace(details_of(event), starts_at=STARTS_AT + timedelta(hours=1),
                                         ends_at=STARTS_AT + timedelta(hours=4)))
    assert saved.invites_updated == 0 and "starts_at" in saved.changed


def test_the_capacity_is_changed_only_when_it_changed(db, monkeypatch):
    event = make_event(starts_at=STARTS_AT, capacity=5)
    db.session.commit()
    calls = []
    monkeypatch.setattr(events_service, "change_capacity",
                        lambda event_id, capacity: calls.append(capacity) or change_capacity(event_id, capacity))

    save_event(event.id, replace(details_of(event), title_en="Digital support"))
    assert calls == []
    save_event(event.id, replace(details_of(event), capacity=7))
    assert calls == [7] and db.session.get(Event, event.id).capacity == 7


def test_status_changes_say_whether_they_changed_anything(db):
    event = make_event(status="draft")
    assert publish_event(event.id) is True
    assert publish_event(event.id) is False
    assert unpublish_event(event.id) is True
    assert unpublish_event(event.id) is False
    assert event.status == "draft"


def test_moving_an_event_moves_its_survey_until_it_opens(db):
    event = make_event()
    form = add_default_form(event)
    opened_at, closes_at = form.opens_at, form.closes_at
    db.session.commit()
    a_week = timedelta(days=7)

    save_event(event.id, replace(details_of(event), starts_at=event.starts_at + a_week, ends_at=event.ends_at + a_week))
    db.session.commit()

    assert (form.opens_at, form.closes_at) == (opened_at + a_week, closes_at + a_week)


def test_an_open_survey_keeps_its_times_when_the_event_moves(db):
    event = make_event()
    form = add_default_form(event)
    form.opens_at = utcnow() - timedelta(minutes=1)
    opened_at, closes_at = form.opens_at, form.closes_at
    db.session.commit()

    save_event(event.id, replace(details_of(event), ends_at=event.ends_at + timedelta(hours=1)))
    db.session.commit()

    assert (form.opens_at, form.closes_at) == (opened_at, closes_at)
