"""Mail delivery end to end (rules 4, 5 and 7): a registration committed by the web side reaches a real
SMTP server through Redis and a real `celery -A workers worker`, once, whatever breaks on the way.

The module shares one stack: a scratch PostgreSQL database, an aiosmtpd server, a private
redis-server (a test stops and restarts it, so it cannot be the shared one) and a prefork worker with
two children, as on a two-core production machine. Each test works on an event and addresses of its own.
"""

import asyncio
import logging
import re
import shutil
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from datetime import timedelta
from itertools import count
from pathlib import Path

import icalendar
import pytest
import vobject
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text, update

from app import create_app
from app.extensions import db
from app.models import Message, Registration
from app.models.types import utcnow
from app.services.outbox import CLAIM_TIMEOUT
from app.services.organizers import create_organizer
from app.services.registration import Applicant, register
from app.services.tokens import manage_token
from tests.conftest import scratch_postgres_database, service_missing
from tests.factories import make_event, make_municipality
from tests.redis_server import RedisServer
from tests.smtp_server import RecordingHandler, SMTPTestServer
from tests.worker_process import CeleryProcess, stop, wait_for, worker_arguments
from workers.delivery import sweep_outbox

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

# Two pool children, as `celery worker` picks on a two-core machine.
CONCURRENCY = 2
# Settings the shell running the tests may carry that must not reach this module's processes.
DROPPED_SETTINGS = (
    "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "SMTP_TIMEOUT", "MAIL_FROM", "SERVER_NAME",
    "RATELIMIT_STORAGE_URI", "CELERY_BROKER_FOLDER", "MAIL_FOLDER",
)
_addresses = count(1)


class HoldingRecordingHandler(RecordingHandler):
    """The recording handler, which also keeps refused messages and can keep a message, then hold
    back its "250 OK", as happens to a server whose client dies before reading the reply."""

    def __init__(self):
        super().__init__()
        # Messages accepted beyond this many are kept but not answered until it is None again.
        self.hold_after: int | None = None
        self.holding = 0
        self.refused_messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        """Accept or refuse as the recording handler does, holding the reply when told to."""
        reply = await super().handle_DATA(server, session, envelope)
        with self.lock:
            if not reply.startswith("250"):
                self.refused_messages.append(bytes(envelope.original_content))
                return reply
            if self.hold_after is None or len(self.messages) <= self.hold_after:
                return reply
            self.holding += 1
        try:
            while self.hold_after is not None:
                await asyncio.sleep(0.01)
        finally:
            with self.lock:
                self.holding -= 1
        return reply


class HoldingSMTPServer(SMTPTestServer):
    """The test SMTP server with the holding handler."""

    def __init__(self):
        super().__init__()
        # Swapped before the server starts, which is when the controller hands its handler over.
        self.handler = self.controller.handler = HoldingRecordingHandler()

    def received_by(self, address: str) -> list:
        """The accepted messages addressed to `address`."""
        return [mail for mail in self.messages if address in mail.rcpt_tos]


class Stack:
    """The processes and the database one test module shares, and what tests do with them."""

    def __init__(self, app: Flask, smtp: HoldingSMTPServer, broker: RedisServer, folder: Path):
        self.app = app
        self.smtp = smtp
        self.broker = broker
        self.folder = folder
        self.worker: CeleryProcess | None = None
        self._workers = count(1)

    def start_worker(self) -> CeleryProcess:
        """Start a prefork worker with the module's environment; returns once it consumes."""
        n = next(self._workers)
        self.worker = CeleryProcess(
            self.folder / f"worker-{n}.log",
            *worker_arguments("--pool=prefork", f"--concurrency={CONCURRENCY}", f"--hostname=delivery-{n}@%h"),
        )
        wait_for(lambda: re.search(r"delivery-\d+@\S+ ready\.", self.worker.log), [self.worker], "worker start")
        return self.worker

    def stop_worker(self) -> None:
        """Stop the current worker, if any, and everything it started."""
        if self.worker is not None:
            stop(self.worker)

    def sweep(self) -> int:
        """Send the periodic sweep as beat does, wait for the worker to finish it; returns how many it sent."""
        task_id = sweep_outbox.delay().id
        pattern = re.compile(rf"sweep_outbox\[{re.escape(task_id)}\] succeeded in [\d.e-]+s: (\d+)")
        found = wait_for(lambda: pattern.search(self.worker.log), [self.worker], "end of the sweep")
        return int(found.group(1))


@pytest.fixture(scope="module")
def stack(postgres_server, tmp_path_factory):
    """PostgreSQL, SMTP, a private Redis and a worker, with a development app of the test's own on them."""
    executable = shutil.which("redis-server")
    if executable is None:
        service_missing("redis-server", FileNotFoundError("redis-server is not on PATH"))
    folder = tmp_path_factory.mktemp("delivery")
    with ExitStack() as cleanup, pytest.MonkeyPatch.context() as environment:
        database_url = cleanup.enter_context(scratch_postgres_database(postgres_server))
        smtp = cleanup.enter_context(HoldingSMTPServer())
        broker = RedisServer(executable, folder).start()
        cleanup.callback(broker.stop)
        for name in DROPPED_SETTINGS:
            environment.delenv(name, raising=False)
        # The worker inherits this environment; the app below reads the same.
        for name, value in {
            "APP_CONFIG": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker.url,
            "SMTP_HOST": smtp.host,
            "SMTP_PORT": str(smtp.port),
            "BASE_URL": "https://kuntatutor.example.org",
        }.items():
            environment.setenv(name, value)
        app = create_app("development")
        with app.app_context():
            upgrade()
            make_municipality()
            db.session.commit()
        cleanup.callback(dispose, app)
        stack = Stack(app, smtp, broker, folder)
        cleanup.callback(stack.stop_worker)
        stack.start_worker()
        yield stack


def dispose(app: Flask) -> None:
    """Give back the app's broker and database connections."""
    app.extensions["celery"].close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def in_stack(stack):
    """Run the test inside the stack's app, its Celery the one tasks are sent with."""
    if stack.worker.process.poll() is not None:
        pytest.fail(f"The worker died before this test:\n{stack.worker.log}")
    celery_app = stack.app.extensions["celery"]
    celery_app.set_current()
    celery_app.set_default()
    with stack.app.app_context():
        yield
        db.session.remove()


def new_address(label: str) -> str:
    """An address no other test in the module uses."""
    return f"{label}-{next(_addresses)}@example.org"


def sign_up(event_id: int, email: str, language: str = "fi") -> Registration:
    """Register one person, as the registration view does; the caller commits."""
    applicant = Applicant(email=email, first_name="Åsa", last_name="Öhman, Jäätteenmäki", language=language,
                          municipality_code="092")
    return register(event_id, applicant, "2026-11").registration


def messages_of(registration_ids: list[int]) -> list[Message]:
    """The outbox rows of these registrations as the database holds them now."""
    db.session.rollback()
    return list(db.session.execute(
        select(Message).where(Message.registration_id.in_(registration_ids)).order_by(Message.id)
    ).scalars())


def statuses(registration_ids: list[int]) -> Counter:
    """How many of the registrations' rows are in each status right now."""
    return Counter(message.status for message in messages_of(registration_ids))


def only_inline_calendar(mail) -> str:
    """The text/calendar alternative of a received mail (not the invite.ics attachment)."""
    [part] = [
        part for part in mail.walk()
        if part.get_content_type() == "text/calendar" and part.get_content_disposition() is None
    ]
    return part.get_content()


def test_registration_confirmation_reaches_the_smtp_server_once_with_a_real_invite(stack):
    event = make_event(capacity=None)
    email = new_address("confirm")
    registration = sign_up(event.id, email, language="sv")
    db.session.commit()  # the after-commit hook wakes the worker through Redis

    wait_for(lambda: stack.smtp.received_by(email), [stack.worker], "the confirmation")
    [row] = wait_for(lambda: [m for m in messages_of([registration.id]) if m.status == "sent"],
                     [stack.worker], "the row marked sent")
    assert (row.kind, row.attempts) == ("confirmation", 1)
    assert row.sent_at is not None and row.last_error is None

    [received] = stack.smtp.received_by(email)
    mail = received.parsed()
    assert mail["Message-ID"] == row.message_id
    ics = only_inline_calendar(mail)
    calendar = icalendar.Calendar.from_ical(ics)
    [vevent] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == event.ical_uid
    assert str(vevent["ATTENDEE"]).lower() == f"mailto:{email}"
    assert vevent["ATTENDEE"].params["CN"] == "Åsa Öhman, Jäätteenmäki"
    parsed = vobject.readOne(ics)
    assert parsed.method.value == "REQUEST"
    assert parsed.vevent.uid.value == event.ical_uid
    assert parsed.vevent.attendee.value.lower() == f"mailto:{email}"

    # The periodic sweep finds nothing left to send: delivered exactly once.
    assert stack.sweep() == 0
    assert len(stack.smtp.received_by(email)) == 1


def test_a_rush_of_sign_ups_each_committed_alone_is_delivered_by_the_doorbell_sweeps(stack):
    # Within the doorbell's window: a sweep at once, one delayed by the window (a Celery countdown
    # the worker holds), and none for the rest, whose rows the delayed sweep finds. No beat runs here.
    event = make_event(capacity=None)
    db.session.commit()
    emails = [new_address("rush") for _ in range(6)]
    registration_ids = []
    for email in emails:
        registration_ids.append(sign_up(event.id, email).id)
        db.session.commit()

    wait_for(lambda: statuses(registration_ids) == {"sent": len(emails)}, [stack.worker], "every confirmation sent")
    assert all(len(stack.smtp.received_by(email)) == 1 for email in emails)
    assert stack.sweep() == 0


def test_registrations_while_redis_is_down_succeed_and_the_sweep_delivers_each_once(stack, caplog):
    event = make_event(capacity=None)
    db.session.commit()
    emails = [new_address("outage") for _ in range(4)]
    registration_ids = []

    stack.broker.stop()
    waits = []
    try:
        with caplog.at_level(logging.WARNING, logger="workers.wakeup"):
            for email in emails:
                registration_ids.append(sign_up(event.id, email).id)
                started = time.monotonic()
                db.session.commit()
                waits.append(time.monotonic() - started)
    finally:
        stack.broker.start()

    # The first commit finds Redis gone at once; the next ones within the pause do not ask it.
    assert max(waits) < 1.0, f"a commit waited for the missing broker: {waits}"
    warnings = [r for r in caplog.records if r.name == "workers.wakeup" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "the sweep will send them" in warnings[0].getMessage()
    assert statuses(registration_ids) == {"pending": len(emails)}
    assert not any(stack.smtp.received_by(email) for email in emails)

    # Redis is back, empty: beat's next sweep is what finds the rows.
    assert stack.sweep() == len(emails)
    assert statuses(registration_ids) == {"sent": len(emails)}
    assert stack.sweep() == 0
    for email, row in zip(emails, messages_of(registration_ids)):
        [received] = stack.smtp.received_by(email)
        assert received.parsed()["Message-ID"] == row.message_id

    # Once its pause is over, the doorbell wakes the worker again on the next commit, without beat.
    time.sleep(max(0.0, stack.app.extensions["outbox_doorbell"].paused_until - time.monotonic()))
    email = new_address("after-outage")
    later = sign_up(event.id, email).id
    db.session.commit()
    wait_for(lambda: statuses([later]) == {"sent": 1}, [stack.worker], "the confirmation after the outage")
    assert len(stack.smtp.received_by(email)) == 1


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def post_form(client, path: str, data: dict):
    """Open the form page as a browser would, then send it with the page's CSRF token."""
    token = CSRF_INPUT.search(client.get(path).text).group(1)
    return client.post(path, data={**data, "csrf_token": token})


def test_the_whole_journey_works_while_redis_is_down_and_its_mail_goes_once_when_it_is_back(stack):
    event = make_event(capacity=None)
    create_organizer("outage.organizer@example.org", "Olli Organizer", "a-long-enough-password", role="admin")
    db.session.commit()
    staying, leaving = new_address("journey-stays"), new_address("journey-cancels")
    # Built now, so its rate limits count in this Redis (the test fixtures give the shared limiter
    # back its testing storage before every test).
    web_app = create_app("development")
    web = web_app.test_client()

    stack.broker.stop()
    try:
        for email in (staying, leaving):
            signed_up = post_form(web, f"/events/{event.slug}/register", {
                "first_name": "Åsa", "last_name": "Öhman", "email": email, "municipality": "092",
                "language": "sv", "privacy_consent": "y",
            })
            assert signed_up.status_code == 302, signed_up.text
        db.session.rollback()
        registration = db.session.execute(select(Registration).where(Registration.email == leaving)).scalar_one()
        manage = f"/manage/{manage_token(registration)}"
        assert web.get(manage).status_code == 200
        assert post_form(web, f"{manage}/cancel", {}).status_code == 302
        logged_in = post_form(web, "/organizer/login", {
            "email": "outage.organizer@example.org", "password": "a-long-enough-password",
        })
        assert logged_in.status_code == 302
        assert web.get("/organizer/").status_code == 200
    finally:
        stack.broker.start()
        dispose(web_app)

    ids = list(db.session.execute(
        select(Registration.id).where(Registration.email.in_((staying, leaving)))
    ).scalars())
    assert statuses(ids) == {"pending": 2, "cancelled": 1}
    assert stack.sweep() == 2
    assert stack.sweep() == 0
    [confirmation] = stack.smtp.received_by(staying)
    [cancellation] = stack.smtp.received_by(leaving)
    assert "Anmälan bekräftad" in confirmation.parsed()["Subject"]
    assert "Anmälan annullerad" in cancellation.parsed()["Subject"]


def test_transient_refusal_is_retried_by_the_sweep_with_the_same_message_id(stack):
    event = make_event(capacity=None)
    email = new_address("greylisted")
    stack.smtp.refuse("451 4.7.1 Greylisted, try again later", at="DATA")
    registration = sign_up(event.id, email)
    db.session.commit()

    [row] = wait_for(lambda: [m for m in messages_of([registration.id]) if m.attempts == 1],
                     [stack.worker], "the refused try")
    assert row.status == "pending" and "451" in row.last_error
    assert row.due_at > utcnow() + timedelta(seconds=30)
    assert stack.smtp.received_by(email) == []
    # The worker's clock cannot be moved, so the row's retry time is: as if a minute had passed.
    db.session.execute(update(Message).where(Message.id == row.id).values(due_at=utcnow()))
    db.session.commit()

    assert stack.sweep() == 1
    [row] = messages_of([registration.id])
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    [received] = stack.smtp.received_by(email)
    [refused] = [data for data in stack.smtp.handler.refused_messages if email.encode() in data]
    refused_id = re.search(rb"^Message-ID: (\S+)", refused, re.MULTILINE | re.IGNORECASE).group(1).decode()
    assert received.parsed()["Message-ID"] == refused_id == row.message_id


def test_permanent_refusal_fails_the_message_and_later_sweeps_send_nothing(stack):
    event = make_event(capacity=None)
    email = new_address("unknown-user")
    stack.smtp.refuse("550 5.1.1 No such user")
    registration = sign_up(event.id, email)
    db.session.commit()

    [row] = wait_for(lambda: [m for m in messages_of([registration.id]) if m.status == "failed"],
                     [stack.worker], "the refused message marked failed")
    assert row.attempts == 1 and "550" in row.last_error
    assert stack.sweep() == 0
    assert messages_of([registration.id])[0].status == "failed"
    assert stack.smtp.received_by(email) == []


def test_worker_killed_mid_batch_leaves_nothing_unsent_and_duplicates_share_the_message_id(stack):
    event = make_event(capacity=None)
    emails = [new_address("batch") for _ in range(300)]
    registration_ids = [sign_up(event.id, email).id for email in emails]
    # After 40 messages each pool child's next one is taken but not answered: killed then, the
    # worker leaves it `sending` although it arrived.
    stack.smtp.handler.hold_after = len(stack.smtp.messages) + 40
    db.session.commit()  # one transaction: two delivery tasks of at most 200 rows, one per pool child
    try:
        wait_for(lambda: stack.smtp.handler.holding == CONCURRENCY, [stack.worker], "both children mid-send")
        stack.worker.kill_group()
    finally:
        stack.smtp.handler.hold_after = None
    left = statuses(registration_ids)
    assert left == {"sent": 40, "sending": len(emails) - 40}

    stack.start_worker()
    # Within CLAIM_TIMEOUT a claimed row belongs to its worker: the sweep leaves it alone.
    stack.sweep()
    assert statuses(registration_ids)["sending"] == left["sending"]
    # Then the timeout passes for the rows the dead worker held.
    db.session.execute(
        text("UPDATE message SET claimed_at = claimed_at - :age WHERE status = 'sending'"),
        {"age": CLAIM_TIMEOUT + timedelta(minutes=1)},
    )
    db.session.commit()
    assert stack.sweep() == left["sending"]

    rows = messages_of(registration_ids)
    assert Counter(row.status for row in rows) == {"sent": len(emails)}
    message_id_of = {row.registration_id: row.message_id for row in rows}
    recipients_by_message_id = defaultdict(list)
    for email, registration_id in zip(emails, registration_ids):
        received = [mail.parsed()["Message-ID"] for mail in stack.smtp.received_by(email)]
        assert received, f"{email} got no confirmation"
        assert set(received) == {message_id_of[registration_id]}
        for message_id in received:
            recipients_by_message_id[message_id].append(email)
    assert all(len(set(recipients)) == 1 for recipients in recipients_by_message_id.values())
    # Exactly the message each killed child had in flight arrived twice, and collapses by its Message-ID.
    twice = [recipients for recipients in recipients_by_message_id.values() if len(recipients) == 2]
    assert len(twice) == CONCURRENCY
    assert max(len(recipients) for recipients in recipients_by_message_id.values()) == 2
