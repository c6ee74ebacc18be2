"""Mail composition (rules 7 and 8): MIME layout of invites, headers, language, links and injection."""

import email
from datetime import datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP, default

import icalendar
import pytest
from babel.dates import format_time

from app.extensions import db as _db
from app.i18n import FORMAT_LOCALES
from app.models import ContactPerson, Message
from app.models.messages import MESSAGE_KINDS
from app.services.composer import compose
from app.services.links import external_url
from app.services.tokens import manage_token
from tests.factories import make_event, make_registration

JOIN_URL = "https://meet.example.org/j/8675309?pwd=secret"
RECORDING_URL = "https://video.example.org/recording/42"
# Wednesday 13 November 2030, 9.00 in Helsinki.
STARTS_AT = datetime(2030, 11, 13, 7, 0, tzinfo=timezone.utc)
INVITE_LAYOUT = (
    "multipart/mixed",
    [
        ("multipart/alternative", [("text/plain", []), ("text/html", []), ("text/calendar", [])]),
        ("text/calendar", []),
    ],
)
PLAIN_LAYOUT = ("multipart/alternative", [("text/plain", []), ("text/html", [])])


@pytest.fixture
def event(db):
    """A published webinar with a join link, a recording and two contacts, the second with an email."""
    event = make_event(
        title_fi="Kunnan digituki kuntoon yhteistyöllä",
        title_sv="Kommunernas digitala stöd i skick",
        title_en="Municipal digital support through cooperation",
        starts_at=STARTS_AT,
        join_url=JOIN_URL,
        recording_url=RECORDING_URL,
    )
    event.contacts.append(ContactPerson(position=0, name="Pekka Puhelin", phone="09 123 4567"))
    event.contacts.append(ContactPerson(position=1, name="Maija Meikäläinen", email="maija.meikalainen@vantaa.fi"))
    db.session.flush()
    return event


def outbox(registration, kind: str, **fields) -> Message:
    """An outbox row of the kind for the registration."""
    message = Message(kind=kind, registration=registration, dedupe_key=f"r{registration.id}:{kind}", **fields)
    _db.session.add(message)
    _db.session.flush()
    return message


def sent(mail: EmailMessage) -> email.message.EmailMessage:
    """The mail as a recipient's client reads it, after it went over the wire."""
    return email.message_from_bytes(mail.as_bytes(policy=SMTP), policy=default)


def headers_of(wire: bytes) -> bytes:
    """The top-level header section of a serialized mail."""
    return wire.split(b"\r\n\r\n", 1)[0]


def layout(part) -> tuple:
    """The MIME tree as (content type, children)."""
    children = [layout(child) for child in part.iter_parts()] if part.is_multipart() else []
    return (part.get_content_type(), children)


def decoded_parts(mail) -> list[str]:
    """Every leaf part's content as text."""
    return [part.get_payload(decode=True).decode("utf-8") for part in mail.walk() if not part.is_multipart()]


def text_of(mail) -> str:
    """The text/plain body."""
    return mail.get_body(preferencelist=("plain",)).get_content()


def html_of(mail) -> str:
    """The text/html body."""
    return mail.get_body(preferencelist=("html",)).get_content()


def calendar_parts(mail) -> tuple:
    """The inline text/calendar alternative and the invite.ics attachment."""
    alternative = next(mail.iter_parts())
    inline = [part for part in alternative.iter_parts() if part.get_content_type() == "text/calendar"]
    attachments = list(mail.iter_attachments())
    return inline, attachments


@pytest.mark.parametrize("kind", ["confirmation", "promoted", "event_updated"])
def test_invite_mail_is_mixed_alternative_with_request_and_invite_attachment(event, kind):
    registration = make_registration(event)

    mail = sent(compose(outbox(registration, kind)))

    assert layout(mail) == INVITE_LAYOUT
    (inline,), (attachment,) = calendar_parts(mail)
    calendar = icalendar.Calendar.from_ical(inline.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"
    assert inline.get_param("method") == str(calendar["METHOD"])
    assert inline.get_content_charset() == "utf-8"
    assert not inline.is_attachment()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_payload(decode=True) == inline.get_payload(decode=True)


@pytest.mark.parametrize("kind", ["registration_cancelled", "event_cancelled"])
def test_cancellation_mail_carries_a_cancel_with_the_same_uid_and_no_join_link(event, kind):
    registration = make_registration(event, status="cancelled" if kind == "registration_cancelled" else "confirmed")
    if kind == "event_cancelled":
        event.status = "cancelled"

    mail = sent(compose(outbox(registration, kind)))

    assert layout(mail) == INVITE_LAYOUT
    (inline,), (attachment,) = calendar_parts(mail)
    calendar = icalendar.Calendar.from_ical(inline.get_payload(decode=True))
    assert inline.get_param("method") == str(calendar["METHOD"]) == "CANCEL"
    assert calendar.walk("VEVENT")[0]["UID"] == event.ical_uid
    assert attachment.get_payload(decode=True) == inline.get_payload(decode=True)
    assert all(JOIN_URL not in content for content in decoded_parts(mail))


def test_invite_sequence_is_the_revision_at_send_time(event):
    registration = make_registration(event)
    event.revision = 2
    message = outbox(registration, "event_updated")
    event.revision = 3

    (inline,), _ = calendar_parts(sent(compose(message)))

    assert icalendar.Calendar.from_ical(inline.get_payload(decode=True)).walk("VEVENT")[0]["SEQUENCE"] == 3


@pytest.mark.parametrize("kind", ["waitlisted", "already_registered", "reminder", "followup", "announcement"])
def test_mail_without_invite_is_text_and_html_alternatives(event, kind):
    registration = make_registration(event)

    mail = sent(compose(outbox(registration, kind, subject="Tervetuloa", body="Tervetuloa mukaan.")))

    assert layout(mail) == PLAIN_LAYOUT


def test_headers_identify_the_message_and_mark_it_automatic(app, event):
    registration = make_registration(event, first_name="Aino", last_name="Virtanen", email="aino@espoo.fi")
    message = outbox(registration, "confirmation")

    mail = sent(compose(message))

    assert mail["Message-ID"] == message.message_id
    assert mail["From"] == app.config["MAIL_FROM"]
    assert mail["To"].addresses[0].addr_spec == "aino@espoo.fi"
    assert mail["To"].addresses[0].display_name == "Aino Virtanen"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"].datetime is not None
    assert mail["Reply-To"].addresses[0].addr_spec == "maija.meikalainen@vantaa.fi"
    assert mail["Content-Language"] == "fi"


def test_a_retry_keeps_the_message_id(event):
    message = outbox(make_registration(event), "reminder")

    assert compose(message)["Message-ID"] == compose(message)["Message-ID"] == message.message_id


def test_no_reply_to_without_a_contact_email(db):
    registration = make_registration(make_event(starts_at=STARTS_AT))

    assert compose(outbox(registration, "confirmation"))["Reply-To"] is None


def test_header_injection_through_the_name_is_neutralized(event):
    registration = make_registration(event, first_name="Aino", last_name="Virtanen\r\nBcc: victim@example.org")

    wire = compose(outbox(registration, "confirmation")).as_bytes(policy=SMTP)
    mail = email.message_from_bytes(wire, policy=default)

    assert b"\r\nBcc:" not in headers_of(wire)
    assert mail["Bcc"] is None
    assert [address.addr_spec for address in mail["To"].addresses] == [registration.email]
    assert mail["To"].addresses[0].display_name == "Aino Virtanen Bcc: victim@example.org"


def test_header_injection_through_the_title_is_neutralized(event):
    event.title_fi = "Webinaari\r\nBcc: victim@example.org"
    registration = make_registration(event)

    wire = compose(outbox(registration, "confirmation")).as_bytes(policy=SMTP)

    assert b"\r\nBcc:" not in headers_of(wire)
    assert email.message_from_bytes(wire, policy=default)["Bcc"] is None


def test_mail_follows_the_registrations_language(event):
    finnish = make_registration(event, language="fi")
    swedish = make_registration(event, language="sv")

    fi_mail = sent(compose(outbox(finnish, "confirmation")))
    sv_mail = sent(compose(outbox(swedish, "confirmation")))

    assert event.title_fi in fi_mail["Subject"]
    assert event.title_sv in sv_mail["Subject"]
    assert fi_mail["Subject"] != sv_mail["Subject"]
    # Dates are formatted under force_locale, in Helsinki time.
    assert "13. marraskuuta 2030" in text_of(fi_mail)
    assert "13 november 2030" in text_of(sv_mail)
    # Times as CLDR writes them in Finland (fi_FI and sv_FI: "9.00"), not as in Sweden ("09:00").
    nine = time(9, 0)
    assert format_time(nine, "short", locale=FORMAT_LOCALES["fi"]) in text_of(fi_mail)
    assert format_time(nine, "short", locale=FORMAT_LOCALES["sv"]) in text_of(sv_mail)
    assert format_time(nine, "short", locale="sv_SE") not in text_of(sv_mail)
    assert "marraskuuta" in html_of(fi_mail)
    assert 'lang="sv"' in html_of(sv_mail)
    assert sv_mail["Content-Language"] == "sv"


@pytest.mark.parametrize("kind", ["confirmation", "promoted", "event_updated", "reminder"])
def test_confirmed_participants_get_the_join_link(event, kind):
    registration = make_registration(event)

    mail = sent(compose(outbox(registration, kind)))

    assert JOIN_URL in text_of(mail)
    assert JOIN_URL in html_of(mail).replace("&amp;", "&")


@pytest.mark.parametrize("kind", sorted(set(MESSAGE_KINDS) - {"confirmation", "promoted", "event_updated", "reminder"}))
def test_other_mails_never_carry_the_join_link(event, kind):
    registration = make_registration(event)

    mail = sent(compose(outbox(registration, kind, subject="Tiedote", body="Tervetuloa.")))

    assert all(JOIN_URL not in content.replace("&amp;", "&") for content in decoded_parts(mail))


@pytest.mark.parametrize("kind", ["event_updated", "reminder"])
def test_waitlisted_people_never_get_the_join_link(event, kind):
    registration = make_registration(event, status="waitlisted")

    mail = sent(compose(outbox(registration, kind)))

    assert layout(mail) == PLAIN_LAYOUT
    assert all(JOIN_URL not in content.replace("&amp;", "&") for content in decoded_parts(mail))


def test_waitlisted_mail_has_no_join_link(event):
    registration = make_registration(event, status="waitlisted")

    mail = sent(compose(outbox(registration, "waitlisted")))

    assert all(JOIN_URL not in content.replace("&amp;", "&") for content in decoded_parts(mail))
    assert all("meet.example.org" not in content for content in decoded_parts(mail))


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_mail_has_the_manage_link_in_both_twins(event, kind):
    registration = make_registration(event)
    manage_url = external_url("public.manage", token=manage_token(registration))

    mail = sent(compose(outbox(registration, kind, subject="Tiedote", body="Tervetuloa.")))

    assert manage_url in text_of(mail)
    assert manage_url in html_of(mail)


@pytest.mark.parametrize("kind", ["confirmation", "waitlisted", "promoted", "already_registered", "reminder"])
def test_mails_about_an_active_registration_have_the_cancel_link(event, kind):
    registration = make_registration(event, status="waitlisted" if kind == "waitlisted" else "confirmed")
    cancel_url = external_url("public.manage_cancel", token=manage_token(registration))

    mail = sent(compose(outbox(registration, kind)))

    assert cancel_url in text_of(mail)
    assert cancel_url in html_of(mail)


def test_already_registered_tells_the_current_status(event):
    confirmed = make_registration(event, language="en")
    waitlisted = make_registration(event, language="en", status="waitlisted")

    confirmed_text = text_of(sent(compose(outbox(confirmed, "already_registered"))))
    waitlisted_text = text_of(sent(compose(outbox(waitlisted, "already_registered"))))

    assert "Your seat is confirmed." in confirmed_text
    assert "waiting list" in waitlisted_text
    assert "Your seat is confirmed." not in waitlisted_text


def test_followup_thanks_attendees_with_their_manage_link_and_the_recording(event):
    registration = make_registration(event, language="en", attended="yes")

    text = text_of(sent(compose(outbox(registration, "followup"))))

    assert "Thank you for taking part" in text
    # The event has no survey, so the mail links only what there is.
    assert "survey" not in text
    assert external_url("public.manage", token=manage_token(registration)) in text
    assert RECORDING_URL in text


def test_followup_to_absentees_is_a_short_note_with_the_recording(event):
    registration = make_registration(event, language="en", attended="no")

    mail = sent(compose(outbox(registration, "followup")))

    assert "We missed you" in text_of(mail)
    assert "survey" not in text_of(mail)
    assert RECORDING_URL in text_of(mail)
    assert mail["Subject"] != compose(outbox(make_registration(event, language="en", attended="yes"), "followup"))["Subject"]


def test_followup_before_attendance_is_known_neither_thanks_for_coming_nor_says_we_missed_you(event):
    registration = make_registration(event, language="en", attended="unknown")

    mail = sent(compose(outbox(registration, "followup")))

    assert "Thank you for registering for the webinar" in text_of(mail)
    assert "Thank you for taking part" not in text_of(mail) + mail["Subject"]
    assert "We missed you" not in text_of(mail)
    assert mail["Subject"].startswith("After the webinar")
    assert RECORDING_URL in text_of(mail)


def test_announcement_uses_the_rows_subject_and_sanitizes_its_markdown_body(event):
    registration = make_registration(event)
    message = outbox(registration, "announcement", subject="Muutos ohjelmaan",
                     body="Hei!\r\n<b>Uusi</b> **puhuja**.<script>alert(1)</script>")

    mail = sent(compose(message))

    assert mail["Subject"] == "Muutos ohjelmaan"
    assert "<b>Uusi</b> **puhuja**." in text_of(mail)
    # The HTML twin is the Markdown through the site's sanitizer: the line break kept, no raw tags.
    assert "<p>Hei!<br>" in html_of(mail) and "Uusi <strong>puhuja</strong>.</p>" in html_of(mail)
    assert "<b>" not in html_of(mail) and "<script>" not in html_of(mail)


def test_html_twin_escapes_names(event):
    registration = make_registration(event, first_name="<script>alert(1)</script>")

    html = html_of(sent(compose(outbox(registration, "confirmation"))))

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_purged_registration_cannot_be_mailed(event):
    registration = make_registration(event)
    message = outbox(registration, "reminder")
    registration.email = None
    registration.purged_at = STARTS_AT + timedelta(days=90)

    with pytest.raises(ValueError):
        compose(message)
