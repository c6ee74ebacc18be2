"""/healthz reports the database, Redis and how long the scheduler has been silent."""

from datetime import timedelta

import time_machine

from app.models.types import utcnow
from app.services.health import record_heartbeat


def test_healthy_when_the_scheduler_beat_recently(client, db):
    record_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["redis"] == "not configured"
    assert response.json["scheduler"]["status"] == "ok"


def test_silent_scheduler_makes_health_fail(client, db):
    with time_machine.travel(utcnow() - timedelta(minutes=11), tick=False):
        record_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["scheduler"]["status"] == "silent"
    assert response.json["scheduler"]["last_heartbeat_seconds_ago"] >= 660


def test_never_started_scheduler_is_reported(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["scheduler"]["last_heartbeat_seconds_ago"] is None


def test_redis_is_checked_for_real(app, client, db, redis_url):
    record_heartbeat()
    app.config["REDIS_URL"] = redis_url
    try:
        assert client.get("/healthz").json["redis"] == "ok"
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
        response = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = ""
    assert response.status_code == 503
    assert response.json["redis"] == "unreachable"
