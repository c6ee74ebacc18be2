"""Liveness of the periodic scheduler."""

from datetime import datetime, timedelta

import redis
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Heartbeat
from app.models.types import utcnow


def record_heartbeat(name: str = "scheduler") -> datetime:
    """Store now as the named process's last sign of life and commit."""
    now = utcnow()
    heartbeat = db.session.get(Heartbeat, name)
    if heartbeat is None:
        db.session.add(Heartbeat(name=name, beat_at=now))
    else:
        heartbeat.beat_at = now
    db.session.commit()
    return now


def last_heartbeat(name: str = "scheduler") -> datetime | None:
    """When the named process last said it was alive, if ever."""
    return db.session.execute(select(Heartbeat.beat_at).where(Heartbeat.name == name)).scalar()


SCHEDULER_SILENCE_LIMIT = timedelta(minutes=10)


def database_ok() -> bool:
    """Whether the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def redis_ok(url: str) -> bool | None:
    """Whether Redis answers; None when the app runs without it."""
    if not url:
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def scheduler_silent_for(now: datetime | None = None) -> timedelta | None:
    """How long since the scheduler's last heartbeat; None if it never beat."""
    last = last_heartbeat()
    return None if last is None else (now or utcnow()) - last


def health_report(redis_url: str) -> tuple[dict, bool]:
    """The state of the database, Redis and the scheduler, and whether all is well."""
    database = database_ok()
    redis_state = redis_ok(redis_url)
    silence = scheduler_silent_for() if database else None
    scheduler_ok = silence is not None and silence <= SCHEDULER_SILENCE_LIMIT
    report = {
        "database": "ok" if database else "unreachable",
        "redis": {None: "not configured", True: "ok", False: "unreachable"}[redis_state],
        "scheduler": {
            "status": "ok" if scheduler_ok else "silent",
            "last_heartbeat_seconds_ago": None if silence is None else int(silence.total_seconds()),
        },
    }
    return report, database and redis_state is not False and scheduler_ok
