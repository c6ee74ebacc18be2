"""Organizers' messages to an event's registrants: whom they reach, how each language version reads, queuing them once.

A mailing is written in each language its recipients use and goes to each person in their own
registration's language, through the outbox like every other mail (rules 4, 5 and 8). The compose
form carries a token; the mailing made with it is unique, so the form sent twice sends nothing twice.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import Select, func, select

from app.extensions import db
from app.i18n import LANGUAGES
from app.models import Event, Mailing, Message, OrganizerUser, Registration
from app.models.registrations import ATTENDANCE, REGISTRATION_STATUSES
from app.services.composer import compose
from app.services.queue import queue_for_each

# The manage token in a preview's links: a preview must not show a registrant's real one.
PREVIEW_TOKEN_NONCE = "preview"
BODY_OF_HTML = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)


@dataclass(frozen=True)
class Audience:
    """Who a mailing is for: registrants with one of these statuses and one of these attendance values."""

    statuses: tuple[str, ...]
    attended: tuple[str, ...]

    def __post_init__(self):
        if not set(self.statuses) <= set(REGISTRATION_STATUSES) or not set(self.attended) <= set(ATTENDANCE):
            raise ValueError(f"Unknown statuses or attendance in {self!r}")

    def as_stored(self) -> dict:
        """The audience as the mailing keeps it."""
        return {"statuses": list(self.statuses), "attended": list(self.attended)}


@dataclass(frozen=True)
class MailingText:
    """A mailing's subject and Markdown body in one language."""

    subject: str
    body: str


def recipients(event_id: int, audience: Audience) -> Select:
    """The ids of the event's registrations the audience takes in; people whose data was removed are gone."""
    return select(Registration.id).where(
        Registration.event_id == event_id,
        Registration.status.in_(audience.statuses),
        Registration.attended.in_(audience.attended),
        Registration.purged_at.is_(None),
    )


def recipients_by_language(event_id: int, audience: Audience) -> dict[str, int]:
    """How many people the audience takes in, per language of the service (zero for one nobody uses)."""
    counts = dict.fromkeys(LANGUAGES, 0)
    counted = db.session.execute(
        select(Registration.language, func.count())
        .where(Registration.id.in_(recipients(event_id, audience)))
        .group_by(Registration.language)
    )
    counts.update((language, count) for language, count in counted)
    return counts


@dataclass(frozen=True)
class MailingPreview:
    """One language version of a mailing as a recipient gets it: subject, text part and the HTML part's body."""

    language: str
    recipient: str
    subject: str
    text: str
    html: Markup


def preview(event: Event, audience: Audience, texts: dict[str, MailingText]) -> list[MailingPreview]:
    """Each language version composed as the outbox will compose it, for the first recipient of that language.

    The mail is made from unsaved copies of the row and the registration (nothing is written), with
    a placeholder in place of the person's secret manage link. The HTML part's body is the
    service's own template output with the Markdown sanitized, so a page may show it as it is.
    """
    previews = []
    for language, text in texts.items():
        first = db.session.execute(
            select(Registration)
            .where(Registration.id.in_(recipients(event.id, audience)), Registration.language == language)
            .order_by(Registration.id)
            .limit(1)
        ).scalar_one_or_none()
        if first is None:
            continue
        sample = Registration(
            event=event, language=language, email=first.email, first_name=first.first_name,
            last_name=first.last_name, status=first.status, attended=first.attended,
            confirmed_at=first.confirmed_at, manage_token_nonce=PREVIEW_TOKEN_NONCE,
        )
        message = Message(kind="announcement", registration=sample, subject=text.subject, body=text.body,
                          message_id="<preview@kuntatutor>")
        mail = compose(message)
        html = mail.get_body(preferencelist=("html",)).get_content()
        found = BODY_OF_HTML.search(html)
        previews.append(MailingPreview(
            language=language, recipient=first.full_name, subject=mail["Subject"],
            text=mail.get_body(preferencelist=("plain",)).get_content(),
            # Safe as it is: the service's own template, every value escaped and the Markdown sanitized.
            html=Markup(found.group(1) if found else ""),
        ))
    return previews


def mailing_with_token(event_id: int, token: str) -> Mailing | None:
    """The event's mailing made with this compose form, if it was sent already."""
    return db.session.execute(
        select(Mailing).where(Mailing.event_id == event_id, Mailing.token == token)
    ).scalar_one_or_none()


class TextMissing(ValueError):
    """Recipients in a language the mailing has no text for, e.g. someone registered after the count; nothing queued."""

    def __init__(self, counts: dict[str, int]):
        super().__init__(f"No text for some recipients' language: {counts}")
        self.counts = counts


@dataclass(frozen=True)
class SentMailing:
    """What send_mailing() did: the mailing, and whether this call made it (False: the form was sent before)."""

    mailing: Mailing
    created: bool


def send_mailing(event: Event, user: OrganizerUser, token: str, texts: dict[str, MailingText],
                 audience: Audience) -> SentMailing:
    """Queue the mailing to everyone in the audience, each in their own language; the caller commits.

    The form's token makes it once: a second call with the same token returns the first mailing and
    queues nothing. Two calls at the same moment both insert the token; the unique index lets one
    through and the other raises IntegrityError at the flush, and retried, finds the first.
    Each person gets one row (dedupe key per mailing), written in bulk, one query per language,
    so thousands are queued in one transaction; after the commit the doorbell hands the rows to the
    workers a batch at a time. Every language with recipients needs a text (TextMissing, with the
    counts per language, if not).
    """
    existing = mailing_with_token(event.id, token)
    if existing is not None:
        return SentMailing(existing, created=False)
    counts = recipients_by_language(event.id, audience)
    languages = [language for language, count in counts.items() if count]
    missing = [language for language in languages if language not in texts]
    if missing:
        raise TextMissing(counts)
    mailing = Mailing(
        event_id=event.id, user_id=user.id, token=token, audience=audience.as_stored(),
        texts={language: {"subject": texts[language].subject, "body": texts[language].body}
               for language in languages},
    )
    db.session.add(mailing)
    db.session.flush()
    queued = 0
    for language in languages:
        queued += queue_for_each(
            recipients(event.id, audience).where(Registration.language == language), "announcement",
            key=f"mailing-{mailing.id}", subject=texts[language].subject, body=texts[language].body,
            mailing_id=mailing.id,
        )
    mailing.recipients = queued
    return SentMailing(mailing, created=True)
