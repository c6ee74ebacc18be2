"""The organizer dashboard: the events a person may manage and where their registrations stand."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import HELSINKI
from app.models import Event, Municipality, OrganizerUser, Registration
from app.models.registrations import ACTIVE_STATUSES
from app.services.access import manageable_events_query
from app.services.registration import free_seats


@dataclass(frozen=True)
class EventOverview:
    """One dashboard row: an event, its status and start, and its registration counts."""

    event: Event
    confirmed: int
    waitlisted: int

    @property
    def status(self) -> str:
        """The event's status."""
        return self.event.status

    @property
    def starts_at(self) -> datetime:
        """When the event starts."""
        return self.event.starts_at

    @property
    def seats_left(self) -> int | None:
        """Free seats; None when the event has no capacity limit."""
        return free_seats(self.event.capacity, self.confirmed)


def manageable_events(user: OrganizerUser) -> list[Event]:
    """The events the user may manage, the latest start first."""
    query = manageable_events_query(user).order_by(Event.starts_at.desc(), Event.id.desc())
    return list(db.session.execute(query).scalars())


def event_overview(events: list[Event]) -> list[EventOverview]:
    """Confirmed and waitlisted counts and seats left for each event, in the order given."""
    counts = registration_counts([event.id for event in events])
    return [
        EventOverview(
            event=event,
            confirmed=counts.get((event.id, "confirmed"), 0),
            waitlisted=counts.get((event.id, "waitlisted"), 0),
        )
        for event in events
    ]


def registration_counts(event_ids: list[int]) -> dict[tuple[int, str], int]:
    """Active registrations per (event id, status), counted in one query."""
    if not event_ids:
        return {}
    query = (
        select(Registration.event_id, Registration.status, func.count())
        .where(
            Registration.event_id.in_(event_ids),
            Registration.status.in_(ACTIVE_STATUSES),
        )
        .group_by(Registration.event_id, Registration.status)
    )
    return {(event_id, status): count for event_id, status, count in db.session.execute(query)}


@dataclass(frozen=True)
class MunicipalityCount:
    """How many active registrations came from one municipality, or from other organizations (code None)."""

    code: str | None
    name_fi: str | None
    name_sv: str | None
    registrations: int

    def name(self, language: str) -> str | None:
        """The municipality's name in the language, as Municipality.name gives it; None for other organizations."""
        return self.name_sv if language == "sv" else self.name_fi


@dataclass(frozen=True)
class EventSummary:
    """What the event's overview page shows: counts by status and attendance, seats, sign-ups per day, reach."""

    confirmed: int
    waitlisted: int
    cancelled: int
    attended: int
    seats_left: int | None
    per_day: list[tuple[date, int]]
    municipalities: list[MunicipalityCount]


def event_summary(event: Event) -> EventSummary:
    """Count the event's registrations by status, attendance, day of sign-up (in Helsinki) and municipality."""
    by_status = dict(
        db.session.execute(
            select(Registration.status, func.count()).where(Registration.event_id == event.id).group_by(Registration.status)
        ).all()
    )
    attended = db.session.execute(
        select(func.count()).where(Registration.event_id == event.id, Registration.attended == "yes")
    ).scalar_one()
    # Days in Helsinki, which SQL cannot tell the same way on SQLite and PostgreSQL; one small column is read.
    per_day = Counter(
        created_at.astimezone(HELSINKI).date()
        for created_at in db.session.execute(
            select(Registration.created_at).where(Registration.event_id == event.id)
        ).scalars()
    )
    reach = db.session.execute(
        select(Municipality.code, Municipality.name_fi, Municipality.name_sv, func.count(Registration.id))
        .select_from(Registration)
        .outerjoin(Municipality, Registration.municipality_code == Municipality.code)
        .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))
        .group_by(Municipality.code, Municipality.name_fi, Municipality.name_sv)
        # Other organizations after the municipalities with as many, on every database.
        .order_by(func.count(Registration.id).desc(), Municipality.name_fi.asc().nulls_last())
    ).all()
    confirmed = by_status.get("confirmed", 0)
    return EventSummary(
        confirmed=confirmed,
        waitlisted=by_status.get("waitlisted", 0),
        cancelled=by_status.get("cancelled", 0),
        attended=attended,
        seats_left=free_seats(event.capacity, confirmed),
        per_day=sorted(per_day.items()),
        municipalities=[MunicipalityCount(*row) for row in reach],
    )
