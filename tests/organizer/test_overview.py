"""An event's overview page: counts by status and attendance, seats left, sign-ups per day, municipalities."""

from datetime import datetime, timezone

from tests.factories import make_event, make_municipality, make_registration
from tests.organizer.conftest import table_rows


def test_overview_counts_registrations_by_status_attendance_day_and_municipality(logged_in_admin, db):
    espoo = make_municipality("049", "Espoo", "Esbo")
    event = make_event(capacity=5)
    # 23:30 UTC on 1 December is already 2 December in Helsinki.
    late_evening = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)
    morning = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    make_registration(event, created_at=morning, attended="yes")
    make_registration(event, created_at=morning, municipality=espoo)
    make_registration(event, created_at=late_evening, status="waitlisted", municipality=espoo)
    make_registration(event, created_at=late_evening, status="cancelled", municipality=espoo)
    make_registration(event, created_at=late_evening, organization="Digitukiyhdistys ry")
    db.session.commit()

    page = logged_in_admin.get(f"/organizer/events/{event.id}")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    figures = dict(zip(("Confirmed", "Waiting list", "Cancelled", "Attended", "Seats left"),
                       ("3", "1", "1", "1", "2")))
    for label, figure in figures.items():
        assert f"<dt>{label}</dt><dd>{figure}</dd>" in text
    per_day, municipalities = table_rows(page)[:2], table_rows(page)[2:]
    assert [row[:2] for row in per_day] == [["01/12/2026", "2"], ["02/12/2026", "3"]]
    # Active registrations only; the cancelled one from Espoo is not reach.
    assert [row[:2] for row in municipalities] == [["Espoo", "2"], ["Vantaa", "1"], ["Other organizations", "1"]]


def test_overview_in_swedish_names_municipalities_in_swedish(logged_in_admin, db):
    event = make_event(capacity=None)
    make_registration(event)
    db.session.commit()

    page = logged_in_admin.get(f"/organizer/events/{event.id}?lang=sv")

    assert table_rows(page)[-1][:2] == ["Vanda", "1"]


def test_event_without_registrations_says_so(logged_in_admin, db):
    event = make_event()
    db.session.commit()

    text = logged_in_admin.get(f"/organizer/events/{event.id}").get_data(as_text=True)

    assert "Nobody has registered yet." in text
    assert table_rows(logged_in_admin.get(f"/organizer/events/{event.id}")) == []


def test_an_event_with_registrations_offers_cancelling_not_a_return_to_draft(logged_in_admin, db):
    event = make_event()
    make_registration(event)
    empty = make_event()
    db.session.commit()

    with_people = logged_in_admin.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    nobody = logged_in_admin.get(f"/organizer/events/{empty.id}").get_data(as_text=True)

    assert "Make the event a draft again" not in with_people
    assert "1 person is registered, so the event cannot go back to a draft." in with_people
    assert "Make the event a draft again" in nobody
    assert "Cancel the event…" in with_people and "Cancel the event…" in nobody
