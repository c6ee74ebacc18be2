"""A series' reach page and its CSV under gunicorn and PostgreSQL: 30 events, 30,000 registrations.

Run by hand from the project root (not part of the test suite):

    .venv/bin/python -m bench.reach                          # about a minute
    .venv/bin/python -m bench.reach --events 60 --per-event 1000 --requests 100
    .venv/bin/python -m bench.reach --help

It creates a scratch PostgreSQL database (dropped at the end) and uses an empty Redis database as
the app's broker and cache (emptied at the end; BENCH_REDIS_URL, database 13 by default). It loads
a series of --events published webinars, a month apart, with --per-event registrations each, from
23 of the 26 municipalities and from other organizations, confirmed, waitlisted or cancelled, with
attendance known for the past ones; the events that ended more than RETENTION_DAYS ago are purged
with the real purge_expired, as production would have done. Another series gets as many
registrations again, so the page has to pick its own out of the table. Then it serves the real app
(production config) under gunicorn with one sync worker, logs in as an admin and requests the reach
page and its CSV through the real endpoints, checking the figures on the page against a count made
here, and reports the median, 95th percentile and worst time to the last byte against the target.
"""

import argparse
import csv
import io
import os
import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import create_app
from app.extensions import db
from app.models import Event, Municipality, Registration, Series
from app.models.types import utcnow
from app.services.municipalities import load_municipalities
from app.services.organizers import create_organizer
from app.services.reach import series_reach
from app.services.retention import purge_expired
from bench.export import EMAIL, PASSWORD, Browser
from bench.registration import POSTGRES_SERVER_URL, ScratchDatabase, ScratchRedis, machine
from tests.factories import make_event, make_series
from tests.gunicorn_server import GunicornServer

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# The figure the page is judged by (issue 11): the median time to the last byte.
PAGE_MS = 300.0
# Municipalities nobody registers from, so the page has some to list as not reached.
NEVER_REACHED = 3


def seed_registrations(event_id: int, count: int, codes: list[str], past: bool) -> None:
    """`count` registrations on the event: a tenth from other organizations, the rest from every one of `codes`, unevenly."""
    db.session.execute(text("""
        INSERT INTO registration (event_id, email, first_name, last_name, municipality_code, organization,
            language, privacy_notice_version, privacy_consented_at, future_events_consent, status, attended,
            manage_token_nonce, manage_token_hash, created_at, updated_at, confirmed_at, cancelled_at)
        SELECT :event_id, 'person' || g || '-e' || :event_id || '@example.org', 'Aino', 'Äijälä-Åberg' || g,
            CASE WHEN g % 10 = 3 THEN NULL
                 ELSE (CAST(:codes AS text[]))[1 + (g % 97) * (g % 97) * cardinality(CAST(:codes AS text[])) / 9409] END,
            CASE WHEN g % 10 = 3 THEN 'Digituki ry' END,
            (ARRAY['fi', 'sv', 'en'])[1 + g % 3], '2026-11', now(), g % 2 = 0,
            CASE g % 10 WHEN 0 THEN 'waitlisted' WHEN 1 THEN 'cancelled' ELSE 'confirmed' END,
            CASE WHEN NOT :past OR g % 10 IN (0, 1) THEN 'unknown' WHEN g % 3 = 0 THEN 'no' ELSE 'yes' END,
            md5('n' || :event_id || '-' || g), md5('e' || :event_id || '-' || g) || md5(g::text),
            now(), now(), CASE WHEN g % 10 <> 0 THEN now() END, CASE WHEN g % 10 = 1 THEN now() END
        FROM generate_series(1, :count) AS g
    """), {"event_id": event_id, "count": count, "codes": codes, "past": past})


def load(events: int, per_event: int) -> tuple[int, int, int]:
    """The series and another one as big; returns the series' id and how many registered and attended in it."""
    load_municipalities()
    create_organizer(EMAIL, "Bench Organizer", PASSWORD, role="admin")
    codes = list(db.session.execute(select(Municipality.code).order_by(Municipality.code)).scalars())
    reached_codes = codes[NEVER_REACHED:]
    now = utcnow().replace(microsecond=0, second=0, minute=0)
    # Two thirds of the events are over, the oldest long enough ago to be purged; the rest upcoming.
    first = now - timedelta(days=30 * (2 * events // 3))
    ids = {}
    for slug in ("reach", "other"):
        series = make_series(slug=slug, name_fi=f"Sarja {slug}")
        for number in range(events):
            starts_at = first + timedelta(days=30 * number)
            event = make_event(series=series, title_fi=f"Kuntatutor-webinaari {number + 1}", starts_at=starts_at,
                               capacity=None)
            seed_registrations(event.id, per_event, reached_codes, past=starts_at < now)
        ids[slug] = series.id
    db.session.commit()
    purged = purge_expired()
    db.session.commit()
    print(f"purged {purged:,} registrations of the events over {current_app.config['RETENTION_DAYS']} days ago")
    in_series = (select(Event.id).where(Event.series_id == ids["reach"], Event.status == "published"))
    counted = Registration.event_id.in_(in_series)
    registered = db.session.execute(select(func.count()).where(
        counted, Registration.status.in_(("confirmed", "waitlisted")) | (Registration.attended == "yes"))).scalar_one()
    attended = db.session.execute(select(func.count()).where(counted, Registration.attended == "yes")).scalar_one()
    return ids["reach"], registered, attended


def timed(browser: Browser, path: str, requests: int) -> list[float]:
    """Milliseconds to the last byte of each of `requests` GETs of the path, which must all answer 200."""
    times = []
    for _n in range(requests):
        status, _first, last, _size = browser.request("GET", path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        times.append(last * 1000)
    return times


def in_process_ms(setup_app, series_id: int, requests: int) -> float:
    """The median time of the reach service alone (the queries and the table), without HTTP or the template."""
    with setup_app.app_context():
        series = db.session.get(Series, series_id)
        times = []
        for _n in range(requests):
            started = time.perf_counter()
            series_reach(series, "fi")
            times.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return statistics.median(times)


def summary(times: list[float]) -> str:
    """Median, 95th percentile and worst, in ms."""
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) >= 2 else times[0]
    return f"median {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms, max {max(times):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--per-event", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests of the page (the CSV gets a fifth)")
    args = parser.parse_args()
    print(machine())
    print(f"gunicorn: 1 sync worker; {args.events} events × {args.per_event:,} registrations in the series,"
          f" as many in another series", flush=True)

    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL) as broker:
        setup_app = create_app("testing", SQLALCHEMY_DATABASE_URI=database.url)
        with setup_app.app_context():
            upgrade()
            started = time.perf_counter()
            series_id, registered, attended = load(args.events, args.per_event)
            print(f"loaded in {time.perf_counter() - started:.1f} s: the series counts {registered:,} registered"
                  f" and {attended:,} attended", flush=True)
            db.engine.dispose()
        database.vacuum_analyze()
        env = {
            "APP_CONFIG": "production", "SECRET_KEY": uuid.uuid4().hex, "DATABASE_URL": database.url,
            "REDIS_URL": broker.url, "SMTP_HOST": "127.0.0.1", "BASE_URL": "https://kuntatutor.example.org",
            "MAIL_FROM": "Kuntatutor <kuntatutor@example.org>", "SESSION_COOKIE_SECURE": "false",
            "RATELIMIT_ENABLED": "false", "MAIL_FOLDER": str(Path("/tmp") / f"kt-bench-reach-{uuid.uuid4().hex}"),
        }
        server = GunicornServer("app:create_app()", env, workers=1, worker_class="sync")
        page_path, csv_path = f"/organizer/series/{series_id}/reach", f"/organizer/series/{series_id}/reach.csv"
        try:
            server.start()
            browser = Browser(server)
            browser.log_in()
            html = browser.page(page_path)
            check_page(html, registered, attended)
            check_csv(browser, csv_path, registered, attended)
            # Warm: the first request loads templates and fills the municipality cache.
            timed(browser, page_path, 3)
            page_times = timed(browser, page_path, args.requests)
            csv_times = timed(browser, csv_path, max(1, args.requests // 5))
        finally:
            server.stop()
        service_ms = in_process_ms(setup_app, series_id, args.requests)
        with setup_app.app_context():
            db.engine.dispose()
        errors = [line for line in server.log().splitlines() if "ERROR" in line or "Traceback" in line]

    print()
    print(f"reach page, {len(html) / 1024:.0f} KiB: {summary(page_times)}"
          f" (target median < {PAGE_MS:g} ms): {'met' if statistics.median(page_times) < PAGE_MS else 'MISSED'}")
    print(f"reach CSV:             {summary(csv_times)}")
    print(f"series_reach() in-process, no HTTP or template: median {service_ms:.1f} ms")
    if errors:
        print(f"server log: {len(errors)} error lines; first: {errors[0]}")


def check_page(html: str, registered: int, attended: int) -> None:
    """The page's totals are the ones counted here, and it lists the municipalities nobody came from."""
    for figure in (f"<dd>{registered}</dd>", f"<dd>{attended}</dd>", f"<dd>{26 - NEVER_REACHED} of 26</dd>"):
        if figure not in html:
            raise SystemExit(f"The reach page does not show {figure}")


def check_csv(browser: Browser, path: str, registered: int, attended: int) -> None:
    """The CSV's last row holds the same totals."""
    rows = list(csv.reader(io.StringIO(browser.page(path).lstrip("\ufeff"))))
    total = rows[-1]
    if (int(total[-3]), int(total[-2])) != (registered, attended):
        raise SystemExit(f"The reach CSV's totals {total[-3:]} are not {registered}, {attended}")


if __name__ == "__main__":
    main()
