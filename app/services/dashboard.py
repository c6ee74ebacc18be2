"""The organizer dashboard: the events a person may manage and where their registrations stand."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from app.extensions import db
from app.models import Event, OrganizerUser, Registration
from app.models.registrations import ACTIVE_STATUSES
from app.models.users import organizer_events, organizer_series
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


def manageable_events_query(user: OrganizerUser) -> Select:
    """A query for the events the user may manage: all for admins, else their series' and their own."""
    query = select(Event)
    if user.role == "admin":
        return query
    return query.where(
        or_(
            Event.series_id.in_(
                select(organizer_series.c.series_id).where(organizer_series.c.user_id == user.id)
            ),
            Event.id.in_(
                select(organizer_events.c.event_id).where(organizer_events.c.user_id == user.id)
            ),
        )
    )


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
