"""The message log and mailings in a real browser: a message written in Finnish and Swedish, previewed, confirmed
with its count and sent; a failed email found from the overview's notice and sent again; axe-core finding nothing
on these pages in Finnish, Swedish and English, nor sideways scrolling on a phone."""

import pytest
from flask_babel import force_locale, ngettext
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Mailing, Message, Registration

PHONE = {"width": 390, "height": 844}


def heading(page):
    """The page's one main heading."""
    return page.get_by_role("heading", level=1)


@pytest.fixture
def ntr(live_app):
    """A count's text in the pages' language (Finnish, as the browser asks), singular or plural as the count says."""

    def translate(singular: str, plural: str, num: int, lang: str = "fi") -> str:
        with live_app.test_request_context(), force_locale(lang):
            return ngettext(singular, plural, num)

    return translate


def recipients(live_app, event_id: int) -> dict[str, int]:
    """How many confirmed registrants of the event read each language."""
    with live_app.app_context():
        return dict(db.session.execute(
            select(Registration.language, func.count()).where(
                Registration.event_id == event_id, Registration.status == "confirmed",
                Registration.purged_at.is_(None)).group_by(Registration.language)
        ).all())


@pytest.fixture(scope="module")
def failed_email(live_app, organizer_site) -> str:
    """A message to a registrant of the organizer event that the mail server refused for good; their address."""
    with live_app.app_context():
        registration = db.session.get(Registration, organizer_site.registration_id)
        db.session.add(Message(kind="announcement", registration=registration, dedupe_key=f"r{registration.id}:hello",
                               subject="Hei", body="Hei!", status="failed", attempts=1,
                               last_error="550 5.1.1 Mailbox unavailable"))
        db.session.commit()
        return registration.email


def test_a_message_in_two_languages_is_previewed_confirmed_and_sent_once(
        admin_page, live_app, organizer_site, tr, ntr, assert_accessible):
    page = admin_page
    counts = recipients(live_app, organizer_site.event_id)
    total = sum(counts.values())
    page.goto(f"/organizer/events/{organizer_site.event_id}/messages")
    page.get_by_role("link", name=tr("Write to the registrants")).click()
    expect(heading(page)).to_have_text(tr("New message to registrants"))

    page.get_by_label(tr("Subject in Finnish")).fill("Ohjelmaan tuli uusi puhuja")
    page.get_by_label(tr("Message in Finnish")).fill(
        "Hei!\nOhjelmaan tuli **uusi puhuja** Espoosta.\n\nTerveisin\nÅsa Öberg")
    page.get_by_role("button", name=tr("Continue to sending")).click()
    # The Swedish readers still lack their version: said next to its fields, and nothing is sent.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary li")).to_have_count(2)
    assert_accessible(page)

    page.get_by_label(tr("Subject in Swedish")).fill("En ny talare i programmet")
    page.get_by_label(tr("Message in Swedish")).fill("Hej!\nProgrammet har en **ny talare** från Esbo.")
    page.get_by_role("button", name=tr("Preview")).click()
    previews = page.locator(".mail-preview")
    expect(previews).to_have_count(2)
    expect(previews.first.locator(".mail-html strong")).to_have_text("uusi puhuja")
    expect(previews.nth(1).locator(".mail-html")).to_have_attribute("lang", "sv")
    expect(previews.nth(1).locator(".mail-text")).to_contain_text("**ny talare**")
    assert_accessible(page)

    page.get_by_role("button", name=tr("Continue to sending")).click()
    expect(heading(page)).to_have_text(tr("Send the message?"))
    expect(page.locator(".mailing-total")).to_have_text(
        ntr("The message goes to %(num)d person.", "The message goes to %(num)d people.", total))
    assert_accessible(page)
    # A double click: the form may reach the server twice, the message goes once.
    page.get_by_role("button", name=ntr("Send to %(num)d person", "Send to %(num)d people", total)).dblclick()

    expect(heading(page)).to_have_text(tr("Messages"))
    expect(page.locator(".flash")).to_have_count(1)
    expect(page.locator("#mailings tbody tr")).to_have_count(1)
    expect(page.locator("#mailings tbody tr").get_by_role("rowheader")).to_have_text("Ohjelmaan tuli uusi puhuja")
    assert_accessible(page)
    with live_app.app_context():
        assert db.session.execute(select(func.count(Mailing.id))).scalar() == 1
        languages = dict(db.session.execute(
            select(Registration.language, func.count()).join(Message.registration)
            .where(Message.mailing_id.is_not(None)).group_by(Registration.language)).all())
    assert languages == counts


def test_a_failed_email_is_found_from_the_overview_and_sent_again(admin_page, organizer_site, failed_email, tr,
                                                                   assert_accessible):
    page = admin_page
    page.goto(f"/organizer/events/{organizer_site.event_id}")
    notice = page.locator(".failed-messages-notice")
    expect(notice).to_be_visible()
    assert_accessible(page)
    notice.get_by_role("link").click()

    expect(heading(page)).to_have_text(tr("Messages"))
    # The notice's link shows the failed emails only.
    row = page.locator("#messages tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("rowheader")).to_contain_text(failed_email)
    expect(row.locator("td").nth(3)).to_have_text("550 5.1.1 Mailbox unavailable")
    assert_accessible(page)
    row.get_by_role("button", name=tr("Send again")).click()

    expect(page.locator(".flash-success")).to_have_text(
        tr("The message to %(email)s is sent again in a moment.", email=failed_email))
    expect(page.get_by_role("button", name=tr("Send again"))).to_have_count(0)
    page.goto(f"/organizer/events/{organizer_site.event_id}")
    expect(page.locator(".failed-messages-notice")).to_have_count(0)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", ["messages", "mailings/new"])
def test_axe_finds_no_violations_on_the_message_pages(admin_page, organizer_site, assert_accessible, lang, path):
    response = admin_page.goto(f"/organizer/events/{organizer_site.event_id}/{path}?lang={lang}")
    assert response.ok
    expect(admin_page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(admin_page)


def test_the_message_pages_fit_a_phone(admin_page, organizer_site, tr):
    page = admin_page
    page.set_viewport_size(PHONE)
    too_wide = []
    for path in ("messages", "mailings/new"):
        for lang in ("fi", "sv"):
            page.goto(f"/organizer/events/{organizer_site.event_id}/{path}?lang={lang}")
            if path == "mailings/new":
                page.get_by_label(tr("Subject in Finnish", lang)).fill("Aihe")
                page.get_by_label(tr("Message in Finnish", lang)).fill("Viesti, jossa on pitkä osoite "
                                                                       "https://example.org/" + "a" * 80)
                page.get_by_label(tr("Subject in Swedish", lang)).fill("Ämne")
                page.get_by_label(tr("Message in Swedish", lang)).fill("Meddelande")
                page.get_by_role("button", name=tr("Preview", lang)).click()
                expect(page.locator(".mail-preview")).to_have_count(2)
                # Measured once the style sheet applies, not while the page is still loading.
                page.wait_for_load_state("load")
            width = page.evaluate("document.documentElement.scrollWidth")
            regions = [region.bounding_box() for region in page.locator(".table-scroll").all()]
            if width > PHONE["width"] or any(box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]
                                             for box in regions):
                too_wide.append(f"{page.url}: {width} px")
    assert not too_wide, f"Wider than a {PHONE['width']} px phone: {too_wide}"
