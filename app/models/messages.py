"""The outbox: every email the service must send, and the scheduler's heartbeat."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.events import Event, in_list
from app.models.registrations import Registration
from app.models.types import UTCDateTime, utcnow

MESSAGE_KINDS = (
    "confirmation",
    "waitlisted",
    "promoted",
    "already_registered",
    "registration_cancelled",
    "event_updated",
    "event_cancelled",
    "reminder",
    "followup",
    "survey_reminder",
    "announcement",
)
MESSAGE_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


class Message(db.Model):
    """One email to one registration, due at a time; its dedupe key makes it happen once."""

    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint(in_list("kind", MESSAGE_KINDS), name="kind"),
        CheckConstraint(in_list("status", MESSAGE_STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_message_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    # Such as "r42:reminder-1440" or "r42:update-r3".
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Fixed when the row is written, so a retry carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(
        String(200), unique=True, default=lambda: f"<{uuid.uuid4().hex}@kuntatutor>"
    )
    # Only for organizer announcements; every other kind is composed from templates.
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    # The mailing an announcement belongs to, whose progress the message log shows.
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailing.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
    mailing: Mapped["Mailing | None"] = relationship(back_populates="messages")


class Mailing(db.Model):
    """An organizer's message to an event's registrants: its texts per language and whom it went to.

    The token comes with the compose form and is unique, so the form sent twice (a double
    click, a reload) makes one mailing.
    """

    __tablename__ = "mailing"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("organizer_user.id", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # {"fi": {"subject": ..., "body": ...}, "sv": ...}: the body in Markdown.
    texts: Mapped[dict] = mapped_column(JSON)
    # Who it was for: {"statuses": [...], "attended": [...]}.
    audience: Mapped[dict] = mapped_column(JSON)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    messages: Mapped[list[Message]] = relationship(back_populates="mailing")


class Heartbeat(db.Model):
    """The last time a periodic process said it was alive."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
