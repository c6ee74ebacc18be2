"""A person's registration for an event."""

from collections import Counter
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import get_history

from app.extensions import db
from app.i18n import LANGUAGES
from app.models.events import Event, Municipality, in_list
from app.models.types import UTCDateTime, utcnow

REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
# Holding a seat or a place in the queue: at most one such registration per person and event.
ACTIVE_STATUSES = ("confirmed", "waitlisted")
ATTENDANCE = ("yes", "no", "unknown")
ACTIVE = in_list("status", ACTIVE_STATUSES)


class Registration(db.Model):
    """A sign-up: who, from which municipality, in which language, and where it stands."""

    __tablename__ = "registration"
    __table_args__ = (
        CheckConstraint(in_list("status", REGISTRATION_STATUSES), name="status"),
        CheckConstraint(in_list("attended", ATTENDANCE), name="attended"),
        CheckConstraint(in_list("language", LANGUAGES), name="language"),
        CheckConstraint(
            "municipality_code IS NULL OR organization IS NULL", name="municipality_or_organization"
        ),
        # Purging removes the person but keeps the municipality for reach statistics.
        CheckConstraint(
            "purged_at IS NOT NULL OR (email IS NOT NULL AND first_name IS NOT NULL"
            " AND last_name IS NOT NULL AND manage_token_hash IS NOT NULL AND manage_token_nonce IS NOT NULL"
            " AND (municipality_code IS NOT NULL OR organization IS NOT NULL))",
            name="personal_data_until_purged",
        ),
        # Rule 3: one active registration per email per event, backed by the database.
        Index(
            "uq_registration_active_email",
            "event_id",
            "email",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
        Index("ix_registration_event_status_created", "event_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    # Normalized and lower-cased, so the unique index catches every spelling.
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.code", ondelete="RESTRICT"), index=True
    )
    organization: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    questions: Mapped[str | None] = mapped_column(Text)
    accessibility_needs: Mapped[str | None] = mapped_column(Text)
    privacy_notice_version: Mapped[str] = mapped_column(String(40))
    privacy_consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    future_events_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its old value is loaded before a change, so the seat counter's hook always sees what it was.
    status: Mapped[str] = mapped_column(String(12), active_history=True)
    attended: Mapped[str] = mapped_column(String(7), default="unknown")
    # The token is the nonce signed with SECRET_KEY (app/services/tokens.py): the database alone
    # can neither read nor forge it. Lookups go by the issued token's hash, or after a key
    # rotation by the nonce.
    manage_token_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def full_name(self) -> str:
        """First and last name as a person would write them."""
        return f"{self.first_name or ''} {self.last_name or ''}".strip()

    def organization_name(self, language: str) -> str:
        """The municipality's name in the language, or the free-text organization."""
        if self.municipality is not None:
            return self.municipality.name(language)
        return self.organization or ""


def seat_changes(session: Session) -> Counter:
    """How the confirmed count of each event moves with the registrations this flush writes."""
    changes = Counter()
    for registration in session.new:
        if isinstance(registration, Registration) and registration.status == "confirmed":
            changes[registration.event_id] += 1
    for registration in session.dirty:
        if isinstance(registration, Registration):
            added, _unchanged, deleted = get_history(registration, "status")
            changes[registration.event_id] += ("confirmed" in added) - ("confirmed" in deleted)
    for registration in session.deleted:
        if isinstance(registration, Registration):
            _added, unchanged, deleted = get_history(registration, "status")
            changes[registration.event_id] -= "confirmed" in (*unchanged, *deleted)
    return changes


@listens_for(Session, "after_flush")
def keep_confirmed_counts(session: Session, flush_context) -> None:
    """Keep Event.confirmed_count right for every seat the ORM gives or takes (register() keeps its own).

    A hook and not a call in each service, so that no path that confirms or cancels (the seat
    rules, organizers' changes, the demo data, the tests' factories) can forget it.
    """
    for event_id, change in seat_changes(session).items():
        if change:
            session.connection().execute(
                update(Event).where(Event.id == event_id)
                .values(confirmed_count=Event.confirmed_count + change, updated_at=Event.updated_at)
            )
