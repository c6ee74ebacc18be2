"""What the public may read: visible events and series, each page's data in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Event, ProgrammeItem, Series
from app.models.types import utcnow
from app.services.registration import confirmed_count_of, free_seats

# Drafts stay with the organizers; a cancelled event keeps its page to say so.
VISIBLE_STATUSES = ("published", "cancelled")

# All an event page shows, loaded with the event: a query per relation, not one per programme item.
EVENT_PAGE_CONTENTS = (
    joinedload(Event.host_municipality),
    selectinload(Event.programme).selectinload(ProgrammeItem.speakers),
    selectinload(Event.contacts),
)


@dataclass(frozen=True)
class SeriesEvents:
    """A series' visible events: upcoming soonest first, past latest first."""

    upcoming: list[Event]
    past: list[Event]


def visible_event(slug: str) -> Event | None:
    """The published or cancelled event with this slug, if any."""
    return db.session.execute(
        select(Event).where(Event.slug == slug, Event.status.in_(VISIBLE_STATUSES))
    ).scalar_one_or_none()


def visible_event_and_seats_left(slug: str, *options) -> tuple[Event, int | None] | None:
    """A visible event (loaded as `options` say) and its free seats, None without a limit; the seats counted in the same query."""
    row = db.session.execute(
        select(Event, confirmed_count_of(Event.id))
        .where(Event.slug == slug, Event.status.in_(VISIBLE_STATUSES))
        .options(*options)
    ).one_or_none()
    if row is None:
        return None
    event, confirmed = row
    return event, free_seats(event.capacity, confirmed)


def event_page(slug: str) -> tuple[Event, int | None] | None:
    """A visible event with its host, programme, speakers and contacts, and its free seats."""
    return visible_event_and_seats_left(slug, *EVENT_PAGE_CONTENTS)


def front_page_series() -> Series | None:
    """The series the front page shows: the first one made."""
    return db.session.execute(select(Series).order_by(Series.id).limit(1)).scalar_one_or_none()


def series_by_slug(slug: str) -> Series | None:
    """The series with this slug, if any."""
    return db.session.execute(select(Series).where(Series.slug == slug)).scalar_one_or_none()


def visible_events(series: Series | None) -> list[Event]:
    """The series' visible events (every series' without one) by start time, with their hosts."""
    query = (
        select(Event)
        .where(Event.status.in_(VISIBLE_STATUSES))
        .options(joinedload(Event.host_municipality))
        .order_by(Event.starts_at)
    )
    if series is not None:
        query = query.where(Event.series_id == series.id)
    return list(db.session.execute(query).scalars())


def series_events(series: Series | None, now: datetime | None = None) -> SeriesEvents:
    """The series' visible events split into upcoming (not yet ended) and past ones."""
    now = now or utcnow()
    events = visible_events(series)
    return SeriesEvents(
        upcoming=[event for event in events if event.ends_at >= now],
        past=[event for event in reversed(events) if event.ends_at < now],
    )
