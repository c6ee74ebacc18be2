"""Reminders and follow-ups are planned from event times, on time and only for whom they fit (rules 4, 6)."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.models import Message
from app.models.types import utcnow
from app.services.events import cancel_event, update_event_logistics
from app.services.outbox import deliver_due
from app.services.planning import plan_followups, plan_reminders
from app.services.registration import cancel_registration
from tests.factories import make_event, make_registration


def rows(db, kind: str) -> list[Message]:
    """Outbox rows of one kind."""
    return list(db.session.execute(select(Message).where(Message.kind == kind).order_by(Message.id)).scalars())


def plan_at(db, moment) -> int:
    """Run the planner as the periodic task would at that moment."""
    with time_machine.travel(moment, tick=False):
        planned = plan_reminders() + plan_followups()
        db.session.commit()
    return planned


def early_event(db, **fields):
    """An event three days ahead with one confirmed participant who registered now."""
    event = make_event(starts_at=utcnow().replace(microsecond=0) + timedelta(days=3), **fields)
    registration = make_registration(event, created_at=utcnow() - timedelta(minutes=1))
    db.session.commit()
    return event, registration


def test_reminders_go_out_at_their_offsets_and_once(db):
    event, registration = early_event(db)
    assert plan_at(db, event.starts_at - timedelta(days=1, minutes=1)) == 0
    assert plan_at(db, event.starts_at - timedelta(days=1)) == 1
    assert plan_at(db, event.starts_at - timedelta(hours=5)) == 0
    assert plan_at(db, event.starts_at - timedelta(hours=1)) == 1
    assert plan_at(db, event.starts_at - timedelta(minutes=30)) == 0
    reminders = rows(db, "reminder")
    assert [m.registration_id for m in reminders] == [registration.id] * 2
    assert reminders[0].due_at == event.starts_at - timedelta(days=1)


def test_per_event_offsets_are_honoured(db):
    event, _ = early_event(db, reminder_offsets=[3 * 60])
    assert plan_at(db, event.starts_at - timedelta(days=1)) == 0
    assert plan_at(db, event.starts_at - timedelta(hours=3)) == 1


def test_someone_registering_after_a_reminder_was_due_does_not_get_it(db):
    event, early = early_event(db)
    late = make_registration(event, created_at=event.starts_at - timedelta(hours=20))
    db.session.commit()
    plan_at(db, event.starts_at - timedelta(hours=2))
    assert [m.registration_id for m in rows(db, "reminder")] == [early.id]
    plan_at(db, event.starts_at - timedelta(minutes=59))
    assert sorted(m.registration_id for m in rows(db, "reminder")) == sorted([early.id, early.id, late.id])


def test_after_an_outage_only_the_latest_due_reminder_is_sent(db):
    event, _ = early_event(db)
    assert plan_at(db, event.starts_at - timedelta(minutes=50)) == 1
    [reminder] = rows(db, "reminder")
    assert reminder.dedupe_key.split(":")[1].startswith("reminder-60m-")


def test_nothing_reminds_once_the_event_has_started(db):
    event, _ = early_event(db)
    assert plan_at(db, event.starts_at + timedelta(minutes=1)) == 0
    assert rows(db, "reminder") == []


def test_a_moved_event_moves_its_reminders(db):
    event, registration = early_event(db)
    old_start = event.starts_at
    plan_at(db, old_start - timedelta(days=1))
    update_event_logistics(event.id, starts_at=old_start + timedelta(days=7), ends_at=event.ends_at + timedelta(days=7))
    db.session.commit()
    assert plan_at(db, old_start - timedelta(hours=1)) == 0
    assert plan_at(db, event.starts_at - timedelta(days=1)) == 1
    assert len(rows(db, "reminder")) == 2


def test_a_cancelled_registration_gets_no_reminder(db):
    event, registration = early_event(db)
    cancel_registration(registration.id)
    db.session.commit()
    assert plan_at(db, event.starts_at - timedelta(hours=1)) == 0


def test_a_waitlisted_registration_gets_no_reminder(db):
    event, _ = early_event(db)
    make_registration(event, status="waitlisted", created_at=utcnow() - timedelta(minutes=1))
    db.session.commit()
    assert plan_at(db, event.starts_at - timedelta(hours=1)) == 1


def test_a_planned_reminder_still_unsent_at_the_start_is_dropped(db, app):
    event, _ = early_event(db)
    plan_at(db, event.starts_at - timedelta(hours=1))
    with time_machine.travel(event.starts_at + timedelta(minutes=2), tick=False):
        report = deliver_due()
    [reminder] = rows(db, "reminder")
    assert report.skipped == [reminder.id]
    db.session.refresh(reminder)
    assert reminder.status == "cancelled"


def test_followups_wait_for_the_delay_after_the_end(db):
    event, registration = early_event(db)
    make_registration(event, status="cancelled")
    db.session.commit()
    assert plan_at(db, event.ends_at + timedelta(minutes=59)) == 0
    assert plan_at(db, event.ends_at + timedelta(hours=1)) == 1
    assert plan_at(db, event.ends_at + timedelta(hours=2)) == 0
    assert [m.registration_id for m in rows(db, "followup")] == [registration.id]


def test_followups_are_not_planned_for_events_long_past(db):
    event, _ = early_event(db)
    assert plan_at(db, event.ends_at + timedelta(days=3)) == 0


def test_changing_time_or_join_link_sends_confirmed_people_an_update_with_a_new_revision(db):
    event, registration = early_event(db)
    make_registration(event, status="waitlisted")
    start_revision = event.revision
    update_event_logistics(event.id, join_url="https://meet.example.org/j/new")
    db.session.commit()
    assert event.revision == start_revision + 1
    [update] = rows(db, "event_updated")
    assert update.registration_id == registration.id
    update_event_logistics(event.id, starts_at=event.starts_at + timedelta(hours=1),
                           ends_at=event.ends_at + timedelta(hours=1))
    db.session.commit()
    assert event.revision == start_revision + 2
    assert len(rows(db, "event_updated")) == 2


def test_saving_an_unchanged_time_sends_nothing(db):
    event, _ = early_event(db)
    update_event_logistics(event.id, starts_at=event.starts_at, join_url=event.join_url)
    db.session.commit()
    assert event.revision == 0
    assert rows(db, "event_updated") == []


def test_cancelling_the_event_sends_cancel_to_everyone_and_drops_unsent_mail(db):
    event, confirmed = early_event(db)
    waiting = make_registration(event, status="waitlisted")
    make_registration(event, status="cancelled")
    plan_at(db, event.starts_at - timedelta(days=1))
    cancel_event(event.id)
    db.session.commit()
    assert sorted(m.registration_id for m in rows(db, "event_cancelled")) == sorted([confirmed.id, waiting.id])
    assert {m.status for m in rows(db, "reminder")} == {"cancelled"}
    assert plan_at(db, event.starts_at - timedelta(hours=1)) == 0
