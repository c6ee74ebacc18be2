"""Organizers, what they may manage, and the audit log of what they did."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, login_manager
from app.models.events import Event, Series, in_list
from app.models.types import UTCDateTime, utcnow

ROLES = ("admin", "organizer")

organizer_series = Table(
    "organizer_series",
    db.metadata,
    Column("user_id", ForeignKey("organizer_user.id", ondelete="CASCADE"), primary_key=True),
    Column("series_id", ForeignKey("series.id", ondelete="CASCADE"), primary_key=True),
)
organizer_events = Table(
    "organizer_events",
    db.metadata,
    Column("user_id", ForeignKey("organizer_user.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
)


class OrganizerUser(UserMixin, db.Model):
    """Someone who manages events; admins manage all of them."""

    __tablename__ = "organizer_user"
    __table_args__ = (CheckConstraint(in_list("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="organizer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    series: Mapped[list[Series]] = relationship(secondary=organizer_series)
    events: Mapped[list[Event]] = relationship(secondary=organizer_events)

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses deactivated organizers."""
        return self.active


class AuditEntry(db.Model):
    """Who exported or viewed personal data, or changed an event, and when."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("organizer_user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[OrganizerUser | None] = relationship()


@login_manager.user_loader
def load_organizer(user_id: str) -> OrganizerUser | None:
    """Flask-Login's way back from the session to the organizer."""
    return db.session.get(OrganizerUser, int(user_id))
