"""Attendance import (issue 11): every report layout read from its sample file, matched by email only, applied
only on confirmation, all or nothing, re-run and undone in order; follow-ups then differ for attendees and absentees."""

import codecs
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db

from app.models import AttendanceImport, Message, Registration
from app.models.types import utcnow
from app.services.attendance import (
    MAX_REPORT_BYTES,
    ImportRefused,
    ReportRefused,
    apply_import,
    create_preview,
    discard_preview,
    followups_after_saving,
    import_history,
    minutes_of,
    preview_of,
    read_report,
    undo_import,
)
from app.services.attendees import apply_change
from app.services.composer import compose
from app.services.planning import FOLLOWUP_WINDOW, plan_followups
from tests.factories import make_event, make_registration

SAMPLES = Path(__file__).parent / "data" / "attendance"
# The sample reports' webinar, as registered: (first name, last name, email, status).
REGISTRANTS = [
    ("Aino", "Äijälä", "aino.aijala@vantaa.fi", "confirmed"),
    ("Björn", "Åkerlund", "bjorn.akerlund@espoo.fi", "confirmed"),
    ("Sanna", "Öhman", "sanna.ohman@hel.fi", "confirmed"),
    ("Linnea", "Grönqvist", "linnea.gronqvist@raseborg.fi", "confirmed"),
    ("Johanna", "Söderström", "johanna.soderstrom@porvoo.fi", "waitlisted"),
    ("Pekka", "Mäkinen", "pekka.makinen@kerava.fi", "confirmed"),
    ("Mikko", "Lindroos", "mikko.lindroos@hyvinkaa.fi", "confirmed"),
    ("Tuomas", "Heikkilä", "tuomas.heikkila@lohja.fi", "cancelled"),
]
IN_THE_REPORT = {"aino.aijala@vantaa.fi", "bjorn.akerlund@espoo.fi", "sanna.ohman@hel.fi",
                 "linnea.gronqvist@raseborg.fi"}
ABSENT = {"pekka.makinen@kerava.fi", "mikko.lindroos@hyvinkaa.fi"}
DIAL_IN = "+358 9 8765 4321"
HOST = ("Päivi Järvinen", "paivi.jarvinen@uudenmaanliitto.fi", "not_registered")
GUEST = ("Matti Meikäläinen", "matti.meikalainen@sipoo.fi", "not_registered")
PHONE = (DIAL_IN, None, "no_email")

# file, layout, people in the report, unmatched rows (name, email, reason), Sanna's summed minutes.
LAYOUTS = [
    ("teams.csv", "teams", 8, [HOST, PHONE, GUEST], 109.67),
    ("teams_2021.csv", "teams_2021", 8, [HOST, PHONE, GUEST], 109.67),
    ("zoom_meeting.csv", "zoom_meeting", 8, [HOST, PHONE, GUEST], 111.0),
    ("zoom_meeting_lowercase.csv", "zoom_meeting", 8, [HOST, PHONE, GUEST], 111.0),
    # The host and the panelist are in blocks of their own; only attendees count.
    ("zoom_webinar.csv", "zoom_webinar", 7, [PHONE, GUEST], 111.0),
    ("generic_fi_excel.csv", "generic", 8,
     [HOST, (f"Puhelinosallistuja {DIAL_IN}", None, "no_email"), GUEST], None),
    ("generic_sv.csv", "generic", 8,
     [HOST, PHONE, ("Matti Meikäläinen", "matti.meikalainen@sipoo", "invalid_email")], None),
    ("generic_en.csv", "generic", 8, [HOST, PHONE, GUEST], 109.0),
]


@pytest.fixture(autouse=True)
def english_request(app):
    """A request reading English, so refusals read as the sentences asserted here."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def sample(name: str) -> bytes:
    """A sample report's bytes, as the platform wrote them."""
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def event(db):
    """A webinar that started four hours ago and ended an hour ago."""
    return make_event(starts_at=utcnow().replace(microsecond=0) - timedelta(hours=4),
                      title_fi="Kunnan digituki kuntoon yhteistyöllä", recording_url="https://video.example.org/42")


@pytest.fixture
def people(db, event) -> dict[str, Registration]:
    """The sample webinar's registrations by email."""
    registrations = {}
    for first_name, last_name, email, status in REGISTRANTS:
        registrations[email] = make_registration(event, first_name=first_name, last_name=last_name, email=email,
                                                 status=status)
    db.session.commit()
    return registrations


def attendance(db, event) -> dict[str, str]:
    """Each registration's attendance as stored now, by email."""
    db.session.expire_all()
    return dict(db.session.execute(
        select(Registration.email, Registration.attended).where(Registration.event_id == event.id)).all())


def preview(db, event, name: str, minimum: int = 0) -> AttendanceImport:
    """Read a sample and keep it as the event's preview, committed."""
    attendance_import = create_preview(event, None, name, read_report(sample(name)), minimum)
    db.session.commit()
    return attendance_import


def apply(db, event, attendance_import):
    """Confirm an import and commit, as the page does."""
    outcome = apply_import(event.id, attendance_import.id)
    db.session.commit()
    return outcome


@pytest.mark.parametrize(("name", "layout", "count", "unmatched", "sanna_minutes"), LAYOUTS,
                         ids=[layout[0] for layout in LAYOUTS])
def test_each_layout_is_read_from_its_sample_and_matched_by_email_only(db, event, people, name, layout, count,
                                                                       unmatched, sanna_minutes):
    report = read_report(sample(name))

    assert report.layout == layout
    assert len(report.rows) == count
    # The one who joined twice is one person with both times summed.
    sanna = [row for row in report.rows if row.email == "sanna.ohman@hel.fi"]
    assert len(sanna) == 1
    assert sanna[0].minutes == sanna_minutes
    # (External) and (Unverified) are no part of a name.
    assert not [row.name for row in report.rows if "(" in row.name and "Björn)" not in row.name]

    result = preview_of(create_preview(event, None, name, report, 0))
    assert {match.registrant.email for match in result.attended} == IN_THE_REPORT
    assert [(row.row.name, row.row.email, row.reason) for row in result.unmatched] == unmatched
    assert [match.registrant.email for match in result.no_seat] == ["johanna.soderstrom@porvoo.fi"]
    assert {registrant.email for registrant in result.absent} == ABSENT


@pytest.mark.parametrize("name", [layout[0] for layout in LAYOUTS])
def test_attendance_is_written_only_on_confirmation_yes_for_the_matched_no_for_other_confirmed(db, event, people,
                                                                                               name):
    attendance_import = preview(db, event, name)
    assert set(attendance(db, event).values()) == {"unknown"}

    outcome = apply(db, event, attendance_import)

    marked = attendance(db, event)
    assert {email for email, value in marked.items() if value == "yes"} == IN_THE_REPORT
    assert {email for email, value in marked.items() if value == "no"} == ABSENT
    # In the report without a seat, and cancelled: not marked.
    assert marked["johanna.soderstrom@porvoo.fi"] == marked["tuomas.heikkila@lohja.fi"] == "unknown"
    assert (outcome.attended, outcome.absent, outcome.changed) == (4, 2, 6)
    # Each changed registration's value before the import and the value it wrote, for undo.
    assert attendance_import.previous_attendance == {
        **{str(people[email].id): ["unknown", "yes"] for email in IN_THE_REPORT},
        **{str(people[email].id): ["unknown", "no"] for email in ABSENT},
    }


def test_the_samples_are_in_their_platforms_encodings():
    assert sample("teams.csv").startswith(codecs.BOM_UTF16_LE)
    assert sample("teams_2021.csv").startswith(codecs.BOM_UTF16_LE)
    assert "\t" in sample("teams.csv").decode("utf-16")
    assert sample("zoom_meeting.csv").startswith(codecs.BOM_UTF8)
    assert sample("generic_en.csv").startswith(codecs.BOM_UTF8)
    with pytest.raises(UnicodeDecodeError):
        sample("generic_fi_excel.csv").decode("utf-8")
    assert sample("generic_sv.csv").decode("utf-8")


def test_a_minimum_time_marks_shorter_stays_as_not_attended(db, event, people):
    attendance_import = preview(db, event, "teams.csv", minimum=10)
    result = preview_of(attendance_import)
    assert [match.registrant.email for match in result.too_short] == ["linnea.gronqvist@raseborg.fi"]

    apply(db, event, attendance_import)

    assert attendance(db, event)["linnea.gronqvist@raseborg.fi"] == "no"
    assert attendance(db, event)["sanna.ohman@hel.fi"] == "yes"


def test_a_list_without_times_counts_everyone_in_it_whatever_the_minimum(db, event, people):
    result = preview_of(preview(db, event, "generic_fi_excel.csv", minimum=30))

    assert not result.has_durations
    assert not result.too_short
    assert {match.registrant.email for match in result.attended} == IN_THE_REPORT


def retyped_teams_header(header: str) -> bytes:
    """The Teams sample with its participants' header as another version of Teams writes it."""
    text = sample("teams.csv").decode("utf-16")
    original = "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole"
    assert original in text
    return codecs.BOM_UTF16_LE + text.replace(original, header).encode("utf-16-le")


@pytest.mark.parametrize("header", [
    "Name\tFirst join\tLast leave\tIn-meeting duration\tEmail\tParticipant ID (UPN)\tRole",
    "NAME\tFIRST JOIN\tLAST LEAVE\tIN-MEETING DURATION\tEMAIL\tPARTICIPANT ID (UPN)\tROLE",
])
def test_teams_header_casing_of_other_versions_reads_the_same(db, event, people, header):
    report = read_report(retyped_teams_header(header))

    assert report.layout == "teams"
    assert {row.email for row in report.rows} >= IN_THE_REPORT


def test_a_teams_guest_without_an_email_is_matched_by_the_address_in_their_participant_id():
    report = read_report(sample("teams.csv"))
    assert [row.email for row in report.rows if row.name == "Björn Åkerlund"] == ["bjorn.akerlund@espoo.fi"]


def test_a_report_is_recognized_by_its_content_not_its_encoding_or_separator():
    teams_as_utf8 = sample("teams.csv").decode("utf-16").encode("utf-8")
    zoom_in_windows_1252 = sample("zoom_meeting.csv").decode("utf-8-sig").encode("cp1252")
    generic_with_semicolons = sample("generic_sv.csv").decode().replace(",", ";").encode("utf-16")

    assert read_report(teams_as_utf8).layout == "teams"
    assert read_report(zoom_in_windows_1252).layout == "zoom_meeting"
    report = read_report(generic_with_semicolons)
    assert report.layout == "generic"
    assert "Åkerlund; Björn" in {row.name for row in report.rows}


@pytest.mark.parametrize(("text", "minutes"), [
    ("1h 2m 3s", 62.05), ("45m 12s", 45.2), ("12s", 0.2), ("2h", 120), ("1:02:03", 62.05), ("0:45", 45),
    ("38", 38), ("12,5", 12.5), ("1 h 5 min", 65), ("", None), ("--", None),
])
def test_durations_as_reports_write_them(text, minutes):
    result = minutes_of(text)
    assert result == minutes if minutes is None else round(result, 2) == minutes


@pytest.mark.parametrize("text", ["soon", "1h 2x", "12 parsecs"])
def test_a_duration_that_is_no_duration_is_refused(text):
    with pytest.raises(ValueError):
        minutes_of(text)


def broken_teams_duration() -> bytes:
    """The Teams sample with one participant's time garbled."""
    return codecs.BOM_UTF16_LE + sample("teams.csv").decode("utf-16").replace(
        "1h 58m 12s", "noin kaksi tuntia", 1).encode("utf-16-le")


MALFORMED = {
    "empty": (b"", "The file is empty."),
    "blank": (b"\r\n \r\n", "The file is empty."),
    "png image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "The file is not an attendance report."),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n\x00\x01\x02\nendstream", "not an"),
    "excel workbook": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "This is an Excel workbook."),
    "no email column": ("Nimi;Kunta\nAino Äijälä;Vantaa\n".encode(), "No email column was found"),
    "unclosed quote": ('Name,Email\n"Aino Äijälä,aino@vantaa.fi\n'.encode(), "a quotation mark is not closed"),
    "header only": (b"Name,Email\n", "The report lists no participants."),
    "teams without participants": (
        codecs.BOM_UTF16_LE + "1. Summary\r\nMeeting title\tX\r\n\r\n2. Participants\r\nName\tFirst Join\tEmail\r\n"
        "\r\n3. In-Meeting Activities\r\n".encode("utf-16-le"), "The report lists no participants."),
    "teams without email": (
        codecs.BOM_UTF16_LE + "1. Summary\r\n\r\n2. Participants\r\nName\tFirst Join\tIn-Meeting Duration\r\n"
        "Aino\t1.1.2024\t1h\r\n".encode("utf-16-le"), "The report has no email column"),
    "garbled duration": (broken_teams_duration(), "Line 12: the time in the session “noin kaksi tuntia”"),
    "endless line": (b"Name,Email\n" + b"x" * 200_000 + b"\n", "Line 2 of the file is far too long"),
    "a million lines": (b"Name,Email\n" + b",\n" * 1_000_000, "The file has more than 100,000 lines"),
    "over 10 MB": (b"Name,Email\n" + b"Aino,aino@vantaa.fi\n" * (MAX_REPORT_BYTES // 20 + 1), "larger than 10 MB"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_empty_binary_or_too_large_file_is_refused_with_a_sentence(app, name):
    data, sentence = MALFORMED[name]
    with pytest.raises(ReportRefused) as refused:
        read_report(data)
    assert sentence in str(refused.value.message)


def test_a_10_mb_report_is_still_read():
    rows = b"".join(b"Aino %04d,aino.%04d@vantaa.fi\n" % (n, n) for n in range(5000))
    # Excel pads a sheet's empty cells with separators; blank rows are skipped.
    padding = b"," * 2000 + b"\n"
    data = b"Name,Email\n" + rows
    data += padding * ((MAX_REPORT_BYTES - len(data)) // len(padding))
    data += b"," * (MAX_REPORT_BYTES - len(data))
    assert len(data) == MAX_REPORT_BYTES
    assert len(read_report(data).rows) == 5000


def test_double_confirmation_applies_once_and_says_so(db, event, people):
    attendance_import = preview(db, event, "teams.csv")
    apply(db, event, attendance_import)

    with pytest.raises(ImportRefused) as refused:
        apply_import(event.id, attendance_import.id)
    assert "already saved" in str(refused.value.message)
    db.session.rollback()
    assert attendance(db, event)["aino.aijala@vantaa.fi"] == "yes"


def test_a_preview_replaced_by_a_newer_upload_cannot_be_confirmed(db, event, people):
    older = preview(db, event, "teams.csv")
    newer = preview(db, event, "zoom_webinar.csv", minimum=10)

    with pytest.raises(ImportRefused):
        apply_import(event.id, older.id)
    db.session.rollback()
    assert set(attendance(db, event).values()) == {"unknown"}
    apply(db, event, newer)
    assert attendance(db, event)["linnea.gronqvist@raseborg.fi"] == "no"


def test_a_preview_older_than_the_last_saved_import_cannot_be_confirmed(db, event, people):
    stale = AttendanceImport(event_id=event.id, status="preview", layout="teams", filename="old.csv",
                             minimum_minutes=0, rows=[{"name": "Aino", "email": "aino.aijala@vantaa.fi",
                                                       "minutes": 5}],
                             created_at=utcnow() - timedelta(minutes=5))
    db.session.add(stale)
    db.session.commit()
    saved = AttendanceImport(event_id=event.id, status="applied", layout="teams", filename="new.csv",
                             minimum_minutes=0, rows=[], previous_attendance={}, applied_at=utcnow())
    db.session.add(saved)
    db.session.commit()

    with pytest.raises(ImportRefused):
        apply_import(event.id, stale.id)


def test_an_import_of_another_event_cannot_be_confirmed_or_undone_through_this_one(db, event, people):
    attendance_import = preview(db, event, "teams.csv")
    other = make_event(starts_at=event.starts_at)
    db.session.commit()

    with pytest.raises(ImportRefused):
        apply_import(other.id, attendance_import.id)
    db.session.rollback()
    apply(db, event, attendance_import)
    with pytest.raises(ImportRefused):
        undo_import(other.id, attendance_import.id)


def test_nothing_is_imported_before_the_event_starts_or_for_a_cancelled_event(db, people, event):
    attendance_import = preview(db, event, "teams.csv")
    event.starts_at = utcnow() + timedelta(hours=1)
    event.ends_at = event.starts_at + timedelta(hours=2)
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        apply_import(event.id, attendance_import.id)
    assert "has not started" in str(refused.value.message)
    db.session.rollback()

    event.starts_at = utcnow() - timedelta(hours=3)
    event.ends_at = event.starts_at + timedelta(hours=2)
    event.status = "cancelled"
    db.session.commit()
    with pytest.raises(ImportRefused):
        apply_import(event.id, attendance_import.id)
    db.session.rollback()
    assert set(attendance(db, event).values()) == {"unknown"}


def test_a_rerun_wins_and_undo_restores_the_state_before_each_import_in_turn(db, event, people):
    pekka = people["pekka.makinen@kerava.fi"]
    pekka.attended = "yes"  # marked by hand before any import
    db.session.commit()
    before_first = attendance(db, event)

    first = preview(db, event, "teams.csv")
    apply(db, event, first)
    after_first = attendance(db, event)
    assert after_first["linnea.gronqvist@raseborg.fi"] == "yes"
    assert after_first["pekka.makinen@kerava.fi"] == "no"

    second = preview(db, event, "teams.csv", minimum=10)
    apply(db, event, second)
    assert attendance(db, event)["linnea.gronqvist@raseborg.fi"] == "no"
    assert second.previous_attendance == {str(people["linnea.gronqvist@raseborg.fi"].id): ["yes", "no"]}

    # The older import is not the one in force: it comes off only after the newer one.
    with pytest.raises(ImportRefused) as refused:
        undo_import(event.id, first.id)
    assert "newer import" in str(refused.value.message)
    db.session.rollback()

    undo_import(event.id, second.id)
    db.session.commit()
    assert attendance(db, event) == after_first
    with pytest.raises(ImportRefused):
        undo_import(event.id, second.id)
    db.session.rollback()

    undo_import(event.id, first.id)
    db.session.commit()
    assert attendance(db, event) == before_first
    assert [entry.attendance_import.status for entry in import_history(event.id)] == ["undone", "undone"]


def test_the_history_marks_the_import_in_force(db, event, people):
    first = preview(db, event, "teams.csv")
    apply(db, event, first)
    second = preview(db, event, "zoom_meeting.csv")
    apply(db, event, second)

    history = import_history(event.id)

    assert [(entry.attendance_import.id, entry.is_current) for entry in history] == [(second.id, True),
                                                                                      (first.id, False)]


def test_a_discarded_preview_changes_nothing_and_cannot_be_confirmed(db, event, people):
    attendance_import = preview(db, event, "teams.csv")

    assert discard_preview(event.id, attendance_import.id)
    db.session.commit()
    assert not discard_preview(event.id, attendance_import.id)
    with pytest.raises(ImportRefused):
        apply_import(event.id, attendance_import.id)
    db.session.rollback()
    assert set(attendance(db, event).values()) == {"unknown"}


def test_a_discarded_or_replaced_preview_and_an_undone_import_keep_no_rows_of_the_report(db, event, people):
    replaced = preview(db, event, "teams.csv")
    discarded = preview(db, event, "zoom_meeting.csv")
    assert discard_preview(event.id, discarded.id)
    db.session.commit()
    undone = preview(db, event, "teams_2021.csv")
    apply(db, event, undone)
    assert len(undone.rows) == 8  # kept while the import is in force
    undo_import(event.id, undone.id)
    db.session.commit()

    db.session.expire_all()
    assert [(item.status, item.rows) for item in (replaced, discarded, undone)] == [
        ("discarded", []), ("discarded", []), ("undone", [])]
    # The history needs none of them.
    assert [entry.attendance_import.filename for entry in import_history(event.id)] == ["teams_2021.csv"]


def test_undo_leaves_attendance_changed_by_hand_since_the_import(db, event, people):
    pekka = people["pekka.makinen@kerava.fi"]
    attendance_import = preview(db, event, "teams.csv")
    apply(db, event, attendance_import)
    assert attendance(db, event)["pekka.makinen@kerava.fi"] == "no"
    # Pekka joined by phone: marked by hand, as the registration's page does.
    apply_change(pekka.id, "attended-yes")
    db.session.commit()

    outcome = undo_import(event.id, attendance_import.id)
    db.session.commit()

    marked = attendance(db, event)
    assert marked["pekka.makinen@kerava.fi"] == "yes"
    assert {email for email, value in marked.items() if value != "unknown"} == {"pekka.makinen@kerava.fi"}
    assert (outcome.restored, outcome.kept) == (5, 1)


def test_saving_after_the_follow_ups_went_says_they_are_not_sent_again(db, event, people):
    assert followups_after_saving(event) == "coming"
    due = event.followup_due_at + timedelta(minutes=1)
    plan_followups(now=due)
    db.session.commit()
    assert followups_after_saving(event, due) == "coming"  # composed when sent, so they will use it

    followup = db.session.execute(select(Message).where(Message.kind == "followup")).scalars().first()
    followup.status, followup.sent_at = "sent", due
    db.session.commit()

    assert followups_after_saving(event, due) == "sent"


def test_an_event_whose_follow_ups_will_never_be_planned_gets_no_word_of_them(db):
    long_ago = make_event(starts_at=utcnow().replace(microsecond=0) - FOLLOWUP_WINDOW - timedelta(hours=4))
    cancelled = make_event(starts_at=utcnow().replace(microsecond=0) - timedelta(hours=4), status="cancelled")
    db.session.commit()

    assert followups_after_saving(long_ago) is None
    assert followups_after_saving(cancelled) is None


def test_removed_personal_data_is_neither_matched_nor_marked(db, event, people):
    mikko = people["mikko.lindroos@hyvinkaa.fi"]
    mikko.purged_at, mikko.email, mikko.first_name, mikko.last_name = utcnow(), None, None, None
    mikko.manage_token_hash = mikko.manage_token_nonce = None
    db.session.commit()

    apply(db, event, preview(db, event, "teams.csv"))

    db.session.refresh(mikko)
    assert mikko.attended == "unknown"


def test_an_unchanged_rerun_changes_nothing_and_undoing_it_keeps_the_first(db, event, people):
    apply(db, event, preview(db, event, "teams.csv"))
    after_first = attendance(db, event)
    again = preview(db, event, "teams_2021.csv")

    outcome = apply(db, event, again)
    undo_import(event.id, again.id)
    db.session.commit()

    assert outcome.changed == 0
    assert again.previous_attendance == {}
    assert attendance(db, event) == after_first


def test_followups_after_an_import_go_to_attendees_and_absentees_with_their_own_texts(db, event, people):
    apply(db, event, preview(db, event, "teams.csv"))

    planned = plan_followups(now=event.followup_due_at + timedelta(minutes=1))
    db.session.commit()

    assert planned == 6  # the confirmed ones; the waiting list and the cancelled get none
    messages = db.session.execute(select(Message).where(Message.kind == "followup")).scalars().all()
    mails = {message.registration.email: compose(message) for message in messages}
    thanked = {email for email, mail in mails.items() if mail["Subject"].startswith("Kiitos")}
    missed = {email for email, mail in mails.items() if email not in thanked}
    assert thanked == IN_THE_REPORT
    assert missed == ABSENT
    attendee_text = mails["aino.aijala@vantaa.fi"].get_body(("plain",)).get_content()
    absentee_text = mails["pekka.makinen@kerava.fi"].get_body(("plain",)).get_content()
    assert mails["aino.aijala@vantaa.fi"]["Subject"] != mails["pekka.makinen@kerava.fi"]["Subject"]
    assert attendee_text != absentee_text
    assert "https://video.example.org/42" in absentee_text


def test_a_longer_teams_report_marks_each_person_by_the_minimum_time(db, event):
    for n in range(300):
        make_registration(event, email=f"osallistuja{n}@vantaa.fi")
    db.session.commit()
    rows = "".join(f"Osallistuja {n}\t1.1.2024 9.00\t1.1.2024 10.00\t{n % 90}m\tosallistuja{n}@vantaa.fi\t\t"
                   "Attendee\r\n" for n in range(0, 300, 2))
    text = ("1. Summary\r\n\r\n2. Participants\r\nName\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\t"
            "Participant ID (UPN)\tRole\r\n" + rows)
    attendance_import = create_preview(event, None, "big.csv", read_report(codecs.BOM_UTF16_LE +
                                                                            text.encode("utf-16-le")), 30)
    db.session.commit()

    outcome = apply(db, event, attendance_import)

    counts = dict(db.session.execute(select(Registration.attended, func.count()).where(
        Registration.event_id == event.id).group_by(Registration.attended)).all())
    # Every second person in the report; of them those with 30 minutes or more (n % 90 >= 30).
    attended = sum(1 for n in range(0, 300, 2) if n % 90 >= 30)
    assert counts == {"yes": attended, "no": 300 - attended}
    assert (outcome.attended, outcome.absent) == (attended, 300 - attended)


@pytest.mark.postgres
def test_two_simultaneous_confirmations_of_one_preview_apply_it_once(postgres_url):
    concurrent_app = create_app("testing", SQLALCHEMY_DATABASE_URI=postgres_url)
    with concurrent_app.app_context():
        upgrade()
        event = make_event(starts_at=utcnow().replace(microsecond=0) - timedelta(hours=4))
        for first_name, last_name, email, status in REGISTRANTS:
            make_registration(event, first_name=first_name, last_name=last_name, email=email, status=status)
        attendance_import = create_preview(event, None, "teams.csv", read_report(sample("teams.csv")), 0)
        _db.session.commit()
        event_id, import_id = event.id, attendance_import.id
    start = threading.Barrier(2)

    def confirm() -> str:
        with concurrent_app.app_context():
            start.wait()
            try:
                apply_import(event_id, import_id)
            except ImportRefused:
                _db.session.rollback()
                return "refused"
            _db.session.commit()
            return "applied"

    with ThreadPoolExecutor(2) as pool:
        outcomes = Counter(pool.map(lambda _: confirm(), range(2)))

    with concurrent_app.app_context():
        saved = _db.session.get(AttendanceImport, import_id)
        assert outcomes == {"applied": 1, "refused": 1}
        # The loser did not overwrite what undoing restores with the winner's values.
        assert {before for before, _written in saved.previous_attendance.values()} == {"unknown"}
        assert len(saved.previous_attendance) == 6
        _db.session.remove()
        _db.engine.dispose()
