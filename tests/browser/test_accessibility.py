"""WCAG 2.1 AA in a real browser: axe-core finds nothing, pages reflow at 320 px, nothing is fetched elsewhere."""

import pytest
from playwright.sync_api import expect

PAGES = ("series", "event", "register", "register-with-errors", "registered", "manage", "privacy", "accessibility")
# Every page in Finnish and Swedish; the statements also in English, as each language is its own template.
AXE_RUNS = [(name, lang) for name in PAGES for lang in ("fi", "sv")] + [
    ("privacy", "en"), ("accessibility", "en")
]


def open_page(page, site, name: str, lang: str) -> None:
    """Open one of the public pages in the language, in the state a participant sees it."""
    paths = {
        "series": f"/series/{site.series_slug}",
        "event": f"/events/{site.event_slug}",
        "register": f"/events/{site.event_slug}/register",
        "register-with-errors": f"/events/{site.event_slug}/register",
        "registered": f"/events/{site.event_slug}/registered",
        "manage": f"/manage/{site.manage_token}",
        "privacy": "/privacy",
        "accessibility": "/accessibility",
    }
    response = page.goto(f"{paths[name]}?lang={lang}")
    assert response.ok, f"{page.url} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if name == "register-with-errors":
        page.locator("form [type=submit]").click()
        expect(page.locator(".error-summary")).to_be_focused()


@pytest.mark.parametrize(("name", "lang"), AXE_RUNS)
def test_axe_finds_no_violations(page, site, assert_accessible, name, lang):
    open_page(page, site, name, lang)
    assert_accessible(page)


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_320_px_wide_screen_without_horizontal_scrolling(page, site, name):
    page.set_viewport_size({"width": 320, "height": 640})
    open_page(page, site, name, "fi")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width} px wide at a 320 px viewport"


def test_pages_fetch_their_styles_and_script_from_the_app_and_nothing_from_elsewhere(
    page, site, requested_urls, live_server
):
    open_page(page, site, "register-with-errors", "fi")
    assert f"{live_server.url}/static/style.css" in requested_urls
    assert f"{live_server.url}/static/site.js" in requested_urls
    outside = [url for url in requested_urls if not url.startswith(f"{live_server.url}/")]
    assert not outside, f"Requests left the app: {outside}"
