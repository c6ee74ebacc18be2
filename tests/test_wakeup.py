"""Waking workers after a commit (rule 4): once a window in a rush, never for a rollback, and never
holding up a commit while the broker is away."""

import shutil
import time

import pytest
from sqlalchemy import select

from app import create_app
from app.models import Message
from app.services.outbox import BATCH_SIZE
from app.services.registration import Applicant, register
from tests.factories import make_event, make_municipality
from tests.redis_server import RedisServer
from workers.delivery import deliver_messages, sweep_outbox
from workers.wakeup import Doorbell


class Tasks:
    """Stands in for publishing the delivery tasks: records what is sent, or fails while `down`."""

    def __init__(self, monkeypatch):
        self.sweeps: list[float] = []
        self.batches: list[list[int]] = []
        self.down = False
        monkeypatch.setattr(sweep_outbox, "apply_async", self.send_sweep)
        monkeypatch.setattr(deliver_messages, "apply_async", self.send_batch)

    def send_sweep(self, countdown: float = 0, **options) -> None:
        if self.down:
            raise ConnectionError("Redis is down")
        self.sweeps.append(countdown)

    def send_batch(self, args, **options) -> None:
        if self.down:
            raise ConnectionError("Redis is down")
        self.batches.append(list(args[0]))


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def doorbell(app, monkeypatch):
    """A new doorbell on a hand-moved clock; its tasks are recorded, not sent."""
    clock = Clock()
    bell = Doorbell(window=0.5, pause_after_failure=5.0, clock=clock)
    monkeypatch.setitem(app.extensions, "outbox_doorbell", bell)
    return bell, clock, Tasks(monkeypatch)


def sign_up_one(email: str, event) -> None:
    register(event.id, Applicant(email=email, first_name="A", last_name="B", language="fi",
                                 municipality_code="092"), "2026-11")


def test_delivery_is_woken_after_commit_and_never_for_a_rolled_back_transaction(db, doorbell):
    _bell, clock, tasks = doorbell
    make_municipality()
    event = make_event()
    sign_up_one("kept@example.org", event)
    db.session.flush()
    assert tasks.sweeps == []  # not before the commit: the worker must find the row
    db.session.commit()
    assert tasks.sweeps == [0]
    clock.now += 10
    sign_up_one("lost@example.org", event)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert tasks.sweeps == [0]


def test_in_a_rush_of_commits_a_process_sends_one_sweep_a_window_that_starts_after_each(db, doorbell):
    _bell, clock, tasks = doorbell
    make_municipality()
    event = make_event(capacity=None)

    def commit_one_at(moment: float) -> None:
        clock.now = 1000.0 + moment
        sign_up_one(f"p{moment}@example.org", event)
        db.session.commit()

    commit_one_at(0.0)  # quiet until now: a sweep at once
    assert tasks.sweeps == [0]
    commit_one_at(0.1)  # that sweep may have started already: one that starts after the window
    assert tasks.sweeps == [0, 0.5]
    for moment in (0.2, 0.4, 0.59):  # the delayed sweep starts after each of these commits
        commit_one_at(moment)
    assert tasks.sweeps == [0, 0.5]
    commit_one_at(0.6)  # it may have started: quiet for a window since the last one at once
    assert tasks.sweeps == [0, 0.5, 0]
    commit_one_at(0.7)
    assert tasks.sweeps == [0, 0.5, 0, 0.5]


def test_a_broker_failure_is_logged_then_no_publish_is_tried_for_a_while_and_the_registrations_stand(
        db, doorbell, caplog):
    _bell, clock, tasks = doorbell
    make_municipality()
    event = make_event(capacity=None)
    tasks.down = True
    sign_up_one("p@example.org", event)
    db.session.commit()
    assert caplog.text.count("the sweep will send them") == 1
    tasks.down = False
    clock.now += 4.9  # within the pause: the broker is not asked, the beat sweep finds the rows
    sign_up_one("q@example.org", event)
    db.session.commit()
    assert tasks.sweeps == []
    clock.now += 0.2  # after the pause: a sweep at once, finding every row of the outage
    sign_up_one("r@example.org", event)
    db.session.commit()
    assert tasks.sweeps == [0]
    assert db.session.execute(select(Message.status)).scalars().all() == ["pending"] * 3


def test_a_mailing_of_more_than_a_batch_gets_a_task_a_batch_instead_of_a_sweep(db, doorbell):
    _bell, _clock, tasks = doorbell
    make_municipality()
    event = make_event(capacity=None)
    for n in range(BATCH_SIZE + 50):
        sign_up_one(f"p{n}@example.org", event)
    db.session.commit()
    rows = list(db.session.execute(select(Message.id).order_by(Message.id)).scalars())
    assert tasks.batches == [rows[:BATCH_SIZE], rows[BATCH_SIZE:]]
    assert tasks.sweeps == []


def test_the_lock_is_not_held_while_the_broker_is_asked(app, monkeypatch):
    bell = Doorbell()
    held = []
    monkeypatch.setattr(sweep_outbox, "apply_async", lambda **options: held.append(bell.lock.locked()))
    bell.ring([1])
    assert held == [False]


def test_rings_while_redis_is_away_do_not_wait_for_it(tmp_path):
    """Real publishes to a Redis that went away: the first learns it at once, the next ones do not ask."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not on PATH")
    broker = RedisServer(executable, tmp_path).start()
    outage_app = create_app("testing", REDIS_URL=broker.url)
    celery_app = outage_app.extensions["celery"]
    bell = Doorbell(window=0.0)
    waits = []
    try:
        celery_app.set_current()
        with outage_app.app_context():
            bell.ring([1])  # a pooled connection to Redis, as in a running web process
            broker.stop()
            for n in range(20):
                started = time.monotonic()
                bell.ring([n])
                waits.append(time.monotonic() - started)
    finally:
        broker.stop()
        celery_app.close()
    assert max(waits) < 1.0
    assert sum(waits) < 1.5
