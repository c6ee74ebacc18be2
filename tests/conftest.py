"""Fixtures: the app on SQLite (or PostgreSQL with TEST_DATABASE_URL), a clean database per test,
and the real services some tests need, which under CI=true must be there."""

import os
import uuid
from contextlib import contextmanager

import flask_babel
import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.extensions import db as _db
from app.extensions import cache, limiter

IN_CI = os.environ.get("CI") == "true"
POSTGRES_SERVER_URL = os.environ.get(
    "TEST_POSTGRES_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def service_missing(what: str, error: Exception):
    """A missing service fails the run in CI and skips the test elsewhere."""
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def ensure_postgres_database(url: str) -> None:
    """Create the named PostgreSQL database if it does not exist yet."""
    database = make_url(url).database
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        engine.dispose()


def drop_everything() -> None:
    """Empty the test database completely, including Alembic's version table."""
    _db.drop_all()
    with _db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at production cost would make every login test take a second; the algorithm stays the same."""
    from argon2 import PasswordHasher

    from app.services import organizers

    saved = organizers.password_hasher, organizers._UNKNOWN_USER_HASH
    organizers.password_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    organizers._UNKNOWN_USER_HASH = organizers.password_hasher.hash("no such organizer")
    yield
    organizers.password_hasher, organizers._UNKNOWN_USER_HASH = saved


def forget_the_previous_organizer() -> None:
    """Let Flask-Login find the organizer of this request's session, not of the request before."""
    g.pop("_login_user", None)


@pytest.fixture(scope="session")
def _app():
    """One app for the session, its schema built by the real migrations."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        ensure_postgres_database(url)
    app = create_app("testing")
    # Tests keep one app context open across requests, so its `g` (where Flask-Babel caches
    # the locale and Flask-Login the user) would otherwise carry one request's language and
    # organizer into the next, also into another test client's.
    app.before_request(flask_babel.refresh)
    app.before_request(forget_the_previous_organizer)
    app.extensions["testing_limiter_state"] = (limiter._storage, limiter._limiter)
    with app.app_context():
        drop_everything()
        upgrade()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def clean_tables() -> None:
    """Delete every row so the next test starts from an empty database."""
    _db.session.rollback()
    # DELETE beats TRUNCATE on PostgreSQL for the few rows a test leaves.
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())
    # What was cached came from rows that are now gone.
    cache.clear()


@pytest.fixture
def app(_app, tmp_path):
    """The app inside an app context, with mail written to this test's own folder.

    Settings a test changes (an SMTP server of its own, a reminder delay) are put back after it.
    """
    settings = dict(_app.config)
    _app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    with _app.app_context():
        limiter.reset()
        yield _app
        _db.session.remove()
        clean_tables()
    _app.config.clear()
    _app.config.update(settings)


@pytest.fixture
def db(app):
    """The database handle, on an empty schema."""
    return _db


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a PostgreSQL server's maintenance database; tests create their own databases."""
    engine = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure to connect means "not there"
        service_missing("PostgreSQL", error)
    finally:
        engine.dispose()
    return POSTGRES_SERVER_URL


@contextmanager
def scratch_postgres_database(server_url: str):
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"kt_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty PostgreSQL database for one test."""
    with scratch_postgres_database(postgres_server) as url:
        yield url


@pytest.fixture
def redis_url():
    """The real Redis, its test database emptied before use."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        service_missing("Redis", error)
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _testing_celery_app_is_current(_app):
    """Give the testing app back its Celery and rate-limit storage after each test, whatever apps it built."""
    # Flask-Limiter keeps one storage on its single extension object, taken from the last
    # app it was bound to; a test app with a private Redis would otherwise leave it there.
    limiter._storage, limiter._limiter = _app.extensions["testing_limiter_state"]
    yield
    limiter._storage, limiter._limiter = _app.extensions["testing_limiter_state"]
    # A test with its Redis down leaves the limiter counting in its fallback memory.
    limiter._storage_dead = False
    # Every create_app makes its Celery app the default, and shared tasks follow the default:
    # without this, a later test's .delay() would go to an earlier test's Redis or broker folder.
    celery_app = _app.extensions["celery"]
    celery_app.set_current()
    celery_app.set_default()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port that keeps every message it accepts."""
    from tests.smtp_server import SMTPTestServer

    with SMTPTestServer() as server:
        yield server
