"""Outbox rows become emails at send time, from the registration's and the event's current state."""

import re
from email.headerregistry import Address
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_time, gettext

from app.i18n import HELSINKI, mail_locale
from app.models import ContactPerson, Event, Message, Registration
from app.models.types import utcnow
from app.services import calendar, survey
from app.services.content import render_markdown
from app.services.feedback_forms import form_of
from app.services.links import external_url
from app.services.registration import can_cancel
from app.services.tokens import manage_token

# Mail that gives a seat or reminds of one: the join link goes only in these, only to confirmed
# participants, and only while the seat and the event hold.
JOIN_LINK_KINDS = frozenset({"confirmation", "promoted", "event_updated", "reminder"})
REQUEST_KINDS = frozenset({"confirmation", "promoted", "event_updated"})
CANCEL_KINDS = frozenset({"registration_cancelled", "event_cancelled"})
# Mail that asks for feedback: it carries the personal survey link while the event's form takes answers.
SURVEY_KINDS = frozenset({"followup", "survey_reminder"})


def compose(message: Message) -> EmailMessage:
    """The email for an outbox row, in the registrant's language, with its calendar invite if it has one."""
    registration = message.registration
    if registration.purged_at is not None or not registration.email:
        raise ValueError(f"Message {message.id} has no recipient: the registration was purged.")
    event = registration.event
    method = invite_method(message.kind, registration)
    with force_locale(mail_locale(registration.language)):
        context = mail_context(message, registration, event, method)
        text = render_template(f"email/{message.kind}.txt", **context)
        html = render_template(f"email/{message.kind}.html", **context)

    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = mailbox(registration.full_name, registration.email)
    contact = reply_contact(event)
    if contact is not None:
        mail["Reply-To"] = mailbox(contact.name, contact.email)
    mail["Subject"] = context["subject"]
    mail["Date"] = utcnow()
    # Fixed in the row, so a retried send collapses with the first one in the mail client.
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    # Keeps Exchange out-of-office replies away from the service's mailbox.
    mail["X-Auto-Response-Suppress"] = "All"

    mail.set_content(tidy_text(text))
    mail.add_alternative(html, subtype="html")
    if method is not None:
        invite = calendar.invite(registration, method)
        # Base64 keeps the calendar's CRLF line ends and folding intact in transit.
        mail.add_alternative(
            invite, maintype="text", subtype="calendar", params={"method": method, "charset": "UTF-8"}
        )
        mail.add_attachment(
            invite, maintype="text", subtype="calendar", filename="invite.ics", params={"charset": "UTF-8"}
        )
    # Set last: building the body moves Content-* headers into the first part.
    mail["Content-Language"] = registration.language
    return mail


def invite_method(kind: str, registration: Registration) -> str | None:
    """The iTIP method this mail carries: REQUEST only to a confirmed participant, CANCEL on cancellations."""
    if kind in REQUEST_KINDS and registration.status == "confirmed":
        return "REQUEST"
    # Only someone who once had a seat got a REQUEST; the waiting list has nothing to remove.
    if kind in CANCEL_KINDS and registration.confirmed_at is not None:
        return "CANCEL"
    return None


def mail_context(message: Message, registration: Registration, event: Event, method: str | None) -> dict:
    """What the templates show; call inside force_locale so texts and dates follow the language."""
    language = registration.language
    title = event.localized("title", language)
    token = manage_token(registration)
    shows_join_link = message.kind in JOIN_LINK_KINDS and registration.status == "confirmed"
    context = {
        "language": language,
        "first_name": single_line(registration.first_name or ""),
        "status": registration.status,
        "attended": registration.attended,
        "title": title,
        "when": event_time(event),
        "host": event.host_municipality.name(language) if event.host_municipality else None,
        "has_invite": method is not None,
        "shows_join_link": shows_join_link,
        "join_url": event.join_url if shows_join_link else None,
        "recording_url": event.recording_url,
        "event_url": external_url("public.event", slug=event.slug),
        "manage_url": external_url("public.manage", token=token),
        "cancel_url": external_url("public.manage_cancel", token=token) if can_cancel(registration) else None,
        "privacy_url": external_url("public.privacy"),
        "contacts": event.contacts,
    }
    if message.kind in SURVEY_KINDS:
        context.update(survey_context(registration, event, token))
    if message.kind == "announcement":
        text = (message.body or "").replace("\r\n", "\n")
        context.update(announcement=text, announcement_html=render_markdown(keep_line_breaks(text)))
    context["subject"] = single_line(subject(message, registration, title))
    return context


def survey_context(registration: Registration, event: Event, token: str) -> dict:
    """The personal survey link, in the registration's language, and when the form closes; no link once it has closed."""
    form = form_of(event)
    if form is None or survey.form_state(form, utcnow()) in ("closed", "cancelled"):
        return {"survey_url": None, "survey_closes_at": None}
    return {
        "survey_url": external_url("public.survey_form", token=token, lang=registration.language),
        "survey_closes_at": form.closes_at,
    }


def keep_line_breaks(markdown_text: str) -> str:
    """The Markdown with each line break inside a paragraph made a hard one.

    People write a mail's greeting and signature on lines of their own and see them so in the
    text twin; plain Markdown would run them together in the HTML twin.
    """
    return re.sub(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)", "  \n", markdown_text)


def subject(message: Message, registration: Registration, title: str) -> str:
    """The subject line for the kind of mail, in the current locale."""
    if message.kind == "announcement":
        return message.subject or title
    if message.kind == "followup":
        # Thanks for taking part only to those known to have; attendance unknown gets the neutral subject.
        if registration.attended == "yes":
            return gettext("Thank you for taking part: %(title)s", title=title)
        return gettext("After the webinar: %(title)s", title=title)
    subjects = {
        "confirmation": gettext("Registration confirmed: %(title)s", title=title),
        "waitlisted": gettext("You are on the waiting list: %(title)s", title=title),
        "promoted": gettext("You got a seat: %(title)s", title=title),
        "already_registered": gettext("You are already registered: %(title)s", title=title),
        "registration_cancelled": gettext("Registration cancelled: %(title)s", title=title),
        "event_updated": gettext("Updated: %(title)s", title=title),
        "event_cancelled": gettext("Cancelled: %(title)s", title=title),
        "reminder": gettext("Reminder: %(title)s", title=title),
        "survey_reminder": gettext("What did you think of the webinar? %(title)s", title=title),
    }
    return subjects[message.kind]


def event_time(event: Event) -> str:
    """When the event is, in Finnish time, formatted for the current locale."""
    starts_at, ends_at = event.starts_at, event.ends_at
    if starts_at.astimezone(HELSINKI).date() == ends_at.astimezone(HELSINKI).date():
        return gettext(
            "%(date)s, %(start)s–%(end)s (Finnish time)",
            date=format_date(starts_at, "full"),
            start=format_time(starts_at, "short"),
            end=format_time(ends_at, "short"),
        )
    return gettext(
        "%(start_date)s %(start)s – %(end_date)s %(end)s (Finnish time)",
        start_date=format_date(starts_at, "full"),
        start=format_time(starts_at, "short"),
        end_date=format_date(ends_at, "full"),
        end=format_time(ends_at, "short"),
    )


def reply_contact(event: Event) -> ContactPerson | None:
    """The event's first contact person with an email address: replies go to a person, not the robot."""
    return next((contact for contact in event.contacts if contact.email), None)


def mailbox(name: str, email: str) -> Address:
    """A named address; given in parts, since the email package refuses a non-ASCII local part as one string."""
    username, _, domain = email.rpartition("@")
    return Address(display_name=single_line(name), username=username, domain=domain)


def single_line(value: str) -> str:
    """The text with every run of whitespace, line breaks included, as one space: no header injection."""
    return " ".join(value.split())


def tidy_text(text: str) -> str:
    """Plain text without the blank-line runs and trailing spaces that template tags leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
