"""Rate limits never stop a sign-up because Redis is away (rule 4): each process counts in memory meanwhile."""

import time

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import Registration
from app.services.tokens import manage_token
from tests.factories import make_event, make_municipality
from tests.smtp_server import free_loopback_port


@pytest.fixture
def app_without_redis(tmp_path):
    """An app whose broker and rate-limit storage is a Redis that does not answer."""
    unreachable = f"redis://127.0.0.1:{free_loopback_port()}/0"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite'}",
                     REDIS_URL=unreachable, RATELIMIT_STORAGE_URI=unreachable, MAIL_FOLDER=str(tmp_path / "mail"))
    with app.app_context():
        upgrade()
        make_municipality()
        event = make_event()
        db.session.commit()
        app.config["TEST_EVENT_SLUG"] = event.slug
    yield app
    with app.app_context():
        db.engine.dispose()
    app.extensions["celery"].close()


def sign_up(client, slug: str, email: str):
    """Send the registration form as a person would."""
    return client.post(f"/events/{slug}/register", data={
        "first_name": "Aino", "last_name": "Järvinen", "email": email, "municipality": "092",
        "language": "fi", "privacy_consent": "y",
    })


def test_sign_ups_manage_and_login_work_while_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    slug = app_without_redis.config["TEST_EVENT_SLUG"]

    started = time.monotonic()
    assert sign_up(client, slug, "aino@example.org").status_code == 302
    with app_without_redis.app_context():
        registration = db.session.query(Registration).one()
        link = f"/manage/{manage_token(registration)}"
    assert client.get(link).status_code == 200
    assert client.post(f"{link}/cancel").status_code == 302
    login = client.post("/organizer/login?lang=en", data={"email": "nobody@example.org", "password": "wrong password"})
    assert login.status_code == 200
    assert "not correct" in login.text
    # Each request gives up on Redis within the storage's short timeout, not the OS's.
    assert time.monotonic() - started < 10


def test_limits_still_hold_per_process_while_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    slug = app_without_redis.config["TEST_EVENT_SLUG"]

    answers = [sign_up(client, slug, "same.person@example.org").status_code for _ in range(11)]

    assert answers[:10] == [302] * 10
    assert answers[10] == 429
