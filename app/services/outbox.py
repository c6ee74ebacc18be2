"""The outbox: claim due messages, send each once, retry what may still get through (rules 4-5).

The database decides what must be sent. A claimed row is `sending`, stamped with the
claim's time; a worker that dies leaves it so, and a later sweep claims it again after
CLAIM_TIMEOUT, sending it with the same Message-ID. Every outcome is written only while
the row still carries the claim that decided it, so a worker that stalled past the timeout
cannot undo or repeat what the worker that took over did.
"""

import logging
import smtplib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Event, Message, Registration
from app.models.types import utcnow
from app.services.composer import JOIN_LINK_KINDS, compose
from app.services.planning import is_current_reminder
from app.services.feedback_forms import form_of_event
from app.services.survey import has_answered, is_open
from app.services.transport import MailServerUnavailable, RecipientNotSupported, open_mailer, reply_text

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
SERVER_CLOSING = 421
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)
# While the mail server is down, a row waits as long again as it has waited, within these bounds:
# tries thin out in a long outage, and mail still flows within minutes once the server is back.
FIRST_SERVER_RETRY = timedelta(minutes=1)
LONGEST_SERVER_RETRY = timedelta(minutes=15)
BATCH_SIZE = 200
# A batch hands back what it has not sent by then: after CLAIM_TIMEOUT a sweep may claim the
# rows it still holds, and both would send them. Half leaves room for the message in flight.
HOLD_AT_MOST = CLAIM_TIMEOUT / 2
# A batch is read once and kept across its per-message commits; state older than this many
# seconds is read again, so a cancellation or a moved event still shows within moments.
STATE_MAX_AGE = 2.0


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    # Handed back untried because the mail server could not be used: no attempt counted.
    waiting: list[int] = field(default_factory=list)
    # Taken over by another claim while this one stalled: left to that worker.
    lost: list[int] = field(default_factory=list)


def claimable(now: datetime):
    """Due pending rows, and rows left in `sending` by a worker that died."""
    return or_(
        and_(Message.status == "pending", Message.due_at <= now),
        and_(Message.status == "sending", Message.claimed_at < now - CLAIM_TIMEOUT),
    )


def claim(now: datetime, ids: list[int] | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Mark up to `limit` claimable messages as `sending`, claimed at `now`, and commit.

    PostgreSQL skips rows another worker holds (FOR UPDATE SKIP LOCKED); the guarded
    UPDATE ... RETURNING makes the claim a compare-and-set on SQLite too. A row's claim
    time grows with every claim (a new one needs CLAIM_TIMEOUT to pass), so it tells claims apart.
    """
    candidates = select(Message.id).where(claimable(now)).order_by(Message.due_at, Message.id).limit(limit)
    if ids is not None:
        candidates = candidates.where(Message.id.in_(ids))
    candidate_ids = list(db.session.execute(candidates.with_for_update(skip_locked=True)).scalars())
    if not candidate_ids:
        db.session.commit()
        return []
    claimed = list(
        db.session.execute(
            update(Message)
            .where(Message.id.in_(candidate_ids), claimable(now))
            .values(status="sending", claimed_at=now)
            .returning(Message.id)
        ).scalars()
    )
    db.session.commit()
    return sorted(claimed)


def held_by(claimed_at: datetime):
    """Rows still in `sending` under the claim made at `claimed_at`."""
    return and_(Message.status == "sending", Message.claimed_at == claimed_at)


def settle(message_id: int, claimed_at: datetime, **values) -> bool:
    """Write a claimed message's outcome and commit, only if the claim still holds it; False if it was lost."""
    written = db.session.execute(
        update(Message)
        .where(Message.id == message_id, held_by(claimed_at))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return written == 1


def still_held(message_id: int, claimed_at: datetime) -> bool:
    """Whether the claim still holds the message, checked right before handing it to the server."""
    held = db.session.execute(select(Message.id).where(Message.id == message_id, held_by(claimed_at))).scalar()
    return held is not None


def retry_delay(attempts: int) -> timedelta:
    """Growing waits between tries: 1, 2, 4 … minutes, at most two hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def server_retry_delay(waited: timedelta) -> timedelta:
    """How long a message waits after the server could not be used: as long as it waited, within bounds."""
    return min(max(waited, FIRST_SERVER_RETRY), LONGEST_SERVER_RETRY)


def smtp_code(error: Exception) -> int | None:
    """The SMTP reply code behind a failure, if the server gave one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def is_permanent(error: Exception) -> bool:
    """5xx replies and addresses the server cannot carry will not change by trying again; everything else might."""
    if isinstance(error, RecipientNotSupported):
        return True
    code = smtp_code(error)
    return code is not None and 500 <= code < 600


def failure_text(error: Exception) -> str:
    """What organizers see of a failure: the server's reply (without the envelope), or the error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [reply_text(smtplib.SMTPResponseException(code, text)) for code, text in error.recipients.values()]
        return "; ".join(replies)[:2000]
    return reply_text(error)[:2000]


def record_failure(message: Message, claimed_at: datetime, error: Exception, report: DeliveryReport) -> None:
    """Count the attempt and schedule another try, or mark the message failed when that makes no sense."""
    now = utcnow()
    attempts = message.attempts + 1
    next_try = now + retry_delay(attempts)
    # Rows are written when they fall due (planned mail included), so the day counts from then.
    if is_permanent(error) or next_try > message.created_at + GIVE_UP_AFTER:
        outcome, values = report.failed, {"status": "failed"}
    else:
        outcome, values = report.retrying, {"status": "pending", "due_at": next_try}
    if not settle(message.id, claimed_at, attempts=attempts, last_error=failure_text(error), **values):
        lost_claim(message.id, report)
        return
    outcome.append(message.id)
    # Logs name the message, never the recipient: a server's reply may quote the address.
    if values["status"] == "failed":
        log.warning("message %s failed for good after %d attempts (%s, SMTP code %s)",
                    message.id, attempts, type(error).__name__, smtp_code(error))
    else:
        log.info("message %s will be retried at %s (%s, SMTP code %s)",
                 message.id, next_try.isoformat(), type(error).__name__, smtp_code(error))


def lost_claim(message_id: int, report: DeliveryReport) -> None:
    """Note a message another claim took over while this one stalled; it is theirs now."""
    report.lost.append(message_id)
    log.warning("message %s was claimed again while this worker held it; leaving it to the new claim", message_id)


def still_wanted(message: Message, now: datetime) -> bool:
    """Whether the message makes sense as things are now, since it is composed from the current state.

    An invite or reminder needs a confirmed seat at a published event (a cancellation sends its
    own CANCEL); a reminder must speak of the event's current start and come before it (rule 6);
    an update is superseded by a later update to the same person; a survey reminder is dropped once the
    person has answered or the form has closed; a follow-up needs the event not cancelled; a purged
    registration has no recipient.
    """
    registration = message.registration
    event = registration.event
    if registration.purged_at is not None:
        return False
    if message.kind in JOIN_LINK_KINDS and (registration.status != "confirmed" or event.status != "published"):
        return False
    if message.kind == "waitlisted" and (registration.status != "waitlisted" or event.status != "published"):
        return False
    if message.kind == "reminder":
        return now < event.starts_at and is_current_reminder(message, event)
    if message.kind == "event_updated":
        return not has_later_update(message)
    if message.kind == "survey_reminder":
        return survey_reminder_wanted(registration, now)
    if message.kind == "followup":
        # A failed follow-up sent again after the event was cancelled would thank people for nothing.
        return event.status == "published"
    return True


def survey_reminder_wanted(registration: Registration, now: datetime) -> bool:
    """A survey reminder goes only to a participant who has not answered, while the form takes answers."""
    form = form_of_event(registration.event_id)
    return (
        form is not None and is_open(form, now) and registration.status == "confirmed"
        and registration.attended != "no" and not has_answered(registration.id)
    )


def has_later_update(message: Message) -> bool:
    """Whether a later update row to the same registration exists; it tells of the event as it is now."""
    later = db.session.execute(
        select(Message.id)
        .where(Message.registration_id == message.registration_id, Message.kind == message.kind,
               Message.id > message.id)
        .limit(1)
    ).scalar()
    return later is not None


def release(ids: list[int], claimed_at: datetime) -> None:
    """Hand claimed but untried messages back to the queue, those this claim still holds."""
    if ids:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(ids), held_by(claimed_at))
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def back_off(ids: list[int], claimed_at: datetime, error: MailServerUnavailable, report: DeliveryReport) -> None:
    """The server could not be used: hand the messages back for later, not counting it as their attempt.

    Like any transient failure (rule 5), a message still unsent a day after it fell due is
    marked failed, so organizers see it and can resend it.
    """
    now = utcnow()
    waiting = db.session.execute(
        select(Message.id, Message.created_at).where(Message.id.in_(ids), held_by(claimed_at))
    ).all()
    next_try = now
    for message_id, created_at in waiting:
        due_at = now + server_retry_delay(now - created_at)
        if due_at > created_at + GIVE_UP_AFTER:
            values, outcome = {"status": "failed", "last_error": str(error)[:2000]}, report.failed
        else:
            values, outcome = {"status": "pending", "due_at": due_at}, report.waiting
            next_try = max(next_try, due_at)
        db.session.execute(
            update(Message)
            .where(Message.id == message_id, held_by(claimed_at))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        outcome.append(message_id)
    db.session.commit()
    log.error("mail server unavailable, %d messages wait until %s at the latest: %s",
              len(waiting), next_try.isoformat(), error)


def send_one(mailer, message: Message, claimed_at: datetime, report: DeliveryReport) -> bool:
    """Send one claimed message and commit its outcome; False if the connection broke.

    Any failure of this one message is an attempt of it and the batch goes on; MailServerUnavailable
    (the server refused the sender) is nobody's attempt and goes to the caller.
    """
    if message.status != "sending" or message.claimed_at != claimed_at:
        lost_claim(message.id, report)
        return True
    if not still_wanted(message, utcnow()):
        if settle(message.id, claimed_at, status="cancelled"):
            report.skipped.append(message.id)
        else:
            lost_claim(message.id, report)
        return True
    try:
        email = compose(message)
    except Exception as error:  # noqa: BLE001 - a bug or bad data in one message must not stop the batch
        log.exception("message %s could not be composed", message.id)
        record_failure(message, claimed_at, error, report)
        return True
    if not still_held(message.id, claimed_at):
        lost_claim(message.id, report)
        return True
    try:
        mailer.send(email)
    except MailServerUnavailable:
        raise
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, RecipientNotSupported) as error:
        record_failure(message, claimed_at, error, report)
        # 421: the server is closing the connection; the next message must not be charged for it.
        return smtp_code(error) != SERVER_CLOSING
    except OSError as error:
        record_failure(message, claimed_at, error, report)
        return False
    except Exception as error:  # noqa: BLE001 - as above: one message's trouble stays its own
        log.exception("message %s could not be sent", message.id)
        record_failure(message, claimed_at, error, report)
        return True
    if settle(message.id, claimed_at, status="sent", sent_at=utcnow(), attempts=message.attempts + 1,
              last_error=None):
        report.sent.append(message.id)
    else:
        lost_claim(message.id, report)
    return True


@contextmanager
def kept_across_commits():
    """Keep loaded objects as they are over commits, instead of reading each again after every message."""
    session = db.session()
    saved = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = saved


def load_batch(ids: list[int]) -> dict[int, Message]:
    """The messages read afresh, with the registrations, events, contacts and hosts their mail is made of."""
    db.session.expire_all()
    messages = db.session.execute(
        select(Message)
        .where(Message.id.in_(ids))
        .options(
            selectinload(Message.registration)
            .selectinload(Registration.event)
            .options(selectinload(Event.contacts), joinedload(Event.host_municipality))
        )
    ).scalars()
    return {message.id: message for message in messages}


def deliver_claimed(ids: list[int], claimed_at: datetime) -> DeliveryReport:
    """Send messages just claimed at `claimed_at` over one mail connection, committing the outcome of each.

    The batch is read in a few queries, not a few per message, and again when older than
    STATE_MAX_AGE. What is still unsent after HOLD_AT_MOST goes back to the queue; when the
    server cannot be used, everything unsent waits for a later try.
    """
    report = DeliveryReport()
    untried = list(ids)
    hold_until = claimed_at + HOLD_AT_MOST
    try:
        with open_mailer(current_app.config) as mailer, kept_across_commits():
            batch, read_at = load_batch(untried), time.monotonic()
            while untried and utcnow() < hold_until:
                if time.monotonic() - read_at > STATE_MAX_AGE:
                    batch, read_at = load_batch(untried), time.monotonic()
                message_id = untried[0]
                connected = True
                if message_id in batch:
                    connected = send_one(mailer, batch[message_id], claimed_at, report)
                else:  # deleted since the claim, e.g. with its event
                    report.skipped.append(message_id)
                untried.pop(0)
                if not connected:
                    break
    except MailServerUnavailable as error:
        db.session.rollback()
        back_off(untried, claimed_at, error, report)
        return report
    release(untried, claimed_at)
    return report


def deliver_due(ids: list[int] | None = None) -> DeliveryReport:
    """Claim and send due messages (only `ids` if given), batch after batch until none is left.

    Stops early when the mail server cannot be used: the next batch would only wait for it too.
    """
    total = DeliveryReport()
    while True:
        claimed_at = utcnow()
        claimed = claim(claimed_at, ids=ids, limit=BATCH_SIZE)
        if not claimed:
            return total
        report = deliver_claimed(claimed, claimed_at)
        for name in total.__dataclass_fields__:
            getattr(total, name).extend(getattr(report, name))
        if report.waiting or len(claimed) < BATCH_SIZE:
            return total
