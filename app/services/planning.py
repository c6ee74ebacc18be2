"""Planning reminders, follow-ups and survey reminders from event times (rules 4 and 6).

A periodic task writes the rows when they fall due, never long ahead, so a moved
event moves its mail. Dedupe keys carry the start time a reminder speaks of: a
moved event gets a fresh set, an unchanged one never a second.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from app.extensions import db
from app.models import Event, FeedbackForm, FeedbackResponse, Message, Registration
from app.models.types import utcnow
from app.services.queue import dedupe_key, queue_for_each
from app.services.survey import is_open

# Follow-ups are not planned for events that ended long ago, e.g. when the
# scheduler was down for days or for events imported after the fact.
FOLLOWUP_WINDOW = timedelta(days=2)


def reminder_key(offset_minutes: int, starts_at: datetime) -> str:
    """The dedupe key of a reminder for one start time."""
    return f"reminder-{offset_minutes}m-{starts_at:%Y%m%dT%H%M}"


def is_current_reminder(message: Message, event: Event) -> bool:
    """Whether a reminder row is one planning would write for the event as it is now: its start, its offsets."""
    return message.dedupe_key in {
        dedupe_key(message.registration_id, reminder_key(offset, event.starts_at))
        for offset in event.reminder_offsets or []
    }


def plan_reminders(now: datetime | None = None) -> int:
    """Write the reminders that are due now; returns how many. The caller commits.

    Only confirmed people who registered before the reminder's due time get it,
    and nothing reminds once the event has started.
    """
    now = now or utcnow()
    events = db.session.execute(
        select(Event).where(Event.status == "published", Event.starts_at > now)
    ).scalars()
    planned = 0
    for event in events:
        due_offsets = [o for o in event.reminder_offsets or [] if event.starts_at - timedelta(minutes=o) <= now]
        if not due_offsets:
            continue
        # Only the latest due reminder: after a scheduler outage the day-before
        # reminder is not sent together with the hour-before one.
        offset = min(due_offsets)
        due_at = event.starts_at - timedelta(minutes=offset)
        registrations = select(Registration.id).where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            Registration.created_at <= due_at,
        )
        planned += queue_for_each(
            registrations, "reminder", reminder_key(offset, event.starts_at), due_at=now
        )
    return planned


def plan_followups(now: datetime | None = None) -> int:
    """Write the follow-ups of events that ended their follow-up delay ago; returns how many."""
    now = now or utcnow()
    events = db.session.execute(
        select(Event).where(Event.status == "published", Event.ends_at < now, Event.ends_at > now - FOLLOWUP_WINDOW)
    ).scalars()
    planned = 0
    for event in events:
        if event.followup_due_at > now:
            continue
        registrations = select(Registration.id).where(
            Registration.event_id == event.id, Registration.status == "confirmed"
        )
        planned += queue_for_each(registrations, "followup", due_at=now)
    return planned


def survey_reminder_due_at(event: Event) -> datetime:
    """When the survey reminder is due: SURVEY_REMINDER_DAYS after the follow-up."""
    return event.followup_due_at + timedelta(days=current_app.config["SURVEY_REMINDER_DAYS"])


def plan_survey_reminders(now: datetime | None = None) -> int:
    """Write the survey reminders that are due; returns how many. The caller commits.

    One reminder, to confirmed registrants who attended or whose attendance is unknown and
    who have not answered, while the event's form takes answers. Like follow-ups, not for
    events whose reminder fell due long ago. Delivery checks again at send time.
    """
    now = now or utcnow()
    days = timedelta(days=current_app.config["SURVEY_REMINDER_DAYS"])
    forms = db.session.execute(
        select(FeedbackForm)
        .join(Event, FeedbackForm.event_id == Event.id)
        .where(
            Event.status == "published",
            # By the end alone, as the follow-up delay is each event's own: checked below.
            Event.ends_at < now - days,
            or_(FeedbackForm.closes_at.is_(None), FeedbackForm.closes_at > now),
        )
    ).scalars()
    planned = 0
    for form in forms:
        due_at = survey_reminder_due_at(form.event)
        if not (due_at <= now < due_at + FOLLOWUP_WINDOW) or not is_open(form, now):
            continue
        registrations = select(Registration.id).where(
            Registration.event_id == form.event_id,
            Registration.status == "confirmed",
            Registration.attended.in_(("yes", "unknown")),
            ~exists().where(FeedbackResponse.registration_id == Registration.id),
        )
        planned += queue_for_each(registrations, "survey_reminder", due_at=now)
    return planned
