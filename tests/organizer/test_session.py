"""Organizer sessions: the cookie's flags in production, the idle limit, and a password changed elsewhere."""

import re
from datetime import datetime, timedelta, timezone

import time_machine
from argon2 import PasswordHasher

from app import create_app
from app.extensions import db as _db
from app.models import OrganizerUser
from app.services import organizers
from app.organizer.accounts import SEEN_AT
from app.services.organizers import create_organizer
from config import load_settings
from tests.organizer.conftest import PASSWORD, english_client, log_in
from tests.test_app_factory import in_production

T0 = datetime(2026, 11, 4, 8, 0, tzinfo=timezone.utc)
IDLE_MESSAGE = "Your session ended after 60 minutes without activity. Log in again."


def session_cookie(response) -> str:
    """The Set-Cookie header of the session cookie."""
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    return cookie


def cookie_flags(cookie: str) -> dict:
    """The attributes of a Set-Cookie header, names in lower case."""
    attributes = {}
    for part in cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def test_production_session_cookie_is_secure_httponly_and_same_site_lax(monkeypatch):
    in_production(monkeypatch, RATELIMIT_STORAGE_URI="memory://")
    app = create_app()
    with app.app_context():
        _db.create_all()
        create_organizer("prod.organizer@example.org", "Paula Production", PASSWORD)
        _db.session.commit()
        client = app.test_client()
        https = {"base_url": "https://kuntatutor.example.fi"}
        form = client.get("/organizer/login", **https)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.get_data(as_text=True)).group(1)
        logged_in = client.post("/organizer/login", data={
            "csrf_token": token, "email": "prod.organizer@example.org", "password": PASSWORD,
        }, headers={"Referer": "https://kuntatutor.example.fi/organizer/login"}, **https)
        assert logged_in.status_code == 302
        _db.session.remove()

    for response in (form, logged_in):
        flags = cookie_flags(session_cookie(response))
        assert "secure" in flags
        assert "httponly" in flags
        assert flags["samesite"] == "Lax"


def test_organizer_login_cookie_ends_with_the_browser(client, organizer):
    response = log_in(client, organizer.email)

    flags = cookie_flags(session_cookie(response))
    # No Expires or Max-Age: closing the browser ends the login, whatever the idle limit.
    assert "expires" not in flags and "max-age" not in flags


def test_idle_limit_comes_from_the_environment(monkeypatch):
    assert load_settings("production")["ORGANIZER_IDLE_MINUTES"] == 60
    monkeypatch.setenv("ORGANIZER_IDLE_MINUTES", "15")
    assert load_settings("production")["ORGANIZER_IDLE_MINUTES"] == 15


def test_activity_within_the_idle_limit_keeps_the_organizer_logged_in(client, organizer):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        for _ in range(3):
            # Each request is 59 minutes after the previous one: three hours in all, never idle for an hour.
            clock.shift(timedelta(minutes=59))
            assert client.get("/organizer/").status_code == 200


def test_organizer_idle_longer_than_the_limit_is_logged_out_and_told_why(client, organizer):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        assert client.get("/organizer/").status_code == 200
        clock.shift(timedelta(minutes=61))

        response = client.get("/organizer/account/password?from=bookmark")

        assert response.status_code == 302
        assert response.headers["Location"] == "/organizer/login?next=/organizer/account/password?from%3Dbookmark"
        assert IDLE_MESSAGE in client.get(response.headers["Location"]).get_data(as_text=True)
        # Logged out for good: the next request does not get in either.
        assert client.get("/organizer/").status_code == 302
        log_in(client, organizer.email)
        assert client.get("/organizer/").status_code == 200


def test_idle_limit_is_configurable(app, client, organizer, monkeypatch):
    monkeypatch.setitem(app.config, "ORGANIZER_IDLE_MINUTES", 5)
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        clock.shift(timedelta(minutes=4, seconds=59))
        assert client.get("/organizer/").status_code == 200
        clock.shift(timedelta(minutes=5, seconds=1))
        response = client.get("/organizer/", follow_redirects=True)

    assert "Your session ended after 5 minutes without activity. Log in again." in response.get_data(as_text=True)


def test_an_idle_session_that_opens_the_login_page_shows_the_form_with_the_message(client, organizer):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        clock.shift(timedelta(hours=2))
        response = client.get("/organizer/login")

    assert response.status_code == 200
    assert IDLE_MESSAGE in response.get_data(as_text=True)
    assert 'name="password"' in response.get_data(as_text=True)


def test_logging_in_again_long_after_a_logout_is_not_an_idle_session(client, organizer):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        client.post("/organizer/logout")
        clock.shift(timedelta(days=2))
        log_in(client, organizer.email)

        response = client.get("/organizer/")

    assert response.status_code == 200
    assert IDLE_MESSAGE not in response.get_data(as_text=True)


def test_a_session_without_a_last_seen_time_must_log_in_again(client, organizer):
    log_in(client, organizer.email)
    with client.session_transaction() as session:
        del session[SEEN_AT]

    assert client.get("/organizer/").status_code == 302
    assert client.get("/organizer/").status_code == 302


def test_participants_sessions_have_no_idle_limit(client, organizer):
    with time_machine.travel(T0, tick=False) as clock:
        client.get("/privacy?lang=sv")
        clock.shift(timedelta(days=3))
        # The language chosen three days ago is still remembered: the session cookie was not cut short.
        page = client.get("/privacy").get_data(as_text=True)

    assert '<html lang="sv">' in page


def test_public_pages_do_not_keep_an_organizer_session_alive(client, organizer):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, organizer.email)
        clock.shift(timedelta(minutes=40))
        client.get("/privacy")
        clock.shift(timedelta(minutes=40))
        response = client.get("/organizer/")

    assert response.status_code == 302


def test_a_password_changed_in_another_session_ends_this_one(app, client, organizer):
    other_device = english_client(app)
    log_in(other_device, organizer.email)
    log_in(client, organizer.email)

    changed = client.post("/organizer/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase", "repeat_password": "a brand new passphrase",
    })
    assert changed.status_code == 302

    # The session that changed it carries on; the other one is sent to log in with the new password.
    assert client.get("/organizer/").status_code == 200
    response = other_device.get("/organizer/", follow_redirects=True)
    assert "Your password was changed since you logged in. Log in again with the new password." in (
        response.get_data(as_text=True)
    )
    assert other_device.get("/organizer/").status_code == 302



def stale_hash(**parameters) -> str:
    """PASSWORD hashed with weaker argon2 parameters than the hasher's, as an older release would have left it."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, **parameters).hash(PASSWORD)


def test_a_rehash_at_login_keeps_the_organizers_other_sessions(app, client, db, organizer, monkeypatch):
    organizer.password_hash = stale_hash()
    db.session.commit()
    other_device = english_client(app)
    # The other device logged in while the weaker parameters were still the hasher's own.
    with monkeypatch.context() as older_release:
        older_release.setattr(organizers, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        log_in(other_device, organizer.email)
    assert other_device.get("/organizer/").status_code == 200

    log_in(client, organizer.email)

    rehashed = db.session.get(OrganizerUser, organizer.id)
    db.session.refresh(rehashed)
    assert not organizers.password_hasher.check_needs_rehash(rehashed.password_hash)
    # The same password, so both sessions go on.
    assert client.get("/organizer/").status_code == 200
    response = other_device.get("/organizer/")
    assert response.status_code == 200
    assert "Your password was changed" not in response.get_data(as_text=True)
    assert log_in(english_client(app), organizer.email).status_code == 302


def test_a_rehash_keeps_the_stamp_and_a_new_password_changes_it(db, organizer):
    organizer.password_hash = stale_hash()
    stamp = organizers.password_stamp(organizer)

    assert organizers.authenticate(organizer.email, PASSWORD) is organizer
    rehashed = organizer.password_hash
    assert not organizers.password_hasher.check_needs_rehash(rehashed)
    assert organizers.password_stamp(organizer) == stamp

    organizers.set_password(organizer, PASSWORD)
    # Even the same password set again is a new one: sessions made with the old one end.
    assert organizers.password_stamp(organizer) != stamp
    assert organizers.password_stamp(organizer) != organizers.password_stamp(OrganizerUser(password_hash=rehashed))


def test_a_stale_hash_with_a_shorter_salt_gets_a_full_length_one(db, organizer):
    organizer.password_hash = stale_hash(salt_len=8)

    assert organizers.authenticate(organizer.email, PASSWORD) is organizer

    assert not organizers.password_hasher.check_needs_rehash(organizer.password_hash)
    assert organizers.authenticate(organizer.email, PASSWORD) is organizer
