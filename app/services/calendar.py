"""iCalendar files: METHOD:PUBLISH for event pages and series feeds, iTIP invites for participants.

Times are written in UTC ("Z"): every client reads them alike and no VTIMEZONE can go stale.
Only invites (RFC 5546 REQUEST) carry the join link; anything public never does.
"""

from collections.abc import Iterable
from datetime import timedelta, timezone
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale, gettext
from icalendar import Calendar, vCalAddress, vDuration
from icalendar import Event as CalendarEvent

from app.i18n import mail_locale
from app.models import Event, Registration, Series
from app.models.types import utcnow
from app.services.links import external_url
from app.services.tokens import manage_token

PRODID = "-//Helsinki-Uusimaa Regional Council//Kuntatutor webinars//EN"
INVITE_METHODS = ("REQUEST", "CANCEL")
# Drafts are nobody's business; a cancelled event stays in feeds so subscribers see it go.
FEED_STATUSES = ("published", "cancelled")
# How often subscribed clients should fetch the series feed again.
FEED_REFRESH = timedelta(hours=6)


def event_calendar(event: Event, language: str) -> bytes:
    """One event as METHOD:PUBLISH for "add to calendar"; never carries the join link."""
    calendar = new_calendar("PUBLISH")
    calendar.add_component(public_vevent(event, language))
    return calendar.to_ical()


def series_feed(series: Series, events: Iterable[Event], language: str) -> bytes:
    """A subscribable METHOD:PUBLISH feed of the series' published and cancelled events, no join links."""
    calendar = new_calendar("PUBLISH")
    calendar.calendar_name = series.localized("name", language)
    # RFC 7986 clients read REFRESH-INTERVAL, Outlook reads X-PUBLISHED-TTL.
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    for event in events:
        if event.status in FEED_STATUSES:
            calendar.add_component(public_vevent(event, language))
    return calendar.to_ical()


def invite(registration: Registration, method: str) -> bytes:
    """An iTIP invite to the participant: REQUEST with the join link, or CANCEL, which never has it."""
    if method not in INVITE_METHODS:
        raise ValueError(f"An invite is REQUEST or CANCEL, not {method!r}.")
    event = registration.event
    language = registration.language
    calendar = new_calendar(method)
    with force_locale(mail_locale(language)):
        vevent = base_vevent(event, language)
        vevent.add("organizer", organizer())
        # The person registered already, so the invite arrives accepted and asks for no reply.
        vevent.add(
            "attendee",
            vCalAddress.new(
                registration.email,
                cn=registration.full_name,
                role="REQ-PARTICIPANT",
                partstat="ACCEPTED",
                rsvp=False,
            ),
        )
        if method == "REQUEST":
            vevent.add("status", "CONFIRMED")
            if event.join_url:
                vevent.add("location", event.join_url)
            vevent.add("description", request_description(registration))
        else:
            vevent.add("status", "CANCELLED")
            vevent.add("description", cancel_description(event))
    calendar.add_component(vevent)
    return calendar.to_ical()


def new_calendar(method: str) -> Calendar:
    """An empty VCALENDAR with the service's PRODID and the given METHOD."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def base_vevent(event: Event, language: str) -> CalendarEvent:
    """The VEVENT properties every calendar of the event shares: identity, revision, time, title, page."""
    vevent = CalendarEvent()
    # One UID for the event's whole life, so every update and cancel replaces the same entry.
    vevent.add("uid", event.ical_uid)
    vevent.add("sequence", event.revision)
    vevent.add("dtstamp", utcnow())
    vevent.add("dtstart", event.starts_at.astimezone(timezone.utc))
    vevent.add("dtend", event.ends_at.astimezone(timezone.utc))
    vevent.add("summary", event.localized("title", language))
    vevent.add("url", event_url(event))
    return vevent


def public_vevent(event: Event, language: str) -> CalendarEvent:
    """The event as anyone may see it: no join link, no attendee."""
    with force_locale(mail_locale(language)):
        vevent = base_vevent(event, language)
        # RFC 5546 requires an ORGANIZER in PUBLISH too.
        vevent.add("organizer", organizer())
        vevent.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
        vevent.add("description", public_description(event, language))
    return vevent


def organizer() -> vCalAddress:
    """The ORGANIZER: the service's sender address, so clients accept updates coming from it."""
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return vCalAddress.new(address, cn=name or None)


def event_url(event: Event) -> str:
    """The public page of the event."""
    return external_url("public.event", slug=event.slug)


def public_description(event: Event, language: str) -> str:
    """Plain-text description for public calendars: the event's description and its page."""
    parts = [
        gettext("This webinar has been cancelled.") if event.status == "cancelled" else "",
        event.localized("description", language) or "",
        gettext("Event page and registration: %(url)s", url=event_url(event)),
    ]
    return "\n\n".join(part.strip() for part in parts if part.strip())


def request_description(registration: Registration) -> str:
    """Plain-text description for the participant's invite: join link, event page, manage link."""
    event = registration.event
    if event.join_url:
        join = gettext("Join the webinar: %(url)s", url=event.join_url)
    else:
        join = gettext("We will email you the join link before the webinar starts.")
    parts = [
        join,
        gettext("Event page: %(url)s", url=event_url(event)),
        gettext(
            "Change or cancel your registration: %(url)s",
            url=external_url("public.manage", token=manage_token(registration)),
        ),
        event.localized("description", registration.language) or "",
    ]
    return "\n\n".join(part.strip() for part in parts if part.strip())


def cancel_description(event: Event) -> str:
    """Plain-text description for a cancellation, saying whether the event or the registration went."""
    if event.status == "cancelled":
        reason = gettext("This webinar has been cancelled.")
    else:
        reason = gettext("Your registration for this webinar has been cancelled.")
    return "\n\n".join([reason, gettext("Event page: %(url)s", url=event_url(event))])
