"""An event's attendee list for organizers: search, filters, sorting, pages, exports and changes by hand.

Changes of status go through the seat rules of app/services/registration.py: confirming from the
waiting list takes the event lock and counts the seats (rule 1), cancelling moves the waiting
list (rule 2), and every change that concerns the person writes their mail to the outbox.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import Municipality, Registration
from app.models.registrations import ATTENDANCE, REGISTRATION_STATUSES
from app.models.types import utcnow
from app.services.alphabet import alphabetical
from app.services.paging import Paged, filters_in_force, found_in, page_within
from app.services.registration import (
    CancellationClosed,
    can_cancel,
    cancel_registration,
    confirmed_count,
    give_seat,
    gives_seats,
    lock_event,
)

PAGE_SIZE = 50
# The municipality filter's value for people who named an organization instead of a municipality.
OTHER_ORGANIZATION = "other"
SORT_KEYS = ("registered", "name", "email", "municipality", "status")
# Seat holders first, then the queue, then those who left: the order an organizer reads them in.
STATUS_ORDER = case({"confirmed": 0, "waitlisted": 1, "cancelled": 2}, value=Registration.status)
# The manual changes an organizer can make, as the registration page's buttons send them; cancelling
# has a page of its own, which asks first.
CHANGES = ("confirm", "attended-yes", "attended-no", "attended-unknown")


@dataclass(frozen=True)
class AttendeeFilters:
    """What the attendee list is narrowed and ordered by; empty values filter nothing."""

    search: str = ""
    status: str = ""
    municipality: str = ""
    attended: str = ""
    sort: str = "registered"
    descending: bool = False

    def __post_init__(self):
        if self.status and self.status not in REGISTRATION_STATUSES:
            raise ValueError(f"Unknown status {self.status!r}")
        if self.attended and self.attended not in ATTENDANCE:
            raise ValueError(f"Unknown attendance {self.attended!r}")
        if self.sort not in SORT_KEYS:
            raise ValueError(f"Unknown sort key {self.sort!r}")

    def used(self) -> dict:
        """Which filters are in force, for the audit log; never the search text, which may name a person."""
        return filters_in_force(self, ("status", "municipality", "attended"))


@dataclass(frozen=True)
class AttendeePage(Paged):
    """One page of the list, with how many registrations match in all."""

    registrations: list[Registration]
    total: int
    page: int
    page_size: int = PAGE_SIZE


def matching(event_id: int, filters: AttendeeFilters) -> list[ColumnElement[bool]]:
    """The conditions that pick the event's registrations matching the filters."""
    conditions = [Registration.event_id == event_id]
    found = found_in(filters.search, (
        Registration.first_name, Registration.last_name, Registration.email, Registration.organization,
        # "Aino Virtanen" as people type it, and "Virtanen Aino" as lists sort it.
        Registration.first_name + " " + Registration.last_name,
        Registration.last_name + " " + Registration.first_name,
    ))
    if found is not None:
        conditions.append(found)
    if filters.status:
        conditions.append(Registration.status == filters.status)
    if filters.municipality == OTHER_ORGANIZATION:
        conditions.append(Registration.municipality_code.is_(None))
    elif filters.municipality:
        conditions.append(Registration.municipality_code == filters.municipality)
    if filters.attended:
        conditions.append(Registration.attended == filters.attended)
    return conditions


def municipality_name_column(language: str):
    """The municipality's name in the language, or the organization named instead."""
    name = Municipality.name_sv if language == "sv" else Municipality.name_fi
    return func.coalesce(name, Registration.organization)


def ordering(filters: AttendeeFilters, language: str) -> list:
    """ORDER BY for the sort key and direction, ending in the id so that pages never overlap."""
    keys = {
        "registered": [Registration.created_at],
        "name": [alphabetical(Registration.last_name), alphabetical(Registration.first_name)],
        "email": [Registration.email],
        "municipality": [alphabetical(municipality_name_column(language))],
        "status": [STATUS_ORDER],
    }[filters.sort] + [Registration.id]
    # Removed (purged) people have no name or email; they go last either way.
    return [(key.desc() if filters.descending else key.asc()).nulls_last() for key in keys]


def attendee_page(event_id: int, filters: AttendeeFilters, page: int, language: str,
                  page_size: int = PAGE_SIZE) -> AttendeePage:
    """The registrations matching the filters on the given page (clamped to the pages there are), in two queries."""
    conditions = matching(event_id, filters)
    total = db.session.execute(select(func.count()).select_from(Registration).where(*conditions)).scalar_one()
    page = page_within(page, total, page_size)
    query = (
        select(Registration)
        .outerjoin(Registration.municipality)
        .options(contains_eager(Registration.municipality))
        .where(*conditions)
        .order_by(*ordering(filters, language))
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return AttendeePage(list(db.session.execute(query).scalars()), total, page, page_size)


# The stored values an export reads: plain columns, no ORM objects, so 100,000 rows stream cheaply.
EXPORT_FIELDS = (
    Registration.id, Registration.first_name, Registration.last_name, Registration.email,
    Registration.municipality_code, Municipality.name_fi.label("municipality_fi"),
    Municipality.name_sv.label("municipality_sv"), Registration.organization, Registration.job_title,
    Registration.language, Registration.status, Registration.attended, Registration.created_at,
    Registration.confirmed_at, Registration.cancelled_at, Registration.questions, Registration.accessibility_needs,
    Registration.privacy_notice_version, Registration.privacy_consented_at, Registration.future_events_consent,
    Registration.purged_at,
)


def export_query(event_id: int, filters: AttendeeFilters, language: str) -> Select:
    """The rows an attendee export holds: those of the list with the same filters and order."""
    return (
        select(*EXPORT_FIELDS)
        .outerjoin(Municipality, Registration.municipality_code == Municipality.code)
        .where(*matching(event_id, filters))
        .order_by(*ordering(filters, language))
    )


class ChangeRefused(Exception):
    """A change the registration's state or the event's seats do not allow; nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ChangeOutcome:
    """What a change by hand did: the registration, and who got a seat from the waiting list because of it."""

    registration: Registration
    promoted: list[Registration]


PURGED = _l("This person's data was removed after the retention period, so the registration can no longer be changed.")
ALREADY_CANCELLED = _l("This registration is already cancelled. Nothing was changed.")
CANCELLATION_CLOSED = _l("The event has started or was cancelled, so its registrations can no longer be cancelled.")


def apply_change(registration_id: int, change: str, now: datetime | None = None) -> ChangeOutcome:
    """Apply an organizer's change: confirm from the waiting list, or record attendance.

    Raises ChangeRefused, changing nothing, when the change does not fit: no free seat,
    a registration not in the state the change needs, an event that has started (or, for
    attendance, not yet), or a person whose data is removed. The caller commits.
    """
    if change not in CHANGES:
        raise ValueError(f"Unknown change {change!r}")
    now = now or utcnow()
    registration = db.session.get(Registration, registration_id)
    if registration.purged_at is not None:
        raise ChangeRefused(PURGED)
    if change == "confirm":
        return ChangeOutcome(confirm_from_waitlist(registration, now), [])
    attended = change.removeprefix("attended-")
    if attended != "unknown" and (refusal := attendance_refusal(registration, now)):
        raise ChangeRefused(refusal)
    registration.attended = attended
    return ChangeOutcome(registration, [])


def attendance_refusal(registration: Registration, now: datetime | None = None):
    """Why the person cannot be marked as attended or absent yet, or None when they can.

    Attendance is known only once the event has started, and only of someone who had a seat:
    a confirmed person, or one who cancelled after being confirmed (they may still have joined).
    """
    event = registration.event
    if event.status == "cancelled":
        return _l("The event was cancelled, so nobody can be marked as attended or not.")
    if (now or utcnow()) < event.starts_at:
        return _l("The event has not started yet. Mark attendance once it has begun.")
    if registration.status == "waitlisted" or registration.confirmed_at is None:
        return _l("This person never had a seat, only a place on the waiting list, so their attendance"
                  " cannot be marked.")
    return None


def confirm_from_waitlist(registration: Registration, now: datetime) -> Registration:
    """Give a waitlisted person a seat if one is free (rule 1), mailing them their invite, as a promotion does."""
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status != "waitlisted":
        raise ChangeRefused(_l("Only a registration on the waiting list can be confirmed. Nothing was changed."))
    if not gives_seats(event, now):
        raise ChangeRefused(_l("The event has started or is not published, so nobody can be given a seat any more."))
    if event.capacity is not None and confirmed_count(event.id) >= event.capacity:
        raise ChangeRefused(_l(
            "No seat is free: all %(capacity)d seats are taken. Cancel a confirmed registration or raise"
            " the event's capacity first, then confirm again.", capacity=event.capacity,
        ))
    return give_seat(registration, now)


def cancel_refusal(registration: Registration, now: datetime | None = None):
    """Why an organizer cannot cancel the registration, or None when they can."""
    if registration.purged_at is not None:
        return PURGED
    if registration.status == "cancelled":
        return ALREADY_CANCELLED
    if not can_cancel(registration, now):
        return CANCELLATION_CLOSED
    return None


def waitlisted_count(event_id: int) -> int:
    """How many people of the event are on its waiting list."""
    return db.session.execute(
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event_id, Registration.status == "waitlisted")
    ).scalar_one()


def cancel_by_organizer(registration_id: int, now: datetime | None = None) -> ChangeOutcome:
    """Cancel through the registration service, which mails the person and moves the waiting list (rule 2).

    Raises ChangeRefused, changing nothing, for removed data, a registration already cancelled
    (also by a request that got there first) or an event that has started. The caller commits.
    """
    registration = db.session.get(Registration, registration_id)
    if registration.purged_at is not None:
        raise ChangeRefused(PURGED)
    try:
        cancellation = cancel_registration(registration.id, now)
    except CancellationClosed:
        raise ChangeRefused(CANCELLATION_CLOSED) from None
    if not cancellation.cancelled:
        raise ChangeRefused(ALREADY_CANCELLED)
    return ChangeOutcome(cancellation.registration, cancellation.promoted)
