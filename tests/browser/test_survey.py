"""Answering the feedback survey in a real browser, in Swedish, from the link in the follow-up mail:
errors next to their questions, the keyboard, a 320 px phone and axe-core on every state."""

import email
import re
from email.policy import default
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import FeedbackForm, FeedbackResponse, Registration
from app.services.outbox import deliver_due
from app.services.queue import queue_message
from app.services.tokens import manage_token


def followup_mail(live_app, survey_site) -> email.message.EmailMessage:
    """Send the participant's follow-up as the worker does, and read it from the mail folder the app writes to."""
    with live_app.app_context():
        registration = db.session.get(Registration, survey_site.registration_id)
        queue_message(registration, "followup")
        db.session.commit()
        deliver_due()
    for path in sorted(Path(live_app.config["MAIL_FOLDER"]).glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=default)
        if survey_site.email in mail["To"]:
            return mail
    raise AssertionError("the follow-up was not written to the mail folder")


def survey_path(mail) -> str:
    """The path and query of the personal survey link in the mail's text."""
    text = mail.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/feedback/\S+", text)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def questions(live_app, survey_site) -> dict:
    """The form's question texts in Swedish, by kind."""
    with live_app.app_context():
        form = db.session.get(FeedbackForm, survey_site.form_id)
        return {question.kind: question.text_sv for question in form.questions}


def group(page, name: str):
    """The radio or checkbox group whose legend starts with `name`."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(name)))


def test_answering_in_swedish_from_the_followup_mail(page, live_app, survey_site, tr, assert_accessible):
    mail = followup_mail(live_app, survey_site)
    assert mail["Content-Language"] == "sv"
    path = survey_path(mail)
    assert path.endswith("?lang=sv")
    texts = questions(live_app, survey_site)

    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digitalt stöd i Träskända")
    expect(group(page, texts["rating"])).to_be_visible()
    # The language switch is there, on this same page.
    expect(page.get_by_role("link", name="Suomeksi")).to_have_attribute("href", re.compile(r"/feedback/.+\?lang=fi$"))
    assert_accessible(page)

    # Sent with only a few answers: each missing one is a sentence next to its question, and what was typed stays.
    group(page, texts["nps"]).get_by_label("9", exact=True).check()
    page.get_by_label(re.compile("^" + re.escape(texts["text"]))).fill("Träskändas erfarenheter av digistödet.")
    page.get_by_role("button", name=tr("Send your answers", "sv")).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(group(page, texts["rating"]).locator(".error-message")).to_contain_text(
        tr("Choose a number for this question.", "sv"))
    expect(group(page, "Paneldiskussion").locator(".error-message")).to_contain_text(
        tr("Choose a number for this programme item.", "sv"))
    expect(group(page, texts["nps"]).get_by_label("9", exact=True)).to_be_checked()
    expect(page.get_by_label(re.compile("^" + re.escape(texts["text"])))).to_have_value(
        "Träskändas erfarenheter av digistödet.")
    assert_accessible(page)

    # The summary's link takes the keyboard to the question's first option; the arrows choose on the scale.
    summary.get_by_role("link").first.click()
    first = group(page, texts["rating"]).get_by_label("1", exact=True)
    expect(first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(group(page, texts["rating"]).get_by_label("4", exact=True)).to_be_checked()

    group(page, "Träskändas digistödspunkt").get_by_label("5", exact=True).check()
    group(page, "Paneldiskussion").get_by_label("3", exact=True).check()
    group(page, texts["single_choice"]).get_by_label("En kollega").check()
    group(page, texts["multiple_choice"]).get_by_label("E-post").check()
    page.get_by_role("button", name=tr("Send your answers", "sv")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Thank you for your feedback", "sv"))
    assert_accessible(page)
    with live_app.app_context():
        response = db.session.execute(
            select(FeedbackResponse).where(FeedbackResponse.registration_id == survey_site.registration_id)
        ).scalar_one()
        assert (response.municipality_code, len(response.answers)) == ("186", 7)

    # Back on the form: the earlier answers are there to change.
    page.get_by_role("link", name=tr("See or change your answers", "sv")).click()
    expect(group(page, texts["rating"]).get_by_label("4", exact=True)).to_be_checked()
    expect(group(page, texts["multiple_choice"]).get_by_label("E-post")).to_be_checked()
    assert_accessible(page)


def test_the_survey_fits_a_320_px_phone(page, live_app, survey_site):
    with live_app.app_context():
        token = manage_token(db.session.get(Registration, survey_site.registration_id))
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/feedback/{token}?lang=sv")
    texts = questions(live_app, survey_site)
    nps = group(page, texts["nps"])
    expect(nps).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # Every number of the 0-10 scale is on screen and big enough to hit with a finger.
    for value in range(11):
        box = nps.get_by_label(str(value), exact=True).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
        label = nps.locator(f"label:text-is('{value}')").bounding_box()
        assert label["width"] >= 24 and label["height"] >= 24
