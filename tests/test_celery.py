"""Celery: the broker the config picks, and a real worker and beat keeping the heartbeat."""

import json
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery.beat import PersistentScheduler
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.services.health import last_heartbeat
from tests.worker_process import CeleryProcess, stop, wait_for, worker_arguments
from workers.health import record_heartbeat


@pytest.fixture
def service_env(tmp_path, monkeypatch):
    """The development config on this test's own SQLite file, mail and broker folders."""
    for name in ("REDIS_URL", "SMTP_HOST", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    environment = {
        "APP_CONFIG": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kuntatutor.sqlite'}",
        "MAIL_FOLDER": str(tmp_path / "mail"),
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment


@contextmanager
def development_app():
    """A development app built from the environment, its database migrated to the current schema."""
    app = create_app("development")
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        # Give back the broker connections .delay() opened and the SQLite handles.
        app.extensions["celery"].close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def folder_broker_app(service_env):
    """A development app whose Celery talks through the broker folder, as `make run` does."""
    with development_app() as app:
        yield app


@pytest.fixture
def redis_broker_app(service_env, redis_url, monkeypatch):
    """A development app whose Celery talks through the real Redis."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    with development_app() as app:
        yield app


@pytest.fixture
def start_celery(tmp_path):
    """Start `celery -A workers` processes that are stopped however the test ends."""
    started: list[CeleryProcess] = []

    def start(name: str, *arguments: str) -> CeleryProcess:
        celery = CeleryProcess(tmp_path / f"{name}.log", *arguments)
        started.append(celery)
        return celery

    try:
        yield start
    finally:
        stop(*started)


@pytest.fixture
def queue():
    """A queue of this test's own, so a concurrent run's worker on the same Redis cannot take its tasks."""
    return f"test-{uuid.uuid4().hex[:12]}"


def heartbeat(app, name: str):
    """The stored heartbeat of the named process, read afresh from the database."""
    with app.app_context():
        try:
            return last_heartbeat(name)
        finally:
            db.session.remove()


def test_with_redis_url_a_sent_task_waits_in_redis(redis_broker_app, redis_url, queue):
    assert redis_broker_app.extensions["celery"].conf.broker_url == redis_url

    record_heartbeat.apply_async(("queued",), queue=queue)

    client = redis.Redis.from_url(redis_url)
    try:
        [body] = client.lrange(queue, 0, -1)
    finally:
        client.close()
    assert json.loads(body)["headers"]["task"] == "workers.health.record_heartbeat"


def test_without_redis_url_a_delayed_task_lands_as_a_file_in_the_broker_folder(folder_broker_app, service_env):
    assert folder_broker_app.extensions["celery"].conf.broker_url == "filesystem://"

    record_heartbeat.delay("queued")

    [message] = Path(service_env["CELERY_BROKER_FOLDER"]).glob("*.msg")
    assert json.loads(message.read_text())["headers"]["task"] == "workers.health.record_heartbeat"


@pytest.mark.worker
def test_worker_on_the_broker_folder_runs_a_task_another_process_sent(folder_broker_app, start_celery):
    worker = start_celery("worker", *worker_arguments("--pool=solo"))

    record_heartbeat.delay("folder-worker")

    wait_for(lambda: heartbeat(folder_broker_app, "folder-worker"), [worker], "heartbeat from the worker")
    assert stop(worker) == [0]


@pytest.mark.redis
@pytest.mark.worker
def test_worker_on_redis_records_a_heartbeat_inside_an_app_context(redis_broker_app, start_celery, queue):
    # Prefork as in production: the task runs in a forked child that needs its own app context.
    worker = start_celery("worker", *worker_arguments("--pool=prefork", "--concurrency=1", f"--queues={queue}"))

    record_heartbeat.apply_async(("test-worker",), queue=queue)

    wait_for(lambda: heartbeat(redis_broker_app, "test-worker"), [worker], "heartbeat from the worker")
    assert "Task workers.health.record_heartbeat" in worker.log
    assert stop(worker) == [0]
    assert "Warm shutdown" in worker.log


def schedule_file_last_run(celery_app, path: Path, entry: str, ago: timedelta) -> None:
    """Write a beat schedule file as a scheduler that last sent `entry` `ago` would have left it."""
    scheduler = PersistentScheduler(app=celery_app, schedule_filename=str(path))
    try:
        scheduler.schedule[entry].last_run_at = celery_app.now() - ago
    finally:
        scheduler.close()


@pytest.mark.redis
@pytest.mark.worker
def test_beat_sends_an_overdue_heartbeat_that_the_worker_stores(redis_broker_app, start_celery, tmp_path):
    # A new schedule first fires one interval after beat starts; a beat that was down for a
    # day sends the overdue heartbeat at once, which keeps this test short.
    schedule = tmp_path / "celerybeat-schedule"
    schedule_file_last_run(redis_broker_app.extensions["celery"], schedule, "record-heartbeat", timedelta(days=1))

    beat = start_celery("beat", "beat", "--loglevel=info", f"--schedule={schedule}")
    worker = start_celery("worker", *worker_arguments("--pool=solo"))

    # Beat stores a heartbeat itself when it starts; the one that counts here is the task the worker ran.
    wait_for(lambda: "Task workers.health.record_heartbeat" in worker.log and "succeeded" in worker.log,
             [beat, worker], "heartbeat task run by the worker")
    assert heartbeat(redis_broker_app, "scheduler")
    assert "beat: Starting..." in beat.log
    assert "Sending due task record-heartbeat (workers.health.record_heartbeat)" in beat.log
    assert stop(beat, worker) == [0, 0]
