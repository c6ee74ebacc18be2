"""The admins' audit log page: newest first, in Finnish time, with filters by organizer, event and action, a page at a time."""

import ast
import inspect
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event as sqlalchemy_event

import app as app_package
from app.models import AuditEntry
from app.organizer.audit_details import COUNT_OR_CHANGE, UNSAID
from app.organizer.words import AUDIT_ACTION_WORDS, AUDIT_DETAIL_WORDS
from app.services.audit import AUDIT_ACTIONS, record
from app.services.audit_log import AUDIT_PAGE_SIZE, audit_page
from tests.factories import make_event, make_municipality
from tests.organizer.conftest import log_in, table_rows

# 10:00 UTC on a winter day is 12:00 in Helsinki.
NOON_IN_HELSINKI = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)


def add_entry(user, action, event=None, at=NOON_IN_HELSINKI, **detail) -> AuditEntry:
    """An audit entry written by the real service, at a chosen time."""
    entry = record(user, action, event_id=event.id if event else None, **detail)
    entry.at = at
    return entry


@pytest.fixture
def log(db, admin, organizer):
    """Three entries by two people about two events, and one about no event."""
    webinar = make_event(title_fi="Kunnan digituki kuntoon yhteistyöllä")
    other = make_event(title_fi="Toinen webinaari")
    add_entry(organizer, "attendees_exported", webinar, at=NOON_IN_HELSINKI, rows=42, format="xlsx")
    add_entry(admin, "event_changed", other, at=NOON_IN_HELSINKI + timedelta(minutes=5))
    add_entry(organizer, "attendees_viewed", other, at=NOON_IN_HELSINKI + timedelta(minutes=10))
    add_entry(admin, "organizer_changed", at=NOON_IN_HELSINKI + timedelta(minutes=15),
              organizer_id=organizer.id, email=organizer.email, changed=["role", "grants"])
    db.session.commit()
    return {"webinar": webinar, "other": other}


def test_every_audit_action_has_a_name_on_the_page():
    assert set(AUDIT_ACTION_WORDS) == set(AUDIT_ACTIONS)


def test_log_lists_newest_first_with_who_when_action_event_and_details(client, log, admin):
    log_in(client, admin.email)

    rows = table_rows(client.get("/organizer/admin/audit"))

    assert [row[1:4] for row in rows] == [
        ["Anna Admin", "Account changed", ""],
        ["Olli Organizer", "Attendee list viewed", "Toinen webinaari"],
        ["Anna Admin", "Event changed", "Toinen webinaari"],
        ["Olli Organizer", "Attendee list exported", "Kunnan digituki kuntoon yhteistyöllä"],
    ]
    # Finnish time: 10:00 UTC is 12:00 in Helsinki.
    assert "12:00" in rows[3][0] and "10:00" not in rows[3][0]
    assert rows[3][4] == "Rows: 42; Format: XLSX"
    assert rows[0][4] == "Account: organizer@example.org; Changed: role, series and events"


def test_details_of_every_kind_of_entry_show_whatever_their_values(client, db, admin):
    # An attendance import counts what it changed; an account change lists the fields. A key the app
    # no longer records shows as it is stored.
    add_entry(admin, "attendance_imported", make_event(), at=NOON_IN_HELSINKI, matched=4, changed=6)
    db.session.commit()
    log_in(client, admin.email)

    response = client.get("/organizer/admin/audit")

    assert response.status_code == 200
    assert table_rows(response)[0][4] == "matched: 4; Registrations changed: 6"


def calls_to(name: str, tree: ast.AST) -> list[ast.Call]:
    """Every call of the function of this name in the tree."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name]


def recorded_details() -> set[str]:
    """Every keyword the app's code gives record(), or a function handing its keywords on to it, as a detail."""
    own_parameters = set(inspect.signature(record).parameters)
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in Path(app_package.__file__).parent.rglob("*.py")]
    # A helper such as record_account_change(organizer, **detail) records its callers' keywords.
    recorders = {"record"} | {
        node.name for tree in trees for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
        and any(keyword.arg is None for call in calls_to("record", node) for keyword in call.keywords)
    }
    return {
        keyword.arg for tree in trees for name in recorders for call in calls_to(name, tree)
        for keyword in call.keywords if keyword.arg is not None and keyword.arg not in own_parameters
    }


def test_every_detail_the_app_records_has_words_on_the_page():
    recorded = recorded_details()

    assert {"rows", "filters", "registration_id", "import_id", "told"} <= recorded
    assert recorded - set(AUDIT_DETAIL_WORDS) - UNSAID == {"active"}
    assert {f"{key}_count" for key in COUNT_OR_CHANGE} <= set(AUDIT_DETAIL_WORDS)


def test_a_change_by_hand_and_a_filtered_look_read_in_words_in_finnish(app, client, db, admin):
    webinar = make_event()
    make_municipality("049", "Espoo", "Esbo")
    add_entry(admin, "registration_changed", webinar, at=NOON_IN_HELSINKI, registration_id=17, change="confirm",
              status=["waitlisted", "confirmed"], attended=[None, True], promoted=[])
    add_entry(admin, "messages_viewed", webinar, at=NOON_IN_HELSINKI + timedelta(minutes=1), rows=0, total=0,
              page=1, filters={"status": "cancelled", "search": True})
    add_entry(admin, "attendees_exported", webinar, at=NOON_IN_HELSINKI + timedelta(minutes=2), format="csv",
              rows=3, filters={"municipality": "049", "status": "cancelled"})
    db.session.commit()
    log_in(client, admin.email)

    english = [row[4] for row in table_rows(client.get("/organizer/admin/audit"))]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    finnish = [row[4] for row in table_rows(client.get("/organizer/admin/audit"))]

    assert english == [
        "Format: CSV; Rows: 3; Filters: municipality: Espoo, status: Cancelled",
        "Rows: 0; Matching in all: 0; Page: 1; Filters: status: Not sent, no longer needed, search",
        "Registration number: 17; Change: Confirmed; Status: On the waiting list → Confirmed;"
        " Attendance: Not known → Attended; Seats given from the waiting list: –",
    ]
    assert finnish[0] == "Muoto: CSV; Rivejä: 3; Rajaukset: kunta: Espoo, tila: Peruttu"
    assert finnish[2].startswith("Ilmoittautumisen numero: 17; Muutos: Vahvistettu; Tila: Jonossa → Vahvistettu")


def test_a_password_an_admin_set_shows_as_such_in_the_log(client, db, admin, organizer):
    log_in(client, admin.email)
    client.post(f"/organizer/admin/organizers/{organizer.id}/password", data={
        "new_password": "kolme sanaa peräkkäin", "repeat_password": "kolme sanaa peräkkäin",
    })

    [row] = table_rows(client.get("/organizer/admin/audit"))

    assert row[1:4] == ["Anna Admin", "Account changed", ""]
    assert row[4] == "Account: organizer@example.org; New password set by an administrator"


@pytest.mark.parametrize("query, expected", [
    ("organizer={organizer}", ["Attendee list viewed", "Attendee list exported"]),
    ("event={other}", ["Attendee list viewed", "Event changed"]),
    ("action=attendees_exported", ["Attendee list exported"]),
    ("organizer={organizer}&event={other}", ["Attendee list viewed"]),
    ("organizer={admin}&action=attendees_viewed", []),
])
def test_filters_narrow_the_log(client, log, admin, organizer, query, expected):
    log_in(client, admin.email)
    path = "/organizer/admin/audit?" + query.format(organizer=organizer.id, admin=admin.id, other=log["other"].id)

    response = client.get(path)

    assert response.status_code == 200
    assert [row[2] for row in table_rows(response)] == expected
    if not expected:
        assert "No entries match these filters." in response.get_data(as_text=True)


def test_filter_form_offers_people_events_and_every_action(client, log, admin):
    log_in(client, admin.email)

    page = client.get("/organizer/admin/audit").get_data(as_text=True)

    assert "Olli Organizer (organizer@example.org)" in page
    assert "Kunnan digituki kuntoon yhteistyöllä" in page
    for action in AUDIT_ACTIONS:
        assert f'value="{action}"' in page


@pytest.mark.parametrize("query, field, message", [
    ("action=everything", "action", "Choose an action from the list."),
    ("organizer=999999", "organizer", "Choose an organizer from the list."),
    ("event=not-a-number", "event", "Invalid Choice: could not coerce."),
    ("page=0", "page", "The page number must be 1 or more."),
])
def test_bad_filter_says_why_beside_the_field(client, log, admin, query, field, message):
    log_in(client, admin.email)

    response = client.get("/organizer/admin/audit?" + query)

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert table_rows(response) == []


def test_log_pages_keep_the_filters(client, db, admin, organizer):
    webinar = make_event()
    for minute in range(AUDIT_PAGE_SIZE + 1):
        add_entry(organizer, "attendees_viewed", webinar, at=NOON_IN_HELSINKI + timedelta(minutes=minute))
    add_entry(admin, "attendees_viewed", webinar, at=NOON_IN_HELSINKI + timedelta(days=1))
    db.session.commit()
    log_in(client, admin.email)

    first = client.get(f"/organizer/admin/audit?organizer={organizer.id}")
    assert len(table_rows(first)) == AUDIT_PAGE_SIZE
    older = f'href="/organizer/admin/audit?page=2&amp;organizer={organizer.id}"'
    assert older in first.get_data(as_text=True)

    second = client.get(f"/organizer/admin/audit?page=2&organizer={organizer.id}")
    [oldest] = table_rows(second)
    assert "12:00" in oldest[0] and oldest[1] == "Olli Organizer"
    assert "Older entries" not in second.get_data(as_text=True)
    assert "Newer entries" in second.get_data(as_text=True)


def test_audit_page_reads_one_row_more_than_a_page_and_no_more(db, admin):
    for minute in range(5):
        add_entry(admin, "event_changed", at=NOON_IN_HELSINKI + timedelta(minutes=minute))
    db.session.commit()
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if "audit_entry" in statement:
            statements.append((statement, parameters))

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = audit_page(page=2, page_size=2)
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", remember)

    assert [entry.at.minute for entry, _ in page.rows] == [2, 1]
    assert page.has_next
    [(statement, parameters)] = statements
    assert "LIMIT" in statement.upper()
    assert 3 in (parameters.values() if isinstance(parameters, dict) else parameters)
    assert not audit_page(page=3, page_size=2).has_next
