"""Attendance import of a 5,000-row Teams report against an event with 5,000 registrations: time and peak memory.

Run by hand from the project root (not part of the test suite), with PostgreSQL on 127.0.0.1:5432:

    .venv/bin/python -m bench.attendance_import                 # three rounds on a scratch PostgreSQL database
    .venv/bin/python -m bench.attendance_import --sqlite        # the same on a SQLite file
    .venv/bin/python -m bench.attendance_import --rows 20000 --registrations 20000 --rounds 1

Each round builds a Teams report as Teams writes it today (UTF-16 LE with BOM, tab-separated, the
three sections): 4,500 of the event's registrants (durations from 30 seconds to two hours), 300
guests nobody registered, 150 dial-in numbers and 50 people with an unreadable address. It then
times, through the service as the page calls it:

- read: decoding and recognizing the file, one row per person, emails normalized;
- preview: keeping the import (one JSON row) and matching it against the registrations;
- apply: the confirmation under the event lock, every confirmed registration set in one transaction;
- undo: putting the attendance back;

and through the endpoints (the Flask test client, in process): the upload, the preview page with
its five tables, and the confirmation. Memory is the process's peak resident size during the step
above what it held before it (the kernel's high-water mark, reset before each step through
/proc/self/clear_refs; memory Python freed and reuses does not show there), and in one more round
under tracemalloc the peak of Python's heap above its level before the step. Medians over the
rounds are printed as a Markdown table.
"""

import argparse
import codecs
import io
import os
import random
import secrets
import statistics
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from app.extensions import db
from app.models import Event, Registration
from app.models.types import utcnow
from app.services.attendance import apply_import, create_preview, preview_of, read_report, undo_import
from app.services.organizers import create_organizer
from bench.registration import POSTGRES_SERVER_URL, ScratchDatabase, machine
from tests.factories import make_event, make_municipality

PASSWORD = "bench-password-long-enough"
HEADER = "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole"
FIRST_NAMES = ["Aino", "Björn", "Sanna", "Linnea", "Päivi", "Åsa", "Jussi", "Märta", "Eero", "Öllö"]
LAST_NAMES = ["Äijälä", "Åkerlund", "Öhman", "Grönqvist", "Järvinen", "Söderström", "Mäkinen", "Nyström"]


def peak_reset() -> int:
    """Reset the kernel's peak resident size to the current one; returns the current one in kB."""
    Path("/proc/self/clear_refs").write_text("5")
    return status_kb("VmRSS")


def status_kb(field: str) -> int:
    """A size from /proc/self/status, in kB."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1])


class Step:
    """Times a step and measures the peak memory it added: resident size, or Python's heap when tracing."""

    def __init__(self, figures: dict, name: str):
        self.figures, self.name = figures, name

    def __enter__(self):
        if tracemalloc.is_tracing():
            tracemalloc.reset_peak()
            self.before_bytes = tracemalloc.get_traced_memory()[0]
        self.before_kb = peak_reset()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        seconds = time.perf_counter() - self.started
        peak_mb = (status_kb("VmHWM") - self.before_kb) / 1024
        if tracemalloc.is_tracing():
            heap_mb = (tracemalloc.get_traced_memory()[1] - self.before_bytes) / 1024 / 1024
            self.figures.setdefault(f"heap {self.name}", []).append(heap_mb)
        else:
            self.figures.setdefault(self.name, []).append((seconds, peak_mb))


def seed_registrations(event_id: int, count: int) -> list[str]:
    """Confirmed registrations inserted in bulk; returns their emails."""
    now = utcnow()
    emails = [f"osallistuja.{n:05d}@kunta{n % 26:02d}.fi" for n in range(count)]
    db.session.execute(insert(Registration), [{
        "event_id": event_id, "email": email, "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
        "last_name": f"{LAST_NAMES[n % len(LAST_NAMES)]}{n}", "municipality_code": "092", "language": "fi",
        "privacy_notice_version": "2026-11", "privacy_consented_at": now, "status": "confirmed",
        "attended": "unknown", "confirmed_at": now, "manage_token_nonce": secrets.token_hex(16),
        "manage_token_hash": secrets.token_hex(32), "created_at": now, "updated_at": now,
    } for n, email in enumerate(emails)])
    db.session.commit()
    return emails


def teams_report(emails: list[str], rows: int, rng: random.Random) -> bytes:
    """A Teams report of `rows` people: 90 % registrants, then guests, dial-ins and unreadable addresses."""
    registrants = rng.sample(emails, min(len(emails), rows * 9 // 10))
    lines = ["1. Summary", "Meeting title\tDigituki kirjastoissa", f"Attended participants\t{rows}",
             "Start time\t12.11.2026 8.58.12", "End time\t12.11.2026 11.04.40", "", "2. Participants", HEADER]

    def duration() -> str:
        seconds = rng.randint(30, 7200)
        hours, rest = divmod(seconds, 3600)
        return (f"{hours}h " if hours else "") + f"{rest // 60}m {rest % 60}s"

    def person(name: str, email: str, upn: str = "") -> str:
        return f"{name}\t12.11.2026 9.00.00\t12.11.2026 10.30.00\t{duration()}\t{email}\t{upn or email}\tAttendee"

    for n, email in enumerate(registrants):
        lines.append(person(f"{FIRST_NAMES[n % 10]} {LAST_NAMES[n % 8]} (External)", email))
    rest = rows - len(registrants)
    guests, dial_ins = rest * 6 // 10, rest * 3 // 10
    for n in range(guests):
        lines.append(person(f"Vieras {n}", "", f"vieras.{n}_esimerkki.fi#EXT#@uudenmaanliitto.onmicrosoft.com"))
    for n in range(dial_ins):
        lines.append(f"+358 9 {n:07d}\t12.11.2026 9.05.00\t12.11.2026 9.57.40\t{duration()}")
    for n in range(rest - guests - dial_ins):
        lines.append(person(f"Rikki {n}", f"rikki {n}@", ""))
    lines += ["", "3. In-Meeting Activities", "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole"]
    text = "\r\n".join(lines) + "\r\n"
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def one_round(app, emails: list[str], event_id: int, rows: int, seed: int, figures: dict, endpoint: bool) -> dict:
    """Read, preview, apply and undo through the service, then upload, preview and apply through the endpoints."""
    data = teams_report(emails, rows, random.Random(seed))
    facts = {"file_mb": len(data) / 1024 / 1024}
    with app.app_context():
        event = db.session.get(Event, event_id)
        with Step(figures, "service: read the file"):
            report = read_report(data)
        facts["people"] = len(report.rows)
        with Step(figures, "service: keep + match (preview)"):
            attendance_import = create_preview(event, None, "teams.csv", report, 15)
            db.session.commit()
            preview = preview_of(attendance_import)
        facts.update(attended=len(preview.attended), absent=len(preview.absent) + len(preview.too_short),
                     unmatched=len(preview.unmatched))
        with Step(figures, "service: apply (confirm)"):
            outcome = apply_import(event_id, attendance_import.id)
            db.session.commit()
        facts["changed"] = outcome.changed
        with Step(figures, "service: undo"):
            undo_import(event_id, attendance_import.id)
            db.session.commit()
        db.session.remove()
    if endpoint:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
        client.post("/organizer/login", data={"email": "bench@example.org", "password": PASSWORD})
        page = f"/organizer/events/{event_id}/attendance"
        boundary, body = encode_multipart({"report": FileStorage(io.BytesIO(data), filename="teams.csv"),
                                           "minimum_minutes": "15"})
        with Step(figures, "endpoint: upload (POST)"):
            response = client.post(page, data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 303, response.status_code
        with Step(figures, "endpoint: preview page (GET)"):
            response = client.get(page)
        assert response.status_code == 200, response.status_code
        html = response.get_data(as_text=True)
        facts["page_mb"] = len(html.encode()) / 1024 / 1024
        import_id = html.split('name="import_id" value="', 1)[1].split('"', 1)[0]
        with Step(figures, "endpoint: confirm (POST)"):
            response = client.post(f"{page}/apply", data={"import_id": import_id})
        assert response.status_code == 302, response.status_code
        with app.app_context():
            # Back to unknown for the next round, as an undo would.
            db.session.execute(update(Registration).where(Registration.event_id == event_id).values(attended="unknown"))
            db.session.commit()
            db.session.remove()
    return facts


def run(database_url: str, args) -> str:
    """Set up the app and the event, run the rounds, and return the report."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade()
        make_municipality()
        event = make_event(starts_at=utcnow().replace(microsecond=0) - timedelta(hours=3))
        create_organizer("bench@example.org", "Bench Organizer", PASSWORD, role="admin")
        db.session.commit()
        event_id = event.id
        emails = seed_registrations(event_id, args.registrations)
        db.session.remove()
    figures: dict[str, list[tuple[float, float]]] = {}
    facts = {}
    for number in range(args.rounds):
        facts = one_round(app, emails, event_id, args.rows, number, figures, not args.no_endpoint)
    # A last round traced, for the peak of Python's heap in each step (tracing slows it, so untimed).
    tracemalloc.start()
    one_round(app, emails, event_id, args.rows, args.rounds, figures, not args.no_endpoint)
    tracemalloc.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    lines = [
        f"{args.rows:,} report rows against {args.registrations:,} confirmed registrations on {args.database};"
        f" Teams file {facts['file_mb']:.2f} MB; {facts['people']:,} people read, {facts['attended']:,} attended,"
        f" {facts['absent']:,} not attended (15-minute minimum), {facts['unmatched']:,} rows matching nobody,"
        f" {facts['changed']:,} registrations changed" + (f"; preview page {facts['page_mb']:.2f} MB"
                                                          if "page_mb" in facts else "") + ".",
        f"Time and resident-size growth: median of {args.rounds} round(s); Python heap peak: one more round under"
        " tracemalloc.",
        "",
        "| step | time (s) | peak resident size added (MB) | Python heap peak (MB) |",
        "|---|---:|---:|---:|",
    ]
    steps = [name for name in figures if not name.startswith("heap ")]
    for name in steps:
        values = figures[name]
        lines.append(f"| {name} | {statistics.median(v[0] for v in values):.3f} |"
                     f" {statistics.median(v[1] for v in values):.1f} | {figures[f'heap {name}'][0]:.1f} |")
    service = [name for name in steps if name.startswith("service") and name != "service: undo"]
    total = sum(statistics.median(v[0] for v in figures[name]) for name in service)
    lines.append(f"| **service: read + preview + apply** | **{total:.3f}** | | |")
    return "\n".join(lines)


def main() -> None:
    """Parse the options, run on a scratch database, print the figures and optionally append them to a file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=5000, help="people in the Teams report (default 5000)")
    parser.add_argument("--registrations", type=int, default=5000, help="confirmed registrations (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take the median of (default 3)")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--no-endpoint", action="store_true", help="only the service, not the endpoints")
    parser.add_argument("--output", type=Path, help="append the figures to this Markdown file")
    args = parser.parse_args()
    started = utcnow()
    if args.sqlite:
        args.database = "SQLite"
        with tempfile.TemporaryDirectory() as folder:
            report = run(f"sqlite:///{os.path.join(folder, 'bench.sqlite')}", args)
    else:
        args.database = "PostgreSQL"
        with ScratchDatabase(POSTGRES_SERVER_URL) as database:
            report = run(database.url, args)
    heading = f"## Attendance import, {started:%Y-%m-%d %H:%M} UTC\n\n{machine()}\n\n"
    print(heading + report)
    if args.output:
        with args.output.open("a", encoding="utf-8") as output:
            output.write(heading + report + "\n\n")


if __name__ == "__main__":
    main()
