"""Calendar files (rule 7): every one is read back by icalendar and by vobject, an independent parser."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from app.services import calendar
from app.services.links import external_url
from app.services.tokens import manage_token
from tests.factories import make_event, make_registration, make_series

JOIN_URL = "https://meet.example.org/j/8675309?pwd=secret"
STARTS_AT = datetime(2030, 11, 13, 7, 0, tzinfo=timezone.utc)


def parse(ics: bytes) -> tuple[icalendar.Calendar, vobject.base.Component]:
    """The calendar as both parsers read it."""
    return icalendar.Calendar.from_ical(ics), vobject.readOne(ics.decode("utf-8"))


def only_vevent(parsed: icalendar.Calendar) -> icalendar.Event:
    """The single VEVENT of a calendar, failing if there are more or none."""
    (vevent,) = parsed.walk("VEVENT")
    return vevent


@pytest.fixture
def event(db):
    """A published webinar with a join link and a long Finnish title."""
    return make_event(
        title_fi="Kunnan digituki kuntoon yhteistyöllä – käytäntöjä Vantaalta, Espoosta ja Järvenpäästä",
        title_sv="Kommunernas digitala stöd i skick genom samarbete",
        starts_at=STARTS_AT,
        join_url=JOIN_URL,
    )


@pytest.fixture
def registration(event):
    """A confirmed participant whose name has Nordic letters and a comma."""
    return make_registration(event, first_name="Äijälä,", last_name="Åsa", email="asa.aijala@vantaa.fi")


def test_event_calendar_is_a_publish_with_the_event_and_its_page(event):
    ics = calendar.event_calendar(event, "fi")
    parsed, card = parse(ics)

    assert parsed["METHOD"] == "PUBLISH"
    assert card.method.value == "PUBLISH"
    vevent = only_vevent(parsed)
    assert vevent["UID"] == event.ical_uid
    assert vevent["SEQUENCE"] == event.revision
    assert vevent["SUMMARY"] == event.title_fi
    assert vevent["URL"] == external_url("public.event", slug=event.slug)
    assert external_url("public.event", slug=event.slug) in vevent["DESCRIPTION"]
    assert vevent["STATUS"] == "CONFIRMED"
    assert "DTSTAMP" in vevent
    assert card.vevent.summary.value == event.title_fi


def test_event_calendar_summary_follows_the_language(event):
    vevent = only_vevent(icalendar.Calendar.from_ical(calendar.event_calendar(event, "sv")))

    assert vevent["SUMMARY"] == event.title_sv


def test_public_calendars_never_carry_the_join_link(event):
    other = make_event(series=event.series, join_url=JOIN_URL)
    ics_files = [calendar.event_calendar(event, "fi"), calendar.series_feed(event.series, [event, other], "fi")]

    for ics in ics_files:
        unfolded = ics.replace(b"\r\n ", b"")
        assert b"meet.example.org" not in unfolded
        parsed, _ = parse(ics)
        for vevent in parsed.walk("VEVENT"):
            assert "LOCATION" not in vevent


def test_cancelled_event_is_published_as_cancelled(event):
    event.status = "cancelled"

    vevent = only_vevent(icalendar.Calendar.from_ical(calendar.event_calendar(event, "fi")))

    assert vevent["STATUS"] == "CANCELLED"


def test_series_feed_names_the_calendar_and_lists_only_visible_events(db):
    series = make_series(name_fi="Kuntatutor", name_sv="Kommuntutor")
    published = make_event(series=series)
    cancelled = make_event(series=series, status="cancelled")
    draft = make_event(series=series, status="draft")

    parsed, card = parse(calendar.series_feed(series, [published, cancelled, draft], "sv"))

    assert parsed["METHOD"] == "PUBLISH"
    assert parsed["X-WR-CALNAME"] == "Kommuntutor"
    assert card.contents["x-wr-calname"][0].value == "Kommuntutor"
    assert {str(vevent["UID"]) for vevent in parsed.walk("VEVENT")} == {published.ical_uid, cancelled.ical_uid}
    assert len(card.contents["vevent"]) == 2


def test_request_invite_is_an_itip_request_with_organizer_attendee_and_join_link(app, registration):
    ics = calendar.invite(registration, "REQUEST")
    parsed, card = parse(ics)

    assert parsed["METHOD"] == "REQUEST"
    assert parsed["VERSION"] == "2.0"
    assert "PRODID" in parsed
    vevent = only_vevent(parsed)
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["ORGANIZER"] == "mailto:kuntatutor@example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Kuntatutor"
    attendee = vevent["ATTENDEE"]
    assert attendee == "mailto:asa.aijala@vantaa.fi"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert vevent["LOCATION"] == JOIN_URL
    assert JOIN_URL in vevent["DESCRIPTION"]
    assert external_url("public.manage", token=manage_token(registration)) in vevent["DESCRIPTION"]
    assert card.vevent.location.value == JOIN_URL
    assert card.vevent.organizer.value == "mailto:kuntatutor@example.org"


def test_cancel_invite_keeps_the_uid_and_drops_the_join_link(registration):
    request = only_vevent(icalendar.Calendar.from_ical(calendar.invite(registration, "REQUEST")))
    ics = calendar.invite(registration, "CANCEL")
    parsed, card = parse(ics)

    assert parsed["METHOD"] == "CANCEL"
    assert card.method.value == "CANCEL"
    vevent = only_vevent(parsed)
    assert vevent["UID"] == request["UID"] == registration.event.ical_uid
    assert card.vevent.uid.value == registration.event.ical_uid
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["ATTENDEE"] == "mailto:asa.aijala@vantaa.fi"
    assert "LOCATION" not in vevent
    assert b"meet.example.org" not in ics.replace(b"\r\n ", b"")


def test_uid_is_stable_across_calls(event, registration):
    files = [
        calendar.event_calendar(event, "fi"),
        calendar.event_calendar(event, "sv"),
        calendar.invite(registration, "REQUEST"),
        calendar.invite(registration, "REQUEST"),
        calendar.invite(registration, "CANCEL"),
    ]

    for ics in files:
        parsed, card = parse(ics)
        assert only_vevent(parsed)["UID"] == event.ical_uid
        assert card.vevent.uid.value == event.ical_uid


def test_sequence_is_the_revision_and_rises_with_it(event, registration):
    first, first_card = parse(calendar.invite(registration, "REQUEST"))
    event.revision += 1
    second, second_card = parse(calendar.invite(registration, "REQUEST"))

    assert only_vevent(first)["SEQUENCE"] == 0
    assert only_vevent(second)["SEQUENCE"] == 1 == event.revision
    assert int(first_card.vevent.sequence.value) < int(second_card.vevent.sequence.value)
    cancel, _ = parse(calendar.invite(registration, "CANCEL"))
    assert only_vevent(cancel)["SEQUENCE"] == event.revision


def test_start_and_end_are_the_events_instants_in_both_parsers(event, registration):
    # Set from Helsinki wall time, so a wrong offset would show.
    helsinki_start = datetime(2030, 6, 17, 9, 30, tzinfo=ZoneInfo("Europe/Helsinki"))
    event.starts_at = helsinki_start
    event.ends_at = helsinki_start + timedelta(hours=2)

    for ics in (calendar.event_calendar(event, "fi"), calendar.invite(registration, "REQUEST")):
        parsed, card = parse(ics)
        vevent = only_vevent(parsed)
        assert vevent.DTSTART == helsinki_start
        assert vevent.DTEND == helsinki_start + timedelta(hours=2)
        assert vevent.DTSTART.utcoffset() is not None
        assert card.vevent.dtstart.value == helsinki_start
        assert card.vevent.dtend.value == helsinki_start + timedelta(hours=2)
        assert b"DTSTART:20300617T063000Z" in ics


def test_attendee_name_with_nordic_letters_and_comma_survives_both_parsers(registration):
    ics = calendar.invite(registration, "REQUEST")
    parsed, card = parse(ics)

    assert registration.full_name == "Äijälä, Åsa"
    # A comma in a parameter value must be quoted, or parsers split the name in two.
    assert 'CN="Äijälä, Åsa"' in ics.replace(b"\r\n ", b"").decode("utf-8")
    assert only_vevent(parsed)["ATTENDEE"].params["CN"] == "Äijälä, Åsa"
    assert card.vevent.attendee.params["CN"] == ["Äijälä, Åsa"]


def test_no_line_is_longer_than_75_octets(event, registration):
    event.title_fi = "Äänekkäät älypuhelimet ja yhteisöllinen digituki " * 4
    event.description_fi = "Kuvaus, jossa on ääkkösiä ja pitkiä rivejä. " * 20
    registration.last_name = "Åsa-Öhrnberg-Äijälä-Lindström-Wikström, " * 3

    files = [
        calendar.event_calendar(event, "fi"),
        calendar.series_feed(event.series, [event], "fi"),
        calendar.invite(registration, "REQUEST"),
        calendar.invite(registration, "CANCEL"),
    ]

    for ics in files:
        lines = ics.split(b"\r\n")
        assert max(len(line) for line in lines) <= 75
        assert any(line.startswith(b" ") for line in lines)
        parsed, card = parse(ics)
        assert only_vevent(parsed)["SUMMARY"] == event.title_fi
        assert card.vevent.summary.value == event.title_fi


def test_invite_accepts_only_request_and_cancel(registration):
    with pytest.raises(ValueError):
        calendar.invite(registration, "PUBLISH")
