"""Organizers' changes to events: creating, editing, cloning, publishing, cancelling, and what participants must hear of them."""

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import Select, func, select, update

from app.extensions import db
from app.i18n import HELSINKI
from app.models import (
    ContactPerson, Event, FeedbackAnswer, Message, OrganizerUser, ProgrammeItem, Registration, Series, Speaker,
)
from app.models.events import DEFAULT_FOLLOWUP_DELAY, DEFAULT_REMINDER_OFFSETS
from app.models.registrations import ACTIVE_STATUSES
from app.models.types import utcnow
from app.services.access import managed_series, manageable_series_query
from app.services.feedback_forms import add_default_form, copy_form, follow_moved_event
from app.services.queue import queue_for_each
from app.services.registration import change_capacity, lock_event

_UNCHANGED = object()
SLUG_MAX_LENGTH = 100
# What participants have planned around: once the event has started only its texts, host,
# programme, contacts and recording link may change.
LOGISTICS = (
    "series_id", "slug", "starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "capacity",
    "waitlist_enabled", "join_url", "reminder_offsets", "followup_delay_minutes",
)
# Columns copied as they are between EventDetails and Event.
PLAIN_COLUMNS = (
    "series_id", "host_municipality_code", "title_fi", "title_sv", "title_en", "description_fi", "description_sv",
    "description_en", "registration_opens_at", "registration_closes_at", "waitlist_enabled", "recording_url",
    "followup_delay_minutes",
)


class EventCancelled(Exception):
    """A cancelled event stays as it was: nothing of it can change."""


class EventStarted(Exception):
    """The event has started, so its time, seats, links and mail plan can no longer change."""

    def __init__(self, fields_changed: list[str]):
        super().__init__(", ".join(fields_changed))
        self.fields_changed = fields_changed


class SlugTaken(Exception):
    """Another event has the web address the organizer asked for."""


class EventChangedMeanwhile(Exception):
    """The event was saved by someone else after the editor showed it: saving would undo their changes."""


class ItemsHaveFeedback(Exception):
    """Programme items with feedback ratings would be removed, and their ratings with them."""

    def __init__(self, items: list["ProgrammeItemDetails"]):
        super().__init__(", ".join(str(item.id) for item in items))
        self.items = items


class StillHasRegistrations(Exception):
    """People are registered for the event, so it cannot quietly go back to a draft."""

    def __init__(self, active: int):
        super().__init__(f"{active} active registrations")
        self.active = active


@dataclass(frozen=True)
class SpeakerDetails:
    """A speaker of a programme item as the organizer wrote them."""

    name: str
    title: str | None = None
    organization: str | None = None


@dataclass(frozen=True)
class ProgrammeItemDetails:
    """A programme item as the organizer wrote it; its time is a time of day in Helsinki on the event's date."""

    title_fi: str
    kind: str = "talk"
    time_of_day: time | None = None
    title_sv: str | None = None
    title_en: str | None = None
    speakers: tuple[SpeakerDetails, ...] = ()
    # The stored item this one is, so feedback ratings of the item stay with it; None for a new item.
    id: int | None = None


@dataclass(frozen=True)
class ContactDetails:
    """A contact person as the organizer wrote them."""

    name: str
    title: str | None = None
    organization: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class EventDetails:
    """Everything an organizer decides about an event, times in UTC; what the editor reads and writes."""

    series_id: int
    title_fi: str
    starts_at: datetime
    ends_at: datetime
    # None: made from the Finnish title.
    slug: str | None = None
    host_municipality_code: str | None = None
    title_sv: str | None = None
    title_en: str | None = None
    description_fi: str = ""
    description_sv: str | None = None
    description_en: str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    capacity: int | None = None
    waitlist_enabled: bool = True
    join_url: str | None = None
    recording_url: str | None = None
    reminder_offsets: tuple[int, ...] = tuple(DEFAULT_REMINDER_OFFSETS)
    followup_delay_minutes: int = DEFAULT_FOLLOWUP_DELAY
    programme: tuple[ProgrammeItemDetails, ...] = ()
    contacts: tuple[ContactDetails, ...] = ()


@dataclass(frozen=True)
class EventSaved:
    """What save_event did: the names of the changed details, waiting people given a seat, updated invites queued."""

    changed: list[str]
    promoted: int
    invites_updated: int = 0


def slug_from(title: str) -> str:
    """A web address part from a title: lowercase ASCII words joined by hyphens, "Kunnan digituki" -> "kunnan-digituki"."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    # ä, ö and å lose their dots and ring, as Finns write them in addresses.
    ascii_text = "".join(character for character in decomposed if not unicodedata.combining(character))
    words = re.findall(r"[a-z0-9]+", ascii_text)
    return "-".join(words)[:SLUG_MAX_LENGTH].strip("-") or "webinar"


def slug_in_use(slug: str, except_event_id: int | None = None) -> bool:
    """Whether another event has this slug."""
    query = select(Event.id).where(Event.slug == slug)
    if except_event_id is not None:
        query = query.where(Event.id != except_event_id)
    return db.session.execute(query).first() is not None


def free_slug(title: str, except_event_id: int | None = None) -> str:
    """A slug made from the title that no other event has, with -2, -3… added when needed."""
    base = slug_from(title)
    candidate, number = base, 1
    while slug_in_use(candidate, except_event_id):
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate


def manageable_series(user: OrganizerUser) -> list[Series]:
    """The series the user may add events to, by name."""
    return list(db.session.execute(manageable_series_query(user).order_by(Series.name_fi)).scalars())


def has_started(event: Event, now: datetime | None = None) -> bool:
    """Whether the event's start has passed."""
    return (now or utcnow()) >= event.starts_at


def helsinki_time_of(moment: datetime | None) -> time | None:
    """The time of day in Helsinki."""
    return None if moment is None else moment.astimezone(HELSINKI).time()


def on_event_day(event_starts_at: datetime, time_of_day: time | None) -> datetime | None:
    """The moment (UTC) the time of day in Helsinki falls on the event's date in Helsinki."""
    if time_of_day is None:
        return None
    day = event_starts_at.astimezone(HELSINKI).date()
    return datetime.combine(day, time_of_day, tzinfo=HELSINKI).astimezone(timezone.utc)


def details_of(event: Event) -> EventDetails:
    """The event as the editor shows it."""
    return EventDetails(
        **{name: getattr(event, name) for name in PLAIN_COLUMNS},
        slug=event.slug,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=event.capacity,
        join_url=event.join_url,
        reminder_offsets=tuple(event.reminder_offsets or ()),
        programme=tuple(
            ProgrammeItemDetails(
                id=item.id,
                time_of_day=helsinki_time_of(item.starts_at),
                kind=item.kind,
                title_fi=item.title_fi,
                title_sv=item.title_sv,
                title_en=item.title_en,
                speakers=tuple(SpeakerDetails(s.name, s.title, s.organization) for s in item.speakers),
            )
            for item in event.programme
        ),
        contacts=tuple(
            ContactDetails(c.name, c.title, c.organization, c.email, c.phone) for c in event.contacts
        ),
    )


def shift_in_helsinki(moment: datetime | None, days: int) -> datetime | None:
    """The same wall-clock time in Helsinki so many days later, in UTC (a week later is 9.00 again across a DST change)."""
    if moment is None:
        return None
    local = moment.astimezone(HELSINKI).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=HELSINKI).astimezone(timezone.utc)


def clone_details(event: Event, days_later: int = 7) -> EventDetails:
    """What the next event after this one starts from: the same texts, programme, contacts and settings, moved by days.

    It gets its own slug when saved; its programme items are new ones.
    """
    details = details_of(event)
    return replace(
        details,
        slug=None,
        starts_at=shift_in_helsinki(details.starts_at, days_later),
        ends_at=shift_in_helsinki(details.ends_at, days_later),
        registration_opens_at=shift_in_helsinki(details.registration_opens_at, days_later),
        registration_closes_at=shift_in_helsinki(details.registration_closes_at, days_later),
        programme=tuple(replace(item, id=None) for item in details.programme),
        # The next event has no recording yet; the join link stays, as recurring meeting rooms are common.
        recording_url=None,
    )


def version_of(event: Event) -> str:
    """What the editor sends back to show which state of the event it was filled from (its last save)."""
    return event.updated_at.isoformat()


def create_event(details: EventDetails, user: OrganizerUser, copy_of: Event | None = None) -> Event:
    """Write a new draft event with its programme, contacts and feedback survey; the caller commits.

    The survey is the default one, or for a copy (`copy_of`) the source event's questions.

    With no slug given, one is made from the Finnish title; a given slug another event has
    raises SlugTaken. An organizer who cannot manage the event through its series (a clone of
    an event granted to them alone) is granted the new event, so they can go on editing it.
    """
    slug = claimed_slug(details, None)
    event = Event(
        **{name: getattr(details, name) for name in PLAIN_COLUMNS},
        slug=slug,
        status="draft",
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        capacity=details.capacity,
        join_url=details.join_url,
        reminder_offsets=list(details.reminder_offsets),
    )
    db.session.add(event)
    db.session.flush()
    write_programme(event, details.programme)
    write_contacts(event, details.contacts)
    if copy_of is None:
        add_default_form(event)
    else:
        copy_form(copy_of, event)
    if managed_series(user, details.series_id) is None:
        user.events.append(event)
    db.session.flush()
    return event


def claimed_slug(details: EventDetails, event_id: int | None) -> str:
    """The slug the event gets: the one asked for if free (else SlugTaken), or a free one from the title."""
    if details.slug is None:
        return free_slug(details.title_fi, event_id)
    if slug_in_use(details.slug, event_id):
        raise SlugTaken(details.slug)
    return details.slug


def save_event(event_id: int, details: EventDetails, now: datetime | None = None,
               seen_version: str | None = None) -> EventSaved:
    """Change an event to the details, in the caller's transaction, holding the event's lock.

    A new time or join link of a published event raises the revision and mails confirmed people
    an updated invite; a larger capacity gives waiting people their seats and mails them (rule 2).
    With `seen_version` (version_of the event the details were edited from), a save made after
    someone else's raises EventChangedMeanwhile instead of undoing theirs. Raises EventCancelled,
    EventStarted (a started event's logistics changed), SlugTaken, ItemsHaveFeedback (programme
    items with ratings left out) or CapacityBelowConfirmed; after any of them the caller rolls
    back, and nothing is saved.
    """
    event = lock_event(event_id)
    if event.status == "cancelled":
        raise EventCancelled
    if seen_version is not None and seen_version != version_of(event):
        raise EventChangedMeanwhile
    current = details_of(event)
    details = replace(details, slug=claimed_slug(details, event.id))
    changed = [f.name for f in fields(EventDetails) if getattr(current, f.name) != getattr(details, f.name)]
    if has_started(event, now):
        locked = [name for name in changed if name in LOGISTICS]
        if locked:
            raise EventStarted(locked)
    if "programme" in changed:
        refuse_removing_rated_items(current.programme, details.programme)
    old_ends_at = event.ends_at
    invites_updated = update_event_logistics(
        event.id, starts_at=details.starts_at, ends_at=details.ends_at, join_url=details.join_url)
    if event.ends_at != old_ends_at:
        follow_moved_event(event, old_ends_at, now or utcnow())
    event.slug = details.slug
    for name in PLAIN_COLUMNS:
        setattr(event, name, getattr(details, name))
    event.reminder_offsets = list(details.reminder_offsets)
    if "programme" in changed or "starts_at" in changed:
        # Item times are times of day on the event's date, so a new date moves them too.
        write_programme(event, details.programme)
    if "contacts" in changed:
        write_contacts(event, details.contacts)
    db.session.flush()
    # change_capacity reads the event afresh, so what is set above is flushed first.
    promoted = change_capacity(event.id, details.capacity) if "capacity" in changed else []
    if changed:
        # Programme and contact rows are not the event's row, so its stamp is moved by hand: it is
        # what tells a second editor that the event changed under them.
        event.updated_at = max(utcnow(), event.updated_at + timedelta(microseconds=1))
        db.session.flush()
    return EventSaved(changed=changed, promoted=len(promoted), invites_updated=invites_updated)


def rated_item_ids(item_ids: list[int]) -> set[int]:
    """Those of the programme items that have feedback ratings."""
    if not item_ids:
        return set()
    return set(db.session.execute(
        select(FeedbackAnswer.programme_item_id).where(FeedbackAnswer.programme_item_id.in_(item_ids)).distinct()
    ).scalars())


def refuse_removing_rated_items(current: tuple[ProgrammeItemDetails, ...],
                                items: tuple[ProgrammeItemDetails, ...]) -> None:
    """Raise ItemsHaveFeedback when items with ratings are left out: deleting an item deletes its ratings."""
    kept = {item.id for item in items}
    removed = [item for item in current if item.id not in kept]
    rated = rated_item_ids([item.id for item in removed])
    if rated:
        raise ItemsHaveFeedback([item for item in removed if item.id in rated])


def write_programme(event: Event, items: tuple[ProgrammeItemDetails, ...]) -> None:
    """Make the event's programme these items, in this order, keeping the rows of items that stay."""
    existing = {item.id: item for item in event.programme}
    programme = []
    for position, details in enumerate(items):
        item = existing.pop(details.id, None) if details.id is not None else None
        if item is None:
            item = ProgrammeItem()
        item.position = position
        item.starts_at = on_event_day(event.starts_at, details.time_of_day)
        item.kind = details.kind
        item.title_fi, item.title_sv, item.title_en = details.title_fi, details.title_sv, details.title_en
        item.speakers = [
            Speaker(position=number, name=s.name, title=s.title, organization=s.organization)
            for number, s in enumerate(details.speakers)
        ]
        programme.append(item)
    event.programme = programme


def write_contacts(event: Event, contacts: tuple[ContactDetails, ...]) -> None:
    """Make the event's contact persons these, in this order."""
    event.contacts = [
        ContactPerson(position=position, name=c.name, title=c.title, organization=c.organization, email=c.email,
                      phone=c.phone)
        for position, c in enumerate(contacts)
    ]


def publish_event(event_id: int) -> bool:
    """Put a draft on the public pages and open it for sign-ups as its times say; the caller commits.

    Returns whether the status changed: publishing a published event changes nothing. A
    cancelled one raises EventCancelled.
    """
    event = lock_event(event_id)
    if event.status == "cancelled":
        raise EventCancelled
    if event.status == "published":
        return False
    event.status = "published"
    return True


def unpublish_event(event_id: int) -> bool:
    """Take a published event back to a draft, which only works while nobody is registered; the caller commits.

    Returns whether the status changed (a draft stays a draft). Raises StillHasRegistrations when
    people are confirmed or waiting: they must hear of it, which cancelling the event does. A
    cancelled event raises EventCancelled.
    """
    event = lock_event(event_id)
    if event.status == "cancelled":
        raise EventCancelled
    if event.status == "draft":
        return False
    active = active_registration_count(event.id)
    if active:
        raise StillHasRegistrations(active)
    event.status = "draft"
    return True


def active_registration_count(event_id: int) -> int:
    """How many people are confirmed or on the waiting list: those a cancellation of the event is mailed to."""
    return db.session.execute(
        select(func.count()).select_from(with_status(event_id, ACTIVE_STATUSES).subquery())
    ).scalar_one()


def update_event_logistics(event_id: int, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
                           join_url=_UNCHANGED) -> int:
    """Move the event or change its join link; confirmed people get an updated invite.

    A real change bumps the revision (the iCalendar SEQUENCE) and writes one `event_updated`
    row per confirmed registration of a published event; returns how many. The caller commits.
    """
    event = lock_event(event_id)
    changed = False
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and value != getattr(event, name):
            setattr(event, name, value)
            changed = True
    if join_url is not _UNCHANGED and join_url != event.join_url:
        event.join_url = join_url
        changed = True
    if not changed:
        return 0
    event.revision += 1
    if event.status != "published":
        return 0
    return queue_for_each(with_status(event.id, ("confirmed",)), "event_updated", f"update-r{event.revision}")


def cancel_event(event_id: int) -> bool:
    """Cancel the event: everyone registered gets a CANCEL, and their unsent mail is dropped. The caller commits.

    Returns whether the event was cancelled now (False: it already was, and nothing is queued).
    People who cancelled themselves keep their pending cancellation: it is their CANCEL.
    """
    event = lock_event(event_id)
    if event.status == "cancelled":
        return False
    was_published = event.status == "published"
    event.status = "cancelled"
    event.revision += 1
    db.session.execute(
        update(Message)
        .where(Message.registration_id.in_(with_status(event.id, ACTIVE_STATUSES)), Message.status == "pending")
        .values(status="cancelled")
    )
    if was_published:
        queue_for_each(with_status(event.id, ACTIVE_STATUSES), "event_cancelled")
    return True


def with_status(event_id: int, statuses: tuple[str, ...]) -> Select:
    """The ids of the event's registrations in the given states."""
    return select(Registration.id).where(Registration.event_id == event_id, Registration.status.in_(statuses))
