"""Liveness of the periodic scheduler."""

from datetime import datetime

from sqlalchemy import select

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
