"""The attendance page: upload a report, check the preview, save it (once), undo it; bad files change nothing."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.models import AttendanceImport, AuditEntry, Message, Registration
from app.models.types import utcnow
from app.services.attendance import MAX_REPORT_BYTES
from app.services.planning import plan_followups
from app.services.retention import purge_expired
from tests.factories import make_event, make_registration
from tests.organizer.conftest import log_in, table_rows

SAMPLES = Path(__file__).parents[1] / "data" / "attendance"
PAGE = "/organizer/events/{}/attendance"
REGISTRANTS = [
    ("Aino", "Äijälä", "aino.aijala@vantaa.fi", "confirmed"),
    ("Björn", "Åkerlund", "bjorn.akerlund@espoo.fi", "confirmed"),
    ("Sanna", "Öhman", "sanna.ohman@hel.fi", "confirmed"),
    ("Linnea", "Grönqvist", "linnea.gronqvist@raseborg.fi", "confirmed"),
    ("Johanna", "Söderström", "johanna.soderstrom@porvoo.fi", "waitlisted"),
    ("Pekka", "Mäkinen", "pekka.makinen@kerava.fi", "confirmed"),
]


@pytest.fixture
def event(db):
    """A webinar that ended an hour ago, with the sample reports' registrants."""
    event = make_event(starts_at=utcnow().replace(microsecond=0) - timedelta(hours=4))
    for first_name, last_name, email, status in REGISTRANTS:
        make_registration(event, first_name=first_name, last_name=last_name, email=email, status=status)
    db.session.commit()
    return event


def upload(client, event, data: bytes, filename: str = "report.csv", minimum: str = "0", **kwargs):
    """Post a file to the attendance page as a browser sends it."""
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({
        "report": FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv"),
        "minimum_minutes": minimum,
    })
    return client.post(PAGE.format(event.id), data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       **kwargs)


def sample(name: str) -> bytes:
    """A sample report's bytes."""
    return (SAMPLES / name).read_bytes()


def attendance(db, event) -> dict[str, str]:
    """Each registration's attendance by email."""
    db.session.expire_all()
    return dict(db.session.execute(
        select(Registration.email, Registration.attended).where(Registration.event_id == event.id)).all())


def imports(db) -> list[AttendanceImport]:
    """Every import row, oldest first."""
    db.session.expire_all()
    return list(db.session.execute(select(AttendanceImport).order_by(AttendanceImport.id)).scalars())


def audit(db, action: str) -> list[AuditEntry]:
    """The audit entries of an action."""
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def waiting_id(page_html: str) -> str:
    """The import id the preview's save button sends."""
    return re.search(r'name="import_id" value="(\d+)"', page_html).group(1)


def test_upload_shows_a_preview_and_saves_nothing_until_confirmed(logged_in_admin, db, event, admin):
    response = upload(logged_in_admin, event, sample("teams.csv"), "Osallistujaraportti.csv")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PAGE.format(event.id))

    page = logged_in_admin.get(PAGE.format(event.id))
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Check the attendance report" in html
    assert "Osallistujaraportti.csv" in html and "Microsoft Teams attendance report" in html
    rows = table_rows(page)
    assert ["Aino Äijälä", "aino.aijala@vantaa.fi", "118 min"] in rows
    assert ["+358 9 8765 4321", "", "53 min", "No email in the report"] in rows
    assert ["Matti Meikäläinen", "matti.meikalainen@sipoo.fi", "80 min", "Nobody registered with this email"] in rows
    assert ["Johanna Söderström", "johanna.soderstrom@porvoo.fi", "On the waiting list"] in rows
    assert ["Pekka Mäkinen", "pekka.makinen@kerava.fi"] in rows
    assert set(attendance(db, event).values()) == {"unknown"}
    # The preview lists registrants by name and email: each showing is audited.
    assert [entry.detail["page"] for entry in audit(db, "attendees_viewed")] == ["attendance_preview"]
    assert audit(db, "attendance_imported") == []


def test_confirming_saves_the_attendance_and_audits_the_import(logged_in_admin, db, event, admin):
    upload(logged_in_admin, event, sample("zoom_meeting.csv"), minimum="10")
    import_id = waiting_id(logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True))

    response = logged_in_admin.post(PAGE.format(event.id) + "/apply", data={"import_id": import_id},
                                    follow_redirects=True)

    assert "The attendance is saved: 3 attended, 2 did not attend." in response.get_data(as_text=True)
    assert attendance(db, event) == {
        "aino.aijala@vantaa.fi": "yes", "bjorn.akerlund@espoo.fi": "yes", "sanna.ohman@hel.fi": "yes",
        "linnea.gronqvist@raseborg.fi": "no", "johanna.soderstrom@porvoo.fi": "unknown",
        "pekka.makinen@kerava.fi": "no",
    }
    [entry] = audit(db, "attendance_imported")
    assert (entry.user_id, entry.event_id) == (admin.id, event.id)
    assert entry.detail == {"import_id": int(import_id), "layout": "zoom_meeting", "rows": 8, "minimum_minutes": 10,
                            "attended": 3, "absent": 2, "unmatched": 3, "changed": 5}
    # The history lists it as the one in force, with its undo button.
    assert "In force" in response.get_data(as_text=True)
    assert "Check the attendance report" not in response.get_data(as_text=True)


def test_a_double_click_on_save_saves_once(logged_in_admin, db, event):
    upload(logged_in_admin, event, sample("teams.csv"))
    import_id = waiting_id(logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True))

    logged_in_admin.post(PAGE.format(event.id) + "/apply", data={"import_id": import_id})
    second = logged_in_admin.post(PAGE.format(event.id) + "/apply", data={"import_id": import_id},
                                  follow_redirects=True)

    assert "This report is already saved. Nothing was changed." in second.get_data(as_text=True)
    assert len(audit(db, "attendance_imported")) == 1
    assert [item.status for item in imports(db)] == ["applied"]


def test_saving_a_preview_replaced_by_a_newer_upload_is_refused(logged_in_admin, db, event):
    upload(logged_in_admin, event, sample("teams.csv"))
    older = waiting_id(logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True))
    upload(logged_in_admin, event, sample("generic_sv.csv"))

    response = logged_in_admin.post(PAGE.format(event.id) + "/apply", data={"import_id": older},
                                    follow_redirects=True)

    assert "no longer waiting for confirmation" in response.get_data(as_text=True)
    assert set(attendance(db, event).values()) == {"unknown"}
    assert [item.status for item in imports(db)] == ["discarded", "preview"]


def test_undo_puts_back_the_attendance_before_the_import(logged_in_admin, db, event, admin):
    upload(logged_in_admin, event, sample("teams_2021.csv"))
    import_id = waiting_id(logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True))
    logged_in_admin.post(PAGE.format(event.id) + "/apply", data={"import_id": import_id})
    assert attendance(db, event)["aino.aijala@vantaa.fi"] == "yes"

    response = logged_in_admin.post(PAGE.format(event.id) + "/undo", data={"import_id": import_id},
                                    follow_redirects=True)

    assert "The import is undone" in response.get_data(as_text=True)
    assert set(attendance(db, event).values()) == {"unknown"}
    [entry] = audit(db, "attendance_import_undone")
    assert entry.detail == {"import_id": int(import_id), "restored": 5, "kept": 0}
    again = logged_in_admin.post(PAGE.format(event.id) + "/undo", data={"import_id": import_id},
                                 follow_redirects=True)
    assert "already undone" in again.get_data(as_text=True)
    assert len(audit(db, "attendance_import_undone")) == 1


def test_discarding_the_preview_changes_nothing(logged_in_admin, db, event):
    upload(logged_in_admin, event, sample("teams.csv"))
    import_id = waiting_id(logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True))

    response = logged_in_admin.post(PAGE.format(event.id) + "/discard", data={"import_id": import_id},
                                    follow_redirects=True)

    assert "The report is discarded" in response.get_data(as_text=True)
    assert [item.status for item in imports(db)] == ["discarded"]
    assert set(attendance(db, event).values()) == {"unknown"}


BAD_FILES = [
    (b"", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "The file is not an attendance report."),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00", "This is an Excel workbook."),
    ("Nimi;Kunta\nAino Äijälä;Vantaa\n".encode(), "No email column was found in the file."),
]


@pytest.mark.parametrize(("data", "sentence"), BAD_FILES, ids=["empty", "binary", "excel", "no-email-column"])
def test_a_bad_file_gets_a_sentence_next_to_the_file_field_and_changes_nothing(logged_in_admin, db, event, data,
                                                                               sentence):
    response = upload(logged_in_admin, event, data)
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert re.search(r'<p class="error-message" id="report-error">.*' + re.escape(sentence), html)
    assert 'aria-invalid="true"' in html
    assert imports(db) == []
    assert set(attendance(db, event).values()) == {"unknown"}


def test_no_file_and_a_bad_minimum_are_named_next_to_their_fields(logged_in_admin, db, event):
    response = logged_in_admin.post(PAGE.format(event.id), data={"minimum_minutes": "-5"},
                                    content_type="multipart/form-data")
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "Choose the attendance report file to upload." in html
    assert "Enter a whole number of minutes from 0 to 1440." in html
    assert imports(db) == []


def test_a_file_over_10_mb_is_refused_next_to_the_field(logged_in_admin, db, event):
    too_big = b"Name,Email\n" + b"Aino,aino.aijala@vantaa.fi\n" * (MAX_REPORT_BYTES // 27 + 1)
    assert MAX_REPORT_BYTES < len(too_big) < MAX_REPORT_BYTES + 64 * 1024

    response = upload(logged_in_admin, event, too_big)

    assert response.status_code == 413
    assert "The file is larger than 10 MB." in response.get_data(as_text=True)
    assert imports(db) == []


def test_an_upload_far_over_the_limit_is_refused_on_the_page_without_being_read(logged_in_admin, db, event):
    response = upload(logged_in_admin, event, b"x" * (12 * 1024 * 1024))

    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'id="report-error"' in html and "The file is larger than 10 MB." in html
    assert imports(db) == []


def test_a_report_within_10_mb_is_accepted_above_the_sites_usual_1_mb_limit(logged_in_admin, db, event, app):
    data = sample("generic_en.csv") + (b"," * 1000 + b"\r\n") * 2000
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]

    assert upload(logged_in_admin, event, data).status_code == 303
    assert [item.layout for item in imports(db)] == ["generic"]


def test_nothing_is_imported_before_the_event_starts(logged_in_admin, db):
    event = make_event()
    db.session.commit()

    page = logged_in_admin.get(PAGE.format(event.id))
    response = upload(logged_in_admin, event, sample("teams.csv"))

    assert "The event has not started yet." in page.get_data(as_text=True)
    assert 'type="file"' not in page.get_data(as_text=True)
    assert response.status_code == 400
    assert "The event has not started yet." in response.get_data(as_text=True)
    assert imports(db) == []


def test_a_tampered_import_id_is_refused_with_400(logged_in_admin, db, event):
    response = logged_in_admin.post(PAGE.format(event.id) + "/apply", data={"import_id": "1; DROP"})

    assert response.status_code == 400
    assert "The page is out of date." in response.get_data(as_text=True)


def test_another_organizers_event_is_404_on_every_attendance_url(client, db, organizer, event):
    log_in(client, organizer.email)
    base = PAGE.format(event.id)

    assert client.get(base).status_code == 404
    assert upload(client, event, sample("teams.csv")).status_code == 404
    for action in ("apply", "discard", "undo"):
        assert client.post(f"{base}/{action}", data={"import_id": "1"}).status_code == 404
    assert imports(db) == []


def test_an_import_of_another_event_cannot_be_saved_through_this_one(logged_in_admin, db, event):
    upload(logged_in_admin, event, sample("teams.csv"))
    import_id = waiting_id(logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True))
    other = make_event(starts_at=event.starts_at)
    db.session.commit()

    response = logged_in_admin.post(PAGE.format(other.id) + "/apply", data={"import_id": import_id},
                                    follow_redirects=True)

    assert "no longer waiting" in response.get_data(as_text=True)
    assert [item.status for item in imports(db)] == ["preview"]


def test_the_upload_checks_its_csrf_token_itself(logged_in_admin, db, event, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = logged_in_admin.get(PAGE.format(event.id)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    refused = upload(logged_in_admin, event, sample("teams.csv"))
    boundary, body = encode_multipart({
        "report": FileStorage(io.BytesIO(sample("teams.csv")), filename="teams.csv"), "minimum_minutes": "0",
        "csrf_token": token,
    })
    accepted = logged_in_admin.post(PAGE.format(event.id), data=body,
                                    content_type=f"multipart/form-data; boundary={boundary}")

    assert refused.status_code == 400
    assert accepted.status_code == 303
    assert db.session.execute(select(func.count()).select_from(AttendanceImport)).scalar_one() == 1


def test_a_forged_upload_is_refused_before_anything_is_written_not_even_an_audit_row(logged_in_admin, db, event,
                                                                                     app, monkeypatch):
    upload(logged_in_admin, event, sample("teams.csv"))
    shown = len(audit(db, "attendees_viewed"))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    # Another site's form posting in the organizer's browser: a waiting preview, no token.
    forged = upload(logged_in_admin, event, sample("zoom_meeting.csv"))

    assert forged.status_code == 400
    assert "aino.aijala@vantaa.fi" not in forged.get_data(as_text=True)
    assert len(audit(db, "attendees_viewed")) == shown
    assert [(item.status, item.filename) for item in imports(db)] == [("preview", "report.csv")]


def save_the_report(client, event, name: str = "teams.csv"):
    """Upload a sample and save it through the page, following the redirect."""
    upload(client, event, sample(name))
    import_id = waiting_id(client.get(PAGE.format(event.id)).get_data(as_text=True))
    return client.post(PAGE.format(event.id) + "/apply", data={"import_id": import_id}, follow_redirects=True)


def test_saving_before_the_follow_ups_says_they_use_the_attendance(logged_in_admin, db, event):
    page = save_the_report(logged_in_admin, event).get_data(as_text=True)

    assert "Follow-up mail goes to each group with its own text." in page
    assert "already sent" not in page


def test_saving_after_the_follow_ups_went_says_they_are_not_sent_again(logged_in_admin, db, event):
    # The usual order: the follow-ups go an hour after the end, the report is saved later.
    due = event.followup_due_at + timedelta(minutes=1)
    plan_followups(now=due)
    db.session.execute(update(Message).where(Message.kind == "followup").values(status="sent", sent_at=due))
    db.session.commit()

    page = save_the_report(logged_in_admin, event).get_data(as_text=True)

    assert ("Follow-ups already sent are not sent again; the imported attendance shows in the results and reach."
            in page)
    assert "Follow-up mail goes to each group" not in page


def test_undo_keeps_attendance_marked_by_hand_since_and_says_how_many(logged_in_admin, db, event):
    save_the_report(logged_in_admin, event)
    [import_id] = [item.id for item in imports(db)]
    pekka = db.session.execute(select(Registration).where(Registration.email == "pekka.makinen@kerava.fi")).scalar_one()
    assert attendance(db, event)["pekka.makinen@kerava.fi"] == "no"
    # Pekka joined by phone: the organizer marks him on his registration's page.
    marked = logged_in_admin.post(f"/organizer/events/{event.id}/registrations/{pekka.id}/status",
                                  data={"change": "attended-yes"})
    assert marked.status_code == 302

    response = logged_in_admin.post(PAGE.format(event.id) + "/undo", data={"import_id": import_id},
                                    follow_redirects=True)

    page = response.get_data(as_text=True)
    assert ("The import is undone. 1 registration was changed by hand after the import and keeps its attendance;"
            " the others are as they were before it.") in page
    after = attendance(db, event)
    assert after.pop("pekka.makinen@kerava.fi") == "yes"
    assert set(after.values()) == {"unknown"}
    [entry] = audit(db, "attendance_import_undone")
    assert (entry.detail["restored"], entry.detail["kept"]) == (4, 1)


def test_after_the_retention_time_the_history_still_lists_the_import_without_its_rows(logged_in_admin, db, event,
                                                                                      app):
    save_the_report(logged_in_admin, event)
    upload(logged_in_admin, event, sample("zoom_meeting.csv"))

    purge_expired(now=event.ends_at + timedelta(days=app.config["RETENTION_DAYS"], hours=1))
    db.session.commit()

    assert [(item.status, item.rows) for item in imports(db)] == [("applied", []), ("discarded", [])]
    response = logged_in_admin.get(PAGE.format(event.id))
    assert response.status_code == 200
    assert [row[1:3] + row[5:6] for row in table_rows(response)] == [
        ["report.csv", "Microsoft Teams attendance report", "In force"]]
    assert "Check the attendance report" not in response.get_data(as_text=True)
