"""Attendee exports and the attendee list under gunicorn and PostgreSQL, against a raw csv.writer.

Run by hand from the project root (not part of the test suite):

    .venv/bin/python -m bench.export                       # 10,000 and 100,000 rows, about 3 minutes
    .venv/bin/python -m bench.export --sizes 1000 10000    # a quicker look
    .venv/bin/python -m bench.export --help

It creates a scratch PostgreSQL database (dropped at the end) and uses an empty Redis database as
the app's broker (emptied at the end), loads events with 10,000, 100,000 and 20,000 registrations,
serves the real app with the production config under gunicorn (one sync worker by default, so the
worker measured is the one that served), logs in as an organizer and downloads each export through
the real endpoints. For every download it reports the time to the first and the last byte and the
worker's peak resident memory while serving it (the kernel's high-water mark, reset before each
request through /proc/PID/clear_refs), and in the same run a raw csv.writer writing the same query's
rows to a file. Then it times the attendee list page with filters on the 20,000-registration event.
"""

import argparse
import csv
import http.client
import os
import re
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.models import Municipality
from app.services.attendees import AttendeeFilters, export_query
from app.services.municipalities import load_municipalities
from app.services.organizers import create_organizer
from bench.registration import POSTGRES_SERVER_URL, ScratchDatabase, ScratchRedis, machine, process_group
from tests.factories import make_event
from tests.gunicorn_server import GunicornServer

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
EMAIL, PASSWORD = "bench@example.org", "bench-password-long-enough"
# Targets the figures are judged by.
CSV_OVER_RAW = 3.0
MEMORY_GROWTH_MB = 50.0
LIST_PAGE_MS = 200.0
LIST_EVENT_SIZE = 20_000
# The list page as organizers use it: plain, searched, filtered and sorted, and deep in the pages.
LIST_QUERIES = {
    "first page": {},
    "search 'virtanen'": {"q": "virtanen"},
    "status + municipality": {"status": "confirmed", "municipality": "092"},
    "sorted by name, page 200": {"sort": "name", "page": 200},
    "all filters, by municipality desc": {"status": "confirmed", "attended": "unknown", "q": "example",
                                          "sort": "municipality", "dir": "desc"},
}


def seed_registrations(event_id: int, count: int, codes: list[str]) -> None:
    """`count` registrations: most confirmed, some waitlisted or cancelled, names with ä/ö/å, some texts a formula."""
    db.session.execute(text("""
        INSERT INTO registration (event_id, email, first_name, last_name, municipality_code, organization,
            job_title, language, questions, accessibility_needs, privacy_notice_version, privacy_consented_at,
            future_events_consent, status, attended, manage_token_nonce, manage_token_hash,
            created_at, updated_at, confirmed_at, cancelled_at)
        SELECT :event_id, 'person' || g || '-e' || :event_id || '@example.org',
            (ARRAY['Aino', 'Äijä', 'Björn', 'Öllö', 'Matti'])[1 + g % 5], 'Virtanen-Åkerlund' || g,
            CASE WHEN g % 10 = 3 THEN NULL ELSE (CAST(:codes AS text[]))[1 + g % cardinality(CAST(:codes AS text[]))] END,
            CASE WHEN g % 10 = 3 THEN 'Digituki ry' END,
            CASE WHEN g % 4 = 0 THEN 'Digitukihenkilö' END,
            (ARRAY['fi', 'sv', 'en'])[1 + g % 3],
            CASE WHEN g % 5 = 0 THEN 'Miten tavoitamme ikäihmiset? Entä saamenkieliset?' WHEN g % 97 = 0 THEN '=1+1' END,
            CASE WHEN g % 20 = 0 THEN 'Tekstitys' END,
            '2026-11', now() - g * interval '1 second', g % 2 = 0,
            CASE g % 10 WHEN 0 THEN 'waitlisted' WHEN 1 THEN 'cancelled' ELSE 'confirmed' END,
            (ARRAY['yes', 'no', 'unknown'])[1 + g % 3],
            md5('n' || :event_id || '-' || g), md5('e' || :event_id || '-' || g) || md5(g::text),
            now() - g * interval '1 second', now(), CASE WHEN g % 10 <> 0 THEN now() END,
            CASE WHEN g % 10 = 1 THEN now() END
        FROM generate_series(1, :count) AS g
    """), {"event_id": event_id, "count": count, "codes": codes})
    db.session.commit()


class Browser:
    """One organizer's browser: a kept-alive connection and a cookie jar."""

    def __init__(self, server: GunicornServer):
        self.server = server
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=600)

    def request(self, method: str, path: str, body: str | None = None, sink=None) -> tuple[int, float, float, int]:
        """Status, seconds to the first and to the last byte, and bytes read; the body goes to `sink` or is dropped."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        first = response.read(1)
        first_byte = time.perf_counter() - started
        size = len(first)
        if sink is not None:
            sink.write(first)
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            if sink is not None:
                sink.write(chunk)
        last_byte = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, first_byte, last_byte, size

    def page(self, path: str) -> str:
        """The text of a page."""
        with tempfile.SpooledTemporaryFile() as sink:
            self.request("GET", path, sink=sink)
            sink.seek(0)
            return sink.read().decode()

    def log_in(self) -> None:
        """Log in through the login form, CSRF token and all."""
        token = CSRF_INPUT.search(self.page("/organizer/login")).group(1)
        status, *_ = self.request("POST", "/organizer/login",
                                  urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD}))
        if status != 302:
            raise SystemExit(f"Logging in failed with {status}")


def reset_peak_memory(pids: list[int]) -> None:
    """Reset the kernel's record of each process's peak resident memory (Linux, clear_refs 5)."""
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def memory_mb(pid: int, field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of a process, in MiB."""
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def workers(server: GunicornServer) -> list[int]:
    """The gunicorn worker processes (the group without its master)."""
    return [pid for pid in process_group(server.process.pid) if pid != server.process.pid]


@dataclass
class Download:
    """One export through the endpoint."""

    file_format: str
    rows: int
    status: int
    first_byte: float
    last_byte: float
    size: int
    peak_mb: float
    before_mb: float


def download(browser: Browser, server: GunicornServer, event_id: int, file_format: str, rows: int) -> Download:
    """Download an export, measuring its times and the serving worker's peak memory."""
    pids = workers(server)
    before = max(memory_mb(pid, "VmRSS") for pid in pids)
    reset_peak_memory(pids)
    status, first_byte, last_byte, size = browser.request("GET", f"/organizer/events/{event_id}/attendees.{file_format}")
    peak = max(memory_mb(pid, "VmHWM") for pid in pids)
    return Download(file_format, rows, status, first_byte, last_byte, size, peak, before)


def raw_csv_seconds(setup_app, event_id: int) -> float:
    """A bare csv.writer over the export's query, through a server-side cursor, to a file: the floor."""
    with setup_app.app_context(), tempfile.TemporaryFile("w+", newline="") as file:
        query = export_query(event_id, AttendeeFilters(), "fi")
        started = time.perf_counter()
        with db.engine.connect() as connection:
            writer = csv.writer(file)
            for row in connection.execute(query.execution_options(yield_per=1000)):
                writer.writerow(row)
        file.flush()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=600, help="gunicorn's worker timeout, seconds")
    parser.add_argument("--list-requests", type=int, default=20, help="requests per list-page variant")
    args = parser.parse_args()
    print(machine())
    print(f"gunicorn: {args.workers} sync worker(s), timeout {args.timeout} s", flush=True)

    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL) as broker, \
            tempfile.TemporaryDirectory() as scratch:
        setup_app = create_app("testing", SQLALCHEMY_DATABASE_URI=database.url)
        events = {}
        with setup_app.app_context():
            upgrade()
            load_municipalities()
            create_organizer(EMAIL, "Bench Organizer", PASSWORD, role="admin")
            db.session.commit()
            codes = list(db.session.execute(select(Municipality.code).order_by(Municipality.code)).scalars())
            for size in [*args.sizes, LIST_EVENT_SIZE]:
                event = make_event(capacity=None)
                db.session.commit()
                started = time.perf_counter()
                seed_registrations(event.id, size, codes)
                events.setdefault(size, event.id)
                print(f"loaded {size:,} registrations in {time.perf_counter() - started:.1f} s", flush=True)
            db.engine.dispose()
        database.vacuum_analyze()
        env = {
            "APP_CONFIG": "production", "SECRET_KEY": uuid.uuid4().hex, "DATABASE_URL": database.url,
            "REDIS_URL": broker.url, "SMTP_HOST": "127.0.0.1", "BASE_URL": "https://kuntatutor.example.org",
            "MAIL_FROM": "Kuntatutor <kuntatutor@example.org>", "SESSION_COOKIE_SECURE": "false",
            "RATELIMIT_ENABLED": "false", "MAIL_FOLDER": str(Path(scratch) / "mail"),
        }
        server = GunicornServer("app:create_app()", env, workers=args.workers, worker_class="sync")
        server.command = wider_timeout(server.command, args.timeout)
        downloads: list[Download] = []
        raw: dict[int, float] = {}
        list_times: dict[str, list[float]] = {}
        try:
            server.start()
            browser = Browser(server)
            browser.log_in()
            # Warm the worker: imports, templates and the first queries are not what is measured.
            browser.request("GET", f"/organizer/events/{events[args.sizes[0]]}/attendees")
            for file_format in args.formats:
                browser.request("GET", f"/organizer/events/{events[args.sizes[0]]}/attendees.{file_format}")
            for size in args.sizes:
                raw[size] = raw_csv_seconds(setup_app, events[size])
                print(f"raw csv.writer, {size:,} rows: {raw[size]:.2f} s", flush=True)
                for file_format in args.formats:
                    result = download(browser, server, events[size], file_format, size)
                    downloads.append(result)
                    print(f"{file_format:<4} {size:>7,} rows: HTTP {result.status}, first byte {result.first_byte:.2f} s,"
                          f" last byte {result.last_byte:.2f} s, {result.size / 1e6:.1f} MB,"
                          f" worker peak {result.peak_mb:.0f} MiB (resident before {result.before_mb:.0f} MiB)",
                          flush=True)
            for name, query in LIST_QUERIES.items():
                path = f"/organizer/events/{events[LIST_EVENT_SIZE]}/attendees?{urlencode(query)}"
                times = []
                for _n in range(args.list_requests):
                    status, _first, last, _size = browser.request("GET", path)
                    if status != 200:
                        raise SystemExit(f"{path} answered {status}")
                    times.append(last * 1000)
                list_times[name] = times
        finally:
            server.stop()
            with setup_app.app_context():
                db.engine.dispose()
        errors = [line for line in server.log().splitlines() if "ERROR" in line or "Traceback" in line]
        report(args, downloads, raw, list_times, errors)


def wider_timeout(command, timeout: int):
    """GunicornServer's command line with another worker timeout (a 100,000-row Excel file takes a while)."""
    def with_timeout(fd: int) -> list[str]:
        line = command(fd)
        line[line.index("--timeout") + 1] = str(timeout)
        return line
    return with_timeout


def report(args, downloads: list[Download], raw: dict[int, float], list_times: dict[str, list[float]],
           errors: list[str]) -> None:
    """The figures against the targets."""
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print()
    print(f"{'format':<6} {'rows':>8} {'first byte s':>12} {'last byte s':>11} {'MB':>6} {'peak MiB':>8}"
          f" {'raw csv s':>9} {'x raw':>6}")
    for d in downloads:
        ratio = d.last_byte / raw[d.rows] if d.file_format == "csv" else float("nan")
        print(f"{d.file_format:<6} {d.rows:>8,} {d.first_byte:>12.2f} {d.last_byte:>11.2f} {d.size / 1e6:>6.1f}"
              f" {d.peak_mb:>8.0f} {raw[d.rows]:>9.2f} {ratio:>6.2f}")
    print()
    for d in downloads:
        if d.file_format == "csv" and d.status == 200:
            ratio = d.last_byte / raw[d.rows]
            print(f"CSV {d.rows:,} rows: {ratio:.2f}x the raw writer (target <= {CSV_OVER_RAW:g}x):"
                  f" {verdict(ratio <= CSV_OVER_RAW)}")
    small, large = min(args.sizes), max(args.sizes)
    for file_format in args.formats:
        by_size = {d.rows: d for d in downloads if d.file_format == file_format}
        if small != large and small in by_size and large in by_size:
            growth = by_size[large].peak_mb - by_size[small].peak_mb
            print(f"{file_format.upper()} worker peak {by_size[small].peak_mb:.0f} MiB at {small:,} rows ->"
                  f" {by_size[large].peak_mb:.0f} MiB at {large:,}: +{growth:.0f} MiB"
                  f" (target < {MEMORY_GROWTH_MB:g}): {verdict(growth < MEMORY_GROWTH_MB)}")
    print()
    print(f"Attendee list page at {LIST_EVENT_SIZE:,} registrations, {args.list_requests} requests each"
          f" (time to last byte):")
    for name, times in list_times.items():
        p50, worst = statistics.median(times), max(times)
        print(f"  {name:<36} median {p50:6.1f} ms, max {worst:6.1f} ms (target < {LIST_PAGE_MS:g} ms):"
              f" {verdict(p50 < LIST_PAGE_MS)}")
    if errors:
        print(f"server log: {len(errors)} error lines; first: {errors[0]}")


if __name__ == "__main__":
    main()
