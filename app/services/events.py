"""Changes to an event that participants must hear about: a new time or link, or cancellation."""

from datetime import datetime

from sqlalchemy import Select, select, update

from app.extensions import db
from app.models import Event, Message, Registration
from app.models.registrations import ACTIVE_STATUSES
from app.services.queue import queue_for_each
from app.services.registration import lock_event

_UNCHANGED = object()


def update_event_logistics(event_id: int, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
                           join_url=_UNCHANGED) -> Event:
    """Move the event or change its join link; confirmed people get an updated invite.

    A real change bumps the revision (the iCalendar SEQUENCE) and writes one
    `event_updated` row per confirmed registration. The caller commits.
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
        return event
    event.revision += 1
    if event.status == "published":
        queue_for_each(with_status(event.id, ("confirmed",)), "event_updated", f"update-r{event.revision}")
    return event


def cancel_event(event_id: int) -> Event:
    """Cancel the event: everyone registered gets a CANCEL, and unsent mail is dropped. The caller commits."""
    event = lock_event(event_id)
    if event.status == "cancelled":
        return event
    was_published = event.status == "published"
    event.status = "cancelled"
    event.revision += 1
    registration_ids = select(Registration.id).where(Registration.event_id == event.id)
    db.session.execute(
        update(Message)
        .where(Message.registration_id.in_(registration_ids), Message.status == "pending")
        .values(status="cancelled")
    )
    if was_published:
        queue_for_each(with_status(event.id, ACTIVE_STATUSES), "event_cancelled")
    return event


def with_status(event_id: int, statuses: tuple[str, ...]) -> Select:
    """The ids of the event's registrations in the given states."""
    return select(Registration.id).where(Registration.event_id == event_id, Registration.status.in_(statuses))
