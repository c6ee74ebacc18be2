"""Public pages against the static stylesheet, side by side on one server under one load.

Run by hand from the project root (not part of the test suite), with PostgreSQL on 127.0.0.1:5432,
Redis on 127.0.0.1:6379 and wrk installed (`apt-get install wrk`):

    .venv/bin/python -m bench.pages                       # 3 rounds of 10 s per page, about 3 minutes
    .venv/bin/python -m bench.pages --rounds 1 --duration 5
    .venv/bin/python -m bench.pages --output notes.md     # the figures as Markdown too

It creates a scratch PostgreSQL database with the demo data (the Kuntatutor series, the Vantaa
webinar with its programme, the 26 municipalities), uses an empty Redis database as the shared
cache and broker (BENCH_REDIS_URL, emptied at the end), serves the real app with the production
config under gunicorn (2 sync workers, as the README's production command), and drives it with
wrk at 32 connections, one page after another, the order turned round each round, so a drift in
background load does not favour one page. It reports requests/s per page (median over rounds),
p50/p99 latency and each page's rate as a share of the stylesheet's (target: event and home at
least 1/3).

Then, in this process and without HTTP, it times the cost of one page when the cache has it (a
hit: one read of the content version from Redis and a copy from memory) and when it must render
it (a miss: the queries and the template), on the same database and Redis.
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.demo.seed import seed_demo
from app.extensions import db
from app.models import Event, Series
from app.models.types import utcnow
from app.services import page_cache
from bench.registration import POSTGRES_SERVER_URL, ScratchDatabase, ScratchRedis, machine
from tests.gunicorn_server import GunicornServer

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# Event and home page at least this share of the stylesheet's requests/s.
TARGET_SHARE = 1 / 3
TARGET_PAGES = ("event", "home")


def demo_paths(app) -> dict[str, str]:
    """The pages to measure, on the demo data: the stylesheet, the upcoming webinar, its series, home."""
    with app.app_context():
        event = db.session.execute(
            select(Event).where(Event.status == "published", Event.starts_at > utcnow()).order_by(Event.starts_at)
        ).scalars().first()
        series = db.session.get(Series, event.series_id)
        return {"stylesheet": "/static/style.css", "event": f"/events/{event.slug}",
                "series": f"/series/{series.slug}", "home": "/"}


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
WRK_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors:.*")
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, connections: int, threads: int, seconds: float) -> dict:
    """One wrk run: requests/s, p50 and p99 in ms, and how many answers were not 2xx/3xx."""
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
         "-H", "Accept-Language: fi", url],
        capture_output=True, text=True, check=True,
    ).stdout
    percentiles = {int(p): float(value) * UNIT_MS[unit] for p, value, unit in WRK_PERCENTILE.findall(output)}
    bad = WRK_BAD.search(output)
    errors = WRK_ERRORS.search(output)
    return {
        "rate": float(WRK_RATE.search(output).group(1)),
        "p50": percentiles.get(50, float("nan")),
        "p99": percentiles.get(99, float("nan")),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def page_costs(app, paths: dict[str, str], repeat: int) -> dict[str, tuple[float, float]]:
    """Milliseconds per request in-process (test client, no HTTP): (cache hit, cache miss) per page."""
    costs = {}
    client = app.test_client()
    headers = {"Accept-Language": "fi"}
    with app.app_context():
        for name, path in paths.items():
            if name == "stylesheet":
                continue
            assert client.get(path, headers=headers).status_code == 200
            start = time.perf_counter()
            for _ in range(repeat):
                client.get(path, headers=headers)
            hit = (time.perf_counter() - start) / repeat * 1000
            seconds = page_cache.PAGE_SECONDS
            page_cache.PAGE_SECONDS = 0  # every request renders afresh, as after an edit or the lag
            try:
                start = time.perf_counter()
                for _ in range(repeat):
                    client.get(path, headers=headers)
                miss = (time.perf_counter() - start) / repeat * 1000
            finally:
                page_cache.PAGE_SECONDS = seconds
            costs[name] = (hit, miss)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per page per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per page before the rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=300, help="requests per page for the in-process hit/miss cost")
    parser.add_argument("--output", help="also write the figures to this Markdown file")
    args = parser.parse_args()

    lines = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    say(f"Measured {when} on {machine()}")
    say(f"gunicorn {args.workers} sync workers, production config, PostgreSQL, Redis as the shared cache;"
        f" wrk {args.wrk_threads} threads x {args.connections} connections, {args.duration:g} s per page"
        f" per round, {args.rounds} rounds, pages in turn (order reversed every other round)")
    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL) as redis_db, \
            tempfile.TemporaryDirectory() as scratch:
        setup_app = create_app("testing", SQLALCHEMY_DATABASE_URI=database.url, REDIS_URL=redis_db.url)
        with setup_app.app_context():
            upgrade()
            seed_demo()
            db.session.commit()
        paths = demo_paths(setup_app)
        env = {
            "APP_CONFIG": "production",
            "SECRET_KEY": uuid.uuid4().hex,
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_db.url,
            "SMTP_HOST": "127.0.0.1",
            "BASE_URL": "https://kuntatutor.example.org",
            "MAIL_FROM": "Kuntatutor <kuntatutor@example.org>",
            "SESSION_COOKIE_SECURE": "false",
            "RATELIMIT_ENABLED": "false",
            "MAIL_FOLDER": str(Path(scratch) / "mail"),
        }
        server = GunicornServer("app:create_app()", env, workers=args.workers, worker_class="sync")
        results: dict[str, list[dict]] = {name: [] for name in paths}
        try:
            server.start()
            for name, path in paths.items():
                wrk(server.url + path, args.connections, args.wrk_threads, args.warmup)
            for round_number in range(args.rounds):
                order = list(paths) if round_number % 2 == 0 else list(reversed(paths))
                for name in order:
                    result = wrk(server.url + paths[name], args.connections, args.wrk_threads, args.duration)
                    results[name].append(result)
                    print(f"  round {round_number + 1} {name:<10} {result['rate']:8.0f} req/s"
                          f"  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms"
                          f"  not 2xx/3xx {result['bad']} {result['socket_errors']}", flush=True)
        finally:
            server.stop()
        log_errors = [line for line in server.log().splitlines() if "ERROR" in line or "Traceback" in line]

        costs = page_costs(setup_app, paths, args.repeat)
        with setup_app.app_context():
            db.session.remove()
            db.engine.dispose()

    stylesheet = statistics.median(r["rate"] for r in results["stylesheet"])
    say()
    say("| page | path | req/s (median) | share of stylesheet | p50 ms | p99 ms | not 2xx/3xx |")
    say("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, path in paths.items():
        rate = statistics.median(r["rate"] for r in results[name])
        say(f"| {name} | `{path}` | {rate:.0f} | {rate / stylesheet:.0%} |"
            f" {statistics.median(r['p50'] for r in results[name]):.1f} |"
            f" {statistics.median(r['p99'] for r in results[name]):.1f} | {sum(r['bad'] for r in results[name])} |")
    say()
    for name in TARGET_PAGES:
        share = statistics.median(r["rate"] for r in results[name]) / stylesheet
        say(f"- {name} page at {share:.0%} of the stylesheet's rate (target >= {TARGET_SHARE:.0%}):"
            f" {'met' if share >= TARGET_SHARE else 'MISSED'}")
    say()
    say(f"Cost of one page in-process (Flask test client, no HTTP; {args.repeat} requests each,"
        " PostgreSQL and Redis on this machine):")
    say()
    say("| page | cache hit ms | cache miss ms (render) |")
    say("| --- | ---: | ---: |")
    for name, (hit, miss) in costs.items():
        say(f"| {name} | {hit:.2f} | {miss:.2f} |")
    if log_errors:
        say()
        say(f"server log: {len(log_errors)} error lines; first: {log_errors[0]}")
    if args.output:
        Path(args.output).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
