"""Manage links: found by the issued token, and still opening after SECRET_KEY is rotated."""

import pytest

from app.services.tokens import find_registration_by_token, issue_manage_token, manage_token
from tests.factories import make_event, make_registration


@pytest.fixture
def registration(db):
    """A confirmed registration, its token issued under the current secret key."""
    registration = make_registration(make_event())
    db.session.commit()
    return registration


def test_links_mailed_before_and_after_a_secret_key_rotation_both_open(app, client, registration, monkeypatch):
    issued = manage_token(registration)
    monkeypatch.setitem(app.config, "SECRET_KEY", "the-new-secret-after-rotation")
    mailed_since = manage_token(registration)

    assert mailed_since != issued
    assert client.get(f"/manage/{issued}").status_code == 200
    assert client.get(f"/manage/{mailed_since}").status_code == 200


def test_a_token_signed_with_a_key_the_app_does_not_hold_opens_nothing(app, registration, monkeypatch):
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-key-an-attacker-guessed")
    forged = manage_token(registration)
    monkeypatch.setitem(app.config, "SECRET_KEY", "the-real-key")

    assert find_registration_by_token(forged) is None
    assert find_registration_by_token(f"{registration.manage_token_nonce}.") is None
    assert find_registration_by_token(registration.manage_token_nonce) is None


def test_a_new_token_stops_the_old_link(app, db, registration):
    old = manage_token(registration)
    new = issue_manage_token(registration)
    db.session.commit()

    assert find_registration_by_token(old) is None
    assert find_registration_by_token(new) == registration
