"""Waking delivery workers after a commit that wrote outbox rows (rule 4).

The services only write rows; this layer, wired by create_app, tells the workers. Redis only
wakes them: a publish that fails is logged and the periodic sweep sends the rows anyway, so a
publish gives up at once, holds no lock while it talks to the broker, and after a failure the
process stops trying for a few seconds, so commits during an outage do not wait for Redis.
"""

import logging
import threading
import time

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import Message
from app.services.outbox import BATCH_SIZE
from app.services.queue import NEW_MESSAGE_IDS
from workers.delivery import deliver_messages, sweep_outbox

log = logging.getLogger(__name__)


class Doorbell:
    """Wakes workers after commits: a sweep at once when it has been quiet, else one delayed sweep a window.

    A sweep sends every row committed before it starts. In a rush of small commits, such as
    sign-ups, a task each would cost the web process more than the sign-up itself, so within
    `window` seconds of a ring the process sends one sweep delayed by the window, and none
    while that one is still to start: it finds their rows. A mailing of more than a batch gets
    a task a batch, so several workers share it. After a failed publish nothing is sent for
    `pause_after_failure` seconds. One per process; thread-safe.
    """

    def __init__(self, window: float = 0.5, pause_after_failure: float = 5.0, clock=time.monotonic):
        self.window = window
        self.pause_after_failure = pause_after_failure
        self.clock = clock
        self.rung_at = float("-inf")
        self.delayed_sweep_at = float("-inf")
        self.paused_until = float("-inf")
        self.lock = threading.Lock()

    def ring(self, message_ids: list[int]) -> None:
        """Make sure workers send these just-committed rows; a failure is logged, never raised."""
        with self.lock:
            now = self.clock()
            if now < self.paused_until:
                return
            if len(message_ids) > BATCH_SIZE:
                sends = [(deliver_messages, {"args": (message_ids[start:start + BATCH_SIZE],)})
                         for start in range(0, len(message_ids), BATCH_SIZE)]
            elif now < self.delayed_sweep_at:
                return
            elif now - self.rung_at >= self.window:
                sends = [(sweep_outbox, {})]
                self.rung_at = now
            else:
                sends = [(sweep_outbox, {"countdown": self.window})]
                self.delayed_sweep_at = now + self.window
        self.publish(len(message_ids), sends)

    def publish(self, count: int, sends: list) -> None:
        """Send the tasks, outside the lock; on a failure, pause and let the sweep catch up."""
        try:
            for task, options in sends:
                task.apply_async(**options)
        except Exception:  # noqa: BLE001 - any broker trouble; the sweep catches up
            with self.lock:
                self.paused_until = self.clock() + self.pause_after_failure
                # The first ring after the pause sends a sweep at once, finding every row of the outage.
                self.rung_at = self.delayed_sweep_at = float("-inf")
            log.warning("could not wake delivery of %d messages; the sweep will send them", count, exc_info=True)


def remember_new_messages(session: Session, flush_context) -> None:
    """Note the ids of outbox rows this flush inserted."""
    new_ids = [obj.id for obj in session.new if isinstance(obj, Message)]
    if new_ids:
        session.info.setdefault(NEW_MESSAGE_IDS, []).extend(new_ids)


def wake_delivery(session: Session) -> None:
    """After a commit, ring the app's doorbell for the rows the transaction wrote."""
    ids = session.info.pop(NEW_MESSAGE_IDS, None)
    if ids:
        current_app.extensions["outbox_doorbell"].ring(ids)


def forget_new_messages(session: Session, previous_transaction=None) -> None:
    """A rolled-back transaction wrote nothing to announce."""
    session.info.pop(NEW_MESSAGE_IDS, None)


def watch_sessions(session_class) -> None:
    """Hook delivery into a session class's flush, commit and rollback (once per class)."""
    if event.contains(session_class, "after_commit", wake_delivery):
        return
    event.listen(session_class, "after_flush", remember_new_messages)
    event.listen(session_class, "after_commit", wake_delivery)
    event.listen(session_class, "after_soft_rollback", forget_new_messages)
