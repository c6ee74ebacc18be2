"""The attendance import in a real browser: a Teams report uploaded, its preview checked and read by axe-core in
Finnish and Swedish, saved and undone; a wrong file named next to the file field."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Registration, Series
from app.models.types import utcnow
from tests.factories import make_event, make_registration

SAMPLES = Path(__file__).parents[1] / "data" / "attendance"
REGISTRANTS = [
    ("Aino", "Äijälä", "aino.aijala@vantaa.fi", "092", "confirmed"),
    ("Björn", "Åkerlund", "bjorn.akerlund@espoo.fi", "049", "confirmed"),
    ("Sanna", "Öhman", "sanna.ohman@hel.fi", "091", "confirmed"),
    ("Linnea", "Grönqvist", "linnea.gronqvist@raseborg.fi", "710", "confirmed"),
    ("Johanna", "Söderström", "johanna.soderstrom@porvoo.fi", "638", "waitlisted"),
    ("Pekka", "Mäkinen", "pekka.makinen@kerava.fi", "245", "confirmed"),
    ("Mikko", "Lindroos", "mikko.lindroos@hyvinkaa.fi", "106", "confirmed"),
]


@pytest.fixture(scope="module")
def past_event(live_app, organizer_site) -> int:
    """A webinar of the Kuntatutor series held three days ago, registered for by the sample reports' people."""
    with live_app.app_context():
        series = db.session.execute(select(Series).where(Series.slug == "kuntatutor")).scalar_one()
        event = make_event(series=series, slug="digituki-kirjastoissa-syksy", host_municipality_code="092",
                           title_fi="Digituki kirjastoissa", title_sv="Digitalt stöd i biblioteken",
                           starts_at=utcnow().replace(microsecond=0, second=0, minute=0) - timedelta(days=3))
        for first_name, last_name, email, code, status in REGISTRANTS:
            make_registration(event, first_name=first_name, last_name=last_name, email=email, status=status,
                              municipality_code=code)
        db.session.commit()
        return event.id


def attendance(live_app, event_id: int) -> dict[str, str]:
    """Each registration's attendance as the database has it now."""
    with live_app.app_context():
        return dict(db.session.execute(
            select(Registration.email, Registration.attended).where(Registration.event_id == event_id)).all())


def upload_report(page, tr, lang: str, event_id: int, name: str, minimum: str = "0") -> None:
    """Open the attendance page in the language and upload a sample report."""
    response = page.goto(f"/organizer/events/{event_id}/attendance?lang={lang}")
    assert response.ok
    page.get_by_label(tr("Attendance report", lang), exact=True).set_input_files(SAMPLES / name)
    page.get_by_label(tr("Minimum time in the webinar, in minutes", lang), exact=True).fill(minimum)
    page.get_by_role("button", name=tr("Read the report", lang)).click()


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_preview_of_a_teams_report_lists_each_group_and_axe_finds_nothing(admin_page, live_app, past_event, tr,
                                                                              assert_accessible, lang):
    page = admin_page
    upload_report(page, tr, lang, past_event, "teams.csv", minimum="10")

    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Check the attendance report", lang))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#attendance-matched tbody tr")).to_have_count(3)
    expect(page.locator("#attendance-too-short tbody tr")).to_contain_text("Linnea Grönqvist")
    expect(page.locator("#attendance-unmatched tbody tr")).to_have_count(3)
    expect(page.locator("#attendance-unmatched")).to_contain_text(tr("No email in the report", lang))
    expect(page.locator("#attendance-no-seat")).to_contain_text("Johanna Söderström")
    expect(page.locator("#attendance-absent tbody tr")).to_have_count(2)
    assert set(attendance(live_app, past_event).values()) == {"unknown"}
    assert_accessible(page)


def test_saving_marks_attendance_and_undo_puts_it_back(admin_page, live_app, past_event, tr, assert_accessible):
    page = admin_page
    upload_report(page, tr, "fi", past_event, "zoom_webinar.csv")
    page.get_by_role("button", name=tr("Save the attendance")).click()

    # Three days after the webinar its follow-ups are no longer planned, so the sentence says nothing of them.
    expect(page.locator(".flash")).to_have_text(tr(
        "The attendance is saved: %(attended)d attended, %(absent)d did not attend.", attended=4, absent=2))
    assert attendance(live_app, past_event)["pekka.makinen@kerava.fi"] == "no"
    assert attendance(live_app, past_event)["aino.aijala@vantaa.fi"] == "yes"
    expect(page.locator("#attendance-imports")).to_contain_text(tr("In force"))
    assert_accessible(page)

    page.get_by_role("button", name=tr("Undo this report")).click()
    expect(page.locator(".flash")).to_contain_text(tr("The import is undone: the attendance is as it was before it."))
    assert set(attendance(live_app, past_event).values()) == {"unknown"}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_wrong_file_is_named_next_to_the_file_field_and_axe_finds_nothing(admin_page, past_event, tr,
                                                                            assert_accessible, tmp_path, lang):
    page = admin_page
    picture = tmp_path / "kuvakaappaus.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    page.goto(f"/organizer/events/{past_event}/attendance?lang={lang}")
    page.get_by_label(tr("Attendance report", lang), exact=True).set_input_files(picture)
    page.get_by_role("button", name=tr("Read the report", lang)).click()

    expect(page.locator("#report-error")).to_contain_text(tr(
        "The file is not an attendance report. Upload the report as the webinar platform gave it, or a CSV file with"
        " an email column.", lang))
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
