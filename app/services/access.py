"""Who may manage what: admins every series, event and account; organizers the series and events granted to them."""

from sqlalchemy import Select, or_, select

from app.extensions import db
from app.models import Event, OrganizerUser, Registration, Series
from app.models.users import organizer_events, organizer_series


def manageable_events_query(user: OrganizerUser) -> Select:
    """A query for the events the user may manage: all for admins, else their series' and their own."""
    query = select(Event)
    if user.role == "admin":
        return query
    return query.where(
        or_(
            Event.series_id.in_(granted_series_ids(user)),
            Event.id.in_(select(organizer_events.c.event_id).where(organizer_events.c.user_id == user.id)),
        )
    )


def manageable_series_query(user: OrganizerUser) -> Select:
    """A query for the series the user may manage, and so add events to: all for admins, else their granted ones."""
    query = select(Series)
    if user.role == "admin":
        return query
    return query.where(Series.id.in_(granted_series_ids(user)))


def granted_series_ids(user: OrganizerUser) -> Select:
    """The ids of the series granted to the user."""
    return select(organizer_series.c.series_id).where(organizer_series.c.user_id == user.id)


def managed_event(user: OrganizerUser, event_id: int) -> Event | None:
    """The event when the user may manage it, else None: to them another's event does not exist."""
    return db.session.execute(manageable_events_query(user).where(Event.id == event_id)).scalar_one_or_none()


def managed_series(user: OrganizerUser, series_id: int) -> Series | None:
    """The series when the user may manage it, else None."""
    return db.session.execute(manageable_series_query(user).where(Series.id == series_id)).scalar_one_or_none()


def managed_organizer(user: OrganizerUser, organizer_id: int) -> OrganizerUser | None:
    """The organizer account when the user may manage it (admins manage every account), else None."""
    return db.session.get(OrganizerUser, organizer_id) if user.role == "admin" else None


def registration_of(event: Event, registration_id: int) -> Registration | None:
    """The registration when it belongs to the event, else None."""
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event.id else None
