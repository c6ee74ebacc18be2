"""Feedback results in a real browser: the charts named for assistive technology beside their tables, no CSP
violation, axe-core clean in Finnish and Swedish, the printed page without navigation, the answers file, and the
series page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import ProgrammeItem, Series
from app.models.types import utcnow
from app.services.feedback_forms import add_default_form
from tests.browser.test_organizer import PHONE, heading, read_csv
from tests.factories import make_event, make_feedback_response, make_registration

# (municipality code, overall rating, NPS, what was most useful) of each response; Vantaa and Espoo have three
# or more, Porvoo's two stay hidden among the others.
ANSWERS = [
    ("092", 5, 10, "Kirjastojen digituki"), ("092", 4, 9, None), ("092", 4, 7, "Paneeli oli paras osuus."),
    ("092", 3, 6, None), ("049", 5, 10, "Vapaaehtoisten koulutus"), ("049", 5, 9, None), ("049", 4, 8, None),
    ("638", 2, 3, "Mera exempel från små kommuner, tack."), ("638", 4, 9, None),
]
TITLE = "Digituen palvelumallit"
SECRET_NAME = "Salaperäinen"


@pytest.fixture(scope="session")
def results_event_id(live_app, organizer_site) -> int:
    """A past webinar of the Kuntatutor series with a talk, a break and a panel, its survey and nine responses."""
    with live_app.app_context():
        series = db.session.execute(select(Series).where(Series.slug == "kuntatutor")).scalar_one()
        starts_at = utcnow().replace(microsecond=0, second=0, minute=0) - timedelta(days=5)
        event = make_event(series=series, slug="digituen-palvelumallit", title_fi=TITLE,
                           title_sv="Servicemodeller för digitalt stöd", host_municipality_code="049",
                           starts_at=starts_at)
        items = [ProgrammeItem(event=event, position=n, kind=kind, title_fi=fi, title_sv=sv)
                 for n, (kind, fi, sv) in enumerate([("talk", "Espoon malli", "Esbomodellen"),
                                                     ("break", "Tauko", "Paus"),
                                                     ("panel", "Paneeli", "Panel")])]
        db.session.add_all(items)
        db.session.flush()
        form = add_default_form(event)
        overall, nps, programme, useful, _practice, topics = form.questions
        for number, (code, rating, score, text) in enumerate(ANSWERS):
            registration = make_registration(event, municipality_code=code, attended="yes",
                                             first_name=SECRET_NAME, last_name=f"Vastaaja{number}")
            answers = {overall: rating, nps: score, programme: {items[0]: rating, items[2]: 5},
                       topics: "Tietoturva, saavutettavuus"}
            if text:
                answers[useful] = text
            make_feedback_response(form, answers, registration=registration)
        make_feedback_response(form, {overall: 5, nps: 10}, via_public_link=True)
        db.session.commit()
        return event.id


def open_results(page, event_id: int, lang: str) -> list[str]:
    """Open the results page in the language; returns the console's messages, where CSP violations would show."""
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto(f"/organizer/events/{event_id}/feedback/results?lang={lang}")
    assert response.ok, f"{page.url} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return messages


def test_results_page_shows_charts_with_their_tables_and_keeps_the_csp(admin_page, results_event_id, tr):
    page = admin_page
    messages = open_results(page, results_event_id, "fi")
    expect(heading(page)).to_have_text(tr("Feedback results"))
    chart = page.get_by_role("img", name=tr("Promoters, passives and detractors, of %(count)d who answered", count=10))
    expect(chart).to_be_visible()
    expect(chart.locator("g.chart-row")).to_have_count(3)
    # Every chart points at a table holding its figures.
    notes = page.locator(".chart-note a")
    assert notes.count() == 4  # the rating, the NPS groups and 0-10, the programme ranking
    for target in notes.evaluate_all("links => links.map(link => link.getAttribute('href'))"):
        expect(page.locator(f"table{target}")).to_have_count(1)
    ranking = page.locator("table").filter(has=page.get_by_role("rowheader", name="Paneeli", exact=True))
    expect(ranking.locator("tbody tr").first.get_by_role("rowheader")).to_have_text("Paneeli")
    # Free texts without names; Porvoo's two responses are not shown on their own, and Espoo's join them
    # in "others together" so that theirs cannot be worked out from the total.
    expect(page.get_by_text("Paneeli oli paras osuus.")).to_be_visible()
    assert SECRET_NAME not in page.content()
    breakdown = page.locator("#by-municipality tbody th").all_inner_texts()
    assert breakdown == ["Vantaa", tr("Others together")]
    assert not [message for message in messages if "Content Security Policy" in message]


def test_the_printed_page_keeps_charts_and_tables_without_navigation(admin_page, results_event_id):
    page = admin_page
    open_results(page, results_event_id, "fi")
    page.emulate_media(media="print")
    for hidden in (".organizer-bar", ".event-nav", ".site-header", "form.filter-form"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator(".chart-svg").first).to_be_visible()
    expect(page.locator("#by-municipality")).to_be_visible()
    assert page.pdf()[:4] == b"%PDF"


def test_answers_file_downloads_without_names(admin_page, results_event_id, tr):
    page = admin_page
    open_results(page, results_event_id, "fi")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name=tr("Download the answers (CSV)"), exact=True).click()
    download = csv_download.value
    assert download.suggested_filename == "digituen-palvelumallit-feedback.csv"
    start, (header, *rows) = read_csv(download.path())
    assert start == b"\xef\xbb\xbf"
    assert len(rows) == len(ANSWERS) + 1
    assert header[1] == tr("Municipality")
    assert all(SECRET_NAME not in cell and "@" not in cell for row in rows for cell in row)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_axe_finds_no_violations_on_the_results_page(admin_page, results_event_id, assert_accessible, lang):
    open_results(admin_page, results_event_id, lang)
    assert_accessible(admin_page)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_axe_finds_no_violations_on_the_series_feedback_page(admin_page, results_event_id, assert_accessible, lang):
    page = admin_page
    response = page.goto(f"/organizer/events/{results_event_id}/feedback/results?lang={lang}")
    assert response.ok
    page.locator(".event-actions a").nth(2).click()
    expect(page.locator("#series-feedback")).to_be_visible()
    expect(page.locator("#series-feedback tbody")).to_contain_text(TITLE if lang == "fi" else "Servicemodeller")
    assert_accessible(page)


def test_results_page_fits_a_phone(admin_page, results_event_id):
    page = admin_page
    page.set_viewport_size(PHONE)
    open_results(page, results_event_id, "sv")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    overflowing = page.evaluate("""() => [...document.querySelectorAll('.chart-svg')].flatMap(svg => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].filter(text => text.getBoundingClientRect().right > box.right + 0.5)
            .map(text => text.textContent);
    })""")
    assert not overflowing, f"Chart texts past their right edge: {overflowing}"
