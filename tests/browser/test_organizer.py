"""The organizer pages in a real browser: an event made with its programme and published, a registrant found,
both exports downloaded and read back, and axe-core finding nothing in Finnish and Swedish, also on a phone."""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.i18n import HELSINKI
from app.models import Series
from app.models.types import utcnow
from tests.browser.conftest import OTHER_ORGANIZATION, REGISTRANTS
from tests.factories import make_event, make_registration

PHONE = {"width": 390, "height": 844}


def heading(page):
    """The page's one main heading."""
    return page.get_by_role("heading", level=1)


def group(page, name: str):
    """A fieldset by its legend, exactly."""
    return page.get_by_role("group", name=name, exact=True)


def attendee_rows(page):
    """The body rows of the attendee table."""
    return page.locator("#attendees tbody tr")


def test_admin_creates_an_event_with_a_programme_from_the_dashboard_and_publishes_it(admin_page, tr):
    page = admin_page
    day = (utcnow().astimezone(HELSINKI) + timedelta(days=40)).date().isoformat()
    page.goto("/organizer/")
    page.get_by_role("link", name=tr("New event"), exact=True).click()
    expect(heading(page)).to_have_text(tr("New event"))

    event = group(page, tr("Event"))
    event.get_by_label(tr("Series"), exact=True).select_option(label="Kuntatutor")
    event.get_by_label(tr("Title in Finnish"), exact=True).fill("Etätuen käytännöt Keravalla")
    event.get_by_label(tr("Title in Swedish"), exact=True).fill("Distansstöd i praktiken i Kervo")
    event.get_by_label(tr("Host municipality"), exact=True).select_option(label="Kerava")
    page.get_by_label(tr("Description in Finnish"), exact=True).fill("Kerava kertoo **etätuen** mallistaan.")
    times = group(page, tr("Time and registration"))
    times.get_by_label(tr("Starts"), exact=True).fill(f"{day}T09:00")
    times.get_by_label(tr("Ends"), exact=True).fill(f"{day}T11:30")
    times.get_by_label(tr("Seats"), exact=True).fill("80")

    # The first item typed is the later one; it is moved down below the opening words afterwards.
    page.get_by_role("button", name=tr("Add a programme item")).click()
    first = group(page, tr("Programme item %(number)d", number=1))
    first.get_by_label(tr("Time"), exact=True).fill("09:15")
    first.get_by_label(tr("Title in Finnish"), exact=True).fill("Keravan etätukimalli")
    first.get_by_role("button", name=tr("Add a speaker to programme item %(number)d", number=1)).click()
    speaker = group(page, tr("Speaker %(speaker)d of programme item %(number)d", speaker=1, number=1))
    speaker.get_by_label(tr("Name"), exact=True).fill("Outi Väänänen")
    speaker.get_by_label(tr("Title"), exact=True).fill("Digituen koordinaattori")
    speaker.get_by_label(tr("Organization"), exact=True).fill("Keravan kaupunki")

    page.get_by_role("button", name=tr("Add a programme item")).click()
    second = group(page, tr("Programme item %(number)d", number=2))
    second.get_by_label(tr("Time"), exact=True).fill("09:00")
    second.get_by_label(tr("Title in Finnish"), exact=True).fill("Avaus")
    page.get_by_role("button", name=tr("Add a programme item")).click()
    group(page, tr("Programme item %(number)d", number=3)).get_by_label(
        tr("Title in Finnish"), exact=True).fill("Tähän ei tule mitään")

    page.get_by_role("button", name=tr("Remove programme item %(number)d", number=3)).click()
    expect(group(page, tr("Programme item %(number)d", number=3))).to_have_count(0)
    page.get_by_role("button", name=tr("Move programme item %(number)d up", number=2)).click()
    expect(first.get_by_label(tr("Title in Finnish"), exact=True)).to_have_value("Avaus")
    # Everything typed survives the round trips, the speaker moving with its item.
    expect(second.get_by_label(tr("Title in Finnish"), exact=True)).to_have_value("Keravan etätukimalli")
    moved_speaker = group(page, tr("Speaker %(speaker)d of programme item %(number)d", speaker=1, number=2))
    expect(moved_speaker.get_by_label(tr("Organization"), exact=True)).to_have_value("Keravan kaupunki")
    expect(event.get_by_label(tr("Title in Finnish"), exact=True)).to_have_value("Etätuen käytännöt Keravalla")
    expect(times.get_by_label(tr("Starts"), exact=True)).to_have_value(f"{day}T09:00")

    page.get_by_role("button", name=tr("Save"), exact=True).first.click()
    expect(heading(page)).to_have_text(tr("Overview"))
    expect(page.get_by_role("status").first).to_have_text(
        tr("The event was saved as a draft. Publish it when it is ready."))
    expect(page.get_by_role("link", name=tr("Public page"))).to_have_count(0)

    page.get_by_role("button", name=tr("Publish the event")).click()
    expect(page.get_by_role("status").first).to_have_text(
        tr("The event is published: it is on the public pages and takes registrations as its times say."))
    page.get_by_role("link", name=tr("Public page"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/events/[a-z0-9-]+$"))
    expect(heading(page)).to_have_text("Etätuen käytännöt Keravalla")
    items = page.locator(".programme > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Avaus")
    expect(items.nth(1)).to_contain_text("Keravan etätukimalli")
    expect(items.nth(1).locator(".speakers li")).to_have_text(
        "Outi Väänänen, Digituen koordinaattori, Keravan kaupunki")
    expect(page.get_by_text("Tähän ei tule mitään")).to_have_count(0)



def test_new_event_errors_are_summarized_first_and_each_link_reaches_its_field(admin_page, tr):
    page = admin_page
    day = (utcnow().astimezone(HELSINKI) + timedelta(days=40)).date().isoformat()
    page.goto("/organizer/events/new")
    times = group(page, tr("Time and registration"))
    times.get_by_label(tr("Starts"), exact=True).fill(f"{day}T10:00")
    times.get_by_label(tr("Ends"), exact=True).fill(f"{day}T09:00")
    page.get_by_role("button", name=tr("Add a programme item")).click()
    item = group(page, tr("Programme item %(number)d", number=1))
    item.get_by_role("combobox", name=tr("Kind"), exact=True).select_option(label=tr("Panel"))
    item.get_by_label(tr("Time"), exact=True).fill("09:30")
    page.get_by_role("button", name=tr("Save"), exact=True).first.click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    for message in (tr("Enter the title in Finnish."), tr("The end must be after the start."),
                    tr("Enter the item's title in Finnish, or empty the whole item to remove it.")):
        expect(links.filter(has_text=message)).to_have_count(1)
    for link in links.all():
        target = page.locator(f"[id='{link.get_attribute('href').removeprefix('#')}']")
        expect(target).to_have_count(1)
        expect(target).to_have_attribute("aria-invalid", "true")
    # What was typed is still there, the chosen kind too.
    expect(times.get_by_label(tr("Starts"), exact=True)).to_have_value(f"{day}T10:00")
    expect(item.get_by_role("combobox", name=tr("Kind"), exact=True)).to_have_value("panel")

    links.filter(has_text=tr("Enter the item's title in Finnish, or empty the whole item to remove it.")).click()
    expect(item.get_by_label(tr("Title in Finnish"), exact=True)).to_be_focused()

def test_registrant_is_found_by_name_and_status_and_opened(admin_page, organizer_site, tr):
    page = admin_page
    page.goto(f"/organizer/events/{organizer_site.event_id}")
    page.get_by_role("link", name=tr("Attendee list"), exact=True).click()
    expect(heading(page)).to_have_text(tr("Attendees"))
    expect(attendee_rows(page)).to_have_count(len(REGISTRANTS))

    search = page.get_by_label(tr("Search by name, email or organization"))
    search.fill("söderström")
    page.get_by_role("button", name=tr("Show"), exact=True).click()
    expect(attendee_rows(page)).to_have_count(1)
    expect(attendee_rows(page).first.get_by_role("rowheader")).to_have_text("Söderström Johanna")
    expect(page).to_have_url(re.compile(r"[?&]q=s%C3%B6derstr%C3%B6m"))

    page.get_by_role("link", name=tr("Clear the filters")).click()
    expect(search).to_have_value("")
    page.get_by_label(tr("Status"), exact=True).select_option(label=tr("On the waiting list"))
    page.get_by_role("button", name=tr("Show"), exact=True).click()
    waitlisted = [f"{last} {first}" for first, last, _, status in REGISTRANTS if status == "waitlisted"]
    expect(attendee_rows(page).get_by_role("rowheader")).to_have_text(waitlisted)
    expect(page.locator(".attendee-summary")).to_have_text(tr(
        "%(total)d matching registrations; showing %(first)d–%(last)d.",
        total=len(waitlisted), first=1, last=len(waitlisted)))

    page.get_by_role("link", name="Hämäläinen Riikka", exact=True).click()
    expect(heading(page)).to_have_text("Riikka Hämäläinen")
    expect(page.locator(".essentials")).to_contain_text("riikka.hamalainen@example.org")
    expect(page.locator(".essentials")).to_contain_text("Lohja")
    expect(page.get_by_role("button", name=tr("Confirm a seat"))).to_be_visible()



@pytest.mark.parametrize(("typed", "found"), [("äijälä", "Äijälä Aino"), ("PÖYHÖNEN", "Pöyhönen Eeva")])
def test_search_ignores_letter_case_in_a_ring_and_umlauts_too(admin_page, organizer_site, tr, typed, found):
    page = admin_page
    page.goto(f"/organizer/events/{organizer_site.event_id}/attendees")
    page.get_by_label(tr("Search by name, email or organization")).fill(typed)
    page.get_by_role("button", name=tr("Show"), exact=True).click()
    expect(attendee_rows(page).get_by_role("rowheader")).to_have_text([found])


def test_cancelling_a_seat_asks_first_then_gives_it_to_the_first_on_the_waiting_list(admin_page, live_app, site, tr):
    with live_app.app_context():
        full = make_event(series=db.session.execute(select(Series).where(Series.slug == site.series_slug)).scalar_one(),
                          title_fi="Täysi webinaari", capacity=1, host_municipality_code="091")
        seated = make_registration(full, first_name="Kaisa", last_name="Öberg", municipality_code="091")
        make_registration(full, first_name="Elias", last_name="Ålander", status="waitlisted",
                          municipality_code="753")
        db.session.commit()
        event_id, registration_id = full.id, seated.id
    page = admin_page
    page.goto(f"/organizer/events/{event_id}/registrations/{registration_id}")
    page.get_by_role("link", name=tr("Cancel the registration…")).click()
    expect(heading(page)).to_have_text(tr("Cancel the registration"))
    expect(page.get_by_text(tr(
        "Their seat goes to the first person on the waiting list, who gets an invitation by email."))).to_be_visible()
    page.get_by_role("button", name=tr("Cancel the registration")).click()

    expect(heading(page)).to_have_text("Kaisa Öberg")
    flashes = page.locator(".flash")
    expect(flashes).to_have_text([
        tr("The registration is cancelled. The person is emailed a cancellation."),
        tr("Moved up from the waiting list and emailed an invitation: %(names)s.", names="Elias Ålander"),
    ])
    page.get_by_role("link", name=tr("Back to the attendee list")).click()
    statuses = {row.get_by_role("rowheader").inner_text(): row.locator("td").nth(2).inner_text()
                for row in attendee_rows(page).all()}
    assert statuses == {"Öberg Kaisa": tr("Cancelled"), "Ålander Elias": tr("Confirmed")}

def read_csv(path) -> tuple[bytes, list[list[str]]]:
    """The file's first bytes and its rows as the csv module reads them (RFC 4180 commas, UTF-8 with a BOM)."""
    data = path.read_bytes()
    return data[:3], list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_both_exports_download_and_read_back_with_the_names_intact(admin_page, organizer_site, tr):
    page = admin_page
    page.goto(f"/organizer/events/{organizer_site.event_id}/attendees?status=confirmed")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name=tr("Download as CSV"), exact=True).click()
    download = csv_download.value
    assert download.suggested_filename == f"{organizer_site.event_slug}-attendees.csv"
    start, rows = read_csv(download.path())
    assert start == b"\xef\xbb\xbf", "The CSV must start with a UTF-8 byte order mark for Excel"
    header, *body = rows
    assert header[:4] == [tr("First name"), tr("Last name"), tr("Email address"), tr("Municipality")]
    confirmed = [(first, last) for first, last, _, status in REGISTRANTS if status == "confirmed"]
    assert sorted((row[0], row[1]) for row in body) == sorted(confirmed)
    by_last_name = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert by_last_name["Äijälä"][tr("Municipality")] == "Vantaa"
    assert by_last_name["Åkerlund"][tr("Email address")] == "bjorn.akerlund@example.org"
    assert by_last_name["Östman"][tr("Municipality")] == "Lapinjärvi"
    assert by_last_name["Määttä"][tr("Organization")] == OTHER_ORGANIZATION

    # The overview's Excel link takes the whole list, cancelled and waiting too.
    page.goto(f"/organizer/events/{organizer_site.event_id}")
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name=tr("Download attendees (Excel)"), exact=True).click()
    download = xlsx_download.value
    assert download.suggested_filename == f"{organizer_site.event_slug}-attendees.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    sheet = workbook.active
    assert sheet.title == tr("Attendees")
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:3] == [tr("First name"), tr("Last name"), tr("Email address")]
    assert tr("Status") in header
    assert len(body) == len(REGISTRANTS)
    row = next(dict(zip(header, row, strict=True)) for row in body if row[1] == "Söderström")
    assert (row[tr("First name")], row[tr("Municipality")], row[tr("Status")]) == (
        "Johanna", "Porvoo", tr("On the waiting list"))
    workbook.close()


# Pages an admin sees, by name: (path with {event} and {registration} to fill, what to do there first).
ORGANIZER_PAGES = {
    "dashboard": "/organizer/",
    "new-event": "/organizer/events/new",
    "new-event-with-errors": "/organizer/events/new",
    "edit-event": "/organizer/events/{event}/edit",
    "overview": "/organizer/events/{event}",
    "attendees": "/organizer/events/{event}/attendees",
    "registration": "/organizer/events/{event}/registrations/{registration}",
    "cancel-registration": "/organizer/events/{event}/registrations/{registration}/cancel",
    "cancel-event": "/organizer/events/{event}/cancel",
    "password": "/organizer/account/password",
    "organizers": "/organizer/admin/organizers",
    "new-organizer": "/organizer/admin/organizers/new",
    "edit-organizer": "/organizer/admin/organizers/{organizer}",
    "audit-log": "/organizer/admin/audit",
}


def open_organizer_page(page, organizer_site, name: str, lang: str) -> None:
    """Open an organizer page in the language, in the state an organizer sees it."""
    path = ORGANIZER_PAGES[name].format(
        event=organizer_site.event_id, registration=organizer_site.registration_id, organizer=organizer_site.admin_id)
    response = page.goto(f"{path}?lang={lang}")
    assert response.ok, f"{page.url} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if name == "new-event-with-errors":
        page.locator(".editor-actions [type=submit]").first.click()
        expect(page.locator(".error-summary")).to_be_visible()


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("name", list(ORGANIZER_PAGES))
def test_axe_finds_no_violations_on_the_organizer_pages(admin_page, organizer_site, assert_accessible, name, lang):
    open_organizer_page(admin_page, organizer_site, name, lang)
    assert_accessible(admin_page)


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("with_error", [False, True], ids=["empty", "wrong-password"])
def test_axe_finds_no_violations_on_the_login_page(page, organizer_site, assert_accessible, lang, with_error):
    response = page.goto(f"/organizer/login?lang={lang}")
    assert response.ok
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if with_error:
        # A wrong password for an address nobody has: no count against the admin's own login limit.
        page.locator("#email").fill("nobody.here@example.org")
        page.locator("#password").fill("not-the-password")
        page.locator("form.stacked-form [type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)


# Every page on a phone in Finnish; the two with wide tables also in Swedish, whose words are longer.
PHONE_RUNS = [(name, "fi") for name in ORGANIZER_PAGES] + [("overview", "sv"), ("attendees", "sv")]


def test_phone_shows_each_page_without_sideways_scrolling_except_in_the_tables(admin_page, organizer_site):
    page = admin_page
    page.set_viewport_size(PHONE)
    too_wide = []
    for name, lang in PHONE_RUNS:
        open_organizer_page(page, organizer_site, name, lang)
        width = page.evaluate("document.documentElement.scrollWidth")
        # What does not fit scrolls inside the tables' own regions, which stay within the screen.
        regions = [region.bounding_box() for region in page.locator(".table-scroll").all()]
        if width > PHONE["width"] or any(box["x"] < 0 or box["x"] + box["width"] > PHONE["width"] for box in regions):
            too_wide.append(f"{page.url}: {width} px")
    assert not too_wide, f"Wider than a {PHONE['width']} px phone: {too_wide}"
    # The last page, the attendee list in Swedish: its table is wider than the phone and scrolls in its region.
    assert page.locator("#attendees").evaluate("table => table.closest('.table-scroll').scrollWidth") > PHONE["width"]
