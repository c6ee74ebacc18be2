"""Reminder delivery throughput through the real worker, against a raw smtplib loop.

Run by hand from the project root (not part of the test suite):

    .venv/bin/python -m bench.mail                          # 10,000 reminders, one round, a few minutes
    .venv/bin/python -m bench.mail --count 2000 --rounds 3  # medians of three rounds
    .venv/bin/python -m bench.mail --concurrency 4 --profile 1000

Each round creates an event starting in 30 minutes with reminder_offsets [60], so its reminder is
due, and bulk-inserts --count confirmed registrations (manage tokens derived as the service does).
The service run is timed from calling the planner (plan_reminders() and a commit in this process;
the after-commit hook enqueues the delivery tasks to Redis, as beat's plan_messages task would)
until every reminder row is `sent`, by a `celery -A workers worker` (prefork, --concurrency
children) on a scratch PostgreSQL database and an empty Redis database. Then the same rows are
composed here, outside the timing, and sent over ONE smtplib connection in a raw loop, twice:
`send_message` of the composed messages (serialization in the loop, as the service pays it) and
`sendmail` of bytes serialized beforehand (the wire alone).

The SMTP sink (aiosmtpd, accepts and discards) runs in a process of its own: in a thread it would
share this process's GIL with the raw loop and slow down exactly the figure the service is judged
against. Besides wall-clock rates it reports the CPU each message cost in the worker, the
database's backends, the sink and this process, read from /proc: other load on the machine moves
those little, while it moves wall-clock figures a lot, so the load average is printed too.

--profile N profiles (cProfile) in-process delivery of N more reminders with the worker's code path
(deliver_due) and prints where the time goes.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from app import create_app
from app.extensions import db
from app.services.transport import TRANSPORT_POLICY
from app.models import ContactPerson, Message, Registration
from app.models.types import utcnow
from app.services.composer import compose
from app.services.municipalities import load_municipalities
from app.services.outbox import deliver_due
from app.services.planning import plan_reminders
from app.services.tokens import issue_manage_token
from bench.registration import (
    POSTGRES_SERVER_URL, ScratchDatabase, ScratchRedis, machine, process_cpu_seconds, process_group,
)
from tests.factories import make_event
from tests.gunicorn_server import INHERITED_SETTINGS_DROPPED
from tests.smtp_server import free_loopback_port
from tests.worker_process import CeleryProcess, die_with_parent, stop, wait_for, worker_arguments

REDIS_URL = os.environ.get("BENCH_MAIL_REDIS_URL", "redis://127.0.0.1:6379/11")
SINK_HOST = "127.0.0.1"
# The service is judged against the raw loop that sends the composed messages.
TARGET_SHARE = 0.50
LANGUAGES = ("fi",) * 7 + ("sv",) * 2 + ("en",)


# The sink, run as `python -m bench.mail --serve-sink PORT` in its own process.

class CountingSink:
    """An aiosmtpd handler that accepts every message, counts it and forgets it."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        """Accept and discard."""
        self.count += 1
        return "250 OK"


def serve_sink(port: int) -> None:
    """Accept mail on the port until SIGTERM, then print how many messages came."""
    from aiosmtpd.controller import Controller

    stop_signals = {signal.SIGTERM, signal.SIGINT}
    # Blocked before the server's thread starts, so that thread inherits the mask and sigwait gets them.
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    handler = CountingSink()
    controller = Controller(handler, hostname=SINK_HOST, port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait(stop_signals)
    controller.stop()
    print(handler.count, flush=True)


class SinkProcess:
    """The SMTP sink in a process of its own."""

    def __init__(self):
        self.port = free_loopback_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.mail", "--serve-sink", str(self.port)],
            cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, text=True,
            preexec_fn=die_with_parent,
        )
        if self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            raise SystemExit("The SMTP sink did not start.")

    def cpu_seconds(self) -> float:
        """CPU the sink used so far."""
        return process_cpu_seconds(self.process.pid) or 0.0

    def stop(self) -> int:
        """Stop the sink; returns how many messages it accepted in all."""
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        return int(output.strip() or 0)


# Setting up a round.

def seed_event(count: int) -> int:
    """An event starting in 30 minutes whose one-hour reminder is due, with `count` confirmed people."""
    now = utcnow().replace(microsecond=0)
    event = make_event(starts_at=now + timedelta(minutes=30), capacity=None, reminder_offsets=[60],
                       host_municipality_code="092", title_fi="Kunnan digituki kuntoon yhteistyöllä",
                       title_sv="Kommunens digitala stöd i skick genom samarbete",
                       title_en="Getting municipal digital support right together")
    event.contacts.append(ContactPerson(position=0, name="Päivi Mäkelä", title="Projektipäällikkö",
                                        organization="Vantaan kaupunki", email="paivi.makela@example.org",
                                        phone="+358 40 123 4567"))
    db.session.flush()
    registered_at = now - timedelta(days=1)
    rows = []
    for n in range(count):
        # The same derivation as issue_manage_token, without an ORM object per row.
        tokens = SimpleNamespace(manage_token_nonce=None, manage_token_hash=None)
        issue_manage_token(tokens)
        rows.append({
            "event_id": event.id, "email": f"osallistuja{n}-e{event.id}@example.org",
            "first_name": "Äimä", "last_name": f"Öhman-Jääskeläinen {n}", "municipality_code": "092",
            "language": LANGUAGES[n % len(LANGUAGES)], "privacy_notice_version": "2026-11",
            "privacy_consented_at": registered_at, "status": "confirmed", "attended": "unknown",
            "future_events_consent": False, "manage_token_nonce": tokens.manage_token_nonce,
            "manage_token_hash": tokens.manage_token_hash, "created_at": registered_at,
            "updated_at": registered_at, "confirmed_at": registered_at,
        })
    db.session.execute(insert(Registration), rows)
    db.session.commit()
    return event.id


def reminder_rows(event_id: int):
    """The select of the event's reminder rows."""
    return (select(Message).join(Message.registration)
            .where(Registration.event_id == event_id, Message.kind == "reminder"))


def reminder_statuses(event_id: int) -> dict[str, int]:
    """How many of the event's reminders are in each status, read afresh."""
    db.session.rollback()
    query = (select(Message.status, func.count()).join(Message.registration)
             .where(Registration.event_id == event_id, Message.kind == "reminder").group_by(Message.status))
    return dict(db.session.execute(query).all())


# Measuring.

@dataclass
class Round:
    """What one round measured."""

    count: int
    load: float
    plan_seconds: float = 0.0
    first_seconds: float = 0.0
    last_seconds: float = 0.0
    service_cpu_ms: dict[str, float] = field(default_factory=dict)
    raw_message_seconds: float = 0.0
    raw_bytes_seconds: float = 0.0
    raw_cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def service_rate(self) -> float:
        """Messages per second from calling the planner until the last was sent."""
        return self.count / self.last_seconds

    @property
    def raw_message_rate(self) -> float:
        """Messages per second of the raw send_message loop."""
        return self.count / self.raw_message_seconds

    @property
    def raw_bytes_rate(self) -> float:
        """Messages per second of the raw sendmail-of-bytes loop."""
        return self.count / self.raw_bytes_seconds


class Meter:
    """CPU seconds of the worker's process group, the database's backends, the sink and this process."""

    def __init__(self, worker: CeleryProcess | None, database: ScratchDatabase, sink: SinkProcess):
        self.worker, self.database, self.sink = worker, database, sink

    def sample(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of every process, by where it runs."""
        worker = process_group(self.worker.process.pid) if self.worker else []
        return {
            "worker": {pid: cpu for pid in worker if (cpu := process_cpu_seconds(pid)) is not None},
            "db": {pid: cpu for pid in self.database.backend_pids()
                   if (cpu := process_cpu_seconds(pid)) is not None},
            "sink": {0: self.sink.cpu_seconds()},
            "bench": {0: time.process_time()},
        }

    @staticmethod
    def per_message_ms(before: dict, after: dict, count: int) -> dict[str, float]:
        """CPU milliseconds per message by place; a process born in between counts from zero."""
        return {where: sum(cpu - before[where].get(pid, 0.0) for pid, cpu in after[where].items()) * 1000 / count
                for where in after}


def run_service(event_id: int, count: int, meter: Meter, worker: CeleryProcess, result: Round) -> None:
    """Plan the reminders, let the worker send them, and time it until the last is sent."""
    before = meter.sample()
    started_at = datetime.now(timezone.utc)
    started = time.monotonic()
    planned = plan_reminders()
    db.session.commit()  # the after-commit hook enqueues one delivery task per 200 rows
    result.plan_seconds = time.monotonic() - started
    if planned != count:
        raise SystemExit(f"Planned {planned} reminders, expected {count}.")

    # Polled twice a second, not faster: the poll's queries take CPU from the worker. The end is
    # read from the rows' sent_at, so the interval does not blur it.
    while (statuses := reminder_statuses(event_id)).get("sent") != count:
        if set(statuses) - {"pending", "sending", "sent"}:
            raise SystemExit(f"Some reminders did not go out: {statuses}")
        if worker.process.poll() is not None:
            raise SystemExit(f"The worker exited:\n{worker.log}")
        time.sleep(0.5)
    result.service_cpu_ms = Meter.per_message_ms(before, meter.sample(), count)
    first, last = db.session.execute(
        select(func.min(Message.sent_at), func.max(Message.sent_at))
        .where(Message.id.in_(reminder_rows(event_id).with_only_columns(Message.id)))
    ).one()
    result.first_seconds = (first - started_at).total_seconds()
    result.last_seconds = (last - started_at).total_seconds()


def run_raw(event_id: int, sink: SinkProcess, database: ScratchDatabase, result: Round) -> None:
    """Compose the same rows here, then send them over one connection: composed messages, then bytes."""
    messages = [compose(message) for message in db.session.execute(reminder_rows(event_id)).scalars()]
    serialized = [(message["From"], [message["To"].addresses[0].addr_spec], message.as_bytes(policy=TRANSPORT_POLICY))
                  for message in messages]
    for message in messages:
        # What SMTPMailer does: smtplib serializes with the message's own policy.
        message.policy = TRANSPORT_POLICY
    meter = Meter(None, database, sink)
    with smtplib.SMTP(SINK_HOST, sink.port, timeout=60) as connection:
        before = meter.sample()
        started = time.monotonic()
        for message in messages:
            connection.send_message(message)
        result.raw_message_seconds = time.monotonic() - started
        result.raw_cpu_ms = Meter.per_message_ms(before, meter.sample(), result.count)
        started = time.monotonic()
        for sender, recipients, data in serialized:
            connection.sendmail(sender, recipients, data)
        result.raw_bytes_seconds = time.monotonic() - started


# Where deliver_due's time goes: (label, file the function is in, function name).
PROFILED_PARTS = (
    ("claim (FOR UPDATE SKIP LOCKED + UPDATE)", "app/services/outbox.py", "claim"),
    ("batch read (load_batch)", "app/services/outbox.py", "load_batch"),
    ("compose (templates, MIME build)", "app/services/composer.py", "compose"),
    ("SMTP send (serialization + socket)", "app/services/transport.py", "send"),
    ("per-message commit", "sqlalchemy/orm/scoping.py", "commit"),
)


def profile_delivery(count: int) -> None:
    """cProfile the worker's code path over `count` fresh reminders, in this process."""
    event_id = seed_event(count)
    plan_reminders()
    db.session.commit()
    profiler = cProfile.Profile()
    started = time.monotonic()
    profiler.enable()
    report = deliver_due()
    profiler.disable()
    seconds = time.monotonic() - started
    print(f"\nIn-process deliver_due of {len(report.sent)} reminders: {seconds:.1f} s,"
          f" {len(report.sent) / seconds:.0f} msg/s on one core (cProfile overhead included)")
    stats = pstats.Stats(profiler)
    total = max(cumulative for (_cc, _nc, _tt, cumulative, _callers) in stats.stats.values())
    for label, path, name in PROFILED_PARTS:
        cumulative = sum(ct for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
                         if filename.endswith(path) and function == name)
        print(f"  {label:<40} {cumulative / total:6.1%}  {cumulative * 1000 / max(len(report.sent), 1):6.2f} ms/msg")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
    print(stream.getvalue())
    if reminder_statuses(event_id).get("sent") != count:
        print("warning: not every profiled reminder was sent")


def worker_environment(app, database: ScratchDatabase, sink: SinkProcess, secret: str) -> dict[str, str]:
    """The worker's environment: the production config on the bench's database, broker and sink."""
    environment = {key: value for key, value in os.environ.items() if key not in INHERITED_SETTINGS_DROPPED}
    environment.update({
        "APP_CONFIG": "production",
        "SECRET_KEY": secret,
        "DATABASE_URL": database.url,
        "REDIS_URL": app.config["REDIS_URL"],
        "SMTP_HOST": SINK_HOST,
        "SMTP_PORT": str(sink.port),
        "BASE_URL": app.config["BASE_URL"],
        "MAIL_FROM": app.config["MAIL_FROM"],
    })
    return environment


def print_report(rounds: list[Round], concurrency: int) -> None:
    """The medians over rounds against the target."""
    def median(values) -> float:
        return statistics.median(list(values))

    service = median(r.service_rate for r in rounds)
    raw_message = median(r.raw_message_rate for r in rounds)
    raw_bytes = median(r.raw_bytes_rate for r in rounds)
    print()
    print(f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  {machine()}")
    print(f"worker: prefork, --concurrency={concurrency}; {rounds[0].count} reminders per round,"
          f" {len(rounds)} round(s), medians; load average at round start: "
          + ", ".join(f"{r.load:.1f}" for r in rounds))
    print()
    print(f"{'':<40} {'msg/s':>8} {'seconds':>8}")
    print(f"{'service: planner call -> last sent':<40} {service:>8.0f} {median(r.last_seconds for r in rounds):>8.1f}")
    print(f"{'  of which planning (plan + commit)':<40} {'':>8} {median(r.plan_seconds for r in rounds):>8.1f}")
    print(f"{'  first reminder sent after':<40} {'':>8} {median(r.first_seconds for r in rounds):>8.1f}")
    print(f"{'raw loop: send_message, one connection':<40} {raw_message:>8.0f}"
          f" {median(r.raw_message_seconds for r in rounds):>8.1f}")
    print(f"{'raw loop: sendmail of bytes':<40} {raw_bytes:>8.0f} {median(r.raw_bytes_seconds for r in rounds):>8.1f}")
    print()
    share = service / raw_message
    verdict = "met" if share >= TARGET_SHARE else "MISSED"
    print(f"service / raw send_message: {share:.0%} (target >= {TARGET_SHARE:.0%}): {verdict}")
    print(f"service / raw sendmail of bytes: {service / raw_bytes:.0%}")
    print()
    places = ("worker", "db", "sink", "bench")
    print("CPU ms per message    " + " ".join(f"{p:>7}" for p in places) + "    total")
    for name, key in (("service", "service_cpu_ms"), ("raw send_message", "raw_cpu_ms")):
        cpu = {p: median(getattr(r, key).get(p, 0.0) for r in rounds) for p in places}
        print(f"{name:<22}" + " ".join(f"{cpu[p]:>7.2f}" for p in places) + f" {sum(cpu.values()):>8.2f}")


def measure(args, sink: SinkProcess, rounds: list[Round]) -> None:
    """Set up the database, broker and worker, run the rounds (and the profile), and tidy up."""
    secret = secrets.token_hex(16)
    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL) as broker, \
            tempfile.TemporaryDirectory() as scratch:
        app = create_app("production", SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI=database.url, REDIS_URL=broker.url,
                         SMTP_HOST=SINK_HOST, SMTP_PORT=sink.port, BASE_URL="https://kuntatutor.example.org",
                         MAIL_FROM="Kuntatutor <kuntatutor@example.org>",
                         RATELIMIT_STORAGE_URI="memory://")
        worker = None
        try:
            with app.app_context():
                upgrade()
                load_municipalities()
                db.session.commit()
            worker = CeleryProcess(Path(scratch) / "worker.log",
                                   *worker_arguments("--pool=prefork", f"--concurrency={args.concurrency}"),
                                   env=worker_environment(app, database, sink, secret))
            wait_for(lambda: " ready." in worker.log, [worker], "worker start", timeout=120)
            meter = Meter(worker, database, sink)
            with app.app_context():
                for number in range(1, args.rounds + 1):
                    event_id = seed_event(args.count)
                    database.vacuum_analyze()
                    result = Round(args.count, load=os.getloadavg()[0])
                    run_service(event_id, args.count, meter, worker, result)
                    print(f"  round {number}: service {result.service_rate:.0f} msg/s"
                          f" (last after {result.last_seconds:.1f} s)", flush=True)
                    run_raw(event_id, sink, database, result)
                    print(f"  round {number}: raw send_message {result.raw_message_rate:.0f} msg/s,"
                          f" sendmail of bytes {result.raw_bytes_rate:.0f} msg/s", flush=True)
                    rounds.append(result)
                if args.profile:
                    stop(worker)
                    profile_delivery(args.profile)
        finally:
            if worker is not None:
                stop(worker)
                errors = [line for line in worker.log.splitlines() if "ERROR" in line or "Traceback" in line]
                if errors:
                    print(f"worker log: {len(errors)} error lines; first: {errors[0]}")
            app.extensions["celery"].close()
            with app.app_context():
                db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="confirmed registrations, so reminders, per round")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count(), help="worker pool children")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also profile delivering N in-process")
    parser.add_argument("--serve-sink", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        serve_sink(args.serve_sink)
        return

    print(machine(), flush=True)
    rounds: list[Round] = []
    sink = SinkProcess()
    try:
        measure(args, sink, rounds)
    finally:
        accepted = sink.stop()
    print_report(rounds, args.concurrency)
    expected = sum(3 * r.count for r in rounds) + args.profile
    print(f"\nthe sink accepted {accepted} messages (expected {expected})")


if __name__ == "__main__":
    main()
