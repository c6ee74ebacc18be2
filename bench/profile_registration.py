"""Where one registration's CPU goes: GET the form and POST it in-process, under cProfile.

Run by hand from the project root, with PostgreSQL and Redis up:

    .venv/bin/python -m bench.profile_registration            # 500 GET+POST pairs, top 40 by own time
    .venv/bin/python -m bench.profile_registration --pairs 2000 --sort cumulative --top 60

The app runs with the production config on a scratch database (dropped at the end), the Celery
broker on BENCH_REDIS_URL as in bench/registration.py. It prints the CPU per GET and per POST,
the SQL statements each sends, then the profile.
"""

import argparse
import cProfile
import os
import pstats
import time

from flask_migrate import upgrade
from sqlalchemy import event as sa_event

from app import create_app
from app.extensions import db
from app.services.municipalities import load_municipalities
from bench.registration import (
    CSRF_INPUT, POSTGRES_SERVER_URL, REDIS_URL, ScratchDatabase, ScratchRedis, seed_registrations,
)
from tests.factories import make_event

def main() -> None:
    """Profile GET+POST pairs against the real app in this process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--existing", type=int, default=0, help="registrations on the event before the first pair")
    parser.add_argument("--no-profile", action="store_true", help="only the CPU figures, without the profiler's overhead")
    parser.add_argument("--rate-limits", action="store_true",
                        help="rate limits on, counted in Redis as in production, each pair from an address of its own")
    args = parser.parse_args()
    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL):
        # SMTP_HOST is required in production; the profiled requests only write the outbox.
        os.environ.update(SECRET_KEY="bench", DATABASE_URL=database.url, REDIS_URL=REDIS_URL, SMTP_HOST="127.0.0.1",
                          BASE_URL="https://kuntatutor.example.org", MAIL_FROM="Kuntatutor <kuntatutor@example.org>",
                          SESSION_COOKIE_SECURE="false", RATELIMIT_ENABLED="true" if args.rate_limits else "false")
        app = create_app("production")
        with app.app_context():
            upgrade()
            load_municipalities()
            event = make_event(capacity=1_000_000, waitlist_enabled=True)
            db.session.commit()
            seed_registrations(event.id, args.existing)
            path = f"/events/{event.slug}/register"
            engine = db.engine
        statements = {"n": 0}
        sa_event.listen(engine, "before_cursor_execute",
                        lambda *a, **k: statements.__setitem__("n", statements["n"] + 1))
        client = app.test_client()
        headers = {"Referer": "https://localhost/"}  # the test client speaks PREFERRED_URL_SCHEME

        def pair(n: int) -> tuple[float, float, int, int]:
            before = statements["n"]
            started = time.process_time()
            # An address per pair, so the per-address limit counts but never refuses.
            client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            page = client.get(path).get_data(as_text=True)
            got = time.process_time()
            get_statements = statements["n"] - before
            token = CSRF_INPUT.search(page).group(1)
            response = client.post(path, headers=headers, data={
                "csrf_token": token, "first_name": "Aino", "last_name": f"Virtanen{n}",
                "email": f"p-{n}@example.org", "municipality": "092", "language": "fi", "privacy_consent": "y",
            })
            assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
            return got - started, time.process_time() - got, get_statements, statements["n"] - before - get_statements

        for n in range(50):  # warm caches, as a running server would have
            pair(n)
        profiler = cProfile.Profile()
        totals = [0.0, 0.0, 0, 0]
        if not args.no_profile:
            profiler.enable()
        for n in range(50, 50 + args.pairs):
            for i, value in enumerate(pair(n)):
                totals[i] += value
        profiler.disable()
        print(f"per GET {totals[0] / args.pairs * 1000:.2f} ms CPU, {totals[2] / args.pairs:.1f} statements;"
              f" per POST {totals[1] / args.pairs * 1000:.2f} ms CPU, {totals[3] / args.pairs:.1f} statements"
              + ("" if args.no_profile else " (with the profiler on)"))
        if not args.no_profile:
            pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        engine.dispose()


if __name__ == "__main__":
    main()
