"""Outbox delivery against a real SMTP server: once, retried when it may help, never lost (rules 4-5)."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.services.transport import SMTPMailer
from app.models import Message
from app.models.types import utcnow
from app.services.outbox import BATCH_SIZE, CLAIM_TIMEOUT, Doorbell, claim, deliver_due, retry_delay
from app.services.registration import Applicant, register
from tests.factories import make_event, make_municipality


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending through the test's SMTP server."""
    saved = {key: app.config[key] for key in smtp_server.smtp_config()}
    app.config.update(smtp_server.smtp_config())
    yield app
    app.config.update(saved)


def confirmations(db, count: int) -> list[Message]:
    """Register `count` people for a new event; returns their confirmation rows."""
    make_municipality()
    event = make_event(capacity=None)
    for n in range(count):
        register(event.id, Applicant(email=f"p{n}@example.org", first_name="Åsa", last_name=f"Öhman{n}",
                                     language="sv", municipality_code="092"), "2026-11")
    db.session.commit()
    return list(db.session.execute(select(Message).order_by(Message.id)).scalars())


def test_due_messages_go_out_once_over_one_connection(mail_app, db, smtp_server):
    rows = confirmations(db, 5)
    report = deliver_due()
    assert sorted(report.sent) == [m.id for m in rows]
    assert len(smtp_server.messages) == 5
    assert len(smtp_server.connections) == 1
    db.session.expire_all()
    assert {m.status for m in rows} == {"sent"}
    assert all(m.sent_at is not None and m.attempts == 1 for m in rows)
    received_ids = {mail.parsed()["Message-ID"] for mail in smtp_server.messages}
    assert received_ids == {m.message_id for m in rows}
    assert deliver_due().sent == []
    assert len(smtp_server.messages) == 5


def test_transient_refusal_is_retried_later_with_the_same_message_id(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("451 4.3.0 Try again later", count=1)
    report = deliver_due()
    assert report.retrying == [row.id]
    db.session.expire_all()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    assert row.due_at > utcnow()
    assert deliver_due().sent == []  # not due yet
    with time_machine.travel(row.due_at + timedelta(seconds=1), tick=False):
        assert deliver_due().sent == [row.id]
    db.session.expire_all()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == row.message_id


def test_permanent_refusal_marks_the_message_failed_and_nothing_is_resent(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("550 5.1.1 No such user", count=1)
    assert deliver_due().failed == [row.id]
    db.session.expire_all()
    assert row.status == "failed" and "550" in row.last_error
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        assert deliver_due().sent == []
    assert smtp_server.messages == []


def test_refusal_at_data_is_classified_by_its_code_too(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("554 5.6.0 Message rejected", count=1, at="DATA")
    assert deliver_due().failed == [row.id]


def test_one_refused_message_does_not_hold_up_the_rest_of_the_batch(mail_app, db, smtp_server):
    rows = confirmations(db, 3)
    smtp_server.refuse("550 5.1.1 No such user", count=1)
    report = deliver_due()
    assert report.failed == [rows[0].id]
    assert sorted(report.sent) == [rows[1].id, rows[2].id]


def test_unreachable_server_makes_every_message_wait_and_retry(app, db):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_TIMEOUT=2)
    try:
        rows = confirmations(db, 2)
        report = deliver_due()
    finally:
        app.config["SMTP_HOST"] = ""
    assert sorted(report.retrying) == [m.id for m in rows]
    db.session.expire_all()
    assert {(m.status, m.attempts) for m in rows} == {("pending", 1)}


def test_message_left_sending_by_a_dead_worker_is_reclaimed_after_the_timeout(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    assert claim(utcnow()) == [row.id]  # a worker claimed it, then died
    assert deliver_due().sent == []
    with time_machine.travel(utcnow() + CLAIM_TIMEOUT + timedelta(seconds=1), tick=False):
        assert deliver_due().sent == [row.id]
    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == row.message_id


def test_retries_stop_after_a_day(mail_app, db, smtp_server):
    [row] = confirmations(db, 1)
    smtp_server.refuse("451 4.3.0 Try again later", count=100)
    moment = utcnow()
    for _ in range(40):
        with time_machine.travel(moment, tick=False):
            deliver_due()
        db.session.expire_all()
        if row.status == "failed":
            break
        moment = row.due_at + timedelta(seconds=1)
    assert row.status == "failed"
    assert moment - row.created_at <= timedelta(hours=26)
    assert row.attempts > 5


def test_retry_delays_grow_and_are_capped():
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(minutes=1)
    assert max(delays) == timedelta(hours=2)


def test_two_workers_never_claim_the_same_message(db):
    rows = confirmations(db, 4)
    first = claim(utcnow(), limit=2)
    second = claim(utcnow(), limit=10)
    assert len(first) == 2 and set(first).isdisjoint(second)
    assert sorted(first + second) == [m.id for m in rows]


def test_a_batch_slower_than_the_claim_timeout_hands_back_the_rest_instead_of_racing_the_sweep(
        mail_app, db, smtp_server, monkeypatch):
    rows = confirmations(db, 4)
    send = SMTPMailer.send
    with time_machine.travel(utcnow(), tick=False) as clock:
        def tarpitted_send(mailer, message):
            send(mailer, message)
            clock.shift(timedelta(minutes=4))

        monkeypatch.setattr(SMTPMailer, "send", tarpitted_send)
        # Past HOLD_AT_MOST the batch stops: a sweep after CLAIM_TIMEOUT would otherwise claim
        # the rows it still holds and both would send them.
        assert deliver_due().sent == [rows[0].id, rows[1].id]
        db.session.expire_all()
        assert [m.status for m in rows] == ["sent", "sent", "pending", "pending"]
        monkeypatch.setattr(SMTPMailer, "send", send)
        assert deliver_due().sent == [rows[2].id, rows[3].id]
    assert sorted(mail.parsed()["Message-ID"] for mail in smtp_server.messages) == sorted(m.message_id for m in rows)


class Sweeps:
    """Stands in for sending sweep_outbox: records the countdown of each sweep sent, or fails while `down`."""

    def __init__(self, monkeypatch):
        from workers.delivery import sweep_outbox

        self.sent: list[float] = []
        self.down = False
        monkeypatch.setattr(sweep_outbox, "delay", lambda: self.send(0))
        monkeypatch.setattr(sweep_outbox, "apply_async", lambda countdown: self.send(countdown))

    def send(self, countdown: float) -> None:
        if self.down:
            raise ConnectionError("Redis is down")
        self.sent.append(countdown)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def doorbell(app, monkeypatch):
    """A new doorbell on a hand-moved clock; its sweeps are recorded, not sent."""
    clock = Clock()
    bell = Doorbell(window=0.5, clock=clock)
    monkeypatch.setitem(app.extensions, "outbox_doorbell", bell)
    return bell, clock, Sweeps(monkeypatch)


def sign_up_one(email: str, event) -> None:
    register(event.id, Applicant(email=email, first_name="A", last_name="B", language="fi",
                                 municipality_code="092"), "2026-11")


def test_delivery_is_woken_after_commit_and_never_for_a_rolled_back_transaction(db, doorbell):
    _bell, clock, sweeps = doorbell
    make_municipality()
    event = make_event()
    sign_up_one("kept@example.org", event)
    db.session.flush()
    assert sweeps.sent == []  # not before the commit: the worker must find the row
    db.session.commit()
    assert sweeps.sent == [0]
    clock.now += 10
    sign_up_one("lost@example.org", event)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert sweeps.sent == [0]


def test_in_a_rush_of_commits_a_process_sends_one_sweep_a_window_that_starts_after_each(db, doorbell):
    _bell, clock, sweeps = doorbell
    make_municipality()
    event = make_event(capacity=None)

    def commit_one_at(moment: float) -> None:
        clock.now = 1000.0 + moment
        sign_up_one(f"p{moment}@example.org", event)
        db.session.commit()

    commit_one_at(0.0)  # quiet until now: a sweep at once
    assert sweeps.sent == [0]
    commit_one_at(0.1)  # that sweep may have started already: one that starts after the window
    assert sweeps.sent == [0, 0.5]
    for moment in (0.2, 0.4, 0.59):  # the delayed sweep starts after each of these commits
        commit_one_at(moment)
    assert sweeps.sent == [0, 0.5]
    commit_one_at(0.6)  # it may have started: quiet for a window since the last one at once
    assert sweeps.sent == [0, 0.5, 0]
    commit_one_at(0.7)
    assert sweeps.sent == [0, 0.5, 0, 0.5]


def test_a_broker_failure_is_logged_the_registration_stands_and_the_next_commit_rings_again(db, doorbell, caplog):
    _bell, _clock, sweeps = doorbell
    make_municipality()
    event = make_event()
    sweeps.down = True
    sign_up_one("p@example.org", event)
    db.session.commit()
    assert "the sweep will send them" in caplog.text
    assert db.session.execute(select(Message.status)).scalars().all() == ["pending"]
    sweeps.down = False
    sign_up_one("q@example.org", event)
    db.session.commit()
    assert sweeps.sent == [0]


def test_a_mailing_of_more_than_a_batch_gets_a_task_a_batch_instead_of_the_doorbell(db, doorbell, monkeypatch):
    from workers.delivery import deliver_messages

    _bell, _clock, sweeps = doorbell
    tasks = []
    monkeypatch.setattr(deliver_messages, "delay", lambda ids: tasks.append(list(ids)))
    rows = confirmations(db, BATCH_SIZE + 50)
    assert tasks == [[m.id for m in rows[:BATCH_SIZE]], [m.id for m in rows[BATCH_SIZE:]]]
    assert sweeps.sent == []
