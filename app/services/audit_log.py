"""Reading the audit log: the entries an admin asks for, newest first, a page at a time."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AuditEntry, Event

AUDIT_PAGE_SIZE = 50


@dataclass
class AuditPage:
    """One page of the log: (entry, its event or None) pairs, and whether older entries follow."""

    rows: list[tuple[AuditEntry, Event | None]]
    number: int
    has_next: bool


def audit_page(user_id: int | None = None, event_id: int | None = None, action: str | None = None,
               page: int = 1, page_size: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """The entries by this organizer, about this event, of this action (each filter optional), newest first.

    Reads one row more than a page to know whether another page follows, without counting the whole log.
    """
    query = (
        select(AuditEntry, Event)
        .outerjoin(Event, Event.id == AuditEntry.event_id)
        .options(joinedload(AuditEntry.user))
        # The index on `at` serves the order and the limit; the id breaks ties within one instant.
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    rows = [tuple(row) for row in db.session.execute(query)]
    return AuditPage(rows=rows[:page_size], number=page, has_next=len(rows) > page_size)
