"""A series' reach: how many registered for and attended each of its events, from each municipality of Uusimaa.

What counts, the same on the page, in the chart and in the export:
- the series' published events; drafts have not been offered to anyone and cancelled events did
  not take place;
- registered: the confirmed and waitlisted registrations, and anyone marked as attended (someone
  who cancelled after getting a seat may still have joined);
- attended: the registrations marked as attended;
- a person who registered for three events counts once for each of them: the purge leaves no
  email to tell one person from another, and the programme counts registrations per event;
- the registrations of other organizations (no municipality) in a row apart, in the totals but
  never reaching a municipality.

Purged registrations (app/services/retention.py) keep their municipality, organization, status
and attendance, so every figure stays the same after the purge.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select

from app.extensions import db
from app.models import Event, Registration, Series
from app.models.registrations import ACTIVE_STATUSES
from app.models.types import utcnow
from app.services.municipalities import municipality_names

# Only these events count: see the module's docstring.
COUNTED_EVENT_STATUSES = ("published",)


@dataclass(frozen=True)
class Count:
    """Registered and attended, for one cell, row or column of the reach table."""

    registered: int = 0
    attended: int = 0

    def __add__(self, other: "Count") -> "Count":
        return Count(self.registered + other.registered, self.attended + other.attended)


@dataclass(frozen=True)
class ReachEvent:
    """One column of the table: a counted event of the series."""

    event: Event
    upcoming: bool


@dataclass(frozen=True)
class ReachRow:
    """One row of the table across the events: a municipality, other organizations or the totals (`kind`).

    Only a municipality's row has a code and a name; the page names the other two in its language.
    """

    kind: str
    counts: list[Count]
    code: str | None = None
    name: str | None = None

    @property
    def total(self) -> Count:
        """The row's counts over every event."""
        return sum(self.counts, Count())

    @property
    def reached(self) -> bool:
        """Whether anyone from here registered for any of the events."""
        return self.total.registered > 0


@dataclass(frozen=True)
class SeriesReach:
    """The reach table of a series: the municipalities by name, other organizations apart, and the totals."""

    events: list[ReachEvent]
    municipalities: list[ReachRow]
    other_organizations: ReachRow
    totals: ReachRow

    @property
    def not_reached(self) -> list[ReachRow]:
        """The municipalities nobody from has registered yet, by name."""
        return [row for row in self.municipalities if not row.reached]

    @property
    def reached_count(self) -> int:
        """How many municipalities have registered for at least one event."""
        return len(self.municipalities) - len(self.not_reached)

    @property
    def rows(self) -> list[ReachRow]:
        """Every row in the table's order: municipalities, other organizations, totals."""
        return [*self.municipalities, self.other_organizations, self.totals]


def counted_events(series: Series) -> list[Event]:
    """The series' events that count for its reach, the earliest first."""
    query = (
        select(Event)
        .where(Event.series_id == series.id, Event.status.in_(COUNTED_EVENT_STATUSES))
        .order_by(Event.starts_at, Event.id)
    )
    return list(db.session.execute(query).scalars())


def reach_counts(event_ids: list[int]) -> dict[tuple[int, str | None], Count]:
    """Registered and attended per (event id, municipality code or None), in one grouped query."""
    if not event_ids:
        return {}
    attended = Registration.attended == "yes"
    query = (
        select(
            Registration.event_id,
            Registration.municipality_code,
            func.count(),
            func.coalesce(func.sum(case((attended, 1), else_=0)), 0),
        )
        .where(Registration.event_id.in_(event_ids), or_(Registration.status.in_(ACTIVE_STATUSES), attended))
        .group_by(Registration.event_id, Registration.municipality_code)
    )
    return {
        (event_id, code): Count(registered, attended_count)
        for event_id, code, registered, attended_count in db.session.execute(query)
    }


def series_reach(series: Series, language: str, now: datetime | None = None) -> SeriesReach:
    """The reach of the series, the municipalities by their names in the language (Swedish for "sv", else Finnish)."""
    now = now or utcnow()
    events = counted_events(series)
    counts = reach_counts([event.id for event in events])

    def counts_of(code: str | None) -> list[Count]:
        return [counts.get((event.id, code), Count()) for event in events]

    per_event: dict[int, Count] = {}
    for (event_id, _code), count in counts.items():
        per_event[event_id] = per_event.get(event_id, Count()) + count
    names = sorted(municipality_names(language), key=lambda code_and_name: code_and_name[1])
    return SeriesReach(
        events=[ReachEvent(event, upcoming=event.starts_at > now) for event in events],
        municipalities=[ReachRow("municipality", counts_of(code), code, name) for code, name in names],
        other_organizations=ReachRow("other", counts_of(None)),
        totals=ReachRow("total", [per_event.get(event.id, Count()) for event in events]),
    )
