"""Periodic planning of reminders, follow-ups and survey reminders from event times."""

from celery import shared_task

from app.extensions import db
from app.services.planning import plan_followups, plan_reminders, plan_survey_reminders


@shared_task(name="workers.scheduling.plan_messages")
def plan_messages() -> int:
    """Write the reminders, follow-ups and survey reminders that are due; the after-commit hook wakes delivery."""
    planned = plan_reminders() + plan_followups() + plan_survey_reminders()
    db.session.commit()
    return planned
