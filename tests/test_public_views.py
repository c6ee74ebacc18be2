"""The participant's pages over the test client: register, check your email, manage, cancel."""

import re
from datetime import timedelta

import pytest
import time_machine
from flask import g
from sqlalchemy import func, select, update

from app.models import Event, Message, Registration
from app.models.types import utcnow
from app.services import page_cache
from app.services.tokens import manage_token
from tests.factories import make_event, make_municipality, make_registration


def form_data(**fields) -> dict:
    """A complete, valid registration form."""
    data = {
        "first_name": "Aino",
        "last_name": "Äijälä",
        "email": "  Aino.Aijala@Example.ORG ",
        "municipality": "092",
        "language": "sv",
        "privacy_consent": "y",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def event(db):
    """A published event with seats, and Vantaa and Espoo to choose from."""
    make_municipality("092", "Vantaa", "Vanda")
    make_municipality("049", "Espoo", "Esbo")
    found = make_event(capacity=2, title_fi="Digituki kuntoon", title_sv="Digitalt stöd")
    db.session.commit()
    return found


def registrations(db) -> list[Registration]:
    """Every registration."""
    return list(db.session.execute(select(Registration).order_by(Registration.id)).scalars())


def test_valid_registration_redirects_to_check_your_email_and_stores_normalized_email(client, db, event):
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.slug}/registered")
    [registration] = registrations(db)
    assert registration.email == "aino.aijala@example.org"
    assert (registration.language, registration.municipality_code, registration.status) == ("sv", "092", "confirmed")
    assert db.session.execute(select(Message.kind)).scalars().all() == ["confirmation"]


def test_other_organization_is_stored_instead_of_a_municipality(client, db, event):
    client.post(f"/events/{event.slug}/register", data=form_data(municipality="other", organization="Digi ry"))
    [registration] = registrations(db)
    assert (registration.municipality_code, registration.organization) == (None, "Digi ry")


def test_other_organization_needs_a_name(client, db, event):
    response = client.post(f"/events/{event.slug}/register?lang=en", data=form_data(municipality="other"))
    assert response.status_code == 400
    assert "Enter the name of your organization." in response.text
    assert registrations(db) == []


@pytest.mark.parametrize(
    "missing, message",
    [
        ("first_name", "Enter your first name."),
        ("last_name", "Enter your last name."),
        ("email", "Enter your email address."),
        ("privacy_consent", "To register, accept the privacy notice."),
    ],
)
def test_each_missing_field_gets_its_sentence_and_nothing_is_saved(client, db, event, missing, message):
    response = client.post(f"/events/{event.slug}/register?lang=en", data=form_data(**{missing: None}))
    assert response.status_code == 400
    assert message in response.text
    assert registrations(db) == []
    assert db.session.execute(select(func.count()).select_from(Message)).scalar() == 0


def test_invalid_email_is_explained_and_the_input_is_kept(client, db, event):
    response = client.post(
        f"/events/{event.slug}/register?lang=en",
        data=form_data(email="aino at example", first_name="Åsa-Maria", questions="Kysymys puhujalle"),
    )
    assert response.status_code == 400
    assert "Enter an email address in the form name@example.fi." in response.text
    assert 'value="Åsa-Maria"' in response.text
    assert "Kysymys puhujalle" in response.text
    assert 'value="aino at example"' in response.text
    assert registrations(db) == []


def test_errors_are_linked_from_a_summary_and_described_on_the_field(client, event):
    response = client.post(f"/events/{event.slug}/register?lang=en", data=form_data(first_name=""))
    assert 'class="error-summary"' in response.text
    assert 'href="#first_name"' in response.text
    assert 'aria-describedby="first_name-error"' in response.text
    assert 'id="first_name-error"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_an_unknown_municipality_is_refused(client, db, event):
    response = client.post(f"/events/{event.slug}/register", data=form_data(municipality="999"))
    assert response.status_code == 400
    assert registrations(db) == []


def test_repeat_sign_up_shows_the_same_page_and_creates_nothing(client, db, event):
    first = client.post(f"/events/{event.slug}/register", data=form_data())
    second = client.post(f"/events/{event.slug}/register", data=form_data(first_name="Other"))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(registrations(db)) == 1
    kinds = db.session.execute(select(Message.kind).order_by(Message.id)).scalars().all()
    assert kinds == ["confirmation", "already_registered"]


def test_full_event_takes_people_on_the_waiting_list_and_says_so(client, db, event):
    for n in range(2):
        client.post(f"/events/{event.slug}/register", data=form_data(email=f"p{n}@example.org"))
    page = client.get(f"/events/{event.slug}?lang=en")
    assert "Full – waiting list open" in page.text
    client.post(f"/events/{event.slug}/register", data=form_data(email="late@example.org"))
    assert [r.status for r in registrations(db)] == ["confirmed", "confirmed", "waitlisted"]


def test_closed_registration_is_explained_and_saves_nothing(client, db):
    make_municipality()
    closed = make_event(registration_opens_at=utcnow() - timedelta(days=3),
                        registration_closes_at=utcnow() - timedelta(hours=1))
    db.session.commit()
    page = client.get(f"/events/{closed.slug}?lang=en")
    assert "Registration closed" in page.text
    assert f"/events/{closed.slug}/register" not in page.text
    response = client.post(f"/events/{closed.slug}/register?lang=en", data=form_data())
    assert response.status_code == 409
    assert registrations(db) == []


def test_draft_events_are_not_public(client, db):
    draft = make_event(status="draft")
    db.session.commit()
    assert client.get(f"/events/{draft.slug}").status_code == 404
    assert client.get(f"/events/{draft.slug}/register").status_code == 404


def test_event_page_shows_essentials_and_never_the_join_link(client, db, event):
    page = client.get(f"/events/{event.slug}?lang=en")
    assert page.status_code == 200
    assert "Digituki kuntoon" in page.text
    assert "2 seats left" in page.text
    assert event.join_url not in page.text


def test_event_content_follows_the_language_with_finnish_fallback(client, event):
    assert "Digitalt stöd" in client.get(f"/events/{event.slug}?lang=sv").text
    assert "Digituki kuntoon" in client.get(f"/events/{event.slug}?lang=en").text


def manage_url(registration) -> str:
    """The person's secret manage link."""
    return f"/manage/{manage_token(registration)}"


def test_manage_page_shows_the_join_link_only_when_confirmed(client, db, event):
    confirmed = make_registration(event)
    waiting = make_registration(event, status="waitlisted")
    db.session.commit()
    assert event.join_url in client.get(manage_url(confirmed)).text
    assert event.join_url not in client.get(manage_url(waiting)).text


def test_wrong_token_is_a_polite_404(client, event):
    response = client.get("/manage/not-a-real-token?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_purged_registration_link_no_longer_opens(client, db, event):
    registration = make_registration(event)
    url = manage_url(registration)
    registration.email = registration.first_name = registration.last_name = None
    registration.manage_token_hash = registration.manage_token_nonce = None
    registration.purged_at = utcnow()
    db.session.commit()
    assert client.get(url).status_code == 404


def test_changing_details_and_email_language(client, db, event):
    registration = make_registration(event, language="fi")
    db.session.commit()
    response = client.post(manage_url(registration), data=form_data(first_name="Aino-Maija", language="en"))
    assert response.status_code == 302
    db.session.refresh(registration)
    assert (registration.first_name, registration.language) == ("Aino-Maija", "en")
    assert registration.email != "aino.aijala@example.org"


def test_invalid_change_keeps_the_old_details(client, db, event):
    registration = make_registration(event, first_name="Aino")
    db.session.commit()
    response = client.post(manage_url(registration), data=form_data(first_name=""))
    assert response.status_code == 400
    db.session.refresh(registration)
    assert registration.first_name == "Aino"


def test_cancelling_needs_a_confirmation_step_and_then_promotes_the_waiting_list(client, db, event):
    first = make_registration(event)
    make_registration(event)
    waiting = make_registration(event, status="waitlisted")
    db.session.commit()
    url = manage_url(first)
    assert client.get(f"{url}/cancel").status_code == 200
    db.session.refresh(first)
    assert first.status == "confirmed"
    response = client.post(f"{url}/cancel")
    assert response.status_code == 302
    db.session.refresh(first)
    db.session.refresh(waiting)
    assert (first.status, waiting.status) == ("cancelled", "confirmed")


def test_language_switcher_keeps_the_person_on_the_same_page(client, event):
    page = client.get(f"/events/{event.slug}?lang=fi")
    assert f'href="/events/{event.slug}?lang=sv"' in page.text
    assert '<html lang="fi">' in page.text
    assert '<html lang="sv">' in client.get(f"/events/{event.slug}?lang=sv").text


def test_pages_send_a_strict_content_security_policy(client, event):
    response = client.get(f"/events/{event.slug}")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_many_colleagues_behind_one_address_all_get_through(client, db, event):
    event.capacity = None
    db.session.commit()
    responses = [
        client.post(f"/events/{event.slug}/register", data=form_data(email=f"colleague{n}@vantaa.fi"))
        for n in range(40)
    ]
    assert {r.status_code for r in responses} == {302}
    assert len(registrations(db)) == 40


def test_one_email_hammering_the_form_is_stopped_with_a_message_and_input_kept(client, db, event):
    responses = [
        client.post(f"/events/{event.slug}/register?lang=en", data=form_data(email="same@example.org"))
        for _ in range(11)
    ]
    assert [r.status_code for r in responses[:10]] == [302] * 10
    limited = responses[10]
    assert limited.status_code == 429
    assert "Wait a few minutes and send the form again." in limited.text
    assert 'value="same@example.org"' in limited.text
    assert len(registrations(db)) == 1


def test_line_breaks_in_a_name_are_refused_so_no_header_or_calendar_line_can_be_forged(client, db, event):
    response = client.post(f"/events/{event.slug}/register?lang=en",
                           data=form_data(last_name="Virtanen\r\nBcc: victim@example.org"))
    assert response.status_code == 400
    assert "on one line" in response.text
    assert registrations(db) == []


def test_dates_and_times_follow_the_locales_used_in_finland(client, db):
    from datetime import datetime, timezone

    make_municipality()
    winter_morning = make_event(starts_at=datetime(2030, 1, 16, 7, 0, tzinfo=timezone.utc))  # 9.00 in Helsinki
    db.session.commit()
    finnish = client.get(f"/events/{winter_morning.slug}?lang=fi").text
    assert "16. tammikuuta 2030 9.00</time>" in finnish and ">12.00</time>" in finnish
    assert "16 januari 2030" in client.get(f"/events/{winter_morning.slug}?lang=sv").text
    english = client.get(f"/events/{winter_morning.slug}?lang=en").text
    assert "16 January 2030" in english and "09:00" in english


def test_series_page_lists_upcoming_and_past_events_and_offers_a_feed(client, db):
    from tests.factories import make_series

    series = make_series(slug="kuntatutor", name_fi="Kuntatutor-sarja")
    upcoming = make_event(series=series, title_fi="Tuleva webinaari")
    past_start = utcnow().replace(microsecond=0) - timedelta(days=30)
    make_event(series=series, title_fi="Mennyt webinaari", starts_at=past_start, ends_at=past_start + timedelta(hours=2))
    make_event(series=series, title_fi="Luonnos", status="draft")
    db.session.commit()
    page = client.get("/series/kuntatutor?lang=fi").text
    assert "Tuleva webinaari" in page and "Mennyt webinaari" in page and "Luonnos" not in page
    assert page.index("Tuleva webinaari") < page.index("Mennyt webinaari")
    feed = client.get("/series/kuntatutor/calendar.ics")
    assert feed.mimetype == "text/calendar"
    assert feed.text.count("BEGIN:VEVENT") == 2
    assert upcoming.join_url not in feed.text
    assert client.get("/series/nope").status_code == 404


def test_add_to_calendar_is_a_publish_file_without_the_join_link(client, event):
    response = client.get(f"/events/{event.slug}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert "METHOD:PUBLISH" in response.text
    assert event.ical_uid in response.text.replace("\r\n ", "")
    assert event.join_url not in response.text.replace("\r\n ", "")


def test_personal_invite_download_carries_the_join_link_only_when_confirmed(client, db, event):
    confirmed = make_registration(event)
    waiting = make_registration(event, status="waitlisted")
    db.session.commit()
    invite = client.get(f"{manage_url(confirmed)}/invite.ics").text.replace("\r\n ", "")
    assert "METHOD:REQUEST" in invite and event.join_url in invite
    waiting_file = client.get(f"{manage_url(waiting)}/invite.ics").text.replace("\r\n ", "")
    assert event.join_url not in waiting_file


def test_registration_without_a_csrf_token_is_refused_and_saves_nothing(app, client, db, event):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/events/{event.slug}/register", data=form_data())
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert registrations(db) == []


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def test_the_cached_form_page_gives_each_visitor_their_own_working_csrf_token(app, db, event):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        pages, responses = [], []
        for n in range(2):
            # Requests share this test's app context, and Flask-WTF keeps the token in `g`;
            # a server gives each request a context of its own.
            g.pop("csrf_token", None)
            visitor = app.test_client()
            page = visitor.get(f"/events/{event.slug}/register").text
            token = CSRF_INPUT.search(page).group(1)
            pages.append(page.replace(token, "TOKEN"))
            responses.append(visitor.post(f"/events/{event.slug}/register", base_url="https://localhost",
                                          headers={"Referer": "https://localhost/"},
                                          data=form_data(email=f"p{n}@example.org", csrf_token=token)))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert pages[0] == pages[1]
    assert CSRF_INPUT.search(pages[0]).group(1) == "TOKEN"
    assert [response.status_code for response in responses] == [302, 302]
    assert len(registrations(db)) == 2


def test_the_form_page_is_kept_for_ten_seconds_per_language(client, db, event):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        assert "Digituki kuntoon" in client.get(f"/events/{event.slug}/register?lang=fi").text
        # Written past the ORM, so no content version moves: only the page's ten seconds end it.
        db.session.execute(update(Event).where(Event.id == event.id).values(title_fi="Digituki uudistuu"))
        db.session.commit()
        assert "Digituki kuntoon" in client.get(f"/events/{event.slug}/register?lang=fi").text
        assert "Digitalt stöd" in client.get(f"/events/{event.slug}/register?lang=sv").text
        traveller.shift(timedelta(seconds=11))
        assert "Digituki uudistuu" in client.get(f"/events/{event.slug}/register?lang=fi").text


def test_a_waiting_message_is_shown_on_the_form_page_and_not_kept_for_others(app, client, event):
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Only for you")]
    assert "Only for you" in client.get(f"/events/{event.slug}/register").text
    assert "Only for you" not in app.test_client().get(f"/events/{event.slug}/register").text


def test_a_head_request_for_the_form_is_answered_like_a_get(client, event):
    assert client.head(f"/events/{event.slug}/register").status_code == 200


def full_event_without_waiting_list(db):
    """A published event whose one seat is taken by aino.aijala@example.org, with no waiting list."""
    make_municipality("092", "Vantaa", "Vanda")
    event = make_event(capacity=1, waitlist_enabled=False)
    make_registration(event, email="aino.aijala@example.org")
    db.session.commit()
    return event


def test_on_a_full_event_a_repeat_sign_up_gets_the_same_page_as_a_new_person_and_its_link_by_mail(client, db):
    event = full_event_without_waiting_list(db)

    new = client.post(f"/events/{event.slug}/register?lang=en", data=form_data(email="new.person@example.org"))
    repeat = client.post(f"/events/{event.slug}/register?lang=en", data=form_data(email="aino.aijala@example.org"))

    assert new.status_code == repeat.status_code == 409
    assert "The event is full and has no waiting list." in repeat.text
    assert new.text.replace("new.person@example.org", "EMAIL") == repeat.text.replace("aino.aijala@example.org", "EMAIL")
    assert [r.email for r in registrations(db)] == ["aino.aijala@example.org"]
    assert db.session.execute(select(Message.kind)).scalars().all() == ["already_registered"]


def test_the_form_of_a_full_event_without_waiting_list_says_so_and_promises_no_waiting_list(client, db):
    event = full_event_without_waiting_list(db)
    page = client.get(f"/events/{event.slug}/register?lang=en").text
    assert "put on the waiting list" not in page
    assert "The event is full and has no waiting list." in page


TEXT_FIELDS = ["first_name", "last_name", "email", "organization", "job_title", "questions", "accessibility_needs"]


@pytest.mark.parametrize("name", TEXT_FIELDS)
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"], ids=["nul", "escape", "delete"])
def test_a_control_character_in_any_field_is_refused_with_a_sentence_and_nothing_is_saved(client, db, event, name,
                                                                                          character):
    data = form_data(municipality="other", organization="Digi ry", questions="Kysymys", accessibility_needs="Tekstitys")
    data[name] = f"{data.get(name) or 'Teksti'}{character}x"

    response = client.post(f"/events/{event.slug}/register?lang=en", data=data)

    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert f'id="{name}-error"' in response.text
    assert registrations(db) == []
    assert db.session.execute(select(func.count()).select_from(Message)).scalar() == 0


def test_tabs_and_line_breaks_are_kept_in_the_questions(client, db, event):
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(questions="Ensimmäinen\r\nToinen\tkysymys", accessibility_needs="A\nB"))
    assert response.status_code == 302
    [registration] = registrations(db)
    assert (registration.questions, registration.accessibility_needs) == ("Ensimmäinen\r\nToinen\tkysymys", "A\nB")


def test_a_nul_byte_in_the_questions_is_explained_in_the_pages_language(client, db, event):
    response = client.post(f"/events/{event.slug}/register?lang=fi", data=form_data(questions="Kysymys\x00"))
    assert response.status_code == 400
    assert 'id="questions-error"' in response.text
    assert registrations(db) == []


def test_a_control_character_in_a_change_of_details_is_refused_and_keeps_the_old_details(client, db, event):
    registration = make_registration(event, accessibility_needs="Tekstitys")
    db.session.commit()
    response = client.post(f"{manage_url(registration)}?lang=en",
                           data=form_data(accessibility_needs="Tulkkaus\x00"))
    assert response.status_code == 400
    assert 'id="accessibility_needs-error"' in response.text
    db.session.refresh(registration)
    assert registration.accessibility_needs == "Tekstitys"


def test_every_form_refuses_control_characters_in_every_text_field(app):
    from flask_wtf import FlaskForm

    import app.organizer.forms  # noqa: F401  (defines its forms)
    import app.public.forms  # noqa: F401
    from app.forms import PlainTextForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [form for form in subclasses(FlaskForm) if form.__module__.startswith("app.")]
    assert forms and all(issubclass(form, PlainTextForm) for form in forms), forms


@pytest.mark.parametrize("address", ["/events/a%00b", "/events/a%00b/register", "/series/a%00b",
                                     "/manage/abc%00.def", "/manage/abc%00.def/cancel"])
def test_a_nul_byte_in_an_address_is_a_404(client, event, address):
    assert client.get(address).status_code == 404


def test_spellings_of_one_email_share_its_rate_limit_and_no_address_is_kept(client, db, event):
    from app.extensions import limiter

    event.capacity = None
    db.session.commit()
    # The same address: a precomposed ä in one, a plus a combining diaeresis in the other.
    spellings = ["Aino@Tämpere.example", "aino@ta\u0308mpere.example "]
    responses = [
        client.post(f"/events/{event.slug}/register?lang=en", data=form_data(email=spellings[n % 2]))
        for n in range(11)
    ]
    assert [r.status_code for r in responses[:10]] == [302] * 10
    assert responses[10].status_code == 429
    kept = " ".join(limiter._storage.storage)
    assert "aino" not in kept.lower() and "mpere" not in kept


@pytest.mark.parametrize("page", ["", "/cancel", "/invite.ics"])
def test_manage_pages_are_kept_out_of_caches_and_referrers(client, db, event, page):
    registration = make_registration(event)
    db.session.commit()
    response = client.get(f"{manage_url(registration)}{page}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    # Not no-referrer: over HTTPS the CSRF check refuses the page's own forms without a Referer.
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_event_pages_may_still_be_cached_and_send_the_sites_referrer_policy(client, event):
    response = client.get(f"/events/{event.slug}")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_cancelling_from_an_old_mail_after_the_start_changes_nothing_and_promotes_nobody(client, db, event):
    confirmed = make_registration(event)
    make_registration(event)
    waiting = make_registration(event, status="waitlisted")
    db.session.commit()
    url = manage_url(confirmed)

    with time_machine.travel(event.starts_at + timedelta(minutes=10), tick=False):
        response = client.post(f"{url}/cancel?lang=en")

    assert response.status_code == 409
    assert "can no longer be changed or cancelled" in response.text
    db.session.refresh(confirmed)
    db.session.refresh(waiting)
    assert (confirmed.status, waiting.status) == ("confirmed", "waitlisted")
    assert db.session.execute(select(Message.kind)).scalars().all() == []


def test_after_the_event_the_manage_page_says_it_has_taken_place_and_offers_no_cancelling(client, db, event):
    registration = make_registration(event)
    db.session.commit()
    with time_machine.travel(event.ends_at + timedelta(days=1), tick=False):
        page = client.get(f"{manage_url(registration)}?lang=en").text
        changed = client.post(f"{manage_url(registration)}?lang=en", data=form_data(first_name="Myöhäinen"))
    assert "The webinar has taken place." in page
    assert "/cancel" not in page
    assert event.join_url not in page
    assert changed.status_code == 409
    db.session.refresh(registration)
    assert registration.first_name == "Aino"


def test_during_the_event_a_confirmed_person_still_finds_the_join_link_but_cannot_cancel(client, db, event):
    registration = make_registration(event)
    db.session.commit()
    with time_machine.travel(event.starts_at + timedelta(minutes=5), tick=False):
        page = client.get(f"{manage_url(registration)}?lang=en").text
    assert event.join_url in page
    assert "/cancel" not in page
    assert "can no longer be changed or cancelled" in page


def statements_run_by(app, request) -> int:
    """How many SQL statements one request runs."""
    from sqlalchemy import event as sqlalchemy_event

    from app.extensions import db

    statements = []

    def count(*args):
        statements.append(args[2])

    # A fresh session, as each request on a server has: nothing is loaded yet.
    db.session.remove()
    sqlalchemy_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = request()
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def event_with_programme(items: int):
    """A published event hosted by Vantaa with `items` programme items of two speakers each, and two contacts."""
    from app.models import ContactPerson, ProgrammeItem, Speaker

    event = make_event(host_municipality=make_municipality("092", "Vantaa", "Vanda"))
    for position in range(items):
        event.programme.append(ProgrammeItem(
            position=position, kind="talk", title_fi=f"Puheenvuoro {position}",
            speakers=[Speaker(position=n, name=f"Puhuja {position}.{n}", title="Asiantuntija") for n in range(2)],
        ))
    for position in range(2):
        event.contacts.append(ContactPerson(position=position, name=f"Yhteys {position}", email="info@example.org"))
    return event


def test_the_event_page_takes_as_many_queries_for_six_programme_items_as_for_one(app, client, db, monkeypatch):
    monkeypatch.setattr(page_cache, "PAGE_SECONDS", 0)  # every page rendered afresh: the cost of a miss
    small, large = event_with_programme(1).slug, event_with_programme(6).slug
    db.session.commit()
    client.get(f"/events/{small}")  # the first request of a test fills per-process caches

    queries_small = statements_run_by(app, lambda: client.get(f"/events/{small}"))
    queries_large = statements_run_by(app, lambda: client.get(f"/events/{large}"))

    assert queries_large == queries_small


def test_the_series_page_takes_as_many_queries_for_five_hosts_as_for_one(app, client, db, monkeypatch):
    monkeypatch.setattr(page_cache, "PAGE_SECONDS", 0)  # every page rendered afresh: the cost of a miss
    from tests.factories import make_series

    hosts = [("092", "Vantaa", "Vanda"), ("049", "Espoo", "Esbo"), ("091", "Helsinki", "Helsingfors"),
             ("186", "Järvenpää", "Träskända"), ("245", "Kerava", "Kervo")]
    one, five = make_series(slug="one"), make_series(slug="five")
    make_event(series=one, host_municipality=make_municipality(*hosts[0]))
    for host in hosts:
        make_event(series=five, host_municipality=make_municipality(*host))
    db.session.commit()
    client.get("/series/one")

    queries_one = statements_run_by(app, lambda: client.get("/series/one"))
    queries_five = statements_run_by(app, lambda: client.get("/series/five"))

    assert queries_five == queries_one


def test_the_invite_download_follows_the_seat_and_the_event(client, db, event):
    confirmed = make_registration(event)
    only_waited = make_registration(event, status="cancelled", confirmed_at=None)
    db.session.commit()
    assert b"METHOD:REQUEST" in client.get(f"{manage_url(confirmed)}/invite.ics").data
    assert b"METHOD:PUBLISH" in client.get(f"{manage_url(only_waited)}/invite.ics").data

    event.status = "cancelled"
    db.session.commit()
    cancelled = client.get(f"{manage_url(confirmed)}/invite.ics").data
    assert b"METHOD:CANCEL" in cancelled and event.join_url.encode() not in cancelled
