"""The survey reminder: planned SURVEY_REMINDER_DAYS after the follow-up, only to participants who have
not answered, never after the form has closed, and dropped at send time once they answer (rules 4-6)."""

import email
from datetime import timedelta
from email.policy import default
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from app.models import FeedbackForm, FeedbackResponse, Message
from app.models.types import utcnow
from app.services.outbox import deliver_due
from app.services.planning import plan_followups, plan_reminders, plan_survey_reminders
from app.services.survey import Answer, save_answers
from tests.factories import make_event, make_feedback_form, make_registration

DAYS = timedelta(days=3)


@pytest.fixture
def event(db):
    """A webinar tomorrow with a form open for two weeks after it."""
    starts_at = utcnow().replace(microsecond=0) + timedelta(days=1)
    event = make_event(starts_at=starts_at)
    make_feedback_form(event, required=False, opens_at=event.ends_at, closes_at=event.ends_at + timedelta(days=14))
    db.session.commit()
    return event


def plan_at(db, moment) -> int:
    """Run the whole planner as the periodic task does at that moment."""
    with time_machine.travel(moment, tick=False):
        planned = plan_reminders() + plan_followups() + plan_survey_reminders()
        db.session.commit()
    return planned


def survey_reminders(db) -> list[Message]:
    """The survey reminder rows."""
    db.session.expire_all()
    return list(db.session.execute(
        select(Message).where(Message.kind == "survey_reminder").order_by(Message.registration_id)
    ).scalars())


def form_of(db, event) -> FeedbackForm:
    """The event's form."""
    return db.session.execute(select(FeedbackForm).where(FeedbackForm.event_id == event.id)).scalar_one()


def answer(db, event, registration, moment) -> None:
    """The registration answers the survey at that moment."""
    found = form_of(db, event)
    rating = next(question for question in found.questions if question.kind == "rating")
    with time_machine.travel(moment, tick=False):
        save_answers(found, registration, [Answer(rating.id, value_int=4)])
        db.session.commit()


def test_the_reminder_goes_days_after_the_followup_only_to_attendees_and_unknowns_who_have_not_answered(db, event):
    attended = make_registration(event, attended="yes")
    unknown = make_registration(event, attended="unknown")
    absent = make_registration(event, attended="no")
    answered = make_registration(event, attended="yes")
    make_registration(event, status="waitlisted")
    make_registration(event, status="cancelled")
    db.session.commit()
    followup_due = event.followup_due_at
    answer(db, event, answered, followup_due + timedelta(hours=2))

    assert plan_at(db, followup_due) == 4  # the follow-ups to the confirmed
    assert plan_at(db, followup_due + DAYS - timedelta(minutes=1)) == 0
    assert survey_reminders(db) == []
    assert plan_at(db, followup_due + DAYS) == 2
    assert [m.registration_id for m in survey_reminders(db)] == [attended.id, unknown.id]
    assert survey_reminders(db)[0].due_at == followup_due + DAYS
    # Once: the next run plans nothing more.
    assert plan_at(db, followup_due + DAYS + timedelta(hours=1)) == 0
    assert absent.id not in {m.registration_id for m in survey_reminders(db)}


def test_the_number_of_days_is_configurable(app, db, event):
    make_registration(event)
    db.session.commit()
    app.config["SURVEY_REMINDER_DAYS"] = 5
    try:
        assert plan_at(db, event.followup_due_at + DAYS) == 0
        assert survey_reminders(db) == []
        assert plan_at(db, event.followup_due_at + timedelta(days=5)) == 1
        assert len(survey_reminders(db)) == 1
    finally:
        app.config["SURVEY_REMINDER_DAYS"] = 3


def test_the_setting_is_read_from_the_environment(monkeypatch):
    from config import load_settings

    assert load_settings("production")["SURVEY_REMINDER_DAYS"] == 3
    monkeypatch.setenv("SURVEY_REMINDER_DAYS", "7")
    assert load_settings("production")["SURVEY_REMINDER_DAYS"] == 7


def test_no_reminder_is_planned_once_the_form_has_closed(db, event):
    make_registration(event)
    form_of(db, event).closes_at = event.followup_due_at + DAYS - timedelta(minutes=1)
    db.session.commit()
    assert plan_at(db, event.followup_due_at + DAYS) == 0
    assert survey_reminders(db) == []


def test_no_reminder_for_an_event_without_a_form(db):
    event = make_event(starts_at=utcnow().replace(microsecond=0) + timedelta(days=1))
    make_registration(event)
    db.session.commit()
    plan_at(db, event.followup_due_at + DAYS)
    assert survey_reminders(db) == []


def test_a_reminder_whose_person_answered_before_it_was_sent_is_dropped(app, db, event):
    late = make_registration(event, language="sv")
    quiet = make_registration(event, language="sv")
    db.session.commit()
    plan_at(db, event.followup_due_at + DAYS)
    answer(db, event, late, event.followup_due_at + DAYS + timedelta(minutes=1))
    with time_machine.travel(event.followup_due_at + DAYS + timedelta(minutes=2), tick=False):
        report = deliver_due([m.id for m in survey_reminders(db)])
    statuses = {m.registration_id: m.status for m in survey_reminders(db)}
    assert statuses == {late.id: "cancelled", quiet.id: "sent"}
    assert len(report.skipped) == 1 and len(report.sent) == 1
    [mail] = [email.message_from_bytes(path.read_bytes(), policy=default)
              for path in Path(app.config["MAIL_FOLDER"]).rglob("*.eml")]
    assert quiet.email in mail["To"]
    assert mail["Content-Language"] == "sv"
    assert "/feedback/" in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_reminder_not_sent_before_the_form_closed_is_dropped(app, db, event):
    registration = make_registration(event)
    db.session.commit()
    plan_at(db, event.followup_due_at + DAYS)
    closes_at = event.followup_due_at + DAYS + timedelta(hours=1)
    form_of(db, event).closes_at = closes_at
    db.session.commit()
    # The mail server was away until after the close.
    with time_machine.travel(closes_at, tick=False):
        report = deliver_due()
    assert report.skipped == [m.id for m in survey_reminders(db)]
    assert [m.status for m in survey_reminders(db)] == ["cancelled"]
    assert db.session.execute(select(FeedbackResponse)).first() is None
    assert registration.id == survey_reminders(db)[0].registration_id
