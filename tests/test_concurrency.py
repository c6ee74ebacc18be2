"""Seat rules under real concurrency: simultaneous sign-ups over HTTP to gunicorn on PostgreSQL (rules 1 and 3)."""

import http.client
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Event, Message, Registration
from app.services.municipalities import load_municipalities
from tests.conftest import scratch_postgres_database
from tests.factories import make_event
from tests.gunicorn_server import GunicornServer

pytestmark = pytest.mark.postgres


@dataclass
class Reply:
    """What the server answered to one POST."""

    status: int
    location: str


@dataclass
class Site:
    """The real app under gunicorn, and an app of our own on the same database to set up and inspect it."""

    app: Flask
    server: GunicornServer

    def published_event(self, capacity: int) -> str:
        """A published event with the given capacity and a waiting list; returns its slug."""
        with self.app.app_context():
            event = make_event(capacity=capacity, waitlist_enabled=True)
            db.session.commit()
            return event.slug

    def statuses(self, slug: str) -> Counter:
        """How many registrations of the event are in each status."""
        with self.app.app_context():
            return Counter(db.session.execute(
                select(Registration.status).join(Registration.event).where(Event.slug == slug)
            ).scalars())

    def outbox(self, slug: str) -> Counter:
        """How many outbox rows of each kind the event's registrations have."""
        with self.app.app_context():
            return Counter(db.session.execute(
                select(Message.kind).join(Message.registration).join(Registration.event).where(Event.slug == slug)
            ).scalars())

    def register_all_at_once(self, slug: str, emails: list[str]) -> list[Reply]:
        """POST one valid registration per email, all released together by a barrier."""
        barrier = threading.Barrier(len(emails))

        def post(n: int, email: str) -> Reply:
            body = urlencode({
                "first_name": "Aino", "last_name": f"Virtanen{n}", "email": email,
                "municipality": "092", "language": "fi", "privacy_consent": "y",
            })
            connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
            try:
                connection.connect()
                barrier.wait(timeout=30)
                connection.request("POST", f"/events/{slug}/register", body=body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                response.read()
                return Reply(response.status, response.getheader("Location", ""))
            except (http.client.HTTPException, ConnectionError) as error:
                # Under the testing config an exception in the app reaches gunicorn, which hangs up.
                return Reply(0, f"no response: {error!r}")
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=len(emails)) as pool:
            return list(pool.map(post, range(len(emails)), emails))


@pytest.fixture(scope="module")
def site(postgres_server):
    """A migrated scratch database with the municipalities, served by the real app under gunicorn.

    One server for the module keeps the run short; each test works on an event of its own.
    """
    with scratch_postgres_database(postgres_server) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            load_municipalities()
            db.session.commit()
        try:
            with GunicornServer("app:create_app('testing')", {"TEST_DATABASE_URL": url},
                                workers=2, threads=8) as server:
                yield Site(app, server)
        finally:
            with app.app_context():
                db.engine.dispose()


def assert_all_sent_to_check_your_email(replies: list[Reply], slug: str, log: str) -> None:
    """Every sign-up got the redirect to the check-your-email page, none an error page."""
    assert all(reply.status in (302, 303) for reply in replies), ([reply.status for reply in replies], log)
    assert {reply.location for reply in replies} == {f"/events/{slug}/registered"}


def test_forty_concurrent_registrations_for_ten_seats_confirm_exactly_ten(site):
    slug = site.published_event(capacity=10)

    replies = site.register_all_at_once(slug, [f"person{n}@example.org" for n in range(40)])

    assert_all_sent_to_check_your_email(replies, slug, site.server.log())
    assert site.statuses(slug) == {"confirmed": 10, "waitlisted": 30}
    assert site.outbox(slug) == {"confirmation": 10, "waitlisted": 30}


@pytest.mark.parametrize("submissions", [2, 3, 6])
def test_identical_simultaneous_submissions_make_one_registration_and_mail_the_repeats_their_link(site, submissions):
    slug = site.published_event(capacity=10)

    replies = site.register_all_at_once(slug, ["aino.virtanen@example.org"] * submissions)

    assert_all_sent_to_check_your_email(replies, slug, site.server.log())
    assert site.statuses(slug) == {"confirmed": 1}
    # The repeats' link mails collapse into one: at most one an hour (rule 3).
    assert site.outbox(slug) == {"confirmation": 1, "already_registered": 1}


def test_last_seat_goes_to_exactly_one_of_two_concurrent_registrations(site):
    slug = site.published_event(capacity=1)

    replies = site.register_all_at_once(slug, ["first@example.org", "second@example.org"])

    assert_all_sent_to_check_your_email(replies, slug, site.server.log())
    assert site.statuses(slug) == {"confirmed": 1, "waitlisted": 1}
    assert site.outbox(slug) == {"confirmation": 1, "waitlisted": 1}
