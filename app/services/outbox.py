"""The outbox: claim due messages, send each once, retry what may still get through (rules 4-5).

The database decides what must be sent; Redis only wakes workers. A claimed row
is `sending`; a worker that dies leaves it so, and a later sweep claims it again
after CLAIM_TIMEOUT, sending it with the same Message-ID.
"""

import logging
import smtplib
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from app.extensions import db
from app.services.transport import open_mailer
from app.models import Event, Message, Registration
from app.models.types import utcnow
from app.services.composer import compose

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)
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


def claimable(now: datetime):
    """Due pending rows, and rows left in `sending` by a worker that died."""
    return or_(
        and_(Message.status == "pending", Message.due_at <= now),
        and_(Message.status == "sending", Message.claimed_at < now - CLAIM_TIMEOUT),
    )


def claim(now: datetime, ids: list[int] | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Mark up to `limit` claimable messages as `sending` for this worker and commit.

    PostgreSQL skips rows another worker holds (FOR UPDATE SKIP LOCKED); the guarded
    UPDATE ... RETURNING makes the claim a compare-and-set on SQLite too.
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


def retry_delay(attempts: int) -> timedelta:
    """Growing waits between tries: 1, 2, 4 … minutes, at most two hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def smtp_code(error: Exception) -> int | None:
    """The SMTP reply code behind a failure, if the server gave one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def is_permanent(error: Exception) -> bool:
    """5xx replies will not change by trying again; everything else might."""
    code = smtp_code(error)
    return code is not None and 500 <= code < 600


def record_failure(message: Message, error: Exception, now: datetime, report: DeliveryReport) -> None:
    """Schedule another try, or mark the message failed when that makes no sense."""
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    next_try = now + retry_delay(message.attempts)
    # Rows are written when they fall due (planned mail included), so the day counts from then.
    if is_permanent(error) or next_try > message.created_at + GIVE_UP_AFTER:
        message.status = "failed"
        report.failed.append(message.id)
        log.warning("message %s failed for good: %s", message.id, message.last_error)
    else:
        message.status = "pending"
        message.due_at = next_try
        report.retrying.append(message.id)
        log.info("message %s will be retried at %s: %s", message.id, next_try.isoformat(), message.last_error)


def still_wanted(message: Message, now: datetime) -> bool:
    """Whether the message makes sense now; a reminder after the start does not (rule 6)."""
    if message.kind == "reminder":
        event_ = message.registration.event
        return message.registration.status == "confirmed" and event_.status == "published" and now < event_.starts_at
    return True


def release(ids: list[int]) -> None:
    """Hand claimed but untried messages back to the queue."""
    if ids:
        db.session.execute(
            update(Message).where(Message.id.in_(ids), Message.status == "sending").values(status="pending")
        )
        db.session.commit()


class ConnectionLost(Exception):
    """The mail server went away mid-batch; the rest of the batch waits."""


def send_one(mailer, message: Message, report: DeliveryReport) -> None:
    """Send one claimed message and commit its outcome; raise ConnectionLost if the link broke."""
    if message.status != "sending":
        report.skipped.append(message.id)
        return
    now = utcnow()
    if not still_wanted(message, now):
        message.status = "cancelled"
        db.session.commit()
        report.skipped.append(message.id)
        return
    try:
        email = compose(message)
    except Exception as error:  # noqa: BLE001 - a message we cannot build will not build later either
        log.exception("message %s could not be composed", message.id)
        message.status = "failed"
        message.last_error = f"composition: {type(error).__name__}: {error}"[:2000]
        db.session.commit()
        report.failed.append(message.id)
        return
    message.attempts += 1
    try:
        mailer.send(email)
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
        record_failure(message, error, utcnow(), report)
        db.session.commit()
        return
    except OSError as error:
        record_failure(message, error, utcnow(), report)
        db.session.commit()
        raise ConnectionLost from error
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    report.sent.append(message.id)


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


def deliver_claimed(ids: list[int]) -> DeliveryReport:
    """Send just-claimed messages over one mail connection, committing the outcome of each.

    The batch is read in a few queries, not a few per message, and again when older than
    STATE_MAX_AGE. What is still unsent after HOLD_AT_MOST goes back to the queue.
    """
    report = DeliveryReport()
    untried = list(ids)
    hold_until = utcnow() + HOLD_AT_MOST
    try:
        with open_mailer(current_app.config) as mailer, kept_across_commits():
            batch, read_at = load_batch(untried), time.monotonic()
            while untried and utcnow() < hold_until:
                if time.monotonic() - read_at > STATE_MAX_AGE:
                    batch, read_at = load_batch(untried), time.monotonic()
                message_id = untried.pop(0)
                if message_id in batch:
                    send_one(mailer, batch[message_id], report)
                else:  # deleted since the claim, with its purged registration
                    report.skipped.append(message_id)
        release(untried)
    except ConnectionLost:
        release(untried)
    except OSError as error:
        # The server could not be reached at all: every message waits its turn to retry.
        db.session.rollback()
        log.warning("mail server unreachable, %d messages wait: %s", len(untried), error)
        for message in db.session.execute(select(Message).where(Message.id.in_(untried))).scalars():
            if message.status == "sending":
                message.attempts += 1
                record_failure(message, error, utcnow(), report)
        db.session.commit()
    return report


def deliver_due(ids: list[int] | None = None, now: datetime | None = None) -> DeliveryReport:
    """Claim and send due messages (only `ids` if given), batch after batch until none is left."""
    total = DeliveryReport()
    while True:
        claimed = claim(now or utcnow(), ids=ids)
        if not claimed:
            return total
        report = deliver_claimed(claimed)
        for name in ("sent", "retrying", "failed", "skipped"):
            getattr(total, name).extend(getattr(report, name))
        if len(claimed) < BATCH_SIZE:
            return total


# After commit, wake a worker for the messages the transaction wrote. A failure
# here is only logged: the sweep delivers them anyway (rule 4).

def remember_new_messages(session: Session, flush_context) -> None:
    """Note the ids of outbox rows this flush inserted."""
    new_ids = [obj.id for obj in session.new if isinstance(obj, Message)]
    if new_ids:
        session.info.setdefault("new_message_ids", []).extend(new_ids)


def enqueue_new_messages(session: Session) -> None:
    """Wake workers for the rows the committed transaction wrote: a mailing gets a task a batch, the rest the doorbell."""
    ids = session.info.pop("new_message_ids", None)
    if not ids:
        return
    from workers.delivery import deliver_messages

    try:
        if len(ids) > BATCH_SIZE:
            # One task a batch, so several workers share a large mailing.
            for start in range(0, len(ids), BATCH_SIZE):
                deliver_messages.delay(ids[start:start + BATCH_SIZE])
        else:
            current_app.extensions["outbox_doorbell"].ring()
    except Exception:  # noqa: BLE001 - any broker trouble; the sweep catches up
        log.warning("could not enqueue delivery of %d messages; the sweep will send them", len(ids), exc_info=True)


class Doorbell:
    """Wakes a worker to sweep the outbox after a commit: at once when it has been quiet, else once a window.

    A sweep sends every row committed before it starts. In a rush of small commits, such as
    sign-ups, a task each would cost the web process more than the sign-up itself, so within
    `window` seconds of a ring the process sends one sweep delayed by the window, and none
    while that one is still to start: it finds their rows. One per process; thread-safe.
    """

    def __init__(self, window: float = 0.5, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self.rung_at = float("-inf")
        self.delayed_sweep_at = float("-inf")
        self.lock = threading.Lock()

    def ring(self) -> None:
        """Make sure a sweep starts after this moment; the caller's rows are committed."""
        from workers.delivery import sweep_outbox

        with self.lock:
            now = self.clock()
            if now < self.delayed_sweep_at:
                return
            # A failed send raises before the state changes, so the next commit tries again.
            if now - self.rung_at >= self.window:
                sweep_outbox.delay()
                self.rung_at = now
            else:
                sweep_outbox.apply_async(countdown=self.window)
                self.delayed_sweep_at = now + self.window


def forget_new_messages(session: Session, previous_transaction=None) -> None:
    """A rolled-back transaction wrote nothing to announce."""
    session.info.pop("new_message_ids", None)


def watch_sessions(session_class) -> None:
    """Hook the outbox into a session class's flush, commit and rollback (once per class)."""
    if event.contains(session_class, "after_commit", enqueue_new_messages):
        return
    event.listen(session_class, "after_flush", remember_new_messages)
    event.listen(session_class, "after_commit", enqueue_new_messages)
    event.listen(session_class, "after_soft_rollback", forget_new_messages)
