"""Registration throughput and latency under gunicorn and PostgreSQL, against a bare Flask app.

Run by hand from the project root (not part of the test suite):

    .venv/bin/python -m bench.registration                 # one full round, about 5 minutes
    .venv/bin/python -m bench.registration --rounds 3      # medians of three interleaved rounds
    .venv/bin/python -m bench.registration --duration 5 --warmup 1 --concurrency 8 --apps real

It creates a scratch PostgreSQL database and uses an empty Redis database as the Celery broker and
the rate limits' store (both emptied or dropped at the end), serves the real app with the
production config (CSRF on, rate limits on behind one trusted proxy, plain http) and
bench/bare_app.py with the same gunicorn settings, and drives both with closed-loop clients on
127.0.0.1: each client GETs the form, takes the CSRF token from it and POSTs a valid registration
with a new email from an X-Forwarded-For address of its own, over and over, with its own cookie
jar and kept-alive connection. Every real-app cell gets a new event with room for all (capacity 1,000,000,
so the seat count runs); at each concurrency a second cell pre-loads the new event with --existing
registrations. Rounds alternate which app and which event size go first.

Besides registrations/s and POST latency it reports the CPU each registration cost in the app's
processes, in the database's backends and in the load generator, read from /proc. Those figures
hold up when other work shares the machine; wall-clock figures do not, so the load average at the
start of every cell is printed too.
"""

import argparse
import http.client
import os
import platform
import re
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.extensions import db
from app.services.municipalities import load_municipalities
from bench import bare_app
from tests.factories import make_event
from tests.gunicorn_server import GunicornServer

POSTGRES_SERVER_URL = os.environ.get(
    "BENCH_POSTGRES_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The broker the real app wakes workers through, as in production; no worker reads it here.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Targets the figures are judged by.
BARE_SHARE_AT_8 = 0.60
P99_LIMIT_AT_32_MS = 150.0
SLOWDOWN_WITH_EXISTING = 0.10


@dataclass
class Cell:
    """The measured outcome of one app at one concurrency in one round."""

    app: str
    concurrency: int
    existing: int
    seconds: float
    load: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Successful registrations per second in the measured window."""
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        """POST latency percentile in milliseconds (nearest rank)."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def cpu_ms_per_registration(self, where: str) -> float:
        """CPU milliseconds one registration cost in the app server, the database or the clients."""
        return self.cpu_seconds.get(where, 0.0) * 1000 / len(self.latencies_ms) if self.latencies_ms else float("nan")


class Client:
    """One browser: a keep-alive connection and a cookie jar, registering over and over."""

    def __init__(self, host: str, port: int, form_path: str, prefix: str, number: int = 0):
        self.host, self.port = host, port
        self.form_path = form_path
        self.prefix = prefix
        self.number = number
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.sent = 0

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        """One request on the kept-alive connection; a connection the server closed while idle is reopened."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        # Each sign-up comes from an address of its own through the one trusted proxy, as people
        # from many municipalities do: the rate limits run (and cost what they cost) but never refuse.
        headers["X-Forwarded-For"] = f"10.{self.number % 256}.{self.sent // 256 % 256}.{self.sent % 256}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read().decode(errors="replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:
                    continue
                raise
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, payload
        raise AssertionError("unreachable")

    def register_once(self) -> tuple[float, str | None]:
        """GET the form, POST a registration; returns the POST's latency in ms and an error, if any."""
        status, page = self.request("GET", self.form_path)
        token = CSRF_INPUT.search(page)
        if status != 200 or token is None:
            return 0.0, f"GET {status}" + ("" if token else ", no CSRF token")
        self.sent += 1
        body = urlencode({
            "csrf_token": token.group(1), "first_name": "Aino", "last_name": f"Virtanen{self.sent}",
            "email": f"{self.prefix}-{self.sent}@example.org", "municipality": "092", "language": "fi",
            "privacy_consent": "y",
        })
        started = time.perf_counter()
        status, _page = self.request("POST", self.form_path, body)
        latency = (time.perf_counter() - started) * 1000
        return latency, None if status in (302, 303) else f"POST {status}"

    def close(self) -> None:
        """Drop the connection."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of a process so far, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_group(pgid: int) -> list[int]:
    """The processes of a process group: a gunicorn master and its workers."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                members.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return members


class CpuMeter:
    """CPU used by an app server's processes, the scratch database's backends and this load generator."""

    def __init__(self, server: GunicornServer, database: "ScratchDatabase"):
        self.server = server
        self.database = database

    def sample(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of every process, by where it runs."""
        backends = self.database.backend_pids()
        server = process_group(self.server.process.pid)
        return {
            "app": {pid: cpu for pid in server if (cpu := process_cpu_seconds(pid)) is not None},
            "db": {pid: cpu for pid in backends if (cpu := process_cpu_seconds(pid)) is not None},
            "client": {0: time.process_time()},
        }

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        """CPU seconds used between two samples; a process born in between counts from zero."""
        return {where: sum(cpu - before[where].get(pid, 0.0) for pid, cpu in after[where].items()) for where in after}


def drive(server: GunicornServer, meter: CpuMeter, form_path: str, concurrency: int, warmup: float,
          cell: Cell) -> None:
    """Closed-loop load: `concurrency` clients for warmup + cell.seconds; only the last cell.seconds count."""
    start = time.monotonic() + warmup
    end = start + cell.seconds
    lock = threading.Lock()
    run_id = uuid.uuid4().hex[:8]

    def client_loop(n: int) -> None:
        client = Client(server.host, server.port, form_path, f"{cell.app}-{run_id}-{n}", n)
        try:
            while (began := time.monotonic()) < end:
                try:
                    latency, error = client.register_once()
                except OSError as failure:
                    latency, error = 0.0, f"{type(failure).__name__}: {failure}"
                    client.close()
                if start <= began and time.monotonic() <= end:
                    with lock:
                        if error:
                            cell.errors.append(error)
                        else:
                            cell.latencies_ms.append(latency)
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.monotonic()))
    before = meter.sample()
    time.sleep(max(0.0, end - time.monotonic()))
    cell.cpu_seconds = CpuMeter.used(before, meter.sample())
    for thread in threads:
        thread.join()


class ScratchDatabase:
    """A PostgreSQL database of the bench's own, created empty and dropped at the end."""

    def __init__(self, server_url: str):
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.name = f"kt_bench_{uuid.uuid4().hex[:12]}"
        self.url = make_url(server_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> "ScratchDatabase":
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc_info) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()

    def backend_pids(self) -> list[int]:
        """The server processes working for this database (connections and autovacuum)."""
        with self.admin.connect() as connection:
            return list(connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": self.name}
            ).scalars())

    def vacuum_analyze(self) -> None:
        """What autovacuum would have done to rows loaded a while ago."""
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()


class ScratchRedis:
    """A Redis database that must be empty at the start; emptied again at the end."""

    def __init__(self, url: str):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2)

    def __enter__(self) -> "ScratchRedis":
        if self.client.dbsize():
            raise SystemExit(f"{self.url} is not empty; point BENCH_REDIS_URL at an unused Redis database.")
        return self

    def __exit__(self, *exc_info) -> None:
        self.client.flushdb()
        self.client.close()


def seed_registrations(event_id: int, count: int) -> None:
    """`count` confirmed registrations on the event, each with its sent confirmation, as after a busy week."""
    if count == 0:
        return
    db.session.execute(text("""
        INSERT INTO registration (event_id, email, first_name, last_name, municipality_code, language,
            privacy_notice_version, privacy_consented_at, future_events_consent, status, attended,
            manage_token_nonce, manage_token_hash, created_at, updated_at, confirmed_at)
        SELECT :event_id, 'seed' || g || '-e' || :event_id || '@example.org', 'Aino', 'Virtanen' || g, '092', 'fi',
            '2026-11', now(), false, 'confirmed', 'unknown',
            md5(random()::text), md5('e' || :event_id || '-' || g) || md5(g::text), now(), now(), now()
        FROM generate_series(1, :count) AS g
    """), {"event_id": event_id, "count": count})
    db.session.execute(text("""
        INSERT INTO message (kind, registration_id, dedupe_key, due_at, status, attempts, sent_at, message_id,
            created_at)
        SELECT 'confirmation', id, 'r' || id || :suffix, now(), 'sent', 1, now(),
            '<' || md5(random()::text) || '@kuntatutor>', now()
        FROM registration WHERE event_id = :event_id
    """), {"event_id": event_id, "suffix": ":confirmation"})
    # Written in SQL, so the event's count of confirmed seats is told here.
    db.session.execute(text("UPDATE event SET confirmed_count = confirmed_count + :count WHERE id = :event_id"),
                       {"event_id": event_id, "count": count})
    db.session.commit()


def new_real_event(setup_app, database: ScratchDatabase, existing: int) -> str:
    """A published event with room for everyone, carrying `existing` registrations; returns its slug."""
    with setup_app.app_context():
        event = make_event(capacity=1_000_000, waitlist_enabled=True)
        db.session.commit()
        seed_registrations(event.id, existing)
        slug = event.slug
    database.vacuum_analyze()
    return slug


def reset_bare_table(bare, database: ScratchDatabase, existing: int) -> None:
    """Empty the bare app's table, then load `existing` rows."""
    with bare.app_context():
        bare_app.db.session.execute(text("TRUNCATE bare_signup RESTART IDENTITY"))
        if existing:
            bare_app.db.session.execute(text("""
                INSERT INTO bare_signup (email, first_name, last_name, created_at)
                SELECT 'seed' || g || '@example.org', 'Aino', 'Virtanen' || g, now() FROM generate_series(1, :n) g
            """), {"n": existing})
        bare_app.db.session.commit()
    database.vacuum_analyze()


def machine() -> str:
    """CPU count and model, memory and Python, for the report."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} CPUs ({model}), {memory_kb / 1024 / 1024:.1f} GiB RAM,"
            f" Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")


@dataclass
class Summary:
    """The median over rounds of one (existing, concurrency, app) cell."""

    existing: int
    concurrency: int
    app: str
    rate: float
    p50: float
    p99: float
    cpu_ms: dict[str, float]
    load: float
    errors: int
    samples: int


def summarize(cells: list[Cell]) -> list[Summary]:
    """Medians over rounds, by event size, then concurrency, then app in the order first run."""
    apps = list(dict.fromkeys(c.app for c in cells))
    keys = sorted(dict.fromkeys((c.existing, c.concurrency, c.app) for c in cells),
                  key=lambda key: (key[0], key[1], apps.index(key[2])))
    summaries = []
    for existing, concurrency, app in keys:
        group = [c for c in cells if (c.existing, c.concurrency, c.app) == (existing, concurrency, app)]
        summaries.append(Summary(
            existing, concurrency, app,
            rate=statistics.median(c.rate for c in group),
            p50=statistics.median(c.percentile(50) for c in group),
            p99=statistics.median(c.percentile(99) for c in group),
            cpu_ms={where: statistics.median(c.cpu_ms_per_registration(where) for c in group)
                    for where in ("app", "db", "client")},
            load=statistics.median(c.load for c in group),
            errors=sum(len(c.errors) for c in group),
            samples=sum(len(c.latencies_ms) for c in group),
        ))
    return summaries


def print_table(summaries: list[Summary]) -> None:
    """One line per cell: throughput, latency, CPU per registration, machine load."""
    print(f"{'existing':>8} {'conc':>4} {'app':<4} {'reg/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
          f" {'CPU ms/reg: app':>15} {'db':>5} {'client':>6} {'load':>5} {'errors':>6}")
    for s in summaries:
        print(f"{s.existing:>8} {s.concurrency:>4} {s.app:<4} {s.rate:>7.1f} {s.p50:>7.1f} {s.p99:>7.1f}"
              f" {s.cpu_ms['app']:>15.1f} {s.cpu_ms['db']:>5.1f} {s.cpu_ms['client']:>6.1f}"
              f" {s.load:>5.1f} {s.errors:>6}")


def print_targets(summaries: list[Summary], existing: int) -> None:
    """The figures against the targets, and CPU per registration, which other load barely moves."""
    def find(app: str, concurrency: int, loaded: int) -> Summary | None:
        return next((s for s in summaries if (s.app, s.concurrency, s.existing) == (app, concurrency, loaded)), None)

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    real8, bare8 = find("real", 8, 0), find("bare", 8, 0)
    if real8 and bare8 and bare8.rate:
        # Wall-clock rates flatter the real app on a busy machine (other work caps the faster bare
        # app more), so the verdict takes the worse of that share and the share of CPU per sign-up.
        rate_share = real8.rate / bare8.rate
        real_cpu, bare_cpu = (sum(s.cpu_ms[w] for w in ("app", "db")) for s in (real8, bare8))
        cpu_share = bare_cpu / real_cpu
        share = min(rate_share, cpu_share)
        print(f"real / bare at c=8: {share:.0%}, the worse of reg/s {rate_share:.0%} and CPU per registration"
              f" (app + db: real {real_cpu:.1f} ms, bare {bare_cpu:.1f} ms) {cpu_share:.0%}"
              f" (target >= {BARE_SHARE_AT_8:.0%}): {verdict(share >= BARE_SHARE_AT_8)}")
    real32 = find("real", 32, 0)
    if real32:
        print(f"real p99 at c=32: {real32.p99:.0f} ms (target < {P99_LIMIT_AT_32_MS:.0f} ms):"
              f" {verdict(real32.p99 < P99_LIMIT_AT_32_MS)}")
    for concurrency in sorted({s.concurrency for s in summaries}):
        fresh, loaded = find("real", concurrency, 0), find("real", concurrency, existing)
        if fresh and loaded and fresh.rate and existing:
            slowdown = 1 - loaded.rate / fresh.rate
            print(f"real with {existing} existing at c={concurrency}: {fresh.rate:.1f} -> {loaded.rate:.1f} reg/s,"
                  f" {slowdown:.0%} slower (target <= {SLOWDOWN_WITH_EXISTING:.0%}):"
                  f" {verdict(slowdown <= SLOWDOWN_WITH_EXISTING)};"
                  f" CPU ms/reg app {fresh.cpu_ms['app']:.1f} -> {loaded.cpu_ms['app']:.1f},"
                  f" db {fresh.cpu_ms['db']:.1f} -> {loaded.cpu_ms['db']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each cell")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every cell, report medians")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                        help="gunicorn's worker class; sync is its default and the README's production command")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker with --worker-class gthread")
    parser.add_argument("--existing", type=int, default=20000, help="registrations on the event in the loaded cells")
    parser.add_argument("--apps", nargs="+", default=["real", "bare"], choices=["real", "bare"])
    args = parser.parse_args()

    print(machine())
    shape = f"{args.threads} threads (gthread)" if args.worker_class == "gthread" else "1 request at a time (sync)"
    print(f"gunicorn: {args.workers} workers x {shape}; {args.warmup:g} s warm-up,"
          f" {args.duration:g} s measured per cell, {args.rounds} round(s)", flush=True)
    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL) as broker, \
            tempfile.TemporaryDirectory() as scratch:
        setup_app = create_app("testing", SQLALCHEMY_DATABASE_URI=database.url)
        with setup_app.app_context():
            upgrade()
            load_municipalities()
            db.session.commit()
        bare = bare_app.create_app(database.url)
        with bare.app_context():
            bare_app.db.create_all()
        real_env = {
            "APP_CONFIG": "production",
            "SECRET_KEY": uuid.uuid4().hex,
            "DATABASE_URL": database.url,
            "REDIS_URL": broker.url,
            # Required in production; the web process only writes the outbox and no worker runs.
            "SMTP_HOST": "127.0.0.1",
            "BASE_URL": "https://kuntatutor.example.org",
            "MAIL_FROM": "Kuntatutor <kuntatutor@example.org>",
            "SESSION_COOKIE_SECURE": "false",
            # Rate limits on, counted in Redis, as in production: with them off the bench reported
            # a better share than a harness measuring the production configuration.
            "TRUSTED_PROXIES": "1",
            "MAIL_FOLDER": str(Path(scratch) / "mail"),
        }
        bare_env = {"SECRET_KEY": uuid.uuid4().hex, "DATABASE_URL": database.url}
        servers = {
            name: GunicornServer(spec, env, workers=args.workers, threads=args.threads, worker_class=args.worker_class)
            for name, spec, env in (("real", "app:create_app()", real_env),
                                    ("bare", "bench.bare_app:create_app()", bare_env))
        }
        cells: list[Cell] = []
        try:
            for name in args.apps:
                servers[name].start()
            for round_number in range(args.rounds):
                # Alternate which app and which event size go first, so neither a drift in background
                # load nor the servers' age favours one.
                order = args.apps if round_number % 2 == 0 else list(reversed(args.apps))
                sizes = (0, args.existing) if args.existing else (0,)
                sizes = sizes if round_number % 2 == 0 else tuple(reversed(sizes))
                for concurrency in args.concurrency:
                    for existing in sizes:
                        for name in order:
                            if name == "real":
                                form_path = f"/events/{new_real_event(setup_app, database, existing)}/register"
                            else:
                                reset_bare_table(bare, database, existing)
                                form_path = "/register"
                            cell = Cell(name, concurrency, existing, args.duration, load=os.getloadavg()[0])
                            drive(servers[name], CpuMeter(servers[name], database), form_path, concurrency,
                                  args.warmup, cell)
                            cells.append(cell)
                            print(f"  round {round_number + 1} {name:<4} c={concurrency:<3} existing={existing:<5}"
                                  f" {cell.rate:7.1f} reg/s  p50 {cell.percentile(50):6.1f} ms"
                                  f"  p99 {cell.percentile(99):6.1f} ms  errors {len(cell.errors)}"
                                  + (f" (first: {cell.errors[0]})" if cell.errors else ""), flush=True)
        finally:
            for server in servers.values():
                server.stop()
            with setup_app.app_context():
                db.engine.dispose()
            with bare.app_context():
                bare_app.db.engine.dispose()
        summaries = summarize(cells)
        print()
        print_table(summaries)
        print()
        print_targets(summaries, args.existing)
        for name, server in servers.items():
            errors = [line for line in server.log().splitlines() if "ERROR" in line or "Traceback" in line]
            if errors:
                print(f"{name} server log: {len(errors)} error lines; first: {errors[0]}")


if __name__ == "__main__":
    main()
