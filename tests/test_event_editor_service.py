"""The event editor's services without HTTP: slugs, saving in one transaction, seats, clones and status changes."""

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from app.models import Event, Message
from app.services.events import (
    EventCancelled, EventStarted, ProgrammeItemDetails, SlugTaken, StillHasRegistrations, clone_details,
    create_event, details_of, free_slug, save_event, slug_from, unpublish_event,
)
from app.services.organizers import create_organizer
from app.services.registration import CapacityBelowConfirmed, change_capacity
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
