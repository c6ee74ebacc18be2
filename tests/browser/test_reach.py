"""A series' reach in a real browser: the municipalities × events table, the ones not reached, the SVG chart
named for assistive technology, the CSV download, axe-core clean in Finnish and Swedish, and on a phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models.types import utcnow
from tests.browser.test_organizer import PHONE, heading, read_csv
from tests.factories import make_event, make_registration, make_series

# A past webinar of the series: (municipality code or None for another organization, attended), everyone confirmed.
PAST_REGISTRANTS = [("092", "yes"), ("092", "yes"), ("092", "no"), ("049", "yes"), ("091", "no"),
                    ("638", "yes"), ("106", "yes"), (None, "yes")]
PAST_TITLE = "Digituen mittarit kunnissa"
# Nobody from these registers in the series' events.
NEVER_REACHED = {"fi": ["Karkkila", "Kerava"], "sv": ["Högfors", "Kervo"]}
SERIES_NAME = "Digituen verkostot"


@pytest.fixture(scope="session")
def reach_series_id(live_app, organizer_site) -> int:
    """A series of its own, which the other browser tests add nothing to, with a past webinar whose attendance is known."""
    with live_app.app_context():
        series = make_series(slug="digituen-verkostot", name_fi=SERIES_NAME, name_sv="Nätverk för digitalt stöd")
        starts_at = utcnow().replace(microsecond=0, second=0, minute=0) - timedelta(days=30)
        event = make_event(series=series, slug="digituen-mittarit", title_fi=PAST_TITLE, title_sv="Mätare för digitalt stöd",
                           host_municipality_code="091", starts_at=starts_at)
        for code, attended in PAST_REGISTRANTS:
            place = {"municipality_code": code} if code else {"organization": "Kuntaliitto"}
            make_registration(event, attended=attended, **place)
        db.session.commit()
        return series.id


def open_reach(page, series_id: int, lang: str):
    """Open the series' reach page in the language."""
    response = page.goto(f"/organizer/series/{series_id}/reach?lang={lang}")
    assert response.ok, f"{page.url} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_reach_page_shows_the_municipalities_by_event_and_the_ones_never_reached(admin_page, reach_series_id, tr):
    page = admin_page
    open_reach(page, reach_series_id, "fi")
    expect(heading(page)).to_have_text(tr("Reach of the series %(series)s", series=SERIES_NAME))
    table = page.locator("#reach")
    expect(table.locator("tbody tr")).to_have_count(26 + 2)
    headers = table.locator("thead th").all_inner_texts()
    past = next(number for number, text in enumerate(headers) if text.startswith(PAST_TITLE))
    vantaa = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="Vantaa", exact=True))
    expect(vantaa.locator("td").nth(past - 1)).to_have_text("3 / 2")
    other = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=tr("Other organizations"), exact=True))
    expect(other.locator("td").nth(past - 1)).to_have_text("1 / 1")

    # The municipalities nobody registered from: listed above the table, marked in words in its rows and in the chart.
    listed = page.locator(".reach-not-reached-list li").all_inner_texts()
    assert set(NEVER_REACHED["fi"]) <= set(listed)
    marked = table.locator("tbody tr.reach-not-reached th").all_inner_texts()
    assert [name.replace(tr("Not reached"), "").strip() for name in marked] == listed
    for name in marked:
        assert tr("Not reached") in name

    chart = page.get_by_role("img", name=tr("Registered and attended in all events of the series, by municipality"))
    expect(chart).to_be_visible()
    expect(chart.locator("g.chart-row")).to_have_count(27)
    expect(chart.locator("g.chart-row-marked")).to_have_count(len(listed))
    page.get_by_role("link", name=tr("The same figures as a table")).click()
    assert page.url.endswith("#reach")


def test_reach_csv_downloads_with_the_same_figures(admin_page, reach_series_id, tr):
    page = admin_page
    open_reach(page, reach_series_id, "fi")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name=tr("Download the reach (CSV)"), exact=True).click()
    download = csv_download.value
    assert download.suggested_filename == "digituen-verkostot-reach.csv"
    start, (header, *rows) = read_csv(download.path())
    assert start == b"\xef\xbb\xbf"
    assert header[0] == tr("Municipality")
    registered = next(number for number, text in enumerate(header) if text.startswith(PAST_TITLE))
    by_name = {row[0]: row for row in rows}
    assert (by_name["Vantaa"][registered], by_name["Vantaa"][registered + 1]) == ("3", "2")
    assert len(rows) == 28
    for name in NEVER_REACHED["fi"]:
        assert by_name[name][-1] == tr("No")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_axe_finds_no_violations_on_the_reach_page(admin_page, reach_series_id, assert_accessible, lang):
    open_reach(admin_page, reach_series_id, lang)
    listed = admin_page.locator(".reach-not-reached-list li").all_inner_texts()
    assert set(NEVER_REACHED[lang]) <= set(listed)
    assert_accessible(admin_page)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_reach_page_fits_a_phone_with_the_table_scrolling_in_its_region(admin_page, reach_series_id, lang):
    page = admin_page
    page.set_viewport_size(PHONE)
    open_reach(page, reach_series_id, lang)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region = page.locator(".table-scroll").bounding_box()
    assert region["x"] >= 0 and region["x"] + region["width"] <= PHONE["width"]
    chart = page.locator(".chart-svg").bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= PHONE["width"]
    # Every label and figure of the chart stays inside it at the phone's width.
    overflowing = page.evaluate("""() => {
        const svg = document.querySelector('.chart-svg').getBoundingClientRect();
        return [...document.querySelectorAll('.chart-svg text')]
            .filter(text => text.getBoundingClientRect().right > svg.right + 0.5)
            .map(text => text.textContent);
    }""")
    assert not overflowing, f"Chart texts past its right edge: {overflowing}"
