"""The participant's pages over the test client: register, check your email, manage, cancel."""

import re
from datetime import timedelta

import pytest
import time_machine
from flask import g
from sqlalchemy import func, select

from app.models import Message, Registration
from app.models.types import utcnow
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
        event.title_fi = "Digituki uudistuu"
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
