"""The event editor over HTTP: creating, editing, cloning, publishing and cancelling, and every bad input refused."""

import email
import html
from datetime import datetime, timedelta, timezone
from email.policy import default
from html.parser import HTMLParser

import icalendar
import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.models import (
    AuditEntry, ContactPerson, Event, FeedbackAnswer, FeedbackForm, FeedbackQuestion, FeedbackResponse, Message,
    ProgrammeItem, Registration, Speaker,
)
from app.models.types import utcnow
from app.services.composer import compose
from tests.factories import make_event, make_municipality, make_registration, make_series
from tests.organizer.conftest import log_in

# Wednesday 13 November 2030, 9.00-12.00 in Helsinki (UTC+2).
STARTS_AT = datetime(2030, 11, 13, 7, 0, tzinfo=timezone.utc)


class FormReader(HTMLParser):
    """What a browser would send from the page's editor form (the one with class event-editor), buttons left out."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._select, self._textarea = MultiDict(), False, None, None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = "event-editor" in (attrs.get("class") or "")
        if not self._in_form:
            return
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.add(attrs["name"], attrs.get("value", "y"))
            elif attrs.get("type") != "submit":
                self.data.add(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self._select, self._first_option = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.data.add(self._select, attrs.get("value", ""))
                self._select = "chosen:" + self._select
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data.add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if not self._select.startswith("chosen:"):
                self.data.add(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] = self.data[self._textarea] + data.lstrip("\n")


def form_of(response, status: int = 200) -> MultiDict:
    """The editor form's fields as the browser would submit them, from a page answered with the status."""
    assert response.status_code == status, response.status_code
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    assert reader.data, "no editor form on the page"
    return reader.data


def posted(data: MultiDict, action: str = "save", **changes) -> MultiDict:
    """The form data with fields changed (a list for a multiple choice) and the button pressed."""
    data = MultiDict(data)
    for name, value in changes.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    data["action"] = action
    return data


def new_event_form(series_id: int) -> MultiDict:
    """A complete new event as an organizer fills it in, with two programme items and a contact."""
    return MultiDict([
        ("series_id", str(series_id)),
        ("title_fi", "Kunnan digituki kuntoon yhteistyöllä"),
        ("title_sv", "Kommunens digitala stöd i skick genom samarbete"),
        ("title_en", ""),
        ("slug", ""),
        ("host_municipality_code", "092"),
        ("description_fi", "Vantaa on **rakentanut** digitukea."),
        ("description_sv", ""),
        ("description_en", ""),
        ("starts_at", "2030-11-13T09:00"),
        ("ends_at", "2030-11-13T12:00"),
        ("registration_opens_at", ""),
        ("registration_closes_at", "2030-11-12T16:00"),
        ("capacity", "100"),
        ("waitlist_enabled", "y"),
        ("join_url", "https://meet.example.org/j/123"),
        ("recording_url", ""),
        ("reminder_offsets", "1440"),
        ("reminder_offsets", "60"),
        ("followup_delay_minutes", "60"),
        ("programme-0-id", ""),
        ("programme-0-time_of_day", "09:00"),
        ("programme-0-kind", "talk"),
        ("programme-0-title_fi", "Tervetuloa"),
        ("programme-0-title_sv", "Välkommen"),
        ("programme-0-title_en", ""),
        ("programme-0-speakers-0-name", "Maija Meikäläinen"),
        ("programme-0-speakers-0-title", "digituen koordinaattori"),
        ("programme-0-speakers-0-organization", "Vantaan kaupunki"),
        ("programme-1-id", ""),
        ("programme-1-time_of_day", "11:00"),
        ("programme-1-kind", "panel"),
        ("programme-1-title_fi", "Paneelikeskustelu"),
        ("programme-1-title_sv", ""),
        ("programme-1-title_en", ""),
        # A row left empty is not saved.
        ("programme-2-id", ""),
        ("programme-2-time_of_day", ""),
        ("programme-2-kind", "talk"),
        ("programme-2-title_fi", ""),
        ("contacts-0-name", "Pekka Puhelin"),
        ("contacts-0-title", "projektipäällikkö"),
        ("contacts-0-organization", "Uudenmaan liitto"),
        ("contacts-0-email", "pekka.puhelin@example.org"),
        ("contacts-0-phone", "09 123 4567"),
        ("action", "save"),
    ])


@pytest.fixture
def series(db):
    """A series with Vantaa as a municipality to host."""
    make_municipality()
    series = make_series(name_fi="Kuntatutor")
    db.session.commit()
    return series


@pytest.fixture
def admin_client(client, admin):
    """The test client with the admin logged in."""
    log_in(client, admin.email)
    return client


@pytest.fixture
def webinar(db, series):
    """A published webinar with a two-item programme and a contact, as in the demo."""
    event = make_event(series=series, title_fi="Kunnan digituki kuntoon yhteistyöllä", starts_at=STARTS_AT, capacity=5,
                       host_municipality_code="092")
    welcome = ProgrammeItem(position=0, kind="talk", title_fi="Tervetuloa", starts_at=STARTS_AT)
    panel = ProgrammeItem(position=1, kind="panel", title_fi="Paneeli", starts_at=STARTS_AT + timedelta(hours=2))
    event.programme.extend([welcome, panel])
    event.contacts.append(ContactPerson(position=0, name="Pekka Puhelin", phone="09 123 4567"))
    db.session.commit()
    return event


def events_in_db(db) -> int:
    """How many events are stored."""
    return db.session.execute(select(func.count()).select_from(Event)).scalar_one()


def fresh(db, event_id: int) -> Event:
    """The event as stored now."""
    db.session.expire_all()
    return db.session.get(Event, event_id)


def messages(db, kind: str) -> list[Message]:
    """The outbox rows of a kind."""
    db.session.expire_all()
    return list(db.session.execute(select(Message).where(Message.kind == kind).order_by(Message.id)).scalars())


def calendar_of(message: Message) -> icalendar.Event:
    """The VEVENT of the calendar part of the mail the outbox row becomes, and its METHOD."""
    mail = email.message_from_bytes(compose(message).as_bytes(), policy=default)
    part = next(part for part in mail.walk() if part.get_content_type() == "text/calendar")
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    vevent = calendar.walk("VEVENT")[0]
    vevent["X-METHOD"] = calendar["METHOD"]
    return vevent


# Creating


def test_new_event_is_a_draft_with_its_programme_and_contacts_in_utc(db, admin_client, admin, series):
    response = admin_client.post("/organizer/events/new", data=new_event_form(series.id))

    assert response.status_code == 302
    event = db.session.execute(select(Event)).scalar_one()
    assert response.headers["Location"] == f"/organizer/events/{event.id}"
    assert event.status == "draft"
    assert event.slug == "kunnan-digituki-kuntoon-yhteistyolla"
    assert event.series_id == series.id and event.host_municipality_code == "092"
    assert event.starts_at == STARTS_AT and event.ends_at == STARTS_AT + timedelta(hours=3)
    assert event.registration_opens_at is None
    assert event.registration_closes_at == datetime(2030, 11, 12, 14, 0, tzinfo=timezone.utc)
    assert event.reminder_offsets == [1440, 60] and event.followup_delay_minutes == 60
    assert [(item.title_fi, item.kind, item.starts_at) for item in event.programme] == [
        ("Tervetuloa", "talk", STARTS_AT), ("Paneelikeskustelu", "panel", STARTS_AT + timedelta(hours=2))]
    assert event.programme[0].title_sv == "Välkommen" and event.programme[1].title_sv is None
    [speaker] = event.programme[0].speakers
    assert (speaker.name, speaker.title, speaker.organization) == (
        "Maija Meikäläinen", "digituen koordinaattori", "Vantaan kaupunki")
    [contact] = event.contacts
    assert (contact.name, contact.email, contact.phone) == ("Pekka Puhelin", "pekka.puhelin@example.org", "09 123 4567")
    [entry] = db.session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.event_id, entry.user_id) == ("event_created", event.id, admin.id)


def test_the_form_shows_times_in_helsinki_and_saving_it_unchanged_changes_nothing(db, admin_client, webinar):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    assert form["starts_at"] == "2030-11-13T09:00"
    assert form["programme-1-time_of_day"] == "11:00"
    revision = webinar.revision

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form), follow_redirects=True)

    assert "Nothing was changed." in response.get_data(as_text=True)
    event = fresh(db, webinar.id)
    assert event.revision == revision and event.starts_at == STARTS_AT
    assert [item.title_fi for item in event.programme] == ["Tervetuloa", "Paneeli"]
    assert messages(db, "event_updated") == []
    assert db.session.execute(select(AuditEntry)).first() is None


def test_an_empty_slug_is_made_from_the_title_with_a_number_when_taken(db, admin_client, series):
    make_event(series=series, slug="kunnan-digituki-kuntoon-yhteistyolla")
    db.session.commit()

    admin_client.post("/organizer/events/new", data=new_event_form(series.id))

    assert db.session.execute(select(Event.slug).where(Event.status == "draft")).scalar_one() == (
        "kunnan-digituki-kuntoon-yhteistyolla-2")


def test_a_typed_slug_another_event_has_is_refused(db, admin_client, series):
    make_event(series=series, slug="digituki")
    db.session.commit()

    response = admin_client.post("/organizer/events/new", data=posted(new_event_form(series.id), slug="digituki"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="slug-error"' in page and "Another event already uses this web address." in page
    assert events_in_db(db) == 1


def test_an_organizer_chooses_only_among_their_own_series(db, client, organizer, series):
    other = make_series(name_fi="Toisen sarja")
    organizer.series.append(series)
    db.session.commit()
    log_in(client, organizer.email)

    page = client.get("/organizer/events/new").get_data(as_text=True)
    assert "Kuntatutor" in page and "Toisen sarja" not in page

    response = client.post("/organizer/events/new", data=posted(new_event_form(series.id), series_id=str(other.id)))
    assert response.status_code == 400
    assert "Choose one of the series you manage." in response.get_data(as_text=True)
    assert events_in_db(db) == 0

    assert client.post("/organizer/events/new", data=new_event_form(series.id)).status_code == 302
    assert db.session.execute(select(Event.series_id)).scalar_one() == series.id


BAD_INPUTS = [
    ("title_fi", "", "Enter the title in Finnish."),
    ("title_fi", "Rivi\x00katki", "Use only letters, numbers and punctuation, on one line."),
    ("title_sv", "x" * 301, "Use at most 300 characters."),
    ("slug", "Kunnan Digituki", "Use only lowercase letters a–z, digits and single hyphens"),
    ("host_municipality_code", "999", "Choose a municipality from the list, or no host."),
    ("description_fi", "Teksti\x1b[31m", "The text contains characters that cannot be saved."),
    ("starts_at", "ensi keskiviikkona", "Enter the date and time, for example 2.12.2026 9.00."),
    ("starts_at", "", "Enter when the event starts."),
    ("ends_at", "2030-11-13T08:00", "The end must be after the start."),
    ("registration_opens_at", "2030-11-12T17:00", "Registration must open before it closes"),
    ("registration_closes_at", "2030-11-13T12:30", "Registration must close by the end of the event"),
    ("capacity", "paljon", "Enter the number of seats as a whole number, or leave it empty"),
    ("capacity", "0", "Enter the number of seats as a whole number from 1 to 100000"),
    ("join_url", "javascript:alert(1)", "Enter a web address that starts with https://"),
    ("recording_url", "ftp://files.example.org/x", "Enter a web address that starts with https://"),
    ("reminder_offsets", ["7"], "Pick reminders from the list."),
    ("followup_delay_minutes", "", "Enter how many minutes after the end the follow-up survey is sent."),
    ("followup_delay_minutes", "-5", "Enter a whole number of minutes from 0 to 20160."),
    ("followup_delay_minutes", "tunti", "Enter the minutes as a whole number, for example 60."),
    ("programme-1-title_fi", "", "Enter the item's title in Finnish, or empty the whole item to remove it."),
    ("programme-0-time_of_day", "25:61", "Enter the time as hours and minutes, for example 09:30."),
    ("programme-0-time_of_day", "19:00", "Enter a time between the event's start 09:00 and end 12:00."),
    ("programme-0-kind", "keynote", "Choose talk, panel or break."),
    ("programme-0-speakers-0-name", "", "Enter the speaker's name, or empty the row to leave the speaker out."),
    ("programme-0-speakers-0-organization", "Vantaa\r\nBcc: x@example.org",
     "Use only letters, numbers and punctuation, on one line."),
    ("contacts-0-name", "", "Enter the contact person's name, or empty the row to leave them out."),
    ("contacts-0-email", "pekka at vantaa", "Enter an email address in the form name@example.fi."),
    ("contacts-0-phone", "soita minulle", "Enter the phone number in digits"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_INPUTS, ids=[f"{n}={v!r}"[:40] for n, v, _ in BAD_INPUTS])
def test_each_bad_input_is_a_sentence_next_to_its_field_and_nothing_is_saved(db, admin_client, series, name, value,
                                                                              message):
    response = admin_client.post("/organizer/events/new", data=posted(new_event_form(series.id), **{name: value}))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    field_id = f"{name}-0" if name == "reminder_offsets" else name
    error = page.split(f'id="{name}-error"', 1)
    assert len(error) == 2, f"no error next to {name}"
    assert message in error[1].split("</p>", 1)[0]
    # The summary links to the field.
    assert f'href="#{field_id}"' in page
    assert events_in_db(db) == 0


@pytest.mark.parametrize(("name", "value", "message"), [
    ("ends_at", "2030-11-13T08:00", "The end must be after the start."),
    ("programme-0-title_fi", "", "Enter the item's title in Finnish"),
    ("contacts-0-phone", "soita minulle", "Enter the phone number in digits"),
])
def test_a_bad_edit_changes_nothing(db, admin_client, webinar, name, value, message):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    changes = {"title_fi": "Uusi otsikko", "starts_at": "2030-11-13T08:00", name: value}
    if name == "ends_at":
        changes["starts_at"] = "2030-11-13T09:00"

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, **changes))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    event = fresh(db, webinar.id)
    assert (event.title_fi, event.starts_at, event.revision) == ("Kunnan digituki kuntoon yhteistyöllä", STARTS_AT, 0)
    assert [item.title_fi for item in event.programme] == ["Tervetuloa", "Paneeli"]
    assert messages(db, "event_updated") == []


# Editing a published event: invites, seats


def test_moving_a_published_event_mails_confirmed_people_an_invite_with_a_higher_sequence(db, admin_client, webinar):
    confirmed = [make_registration(webinar), make_registration(webinar)]
    make_registration(webinar, status="waitlisted")
    make_registration(webinar, status="cancelled")
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
        form, starts_at="2030-11-20T09:00", ends_at="2030-11-20T12:00", registration_closes_at=""),
        follow_redirects=True)

    assert "Confirmed participants get an updated calendar invite by email." in response.get_data(as_text=True)
    event = fresh(db, webinar.id)
    new_start = datetime(2030, 11, 20, 7, 0, tzinfo=timezone.utc)
    assert event.starts_at == new_start and event.revision == 1
    # The programme keeps its times of day on the new date.
    assert [item.starts_at for item in event.programme] == [new_start, new_start + timedelta(hours=2)]
    updates = messages(db, "event_updated")
    assert sorted(m.registration_id for m in updates) == sorted(r.id for r in confirmed)
    invite = calendar_of(updates[0])
    assert invite["X-METHOD"] == "REQUEST"
    assert invite["SEQUENCE"] == 1
    assert invite.decoded("DTSTART").astimezone(timezone.utc) == new_start
    [entry] = db.session.execute(select(AuditEntry)).scalars()
    assert entry.action == "event_changed" and {"starts_at", "ends_at"} <= set(entry.detail["fields"])


def test_a_new_join_link_raises_the_sequence_again(db, admin_client, webinar):
    make_registration(webinar)
    webinar.revision = 2
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    admin_client.post(f"/organizer/events/{webinar.id}/edit",
                      data=posted(form, join_url="https://meet.example.org/j/new"))

    [update] = messages(db, "event_updated")
    invite = calendar_of(update)
    assert invite["SEQUENCE"] == 3
    assert "https://meet.example.org/j/new" in str(invite["DESCRIPTION"])


def test_new_texts_of_a_published_event_send_no_update(db, admin_client, webinar):
    make_registration(webinar)
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, title_en="Digital support"))

    assert fresh(db, webinar.id).title_en == "Digital support"
    assert fresh(db, webinar.id).revision == 0
    assert messages(db, "event_updated") == []


def test_raising_the_capacity_gives_waiting_people_their_seats(db, admin_client, webinar):
    webinar.capacity = 2
    make_registration(webinar), make_registration(webinar)
    first, second, third = (make_registration(webinar, status="waitlisted") for _ in range(3))
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, capacity="4"),
                                 follow_redirects=True)

    assert "2 people from the waiting list got a seat and are told by email." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Registration, r.id).status for r in (first, second, third)] == [
        "confirmed", "confirmed", "waitlisted"]
    assert sorted(m.registration_id for m in messages(db, "promoted")) == sorted([first.id, second.id])
    assert fresh(db, webinar.id).capacity == 4


def test_an_empty_capacity_means_no_limit_and_promotes_everyone(db, admin_client, webinar):
    webinar.capacity = 1
    make_registration(webinar)
    waiting = make_registration(webinar, status="waitlisted")
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, capacity=""))

    assert fresh(db, webinar.id).capacity is None
    assert db.session.get(Registration, waiting.id).status == "confirmed"


def test_lowering_the_capacity_below_the_confirmed_count_is_refused_and_nothing_is_saved(db, admin_client, webinar):
    for _ in range(3):
        make_registration(webinar)
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
        form, capacity="2", title_fi="Uusi otsikko", starts_at="2030-11-13T10:00", ends_at="2030-11-13T13:00",
        **{"programme-0-time_of_day": "10:00"}))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = page.split('id="capacity-error"', 1)[1].split("</p>", 1)[0]
    assert "3 people have a confirmed seat, so the event needs at least 3 seats." in error
    event = fresh(db, webinar.id)
    assert (event.capacity, event.title_fi, event.starts_at, event.revision) == (
        5, "Kunnan digituki kuntoon yhteistyöllä", STARTS_AT, 0)
    assert messages(db, "event_updated") == []
    assert db.session.execute(select(AuditEntry)).first() is None
    # Down to exactly the confirmed count is fine.
    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, capacity="3"))
    assert response.status_code == 302
    assert fresh(db, webinar.id).capacity == 3


def test_reordering_keeps_the_programme_items_rows(db, admin_client, webinar):
    ids = [item.id for item in webinar.programme]
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    moved = form_of(admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, "down-item-0")))
    admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(moved, **{"programme-0-time_of_day": "",
                                                                                    "programme-1-time_of_day": ""}))

    event = fresh(db, webinar.id)
    # Feedback ratings point at the items' rows, so each item keeps its own.
    assert [(item.id, item.title_fi) for item in event.programme] == [(ids[1], "Paneeli"), (ids[0], "Tervetuloa")]


def test_a_started_event_keeps_its_time_and_seats_but_takes_new_texts(db, client, admin, webinar):
    with time_machine.travel(STARTS_AT + timedelta(days=1), tick=False):
        # Logged in at the travelled time, so the session cookie has not expired there.
        log_in(client, admin.email)
        page = client.get(f"/organizer/events/{webinar.id}/edit")
        form = form_of(page)
        assert "starts_at" not in form and "capacity" not in form and "join_url" not in form
        assert "The event has started" in page.get_data(as_text=True)
        form.add("starts_at", "2031-01-01T09:00")
        form.add("capacity", "1")

        response = client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
            form, recording_url="https://video.example.org/42", description_fi="Kiitos osallistumisesta!"))

    assert response.status_code == 302
    event = fresh(db, webinar.id)
    assert event.recording_url == "https://video.example.org/42"
    assert event.description_fi == "Kiitos osallistumisesta!"
    assert (event.starts_at, event.capacity, event.revision) == (STARTS_AT, 5, 0)


def test_a_cancelled_event_cannot_be_edited(db, admin_client, webinar):
    webinar.status = "cancelled"
    db.session.commit()

    response = admin_client.get(f"/organizer/events/{webinar.id}/edit", follow_redirects=True)
    assert "This event was cancelled, so it can no longer be changed." in response.get_data(as_text=True)
    admin_client.post(f"/organizer/events/{webinar.id}/edit", data=new_event_form(webinar.series_id))
    assert fresh(db, webinar.id).title_fi == "Kunnan digituki kuntoon yhteistyöllä"


# Rows added, moved and removed without JavaScript


ROW_ACTIONS = [
    ("add-item", ["Tervetuloa", "Paneeli", ""], 1),
    ("remove-item-0", ["Paneeli"], 1),
    ("up-item-1", ["Paneeli", "Tervetuloa"], 1),
    ("down-item-0", ["Paneeli", "Tervetuloa"], 1),
    ("add-contact", ["Tervetuloa", "Paneeli"], 2),
    ("remove-contact-0", ["Tervetuloa", "Paneeli"], 0),
]


@pytest.mark.parametrize(("action", "titles", "contacts"), ROW_ACTIONS)
def test_row_buttons_show_the_form_again_rearranged_without_saving_or_errors(db, admin_client, webinar, action,
                                                                             titles, contacts):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    # An input that saving would refuse is kept as typed and not complained about.
    form["capacity"] = "paljon"

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, action))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "error-message" not in page and "error-summary" not in page
    shown = form_of(response)
    assert shown["capacity"] == "paljon"
    assert [shown[f"programme-{n}-title_fi"] for n in range(len(titles))] == titles
    assert f"programme-{len(titles)}-title_fi" not in shown
    assert len(shown.getlist("contacts-0-name") + shown.getlist(f"contacts-{contacts}-name")) == min(contacts, 1)
    assert f"Programme item {len(titles)}</legend>" in page
    event = fresh(db, webinar.id)
    assert [item.title_fi for item in event.programme] == ["Tervetuloa", "Paneeli"] and len(event.contacts) == 1


def test_speakers_are_added_and_removed_per_item_and_saved(db, admin_client, webinar):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    page = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, "add-speaker-1"))
    assert "Speaker 1 of programme item 2</legend>" in page.get_data(as_text=True)
    assert 'value="remove-speaker-1-0"' in page.get_data(as_text=True)
    form = form_of(page)
    form = form_of(admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, "add-speaker-1", **{
        "programme-1-speakers-0-name": "Anna Asiantuntija", "programme-1-speakers-0-title": "kehittämispäällikkö"})))
    form = form_of(admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, "add-speaker-1", **{
        "programme-1-speakers-1-name": "Ville Virkamies"})))
    form = form_of(admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, "remove-speaker-1-0")))
    assert form["programme-1-speakers-0-name"] == "Ville Virkamies"
    assert fresh(db, webinar.id).programme[1].speakers == []

    # The blank third speaker row is left out.
    assert admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form)).status_code == 302
    assert [s.name for s in fresh(db, webinar.id).programme[1].speakers] == ["Ville Virkamies"]


def test_buttons_have_names_that_say_which_row(admin_client, webinar):
    page = admin_client.get(f"/organizer/events/{webinar.id}/edit").get_data(as_text=True)

    assert '<legend>Programme item 2</legend>' in page
    assert ">Move programme item 2 up</button>" in page
    assert ">Remove programme item 2</button>" in page
    assert ">Add a speaker to programme item 1</button>" in page
    assert ">Remove contact person 1</button>" in page
    # The first button of the form saves, so Enter in a field never removes a row.
    form = page.split('class="event-editor"', 1)[1]
    assert form.index('value="save"') < form.index('value="add-speaker-0"')


def test_preview_renders_the_descriptions_sanitized_as_the_public_page(db, admin_client, webinar):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
        form, "preview", description_fi="Tule **mukaan**!\n\n<script>alert(1)</script>",
        description_sv="[Läs mer](https://example.org)"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    preview = page.split('id="preview-title"', 1)[1]
    assert "<strong>mukaan</strong>" in preview
    assert "<script>alert(1)" not in page
    assert 'href="https://example.org" rel="noopener noreferrer"' in preview
    assert fresh(db, webinar.id).description_fi == ""


# Clone


def test_clone_is_a_draft_a_week_later_with_the_same_programme_and_no_registrations(db, admin_client, webinar):
    # 22 October 2030 at 9.00 in summer time; a week later it is winter time and still 9.00.
    summer_start = datetime(2030, 10, 23, 6, 0, tzinfo=timezone.utc)
    webinar.starts_at, webinar.ends_at = summer_start, summer_start + timedelta(hours=3)
    webinar.programme[0].starts_at = summer_start
    webinar.programme[1].starts_at = summer_start + timedelta(hours=2)
    webinar.programme[0].speakers.append(Speaker(
        name="Maija Meikäläinen", title="koordinaattori", organization="Vantaan kaupunki"))
    webinar.recording_url = "https://video.example.org/41"
    make_registration(webinar)
    db.session.commit()

    page = admin_client.get(f"/organizer/events/{webinar.id}/clone")
    assert "Check the join link: the copy keeps the previous event's link." in html.unescape(
        page.get_data(as_text=True))
    form = form_of(page)
    assert form["starts_at"] == "2030-10-30T09:00"
    assert form["join_url"] == webinar.join_url and form["recording_url"] == ""
    assert form["slug"] == "" and form["programme-0-id"] == ""
    response = admin_client.post(f"/organizer/events/{webinar.id}/clone", data=posted(form))

    assert response.status_code == 302
    clone = db.session.execute(select(Event).where(Event.id != webinar.id)).scalar_one()
    assert response.headers["Location"] == f"/organizer/events/{clone.id}"
    assert clone.status == "draft" and clone.revision == 0 and clone.ical_uid != webinar.ical_uid
    assert clone.slug == "kunnan-digituki-kuntoon-yhteistyolla"
    assert clone.starts_at == datetime(2030, 10, 30, 7, 0, tzinfo=timezone.utc)
    assert [(i.title_fi, i.kind, i.starts_at.astimezone(timezone.utc).hour) for i in clone.programme] == [
        ("Tervetuloa", "talk", 7), ("Paneeli", "panel", 9)]
    assert {i.id for i in clone.programme}.isdisjoint({i.id for i in fresh(db, webinar.id).programme})
    assert [s.name for s in clone.programme[0].speakers] == ["Maija Meikäläinen"]
    assert [c.name for c in clone.contacts] == ["Pekka Puhelin"]
    assert (clone.capacity, clone.host_municipality_code, clone.join_url) == (5, "092", webinar.join_url)
    assert clone.recording_url is None
    assert db.session.execute(select(Registration).where(Registration.event_id == clone.id)).first() is None
    source = fresh(db, webinar.id)
    assert [i.title_fi for i in source.programme] == ["Tervetuloa", "Paneeli"]
    [entry] = db.session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.event_id, entry.detail) == ("event_created", clone.id, {"cloned_from": webinar.id})


def test_an_organizer_granted_one_event_is_granted_its_clone(db, client, organizer, webinar):
    organizer.events.append(webinar)
    db.session.commit()
    log_in(client, organizer.email)

    form = form_of(client.get(f"/organizer/events/{webinar.id}/clone"))
    response = client.post(f"/organizer/events/{webinar.id}/clone", data=posted(form))

    clone_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/organizer/events/{clone_id}/edit").status_code == 200


# Publish, unpublish, cancel


def test_publish_and_unpublish_a_draft(db, admin_client, webinar):
    webinar.status = "draft"
    db.session.commit()

    response = admin_client.post(f"/organizer/events/{webinar.id}/publish", follow_redirects=True)
    assert "The event is published" in response.get_data(as_text=True)
    assert fresh(db, webinar.id).status == "published"

    response = admin_client.post(f"/organizer/events/{webinar.id}/unpublish", follow_redirects=True)
    assert "The event is a draft again" in response.get_data(as_text=True)
    assert fresh(db, webinar.id).status == "draft"
    assert [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()] == [
        "event_published", "event_unpublished"]


def test_an_event_with_registrations_cannot_be_unpublished(db, admin_client, webinar):
    make_registration(webinar, status="waitlisted")
    make_registration(webinar, status="cancelled")
    db.session.commit()

    response = admin_client.post(f"/organizer/events/{webinar.id}/unpublish", follow_redirects=True)

    assert "1 person is registered, so the event cannot go back to a draft. Cancel the event instead" in (
        response.get_data(as_text=True))
    assert fresh(db, webinar.id).status == "published"


def test_cancelling_asks_first_then_sends_every_active_registrant_one_cancellation(db, admin_client, webinar):
    confirmed = [make_registration(webinar), make_registration(webinar)]
    waiting = make_registration(webinar, status="waitlisted")
    make_registration(webinar, status="cancelled")
    db.session.commit()

    page = admin_client.get(f"/organizer/events/{webinar.id}/cancel")
    assert "3 people are registered" in page.get_data(as_text=True)
    assert fresh(db, webinar.id).status == "published"

    response = admin_client.post(f"/organizer/events/{webinar.id}/cancel", follow_redirects=True)
    assert "The event was cancelled. 3 people get a cancellation by email." in response.get_data(as_text=True)
    again = admin_client.post(f"/organizer/events/{webinar.id}/cancel", follow_redirects=True)
    assert "This event is already cancelled." in again.get_data(as_text=True)

    assert fresh(db, webinar.id).status == "cancelled"
    cancellations = messages(db, "event_cancelled")
    assert sorted(m.registration_id for m in cancellations) == sorted(r.id for r in [*confirmed, waiting])
    for message in cancellations:
        if message.registration_id != waiting.id:
            cancel = calendar_of(message)
            assert cancel["X-METHOD"] == "CANCEL" and cancel["UID"] == webinar.ical_uid
    [entry] = db.session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.detail) == ("event_cancelled", {"told": 3})


def test_publishing_twice_or_unpublishing_twice_records_each_change_once(db, admin_client, webinar):
    webinar.status = "draft"
    db.session.commit()

    for _ in range(2):
        admin_client.post(f"/organizer/events/{webinar.id}/publish")
    for _ in range(2):
        admin_client.post(f"/organizer/events/{webinar.id}/unpublish")

    assert fresh(db, webinar.id).status == "draft"
    assert [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()] == [
        "event_published", "event_unpublished"]


# Saved meanwhile by someone else


def test_a_second_save_from_the_same_stale_form_is_refused_and_keeps_what_was_typed(db, admin_client, webinar):
    make_registration(webinar)
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    assert form["version"]

    first = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, title_en="Digital support"))
    assert first.status_code == 302
    second = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
        form, starts_at="2030-11-20T09:00", ends_at="2030-11-20T12:00", registration_closes_at="",
        description_fi="Toisen välilehden teksti"))

    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert ("Someone else changed this event while you were editing. Your changes are not saved: copy what you "
            "need, reload the page and make them again.") in page
    shown = form_of(second, 409)
    assert (shown["description_fi"].strip(), shown["starts_at"]) == ("Toisen välilehden teksti", "2030-11-20T09:00")
    event = fresh(db, webinar.id)
    assert (event.title_en, event.description_fi, event.starts_at, event.revision) == (
        "Digital support", "", STARTS_AT, 0)
    assert messages(db, "event_updated") == []
    assert [e.action for e in db.session.execute(select(AuditEntry)).scalars()] == ["event_changed"]
    # Reloaded, the page carries the new version and saves.
    fresh_form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    assert admin_client.post(f"/organizer/events/{webinar.id}/edit",
                             data=posted(fresh_form, description_fi="Uusi")).status_code == 302


def test_a_save_without_the_version_is_refused(db, admin_client, webinar):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    del form["version"]

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, title_en="X"))

    assert response.status_code == 409
    assert fresh(db, webinar.id).title_en is None


# Programme items with feedback ratings


def rate(db, event: Event, item: ProgrammeItem) -> None:
    """Someone rated the programme item in the event's feedback survey."""
    form = FeedbackForm(event=event)
    question = FeedbackQuestion(form=form, position=0, kind="programme_rating", text_fi="Arvioi ohjelma")
    db.session.add(FeedbackResponse(form=form, answers=[
        FeedbackAnswer(question=question, programme_item=item, value_int=4)]))
    db.session.commit()


@pytest.mark.parametrize("how", ["removed", "emptied"])
def test_a_programme_item_with_feedback_ratings_is_not_removed(db, admin_client, webinar, how):
    rate(db, webinar, webinar.programme[0])
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    if how == "removed":
        form = form_of(admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, "remove-item-0")))
        assert "programme-1-title_fi" not in form
    else:
        for name in ("time_of_day", "title_fi", "title_sv", "title_en"):
            form[f"programme-0-{name}"] = ""

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(form, title_fi="Uusi otsikko"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    row = 1 if how == "removed" else 0
    error = page.split(f'id="programme-{row}-title_fi-error"', 1)[1].split("</p>", 1)[0]
    assert "This item has feedback ratings, so it cannot be removed" in error
    # The item is shown again as stored, so saving once more keeps it.
    shown = form_of(response, 400)
    assert shown[f"programme-{row}-title_fi"] == "Tervetuloa"
    assert shown[f"programme-{row}-id"] == str(webinar.programme[0].id)
    event = fresh(db, webinar.id)
    assert event.title_fi == "Kunnan digituki kuntoon yhteistyöllä"
    assert [item.title_fi for item in event.programme] == ["Tervetuloa", "Paneeli"]
    assert db.session.execute(select(func.count()).select_from(FeedbackAnswer)).scalar_one() == 1

    assert admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(shown)).status_code == 302
    assert fresh(db, webinar.id).title_fi == "Uusi otsikko"
    assert db.session.execute(select(func.count()).select_from(FeedbackAnswer)).scalar_one() == 1


# Times in the past


def test_a_new_event_in_the_past_is_refused(db, admin_client, series):
    response = admin_client.post("/organizer/events/new", data=posted(
        new_event_form(series.id), starts_at="2020-11-13T09:00", ends_at="2020-11-13T12:00",
        registration_closes_at=""))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for name, what in (("starts_at", "start"), ("ends_at", "end")):
        error = page.split(f'id="{name}-error"', 1)[1].split("</p>", 1)[0]
        assert f"This time is in the past. Enter {'a' if what == 'start' else 'an'} {what} that is still to come." in (
            error)
    assert events_in_db(db) == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"starts_at": "2020-11-13T09:00"}, "starts_at"),
    ({"starts_at": "2020-11-13T09:00", "ends_at": "2020-11-13T12:00"}, "ends_at"),
])
def test_an_event_not_yet_started_cannot_be_moved_into_the_past(db, admin_client, webinar, changes, field):
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
        form, registration_closes_at="", **{"programme-0-time_of_day": "", "programme-1-time_of_day": ""},
        **changes))

    assert response.status_code == 400
    error = response.get_data(as_text=True).split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert "This time is in the past." in error
    assert fresh(db, webinar.id).starts_at == STARTS_AT


def test_a_copy_landing_in_the_past_is_refused(db, admin_client, series):
    long_ago = utcnow().replace(microsecond=0) - timedelta(days=30)
    source = make_event(series=series, starts_at=long_ago)
    db.session.commit()

    form = form_of(admin_client.get(f"/organizer/events/{source.id}/clone"))
    response = admin_client.post(f"/organizer/events/{source.id}/clone", data=posted(form))

    assert response.status_code == 400
    error = response.get_data(as_text=True).split('id="starts_at-error"', 1)[1].split("</p>", 1)[0]
    assert "This time is in the past." in error
    assert events_in_db(db) == 1


def test_moving_an_event_nobody_is_confirmed_for_promises_no_invites(db, admin_client, webinar):
    make_registration(webinar, status="waitlisted")
    db.session.commit()
    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))

    response = admin_client.post(f"/organizer/events/{webinar.id}/edit", data=posted(
        form, join_url="https://meet.example.org/j/new"), follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "The changes were saved." in page
    assert "updated calendar invite" not in page
    assert fresh(db, webinar.id).revision == 1
