"""Municipalities, series, events and what an event page shows: programme, speakers, contacts."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import Localized
from app.models.types import UTCDateTime, utcnow

EVENT_STATUSES = ("draft", "published", "cancelled")
PROGRAMME_KINDS = ("talk", "panel", "break")
# Minutes before the start; one place for the default every new event gets.
DEFAULT_REMINDER_OFFSETS = [24 * 60, 60]
DEFAULT_FOLLOWUP_DELAY = 60


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL for a check constraint that keeps a column within a fixed set of values."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Municipality(db.Model):
    """One of the municipalities of Uusimaa, identified by its statistics code."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(100))
    name_sv: Mapped[str] = mapped_column(String(100))
    bilingual: Mapped[bool] = mapped_column(Boolean, default=False)

    def name(self, language: str) -> str:
        """The name in Swedish for Swedish pages, else in Finnish."""
        return self.name_sv if language == "sv" else self.name_fi


class Series(Localized, db.Model):
    """A programme of events, such as Kuntatutor."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_fi: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list["Event"]] = relationship(back_populates="series", order_by="Event.starts_at")


class Event(Localized, db.Model):
    """A webinar: when it is, who hosts it, how many may join and what is mailed about it."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(in_list("status", EVENT_STATUSES), name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_count_not_negative"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        CheckConstraint("followup_delay_minutes >= 0", name="followup_delay_not_negative"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL"
            " OR registration_closes_at > registration_opens_at",
            name="registration_closes_after_opening",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="RESTRICT"), index=True)
    host_municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.code", ondelete="RESTRICT")
    )
    title_fi: Mapped[str] = mapped_column(String(300))
    title_sv: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    # Markdown, sanitized when shown.
    description_fi: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)
    # The confirmed registrations, kept under the event's lock, so a sign-up decides its seat at
    # the same cost at any number of registrations. Kept by register() and, for every change made
    # through the ORM, by the flush hook in app/models/registrations.py.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    join_url: Mapped[str | None] = mapped_column(String(1000))
    recording_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Becomes the iCalendar SEQUENCE; bumped when the time or join link changes.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    ical_uid: Mapped[str] = mapped_column(
        String(200), unique=True, default=lambda: f"{uuid.uuid4()}@kuntatutor"
    )
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    followup_delay_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_FOLLOWUP_DELAY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    series: Mapped[Series] = relationship(back_populates="events")
    host_municipality: Mapped[Municipality | None] = relationship()
    programme: Mapped[list["ProgrammeItem"]] = relationship(
        back_populates="event", order_by="ProgrammeItem.position", cascade="all, delete-orphan"
    )
    contacts: Mapped[list["ContactPerson"]] = relationship(
        back_populates="event", order_by="ContactPerson.position", cascade="all, delete-orphan"
    )

    @property
    def duration(self) -> timedelta:
        """How long the webinar lasts."""
        return self.ends_at - self.starts_at

    @property
    def followup_due_at(self) -> datetime:
        """When the follow-up survey mail is due."""
        return self.ends_at + timedelta(minutes=self.followup_delay_minutes)

    def registration_is_open(self, now: datetime) -> bool:
        """Whether a published event takes sign-ups at this moment."""
        if self.status != "published":
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        closes_at = self.registration_closes_at or self.starts_at
        return now < closes_at


class ProgrammeItem(Localized, db.Model):
    """One slot of an event's programme: a talk, a panel or a break."""

    __tablename__ = "programme_item"
    __table_args__ = (CheckConstraint(in_list("kind", PROGRAMME_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(10), default="talk")
    title_fi: Mapped[str] = mapped_column(String(300))
    title_sv: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))

    event: Mapped[Event] = relationship(back_populates="programme")
    speakers: Mapped[list["Speaker"]] = relationship(
        back_populates="programme_item", order_by="Speaker.position", cascade="all, delete-orphan"
    )


class Speaker(db.Model):
    """A person speaking in a programme item, with their title and organization."""

    __tablename__ = "speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_item_id: Mapped[int] = mapped_column(
        ForeignKey("programme_item.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(200))

    programme_item: Mapped[ProgrammeItem] = relationship(back_populates="speakers")


class ContactPerson(db.Model):
    """Someone participants can ask about the event; the first one is the mail Reply-To."""

    __tablename__ = "contact_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))

    event: Mapped[Event] = relationship(back_populates="contacts")
