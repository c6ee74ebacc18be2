"""Attendance imports: a webinar platform's report, previewed, then applied to an event's registrations."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.events import Event, in_list
from app.models.types import UTCDateTime, utcnow

IMPORT_STATUSES = ("preview", "applied", "undone", "discarded")
REPORT_LAYOUTS = ("generic", "teams", "teams_2021", "zoom_meeting", "zoom_webinar")


class AttendanceImport(db.Model):
    """One uploaded attendance report: its rows as read, and once applied, what it changed so it can be undone.

    Kept in the database between the preview and the confirmation, so any web process can
    apply it (nothing relies on one machine's disk).
    """

    __tablename__ = "attendance_import"
    __table_args__ = (
        CheckConstraint(in_list("status", IMPORT_STATUSES), name="status"),
        CheckConstraint(in_list("layout", REPORT_LAYOUTS), name="layout"),
        CheckConstraint("minimum_minutes >= 0", name="minimum_minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("organizer_user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="preview")
    layout: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    # Who counts as attended: at least this many minutes in the session.
    minimum_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # The report's people as read: [{"name": ..., "email": ... or null, "minutes": ...}], one per person.
    rows: Mapped[list] = mapped_column(JSON)
    # Once applied: {registration id: attended before the import}, what undoing restores.
    previous_attendance: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
