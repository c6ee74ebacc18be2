"""A participant's journey in a real browser: register, manage, cancel; errors; the keyboard."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Registration
from app.services.tokens import manage_token

PRIVACY_CONSENT = "I have read the privacy notice and agree that my details are used to organize this webinar."


def registration_by_email(email: str) -> Registration:
    """The registration stored for the address."""
    return db.session.execute(select(Registration).where(Registration.email == email)).scalar_one()


def is_focused(locator) -> bool:
    """Whether the element has the keyboard focus."""
    return locator.evaluate("element => element === document.activeElement")


def tab_until_focused(page, locator, most: int = 40) -> None:
    """Press Tab until the element has focus; fail if `most` presses do not get there."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    raise AssertionError(f"{locator} was not reached with {most} presses of Tab")


def test_register_then_change_language_then_cancel(page, live_server, site, tr):
    email = "aino.aijala.journey@example.org"
    page.goto(f"/events/{site.event_slug}")
    page.get_by_role("link", name=tr("Register"), exact=True).click()

    page.get_by_label(tr("First name"), exact=True).fill("Aino")
    page.get_by_label(tr("Last name"), exact=True).fill("Äijälä")
    page.get_by_label(tr("Email"), exact=True).fill("Aino.Aijala.Journey@Example.org")
    page.get_by_label(tr("Municipality"), exact=True).select_option(label="Vantaa")
    page.get_by_label(tr(PRIVACY_CONSENT)).check()
    page.get_by_role("button", name=tr("Register")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Check your email"))

    # The test cannot read the mail yet: build the link the mail carries from the stored registration.
    with live_server.app.app_context():
        token = manage_token(registration_by_email(email))
    page.goto(f"/manage/{token}")
    expect(page.locator(".status")).to_have_text(tr("Confirmed – you have a seat."))

    page.get_by_label("svenska", exact=True).check()
    page.get_by_role("button", name=tr("Save changes")).click()
    expect(page.get_by_role("status")).to_have_text(tr("Your changes were saved."))

    page.get_by_role("link", name=tr("Cancel registration"), exact=True).click()
    page.get_by_role("button", name=tr("Yes, cancel my registration")).click()
    expect(page.get_by_role("status")).to_have_text(
        tr("Your registration has been cancelled. A confirmation is on its way to your email.")
    )
    expect(page.locator(".status")).to_have_text(tr("Cancelled."))

    with live_server.app.app_context():
        registration = registration_by_email(email)
        assert (registration.status, registration.language) == ("cancelled", "sv")
        assert (registration.first_name, registration.last_name, registration.municipality_code) == (
            "Aino", "Äijälä", "092"
        )


def test_empty_form_focuses_an_error_summary_that_links_to_each_invalid_field(page, site, tr):
    page.goto(f"/events/{site.event_slug}/register")
    # Truly empty: the email language, chosen in advance from the page language, too.
    page.get_by_label("suomi", exact=True).evaluate("radio => { radio.checked = false; }")
    page.get_by_role("button", name=tr("Register")).click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    # First and last name, email, municipality, email language and the privacy consent.
    expect(links).to_have_count(6)
    for link in links.all():
        field = page.locator(f"[id='{link.get_attribute('href').removeprefix('#')}']")
        expect(field).to_have_attribute("aria-invalid", "true")
        # A radio group is described as a whole, on its fieldset.
        described_by = field.evaluate("f => (f.closest('fieldset') || f).getAttribute('aria-describedby') || ''")
        [error_id] = [name for name in described_by.split() if name.endswith("-error")]
        expect(page.locator(f"[id='{error_id}']")).to_contain_text(link.inner_text())

    links.first.click()
    expect(page.get_by_label(tr("First name"), exact=True)).to_be_focused()


def test_what_was_typed_is_kept_when_the_form_comes_back_with_errors(page, site, tr):
    page.goto(f"/events/{site.event_slug}/register")
    page.get_by_label(tr("First name"), exact=True).fill("Björn")
    page.get_by_label(tr("Email"), exact=True).fill("bjorn.at.example.org")
    page.get_by_label(tr("Municipality"), exact=True).select_option(label="Espoo")
    page.get_by_label(tr("Questions for the speakers (optional)")).fill("Miten aloitamme?")
    page.get_by_role("button", name=tr("Register")).click()

    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label(tr("First name"), exact=True)).to_have_value("Björn")
    expect(page.get_by_label(tr("Email"), exact=True)).to_have_value("bjorn.at.example.org")
    expect(page.get_by_label(tr("Email"), exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(tr("Municipality"), exact=True)).to_have_value("049")
    expect(page.get_by_label(tr("Questions for the speakers (optional)"))).to_have_value("Miten aloitamme?")
    expect(page.get_by_label(tr("First name"), exact=True)).not_to_have_attribute("aria-invalid", re.compile("."))


def test_keyboard_reaches_the_skip_link_first_and_then_the_register_button(page, site, tr):
    page.goto(f"/events/{site.event_slug}")
    skip_link = page.get_by_role("link", name=tr("Skip to content"))
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    register = page.get_by_role("link", name=tr("Register"), exact=True)
    tab_until_focused(page, register)
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/events/{site.event_slug}/register")
    tab_until_focused(page, page.get_by_label(tr("First name"), exact=True))
    page.keyboard.type("Aino")
    tab_until_focused(page, page.get_by_role("button", name=tr("Register")), most=60)
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label(tr("First name"), exact=True)).to_have_value("Aino")
