"""Periodic planning of reminders, follow-ups and survey reminders from event times, and the seat counters' check."""

from celery import shared_task

from app.extensions import db
from app.services.planning import plan_followups, plan_reminders, plan_survey_reminders
from app.services.registration import recount_seats


@shared_task(name="workers.scheduling.plan_messages")
def plan_messages() -> int:
    """Write the reminders, follow-ups and survey reminders that are due; the after-commit hook wakes delivery."""
    planned = plan_reminders() + plan_followups() + plan_survey_reminders()
    db.session.commit()
    # A counter left wrong by a change made outside the ORM is right again within a minute.
    recount_seats()
    db.session.commit()
    return planned
