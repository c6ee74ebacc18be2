"""An event's message log for organizers: every outbox row, the progress of each mailing, and resending failed mail.

A resend is a new attempt of the same row (rule 5): the Message-ID written with the row stays,
so a copy that did arrive after all collapses with it in the recipient's mail client.

Survey reminders are counted, not listed: one is written for each person who had not answered,
and dropped at send time for whoever answered since, so their rows by name would tell who
answered the survey and when (organizers never see who answered what). Only a failed one is
listed, so that it can be sent again; sending checks again that the person has not answered.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import Event, Mailing, Message, OrganizerUser, Registration
from app.models.messages import MESSAGE_KINDS, MESSAGE_STATUSES
from app.services.outbox import still_wanted
from app.services.paging import Paged, filters_in_force, found_in, page_within

PAGE_SIZE = 50
# The kind whose rows tell who has answered the survey: counted, and listed only when failed.
SURVEY_REMINDER = "survey_reminder"


@dataclass(frozen=True)
class MessageFilters:
    """What the log is narrowed to; empty values filter nothing."""

    kind: str = ""
    status: str = ""
    search: str = ""

    def __post_init__(self):
        if self.kind and self.kind not in MESSAGE_KINDS:
            raise ValueError(f"Unknown message kind {self.kind!r}")
        if self.status and self.status not in MESSAGE_STATUSES:
            raise ValueError(f"Unknown message status {self.status!r}")

    def used(self) -> dict:
        """Which filters are in force, for the audit log; never the search text, which may name a person."""
        return filters_in_force(self, ("kind", "status"))


@dataclass(frozen=True)
class SurveyReminderCounts:
    """How many survey reminders were written for the event and how many went out; no names."""

    planned: int = 0
    sent: int = 0


@dataclass(frozen=True)
class MessagePage(Paged):
    """One page of the log, with how many messages match in all, and the survey reminders counted."""

    messages: list[Message]
    total: int
    page: int
    page_size: int = PAGE_SIZE
    survey_reminders: SurveyReminderCounts = SurveyReminderCounts()


def matching(event_id: int, filters: MessageFilters) -> list[ColumnElement[bool]]:
    """The conditions that pick the event's messages matching the filters; survey reminders only when failed."""
    conditions = [Registration.event_id == event_id,
                  or_(Message.kind != SURVEY_REMINDER, Message.status == "failed")]
    if filters.kind:
        conditions.append(Message.kind == filters.kind)
    if filters.status:
        conditions.append(Message.status == filters.status)
    found = found_in(filters.search, (
        Registration.email, Registration.first_name, Registration.last_name,
        Registration.first_name + " " + Registration.last_name,
    ))
    if found is not None:
        conditions.append(found)
    return conditions


def message_page(event_id: int, filters: MessageFilters, page: int, page_size: int = PAGE_SIZE) -> MessagePage:
    """The event's messages matching the filters, the latest due first, on the given page (clamped), in three queries."""
    conditions = matching(event_id, filters)
    total = db.session.execute(
        select(func.count()).select_from(Message).join(Message.registration).where(*conditions)
    ).scalar_one()
    page = page_within(page, total, page_size)
    query = (
        select(Message)
        .join(Message.registration)
        .options(contains_eager(Message.registration))
        .where(*conditions)
        .order_by(Message.due_at.desc(), Message.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return MessagePage(list(db.session.execute(query).scalars()), total, page, page_size,
                       survey_reminder_counts(event_id))


def survey_reminder_counts(event_id: int) -> SurveyReminderCounts:
    """How many survey reminders the event's registrants were planned, and how many of them were sent."""
    planned, sent = db.session.execute(
        select(func.count(), func.count().filter(Message.status == "sent"))
        .select_from(Message).join(Message.registration)
        .where(Registration.event_id == event_id, Message.kind == SURVEY_REMINDER)
    ).one()
    return SurveyReminderCounts(planned, sent)


def failed_message_count(event: Event) -> int:
    """How many of the event's messages failed for good and wait for an organizer to resend them."""
    return db.session.execute(
        select(func.count()).select_from(Message).join(Message.registration)
        .where(Registration.event_id == event.id, Message.status == "failed")
    ).scalar_one()


@dataclass(frozen=True)
class MailingProgress:
    """How far a mailing has got: its recipients' messages by status."""

    mailing: Mailing
    sender: str | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        """Messages the mail server accepted."""
        return self.counts.get("sent", 0)

    @property
    def waiting(self) -> int:
        """Messages still to go: queued, being sent, or waiting to be tried again."""
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def failed(self) -> int:
        """Messages that could not be delivered; each can be sent again from the log."""
        return self.counts.get("failed", 0)

    @property
    def dropped(self) -> int:
        """Messages not sent because their recipient's data was removed before their turn."""
        return self.counts.get("cancelled", 0)

    @property
    def done(self) -> bool:
        """Whether nothing of the mailing is left to send."""
        return self.waiting == 0

    def subject(self, language: str) -> str:
        """The mailing's subject in the language, else in the first language it was written in."""
        texts = self.mailing.texts or {}
        chosen = texts.get(language) or next(iter(texts.values()), {})
        return chosen.get("subject", "")


def mailing_progress(event_id: int) -> list[MailingProgress]:
    """The event's mailings, the latest first, each with its messages counted by status, in two queries."""
    rows = db.session.execute(
        select(Mailing, OrganizerUser.name)
        .outerjoin(OrganizerUser, OrganizerUser.id == Mailing.user_id)
        .where(Mailing.event_id == event_id)
        .order_by(Mailing.created_at.desc(), Mailing.id.desc())
    ).all()
    if not rows:
        return []
    counts: dict[int, dict[str, int]] = {}
    for mailing_id, status, number in db.session.execute(
        select(Message.mailing_id, Message.status, func.count())
        .where(Message.mailing_id.in_([mailing.id for mailing, _ in rows]))
        .group_by(Message.mailing_id, Message.status)
    ):
        counts.setdefault(mailing_id, {})[status] = number
    return [MailingProgress(mailing, sender, counts.get(mailing.id, {})) for mailing, sender in rows]


def event_message(event_id: int, message_id: int) -> Message | None:
    """The message, if it is one of the event's (through its registration); else None."""
    return db.session.execute(
        select(Message).join(Message.registration)
        .options(contains_eager(Message.registration))
        .where(Message.id == message_id, Registration.event_id == event_id)
    ).scalar_one_or_none()


class ResendRefused(Exception):
    """A message that cannot be sent again; nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


NOT_FAILED = _l("Only a message that failed can be sent again. This one has not failed, or was already sent again.")
NO_LONGER_WANTED = _l(
    "This message is not sent again: it no longer applies, for example because the registration was cancelled, "
    "the person's data was removed or the event has started."
)


def resend(message: Message, now: datetime) -> None:
    """Queue a failed message for a new attempt now, with the same Message-ID; the caller commits.

    Only a failed message that still applies (the checks delivery makes before sending) is queued
    again. Its attempts are kept, so the log shows every try; the day of retries that transient
    errors get (rule 5) counts anew from the resend, so a greylisting server is tried again rather
    than giving up at once. The status is compared and set in one UPDATE: of two resends at once
    (a double click), one queues it and the other is refused.
    """
    if message.status != "failed":
        raise ResendRefused(NOT_FAILED)
    if not still_wanted(message, now):
        raise ResendRefused(NO_LONGER_WANTED)
    queued = db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == "failed")
        .values(status="pending", due_at=now, claimed_at=None, created_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if queued != 1:
        raise ResendRefused(NOT_FAILED)
    db.session.expire(message)
