"""Organizer login, logout, the dashboard and who sees which events."""

from datetime import datetime, timezone

import pytest

from app import create_app
from app.models import OrganizerUser
from app.services.dashboard import event_overview, manageable_events
from app.services.organizers import create_organizer
from tests.factories import make_event, make_registration, make_series
from tests.organizer.conftest import LOGIN_FAILED, PASSWORD, log_in, table_rows


def test_right_password_reaches_dashboard_with_counts(client, db, organizer):
    series = make_series()
    organizer.series.append(series)
    event = make_event(series=series, title_fi="Kunnan digituki kuntoon yhteistyöllä", capacity=3)
    make_registration(event)
    make_registration(event)
    make_registration(event, status="waitlisted")
    make_registration(event, status="cancelled")
    open_ended = make_event(series=series, title_fi="Avoin webinaari", capacity=None)
    make_registration(open_ended)
    db.session.commit()

    response = log_in(client, "Organizer@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/"
    assert db.session.get(OrganizerUser, organizer.id).last_login_at is not None

    dashboard = client.get("/organizer/")
    assert dashboard.status_code == 200
    assert "Olli Organizer" in dashboard.get_data(as_text=True)
    rows = {row[0]: row[2:] for row in table_rows(dashboard)}
    assert rows["Kunnan digituki kuntoon yhteistyöllä"] == ["Published", "2", "1", "1"]
    assert rows["Avoin webinaari"] == ["Published", "1", "0", "No limit"]


def test_dashboard_shows_start_time_in_helsinki(client, db, admin):
    make_event(starts_at=datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc))
    db.session.commit()
    log_in(client, admin.email)

    [row] = table_rows(client.get("/organizer/"))
    # 07:00 UTC is 09:00 in Helsinki in winter.
    assert "9:00" in row[1]


def test_wrong_password_and_unknown_email_get_the_same_answer(client, organizer):
    wrong_password = log_in(client, "organizer@example.org", "not the password")
    unknown_email = log_in(client, "nobody@example.org", "not the password")

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert LOGIN_FAILED in wrong_password.get_data(as_text=True)
    # Apart from the email typed back into the form, the two pages are identical.
    assert wrong_password.get_data(as_text=True).replace("organizer@example.org", "EMAIL") == (
        unknown_email.get_data(as_text=True).replace("nobody@example.org", "EMAIL")
    )


def test_failed_login_keeps_the_email_and_changes_nothing(client, db, organizer):
    response = log_in(client, "organizer@example.org", "not the password")

    page = response.get_data(as_text=True)
    assert 'value="organizer@example.org"' in page
    assert "not the password" not in page
    assert db.session.get(OrganizerUser, organizer.id).last_login_at is None
    assert client.get("/organizer/").status_code == 302


def test_deactivated_organizer_gets_the_same_answer_as_a_wrong_password(client, db, organizer):
    organizer.active = False
    db.session.commit()

    response = log_in(client, "organizer@example.org")

    assert response.status_code == 200
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_deactivated_organizer_loses_an_open_session(client, db, organizer):
    log_in(client, organizer.email)
    organizer.active = False
    db.session.commit()

    response = client.get("/organizer/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organizer/login")


def test_dashboard_without_login_redirects_to_login(client):
    response = client.get("/organizer/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/login?next=%2Forganizer%2F"


def test_login_returns_to_the_page_asked_for(client, organizer):
    response = log_in(client, organizer.email, next_path="/organizer/?view=upcoming")

    assert response.headers["Location"] == "/organizer/?view=upcoming"


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "%2F%2Fevil.example",
        "/%09/evil.example",
        "javascript:alert(1)",
        "organizer/",
    ],
)
def test_next_cannot_send_anyone_off_site(client, organizer, next_path):
    response = log_in(client, organizer.email, next_path=next_path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/"


def test_organizer_sees_only_their_events_and_admin_sees_all(client, db, organizer, admin):
    own_series, other_series = make_series(), make_series()
    organizer.series.append(own_series)
    make_event(series=own_series, title_fi="Oman sarjan webinaari")
    given = make_event(series=other_series, title_fi="Annettu webinaari")
    organizer.events.append(given)
    make_event(series=other_series, title_fi="Toisen sarjan webinaari")
    db.session.commit()

    log_in(client, organizer.email)
    seen_by_organizer = {row[0] for row in table_rows(client.get("/organizer/"))}
    client.post("/organizer/logout")
    log_in(client, admin.email)
    seen_by_admin = {row[0] for row in table_rows(client.get("/organizer/"))}

    assert seen_by_organizer == {"Oman sarjan webinaari", "Annettu webinaari"}
    assert seen_by_admin == {"Oman sarjan webinaari", "Annettu webinaari", "Toisen sarjan webinaari"}


def test_organizer_without_events_sees_an_explanation(client, organizer):
    make_event()
    log_in(client, organizer.email)

    response = client.get("/organizer/")

    assert table_rows(response) == []
    assert "You have no events to manage yet." in response.get_data(as_text=True)


def test_event_overview_counts_active_registrations_and_seats_left(db, admin):
    full = make_event(capacity=2)
    make_registration(full)
    make_registration(full)
    make_registration(full, status="waitlisted")
    unlimited = make_event(capacity=None, status="draft")

    overview = {row.event.id: row for row in event_overview(manageable_events(admin))}

    assert (overview[full.id].confirmed, overview[full.id].waitlisted) == (2, 1)
    assert overview[full.id].seats_left == 0
    assert overview[unlimited.id].seats_left is None
    assert overview[unlimited.id].status == "draft"
    assert overview[unlimited.id].starts_at == unlimited.starts_at


def test_logout_by_post_ends_the_session(client, organizer):
    log_in(client, organizer.email)
    assert client.get("/organizer/").status_code == 200

    response = client.post("/organizer/logout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/organizer/login"
    assert client.get("/organizer/").status_code == 302


def test_logout_is_not_possible_by_get(client, organizer):
    log_in(client, organizer.email)

    assert client.get("/organizer/logout").status_code == 405
    assert client.get("/organizer/").status_code == 200


def test_eleventh_failed_login_from_one_address_is_refused(client, organizer):
    for attempt in range(10):
        assert log_in(client, f"guess{attempt}@example.org", "wrong").status_code == 200

    response = log_in(client, organizer.email)

    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/organizer/login").status_code == 200


def test_guesses_at_one_email_from_many_addresses_are_refused(client, organizer):
    for attempt in range(20):
        assert log_in(client, organizer.email, "wrong", address=f"10.0.0.{attempt}").status_code == 200

    response = log_in(client, organizer.email, address="10.0.1.1")

    assert response.status_code == 429
    assert log_in(client, "someone.else@example.org", "wrong", address="10.0.1.1").status_code == 200


def test_organizer_pages_are_not_cached(client, organizer):
    log_in(client, organizer.email)

    assert client.get("/organizer/").headers["Cache-Control"] == "no-store"


def test_login_and_logout_without_csrf_token_are_rejected():
    app = create_app("testing", WTF_CSRF_ENABLED=True)
    client = app.test_client()

    login_page = client.get("/organizer/login")
    login = client.post("/organizer/login", data={"email": "admin@example.org", "password": PASSWORD})
    logout = client.post("/organizer/logout")

    assert 'name="csrf_token"' in login_page.get_data(as_text=True)
    assert login.status_code == 400
    assert logout.status_code == 400


def test_dashboard_warns_when_the_scheduler_has_been_silent_for_over_ten_minutes(client, db, admin):
    from datetime import timedelta

    import time_machine

    from app.models.types import utcnow
    from app.services.health import record_heartbeat

    log_in(client, admin.email)
    assert "has never reported" in client.get("/organizer/").get_data(as_text=True)
    with time_machine.travel(utcnow() - timedelta(minutes=25), tick=False):
        record_heartbeat()
    assert "silent for 25 minutes" in client.get("/organizer/").get_data(as_text=True)
    record_heartbeat()
    page = client.get("/organizer/").get_data(as_text=True)
    assert "silent for" not in page and "never reported" not in page


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_control_character_in_the_login_is_refused_with_a_sentence(client, organizer, field):
    data = {"email": organizer.email, "password": PASSWORD}
    data[field] = data[field] + "\x00"

    response = client.post("/organizer/login", data=data)

    assert response.status_code == 400
    assert "on one line" in response.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 302


def test_spellings_of_one_email_share_its_login_limit_and_no_address_is_kept(client, organizer):
    from app.extensions import limiter

    # One address: a precomposed ä, and an a with a combining diaeresis.
    spellings = ["Päivi@Example.org", " pa\u0308ivi@example.org"]
    for attempt in range(20):
        log_in(client, spellings[attempt % 2], "wrong", address=f"10.0.0.{attempt}")

    assert log_in(client, spellings[0], "wrong", address="10.0.1.1").status_code == 429
    kept = " ".join(limiter._storage.storage).lower()
    assert "ivi@example" not in kept and "organizer@" not in kept
