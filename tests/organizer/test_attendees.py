"""The attendee list, a registration's page, changes by hand under the seat rules, and the attendee exports."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditEntry, Message, Registration
from app.models.types import utcnow
from app.organizer.words import ATTENDANCE_WORDS, REGISTRATION_STATUS_WORDS
from app.services.attendees import (
    ALREADY_CANCELLED,
    AttendeeFilters,
    ChangeRefused,
    apply_change,
    attendee_page,
    cancel_by_organizer,
)
from tests.factories import make_event, make_municipality, make_registration
from tests.organizer.conftest import log_in, table_rows

ATTENDEES = "/organizer/events/{}/attendees"


def audit_entries(db, action):
    """The audit log's entries of one action, oldest first."""
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)).scalars())


def names_on_page(response) -> list[str]:
    """The name cells of the attendee table, in order."""
    return [row[0] for row in table_rows(response)]


@pytest.fixture
def event(db):
    """An event with room for two, and a waiting list."""
    event = make_event(capacity=2)
    db.session.commit()
    return event


@pytest.fixture
def people(db, event):
    """Four registrations from three places, a minute apart: two confirmed, one waitlisted, one cancelled."""
    espoo = make_municipality("049", "Espoo", "Esbo")
    start = utcnow() - timedelta(hours=1)
    made = [
        make_registration(event, first_name="Aino", last_name="Virtanen", email="aino@vantaa.fi",
                          created_at=start, attended="yes"),
        make_registration(event, first_name="Bertil", last_name="Åkerman", email="bertil@esbo.fi",
                          municipality=espoo, created_at=start + timedelta(minutes=1)),
        make_registration(event, first_name="Cecilia", last_name="Nieminen", email="cecilia@example.org",
                          municipality=None, organization="Digi 100% Oy", status="waitlisted",
                          created_at=start + timedelta(minutes=2)),
        make_registration(event, first_name="Daniel", last_name="Berg", email="daniel@vantaa.fi",
                          status="cancelled", cancelled_at=start + timedelta(minutes=4),
                          created_at=start + timedelta(minutes=3), attended="no"),
    ]
    db.session.commit()
    return made


# The list: search, filters, sorting, pages.

def test_list_shows_every_registration_oldest_first_with_status_and_place(logged_in_admin, event, people):
    response = logged_in_admin.get(ATTENDEES.format(event.id))
    assert response.status_code == 200
    rows = table_rows(response)
    assert [row[0] for row in rows] == ["Virtanen Aino", "Åkerman Bertil", "Nieminen Cecilia", "Berg Daniel"]
    assert rows[1][1:5] == ["bertil@esbo.fi", "Espoo", "Confirmed", "Not known"]
    assert rows[2][2:4] == ["Digi 100% Oy", "On the waiting list"]
    assert rows[3][3:5] == ["Cancelled", "Did not attend"]
    assert "4 matching registrations" in response.get_data(as_text=True)


def test_municipality_is_named_in_the_organizers_language(client, admin, event, people):
    log_in(client, admin.email)
    response = client.get(ATTENDEES.format(event.id) + "?lang=sv")
    assert [row[2] for row in table_rows(response)][:2] == ["Vanda", "Esbo"]


@pytest.mark.parametrize("term, expected", [
    ("aino", ["Virtanen Aino"]),
    ("AKERMAN", []),
    ("Åkerman", ["Åkerman Bertil"]),
    # Letter case of å, ä and ö is ignored on SQLite too, as on PostgreSQL.
    ("åkerman", ["Åkerman Bertil"]),
    ("ÅKERMAN", ["Åkerman Bertil"]),
    ("esbo.fi", ["Åkerman Bertil"]),
    ("Aino Virtanen", ["Virtanen Aino"]),
    ("Virtanen Aino", ["Virtanen Aino"]),
    ("  aino   virtanen ", ["Virtanen Aino"]),
    ("100%", ["Nieminen Cecilia"]),
    # % and _ are letters in a search, not wildcards.
    ("%", ["Nieminen Cecilia"]),
    ("_", []),
])
def test_search_finds_name_email_and_organization(logged_in_admin, event, people, term, expected):
    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string={"q": term})
    assert names_on_page(response) == expected


@pytest.mark.parametrize("args, expected", [
    ({"status": "confirmed"}, ["Virtanen Aino", "Åkerman Bertil"]),
    ({"status": "waitlisted"}, ["Nieminen Cecilia"]),
    ({"municipality": "049"}, ["Åkerman Bertil"]),
    ({"municipality": "other"}, ["Nieminen Cecilia"]),
    ({"municipality": "092", "attended": "no"}, ["Berg Daniel"]),
    ({"attended": "unknown"}, ["Åkerman Bertil", "Nieminen Cecilia"]),
    ({"status": "confirmed", "q": "vantaa"}, ["Virtanen Aino"]),
])
def test_filters_narrow_the_list(logged_in_admin, event, people, args, expected):
    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string=args)
    assert names_on_page(response) == expected


def test_names_sort_as_the_finnish_and_swedish_alphabets_end_a_ring_a_umlaut_o_umlaut(logged_in_admin, event, db):
    for last_name in ("Öhman", "Äijälä", "Zilliacus", "Åkerlund", "Aalto"):
        make_registration(event, first_name="Testi", last_name=last_name)
    db.session.commit()

    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string={"sort": "name", "dir": "asc"})

    assert [name.split()[0] for name in names_on_page(response)] == ["Aalto", "Zilliacus", "Åkerlund", "Äijälä", "Öhman"]


@pytest.mark.parametrize("sort, direction, expected", [
    ("name", "asc", ["Berg Daniel", "Nieminen Cecilia", "Virtanen Aino", "Åkerman Bertil"]),
    ("name", "desc", ["Åkerman Bertil", "Virtanen Aino", "Nieminen Cecilia", "Berg Daniel"]),
    ("email", "asc", ["Virtanen Aino", "Åkerman Bertil", "Nieminen Cecilia", "Berg Daniel"]),
    ("municipality", "asc", ["Nieminen Cecilia", "Åkerman Bertil", "Virtanen Aino", "Berg Daniel"]),
    ("status", "asc", ["Virtanen Aino", "Åkerman Bertil", "Nieminen Cecilia", "Berg Daniel"]),
    ("status", "desc", ["Berg Daniel", "Nieminen Cecilia", "Åkerman Bertil", "Virtanen Aino"]),
    ("registered", "desc", ["Berg Daniel", "Nieminen Cecilia", "Åkerman Bertil", "Virtanen Aino"]),
])
def test_sorting_by_each_column(logged_in_admin, event, people, sort, direction, expected):
    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string={"sort": sort, "dir": direction})
    assert names_on_page(response) == expected


def test_sorted_column_header_says_so_and_links_to_the_reverse_order_keeping_filters(logged_in_admin, event, people):
    page = logged_in_admin.get(ATTENDEES.format(event.id),
                               query_string={"sort": "name", "status": "confirmed"}).get_data(as_text=True)
    assert 'aria-sort="ascending"' in page
    assert f'href="/organizer/events/{event.id}/attendees?status=confirmed&amp;sort=name&amp;dir=desc"' in page


def test_pages_hold_fifty_each_overlap_nowhere_and_links_keep_the_filters(logged_in_admin, db, event):
    created = utcnow() - timedelta(days=1)
    for n in range(120):
        # Many share one registration time: the id keeps the order stable across pages.
        make_registration(event, first_name="Pat", last_name=f"Person{n:03d}", created_at=created + timedelta(
            seconds=n // 10), status="waitlisted")
    make_registration(event, first_name="Other", last_name="Confirmed")
    db.session.commit()
    url = ATTENDEES.format(event.id)
    seen = []
    for page in (1, 2, 3):
        response = logged_in_admin.get(url, query_string={"status": "waitlisted", "page": page})
        seen += names_on_page(response)
    assert seen == [f"Person{n:03d} Pat" for n in range(120)]
    first = logged_in_admin.get(url, query_string={"status": "waitlisted"}).get_data(as_text=True)
    assert "120 matching registrations; showing 1–50." in first
    assert f'href="{url}?status=waitlisted&amp;page=2"' in first
    # Past the last page shows the last page, not an empty one.
    beyond = logged_in_admin.get(url, query_string={"status": "waitlisted", "page": 99})
    assert len(table_rows(beyond)) == 20
    assert "showing 101–120" in beyond.get_data(as_text=True)


@pytest.mark.parametrize("args", [
    {"status": "deleted"}, {"attended": "maybe"}, {"municipality": "999"}, {"sort": "password_hash"},
    {"dir": "sideways"}, {"q": "x" * 201}, {"q": "nul\x00byte"},
])
def test_a_bad_filter_gets_a_sentence_and_a_400(logged_in_admin, db, event, people, args):
    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string=args)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert table_rows(response) == []
    assert audit_entries(db, "attendees_viewed") == []
    export = logged_in_admin.get(ATTENDEES.format(event.id) + ".csv", query_string=args)
    assert export.status_code == 400
    assert audit_entries(db, "attendees_exported") == []


@pytest.mark.parametrize("args, sentence", [
    ({"status": "deleted"}, "Choose a status from the list."),
    ({"attended": "maybe"}, "Choose an attendance from the list."),
    ({"municipality": "999"}, "Choose a municipality from the list."),
])
def test_a_choice_the_list_does_not_offer_is_named_beside_its_field(logged_in_admin, event, args, sentence):
    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string=args)
    assert response.status_code == 400
    (name,) = args
    assert (f'<p class="error-message" id="{name}-error"><span class="visually-hidden">Error:</span> {sentence}</p>'
            in response.get_data(as_text=True))


def test_status_words_come_from_one_mapping_for_the_list_and_the_exports(logged_in_admin, monkeypatch, event,
                                                                         people):
    monkeypatch.setitem(REGISTRATION_STATUS_WORDS, "waitlisted", "In the queue")
    monkeypatch.setitem(ATTENDANCE_WORDS, "no", "Stayed away")
    rows = table_rows(logged_in_admin.get(ATTENDEES.format(event.id)))
    assert (rows[2][3], rows[3][4]) == ("In the queue", "Stayed away")
    body = logged_in_admin.get(ATTENDEES.format(event.id) + ".csv").get_data().decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(body)))
    assert (exported[3][7], exported[4][8]) == ("In the queue", "Stayed away")


def test_viewing_the_list_is_audited_with_the_rows_shown_but_not_the_search_text(logged_in_admin, db, admin,
                                                                                    event, people):
    logged_in_admin.get(ATTENDEES.format(event.id), query_string={"q": "Virtanen", "status": "confirmed"})
    (entry,) = audit_entries(db, "attendees_viewed")
    assert (entry.user_id, entry.event_id) == (admin.id, event.id)
    assert entry.detail == {"rows": 1, "total": 1, "page": 1, "filters": {"status": "confirmed", "search": True}}
    assert "Virtanen" not in str(entry.detail)


def test_purged_registrations_stay_in_the_list_as_removed(logged_in_admin, db, event, people):
    purged = people[3]
    purged.purged_at = utcnow()
    purged.email = purged.first_name = purged.last_name = purged.manage_token_hash = purged.manage_token_nonce = None
    db.session.commit()
    response = logged_in_admin.get(ATTENDEES.format(event.id), query_string={"sort": "name"})
    rows = table_rows(response)
    assert rows[-1][:3] == ["Removed (data retention)", "", "Vantaa"]
    page = logged_in_admin.get(f"/organizer/events/{event.id}/registrations/{purged.id}")
    assert page.status_code == 200
    assert "Removed (data retention)" in page.get_data(as_text=True)
    assert 'name="change"' not in page.get_data(as_text=True)


def test_another_organizers_event_and_its_registrations_are_404(client, db, organizer, event, people):
    log_in(client, organizer.email)
    for path in (ATTENDEES.format(event.id), ATTENDEES.format(event.id) + ".csv",
                 f"/organizer/events/{event.id}/registrations/{people[0].id}"):
        assert client.get(path).status_code == 404
    assert client.post(f"/organizer/events/{event.id}/registrations/{people[2].id}/status",
                       data={"change": "confirm"}).status_code == 404
    assert db.session.get(Registration, people[2].id).status == "waitlisted"


def test_a_registration_of_another_event_is_404_under_this_event(logged_in_admin, db, event):
    other = make_registration(make_event())
    db.session.commit()
    assert logged_in_admin.get(f"/organizer/events/{event.id}/registrations/{other.id}").status_code == 404


def test_the_list_page_is_fast_enough_in_queries(logged_in_admin, db, event, people):
    """One COUNT and one page query for the list itself, whatever the page holds."""
    from sqlalchemy import event as sa_event

    statements = []

    def count_registration_reads(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM registration" in statement:
            statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count_registration_reads)
    try:
        logged_in_admin.get(ATTENDEES.format(event.id))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count_registration_reads)
    assert len(statements) == 2, statements


# A registration's page and the changes by hand.

def test_registration_page_shows_details_questions_needs_and_consents_and_is_audited(logged_in_admin, db, admin,
                                                                                      event):
    person = make_registration(event, first_name="Aino", last_name="Virtanen", job_title="Digitukihenkilö",
                               questions="Miten aloitamme?\nEntä budjetti?", accessibility_needs="Tekstitys",
                               future_events_consent=True, language="sv",
                               privacy_consented_at=datetime(2026, 11, 2, 8, 30, tzinfo=UTC))
    db.session.commit()
    response = logged_in_admin.get(f"/organizer/events/{event.id}/registrations/{person.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Aino Virtanen", person.email, "Digitukihenkilö", "Miten aloitamme?\nEntä budjetti?",
                 "Tekstitys", "svenska", "Version 2026-11, accepted 02/11/2026, 10:30"):
        assert text in page, text
    assert 'value="confirm"' not in page
    assert f'href="/organizer/events/{event.id}/registrations/{person.id}/cancel"' in page
    (entry,) = audit_entries(db, "registration_viewed")
    assert (entry.user_id, entry.event_id, entry.detail) == (admin.id, event.id, {"registration_id": person.id})


def change(client, event, registration, what):
    """Press a change button on the registration's page."""
    return client.post(f"/organizer/events/{event.id}/registrations/{registration.id}/status", data={"change": what})


def cancel_page(event, registration) -> str:
    """The page that asks before cancelling the registration, and cancels it when its button is pressed."""
    return f"/organizer/events/{event.id}/registrations/{registration.id}/cancel"


@pytest.fixture
def started(db):
    """An event with room for two that began ten minutes ago."""
    started = make_event(capacity=2, starts_at=utcnow().replace(microsecond=0) - timedelta(minutes=10))
    db.session.commit()
    return started


def test_confirming_from_the_waiting_list_when_a_seat_is_free_mails_the_invite(logged_in_admin, db, event):
    make_registration(event)
    queued = make_registration(event, status="waitlisted")
    db.session.commit()
    response = change(logged_in_admin, event, queued, "confirm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/registrations/{queued.id}")
    db.session.expire_all()
    assert db.session.get(Registration, queued.id).status == "confirmed"
    assert db.session.get(Registration, queued.id).confirmed_at is not None
    assert [m.kind for m in db.session.execute(select(Message).where(Message.registration_id == queued.id)).scalars()] \
        == ["promoted"]
    (entry,) = audit_entries(db, "registration_changed")
    assert entry.detail["change"] == "confirm"
    assert entry.detail["status"] == ["waitlisted", "confirmed"]
    page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "The registration is confirmed." in page


def test_confirming_when_every_seat_is_taken_is_refused_and_changes_nothing(logged_in_admin, db, event):
    """Rule 1: no overbooking by hand either."""
    make_registration(event)
    make_registration(event)
    queued = make_registration(event, status="waitlisted")
    db.session.commit()
    response = change(logged_in_admin, event, queued, "confirm")
    assert response.status_code == 302
    page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "No seat is free: all 2 seats are taken." in page
    db.session.expire_all()
    assert db.session.get(Registration, queued.id).status == "waitlisted"
    assert db.session.execute(select(Message)).scalars().all() == []
    assert audit_entries(db, "registration_changed") == []


def test_cancelling_a_confirmed_person_gives_the_seat_to_the_oldest_waitlisted_and_mails_both(logged_in_admin, db,
                                                                                              event):
    """Rule 2, through the registration service's cancel_registration and promote_waitlist."""
    start = utcnow() - timedelta(hours=1)
    leaving = make_registration(event, created_at=start)
    make_registration(event, created_at=start)
    younger = make_registration(event, status="waitlisted", created_at=start + timedelta(minutes=5))
    oldest = make_registration(event, status="waitlisted", first_name="Eeva", last_name="Jono",
                               created_at=start + timedelta(minutes=1))
    db.session.commit()
    response = logged_in_admin.post(cancel_page(event, leaving))
    db.session.expire_all()
    assert db.session.get(Registration, leaving.id).status == "cancelled"
    assert db.session.get(Registration, oldest.id).status == "confirmed"
    assert db.session.get(Registration, younger.id).status == "waitlisted"
    kinds = {(m.registration_id, m.kind) for m in db.session.execute(select(Message)).scalars()}
    assert kinds == {(leaving.id, "registration_cancelled"), (oldest.id, "promoted")}
    (entry,) = audit_entries(db, "registration_changed")
    assert entry.detail["change"] == "cancel"
    assert entry.detail["status"] == ["confirmed", "cancelled"]
    assert entry.detail["promoted"] == [oldest.id]
    page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "The registration is cancelled." in page
    assert "Moved up from the waiting list and emailed an invitation: Eeva Jono." in page


def test_cancelling_asks_first_saying_who_is_mailed_and_where_the_seat_goes(logged_in_admin, db, admin, event):
    leaving = make_registration(event, first_name="Aino", last_name="Lähtijä")
    make_registration(event, status="waitlisted")
    db.session.commit()
    registration_page = logged_in_admin.get(f"/organizer/events/{event.id}/registrations/{leaving.id}")
    assert f'href="{cancel_page(event, leaving)}"' in registration_page.get_data(as_text=True)
    response = logged_in_admin.get(cancel_page(event, leaving))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aino Lähtijä gets an email saying that their registration is cancelled." in page
    assert "Their seat goes to the first person on the waiting list" in page
    assert f'action="{cancel_page(event, leaving)}"' in page
    db.session.expire_all()
    assert db.session.get(Registration, leaving.id).status == "confirmed"
    assert db.session.execute(select(Message)).scalars().all() == []
    assert audit_entries(db, "registration_changed") == []
    # The page names the person, so showing it is audited like the registration's own page.
    assert [entry.detail for entry in audit_entries(db, "registration_viewed")] == [
        {"registration_id": leaving.id}, {"registration_id": leaving.id}]


def test_cancelling_a_waitlisted_person_says_they_leave_the_waiting_list(logged_in_admin, db, event):
    queued = make_registration(event, status="waitlisted")
    db.session.commit()
    page = logged_in_admin.get(cancel_page(event, queued)).get_data(as_text=True)
    assert "They leave the waiting list." in page
    assert "seat" not in page.split("<h1>")[1].split("</form>")[0]


def test_the_change_form_no_longer_cancels_without_asking(logged_in_admin, db, event):
    person = make_registration(event)
    db.session.commit()
    response = change(logged_in_admin, event, person, "cancel")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Registration, person.id).status == "confirmed"
    assert db.session.execute(select(Message)).scalars().all() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_cancelling_twice_is_refused_with_a_sentence(logged_in_admin, db, event, method):
    gone = make_registration(event, status="cancelled", cancelled_at=utcnow())
    db.session.commit()
    response = getattr(logged_in_admin, method)(cancel_page(event, gone))
    assert response.headers["Location"].endswith(f"/registrations/{gone.id}")
    page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "already cancelled" in page
    assert cancel_page(event, gone) not in page
    assert db.session.execute(select(Message)).scalars().all() == []
    assert audit_entries(db, "registration_changed") == []


def test_a_second_cancel_that_lost_the_race_is_refused_and_audited_once(db, event):
    """Two presses at once both pass the page's check; the service's answer under the lock decides."""
    person = make_registration(event)
    db.session.commit()
    cancel_by_organizer(person.id)
    db.session.commit()
    with pytest.raises(ChangeRefused) as refused:
        cancel_by_organizer(person.id)
    assert refused.value.message is ALREADY_CANCELLED
    assert [m.kind for m in db.session.execute(select(Message)).scalars()] == ["registration_cancelled"]


def test_cancelling_after_the_start_is_refused(logged_in_admin, db):
    started = make_event(starts_at=utcnow() - timedelta(minutes=10))
    person = make_registration(started)
    db.session.commit()
    response = logged_in_admin.post(cancel_page(started, person))
    assert "can no longer be cancelled" in logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, person.id).status == "confirmed"


@pytest.mark.parametrize("what, value", [("attended-yes", "yes"), ("attended-no", "no"), ("attended-unknown", "unknown")])
def test_marking_attendance(logged_in_admin, db, started, what, value):
    person = make_registration(started, attended="no" if value != "no" else "yes")
    db.session.commit()
    change(logged_in_admin, started, person, what)
    db.session.expire_all()
    assert db.session.get(Registration, person.id).attended == value
    assert db.session.execute(select(Message)).scalars().all() == []
    (entry,) = audit_entries(db, "registration_changed")
    assert entry.detail["attended"][1] == value


@pytest.mark.parametrize("what", ["attended-yes", "attended-no"])
def test_attendance_is_refused_before_the_event_starts(logged_in_admin, db, event, what):
    person = make_registration(event)
    db.session.commit()
    page = logged_in_admin.get(f"/organizer/events/{event.id}/registrations/{person.id}").get_data(as_text=True)
    assert "The event has not started yet. Mark attendance once it has begun." in page
    assert f'value="{what}"' not in page
    response = change(logged_in_admin, event, person, what)
    assert response.status_code == 302
    page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "The event has not started yet. Mark attendance once it has begun." in page
    db.session.expire_all()
    assert db.session.get(Registration, person.id).attended == "unknown"
    assert audit_entries(db, "registration_changed") == []


def test_attendance_of_someone_who_never_had_a_seat_is_refused(logged_in_admin, db, started):
    queued = make_registration(started, status="waitlisted")
    left_the_queue = make_registration(started, status="cancelled", confirmed_at=None, cancelled_at=utcnow())
    db.session.commit()
    for person in (queued, left_the_queue):
        response = change(logged_in_admin, started, person, "attended-yes")
        page = logged_in_admin.get(response.headers["Location"]).get_data(as_text=True)
        assert "never had a seat" in page
        db.session.expire_all()
        assert db.session.get(Registration, person.id).attended == "unknown"


def test_attendance_of_someone_who_cancelled_their_seat_can_be_marked(db, started):
    """They held a seat and the join link, so the platform's report may well show them."""
    left = make_registration(started, status="cancelled", cancelled_at=utcnow() - timedelta(days=1))
    db.session.commit()
    assert apply_change(left.id, "attended-yes").registration.attended == "yes"


def test_attendance_can_be_set_back_to_not_known_before_the_start(db, event):
    person = make_registration(event, attended="yes")
    db.session.commit()
    assert apply_change(person.id, "attended-unknown").registration.attended == "unknown"


def test_an_unknown_change_is_a_400_with_a_sentence_and_the_page_shown_is_audited(logged_in_admin, db, admin, event):
    person = make_registration(event)
    db.session.commit()
    response = change(logged_in_admin, event, person, "delete")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose one of the changes offered on the page." in page
    assert person.email in page
    (entry,) = audit_entries(db, "registration_viewed")
    assert (entry.user_id, entry.event_id, entry.detail) == (admin.id, event.id, {"registration_id": person.id})
    db.session.expire_all()
    assert db.session.get(Registration, person.id).status == "confirmed"


def test_a_purged_registration_cannot_be_changed(db, event):
    person = make_registration(event, status="waitlisted")
    person.purged_at = utcnow()
    db.session.commit()
    with pytest.raises(ChangeRefused):
        apply_change(person.id, "confirm")


def test_confirming_a_confirmed_registration_is_refused(db, event):
    person = make_registration(event)
    db.session.commit()
    with pytest.raises(ChangeRefused):
        apply_change(person.id, "confirm")


def test_the_page_query_keeps_a_stable_order_at_equal_sort_values(db, event):
    for _n in range(7):
        make_registration(event, first_name="Same", last_name="Name")
    db.session.commit()
    filters = AttendeeFilters(sort="name", descending=True)
    pages = [attendee_page(event.id, filters, page, "fi", page_size=3) for page in (1, 2, 3)]
    ids = [registration.id for page in pages for registration in page.registrations]
    assert ids == sorted(ids, reverse=True)
    assert pages[0].total == 7 and pages[0].pages == 3


# Exports: the content in both formats, the byte order mark, neutralized cells, the audit.

@pytest.fixture
def exported(db, event):
    """A registration whose every text invites trouble in a spreadsheet, and one of data removed."""
    make_municipality("091", "Helsinki", "Helsingfors")
    tricky = make_registration(
        event, first_name="=HYPERLINK(\"http://evil.example\")", last_name="Öhman-Ärlig", email="tricky@example.org",
        municipality_code="091", job_title="+358 40 123", language="sv", questions="@SUM(A1)\nrivi 2",
        accessibility_needs="-1+1", future_events_consent=True, attended="yes",
        created_at=datetime(2026, 11, 20, 7, 5, tzinfo=UTC),
        privacy_consented_at=datetime(2026, 11, 20, 7, 5, tzinfo=UTC),
    )
    removed = make_registration(event, status="cancelled", created_at=datetime(2026, 11, 21, 7, 5, tzinfo=UTC))
    removed.purged_at = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    removed.email = removed.first_name = removed.last_name = removed.manage_token_hash = None
    removed.manage_token_nonce = None
    db.session.commit()
    return tricky, removed


HEADER = [
    "First name", "Last name", "Email address", "Municipality", "Organization", "Job title", "Language", "Status",
    "Attendance", "Registered", "Seat confirmed", "Cancelled", "Questions for the speakers", "Accessibility needs",
    "Privacy notice version", "Privacy notice accepted", "May be told of future events", "Personal data removed",
]


def test_csv_export_has_a_bom_an_english_header_and_neutralized_cells(logged_in_admin, db, admin, event, exported):
    response = logged_in_admin.get(ATTENDEES.format(event.id) + ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{event.slug}-attendees.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert len(rows) == 3
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["First name"] == "'=HYPERLINK(\"http://evil.example\")"
    assert first["Last name"] == "Öhman-Ärlig"
    assert first["Municipality"] == "Helsinki"
    assert first["Job title"] == "'+358 40 123"
    assert first["Questions for the speakers"] == "'@SUM(A1)\nrivi 2"
    assert first["Accessibility needs"] == "'-1+1"
    assert first["Language"] == "svenska"
    assert (first["Status"], first["Attendance"]) == ("Confirmed", "Attended")
    # 07:05 UTC in November is 09:05 in Helsinki.
    assert first["Registered"] == "2026-11-20 09:05"
    assert (first["Privacy notice version"], first["Privacy notice accepted"]) == ("2026-11", "2026-11-20 09:05")
    assert first["May be told of future events"] == "Yes"
    second = dict(zip(HEADER, rows[2], strict=True))
    assert (second["First name"], second["Email address"], second["Status"]) == ("", "", "Cancelled")
    assert second["Personal data removed"] == "2026-12-01 02:00"
    (entry,) = audit_entries(db, "attendees_exported")
    assert (entry.user_id, entry.event_id) == (admin.id, event.id)
    assert entry.detail == {"format": "csv", "rows": 2, "filters": {}}


def test_exports_name_municipalities_in_the_organizers_language(client, admin, event, exported):
    log_in(client, admin.email)
    client.get("/organizer/?lang=sv")
    for file_format in ("csv", "xlsx"):
        body = client.get(ATTENDEES.format(event.id) + f".{file_format}").get_data()
        if file_format == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        else:
            rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
        assert rows[1][3] == "Helsingfors"


def test_xlsx_export_holds_formulas_as_text_and_times_as_dates(logged_in_admin, db, event, exported):
    response = logged_in_admin.get(ATTENDEES.format(event.id) + ".xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{event.slug}-attendees.xlsx"'
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "Attendees"
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == HEADER
    first = dict(zip(HEADER, rows[1], strict=True))
    for name, text in (("First name", "=HYPERLINK(\"http://evil.example\")"), ("Job title", "+358 40 123"),
                       ("Questions for the speakers", "@SUM(A1)\nrivi 2"), ("Accessibility needs", "-1+1")):
        assert (first[name].value, first[name].data_type) == (text, "s"), name
        assert first[name].quotePrefix, name
    assert first["Last name"].value == "Öhman-Ärlig"
    assert first["Registered"].value == datetime(2026, 11, 20, 9, 5)
    assert first["Registered"].is_date
    assert first["Municipality"].value == "Helsinki"
    second = dict(zip(HEADER, rows[2], strict=True))
    assert second["First name"].value is None and second["Status"].value == "Cancelled"
    assert len(rows) == 3
    (entry,) = audit_entries(db, "attendees_exported")
    assert entry.detail == {"format": "xlsx", "rows": 2, "filters": {}}


def test_exports_are_filtered_and_sorted_like_the_list(logged_in_admin, db, event, people):
    args = {"status": "confirmed", "sort": "name", "dir": "desc"}
    listed = names_on_page(logged_in_admin.get(ATTENDEES.format(event.id), query_string=args))
    body = logged_in_admin.get(ATTENDEES.format(event.id) + ".csv", query_string=args).get_data().decode("utf-8-sig")
    exported = [f"{row[1]} {row[0]}" for row in list(csv.reader(io.StringIO(body)))[1:]]
    assert exported == listed == ["Åkerman Bertil", "Virtanen Aino"]
    sheet = load_workbook(io.BytesIO(logged_in_admin.get(ATTENDEES.format(event.id) + ".xlsx",
                                                         query_string={"q": "cecilia"}).get_data())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Cecilia"]
    entries = audit_entries(db, "attendees_exported")
    assert [(e.detail["format"], e.detail["rows"], e.detail["filters"]) for e in entries] == [
        ("csv", 2, {"status": "confirmed"}), ("xlsx", 1, {"search": True})]


def test_list_page_links_to_exports_with_its_filters(logged_in_admin, event, people):
    page = logged_in_admin.get(ATTENDEES.format(event.id), query_string={"status": "confirmed"}).get_data(as_text=True)
    assert f'href="/organizer/events/{event.id}/attendees.csv?status=confirmed"' in page
    assert f'href="/organizer/events/{event.id}/attendees.xlsx?status=confirmed"' in page


def test_a_large_csv_export_streams_in_many_chunks_with_every_row(logged_in_admin, db, event):
    for n in range(1_200):
        make_registration(event, first_name="Pat", last_name=f"Person{n:04d}")
    db.session.commit()
    response = logged_in_admin.get(ATTENDEES.format(event.id) + ".csv")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 3
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [f"Person{n:04d}" for n in range(1_200)]
    response.close()


def test_a_download_cut_short_gives_its_connection_back(logged_in_admin, db, event):
    for n in range(1_200):
        make_registration(event, first_name="Pat", last_name=f"Person{n:04d}")
    db.session.commit()
    pool = db.engine.pool
    # SQLite in memory shares one connection, which has no checked-out count.
    checked_out = getattr(pool, "checkedout", lambda: 0)
    before = checked_out()
    response = logged_in_admin.get(ATTENDEES.format(event.id) + ".csv")
    first = next(iter(response.response))
    assert first.startswith(b"\xef\xbb\xbf")
    response.close()
    assert checked_out() == before
    assert audit_entries(db, "attendees_exported")[0].detail["rows"] == 1_200
