"""Feedback surveys under gunicorn and PostgreSQL: the results page of an event with 2,000 responses, and the
survey submit under load beside the registration POST in the same run.

Run by hand from the project root (not part of the test suite):

    .venv/bin/python -m bench.feedback                        # about a minute
    .venv/bin/python -m bench.feedback --responses 5000 --duration 20 --concurrency 8
    .venv/bin/python -m bench.feedback --help

It creates a scratch PostgreSQL database (dropped at the end) and uses an empty Redis database as the
app's broker (emptied at the end; BENCH_REDIS_URL, database 14 by default). It loads a past webinar of
the Kuntatutor series with a programme of four talks and panels and a break, the default survey and
--responses responses from attendees around Uusimaa (ratings, NPS, a rating per talk and panel, free
texts), and a second webinar that has just ended with its survey open and thousands of confirmed
registrations that have not answered yet. It serves the real app (production config, CSRF on, rate
limits off) under gunicorn with 2 sync workers, as the README's production command runs it, then:

- logs in as an admin and requests the results page through the real endpoint, checking its figures
  against a count made here, and reports the median, 95th percentile and worst time to the last byte
  against the target (median under 300 ms), beside the results service alone in-process;
- drives closed-loop clients at --concurrency, first against the survey (each client opens a
  registration's personal link, takes the CSRF token and POSTs a full set of answers, each
  registration once), then against the registration form (GET, POST a new sign-up) on the same
  server, and reports responses/s and registrations/s with POST latencies, and checks that every
  survey POST became exactly one response.
"""

import argparse
import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import create_app
from app.extensions import db
from app.models import Event, FeedbackResponse, Municipality, ProgrammeItem
from app.models.types import utcnow
from app.services.feedback_forms import add_default_form, rated_programme_items
from app.services.feedback_results import feedback_results
from app.services.municipalities import load_municipalities
from app.services.organizers import create_organizer
from app.services.tokens import signature, token_hash
from bench.export import EMAIL, PASSWORD, Browser
from bench.registration import CSRF_INPUT, POSTGRES_SERVER_URL, Client, ScratchDatabase, ScratchRedis, machine
from tests.factories import make_event, make_series
from tests.gunicorn_server import GunicornServer

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# The figure the results page is judged by (issue 12): the median time to the last byte.
PAGE_MS = 300.0
PROGRAMME = [("talk", "Tervetuloa"), ("talk", "Espoon digituen palvelumalli"), ("break", "Tauko"),
             ("talk", "Vapaaehtoiset digitukijoina"), ("panel", "Paneeli: digituki pienessä kunnassa")]
USEFUL = ["Kirjastojen digituen käytännön esimerkit.", "Paneelikeskustelu oli paras osuus.",
          "Vapaaehtoisten koulutus digitukijoiksi.", "Exemplen från biblioteken var mest nyttiga."]
TOPICS = ["Tietoturva, saavutettavuus", "Digituen mittarit ja vaikuttavuus", "Informationssäkerhet",
          "Huijausviestit, tietoturva"]


def load_results_event(responses: int, codes: list[str]) -> int:
    """A past webinar with its default survey and `responses` responses from attendees; returns its id."""
    series = make_series(slug="kuntatutor", name_fi="Kuntatutor")
    starts_at = utcnow().replace(microsecond=0, second=0, minute=0) - timedelta(days=20)
    event = make_event(series=series, slug="tulokset", title_fi="Digituki osaksi kunnan palveluja",
                       starts_at=starts_at, capacity=None)
    add_programme(event)
    form = add_default_form(event)
    overall, nps, programme, useful, practice, topics = (question.id for question in form.questions)
    db.session.commit()
    params = {"event_id": event.id, "form_id": form.id, "count": responses, "codes": codes}
    db.session.execute(text("""
        INSERT INTO registration (event_id, email, first_name, last_name, municipality_code, organization,
            language, privacy_notice_version, privacy_consented_at, future_events_consent, status, attended,
            manage_token_nonce, manage_token_hash, created_at, updated_at, confirmed_at)
        SELECT :event_id, 'person' || g || '@example.org', 'Aino', 'Virtanen' || g,
            CASE WHEN g % 20 = 7 THEN NULL
                 ELSE (CAST(:codes AS text[]))[1 + (g % 97) * (g % 97) * cardinality(CAST(:codes AS text[])) / 9409] END,
            CASE WHEN g % 20 = 7 THEN 'Digituki ry' END,
            (ARRAY['fi', 'sv', 'fi'])[1 + g % 3], '2026-11', now(), false, 'confirmed', 'yes',
            md5('n' || g), md5('h' || g) || md5(g::text), now(), now(), now()
        FROM generate_series(1, :count) AS g
    """), params)
    db.session.execute(text("""
        INSERT INTO feedback_response (form_id, registration_id, municipality_code, via_public_link, created_at,
            updated_at)
        SELECT :form_id, id, municipality_code, false, now() - (id % 4000) * interval '1 minute', now()
        FROM registration WHERE event_id = :event_id
    """), params)
    answers = {"overall": overall, "nps": nps, "programme": programme, "useful": useful, "practice": practice,
               "topics": topics, "useful_texts": USEFUL, "topic_texts": TOPICS, "form_id": form.id}
    db.session.execute(text("""
        INSERT INTO feedback_answer (response_id, question_id, value_int)
        SELECT id, :overall, CASE WHEN id % 10 < 5 THEN 5 WHEN id % 10 < 8 THEN 4 ELSE 2 + id % 3 END
        FROM feedback_response WHERE form_id = :form_id
        UNION ALL
        SELECT id, :nps, (ARRAY[10, 9, 9, 8, 10, 7, 6, 9, 3, 8, 10])[1 + id % 11] FROM feedback_response WHERE form_id = :form_id
    """), answers)
    db.session.execute(text("""
        INSERT INTO feedback_answer (response_id, question_id, programme_item_id, value_int)
        SELECT r.id, :programme, p.id, 3 + (r.id + p.id) % 3
        FROM feedback_response r CROSS JOIN programme_item p
        WHERE r.form_id = :form_id AND p.event_id = :event_id AND p.kind <> 'break' AND (r.id + p.position) % 9 <> 0
    """), {**answers, "event_id": event.id})
    db.session.execute(text("""
        INSERT INTO feedback_answer (response_id, question_id, value_text)
        SELECT id, :useful, (CAST(:useful_texts AS text[]))[1 + id % 4] FROM feedback_response
        WHERE form_id = :form_id AND id % 2 = 0
        UNION ALL
        SELECT id, :practice, 'Digitukipäivystys kirjastossa kerran viikossa.' FROM feedback_response
        WHERE form_id = :form_id AND id % 3 = 0
        UNION ALL
        SELECT id, :topics, (CAST(:topic_texts AS text[]))[1 + id % 4] FROM feedback_response
        WHERE form_id = :form_id AND id % 2 = 1
    """), answers)
    db.session.commit()
    return event.id


def add_programme(event: Event) -> None:
    """The webinar's talks, panel and break, in order."""
    for position, (kind, title) in enumerate(PROGRAMME):
        db.session.add(ProgrammeItem(event=event, position=position, kind=kind, title_fi=title,
                                     starts_at=event.starts_at + timedelta(minutes=30 * position)))
    db.session.flush()


@dataclass(frozen=True)
class SurveyTarget:
    """The open survey clients answer: its personal links, not answered yet, and the posted answers."""

    event_id: int
    form_id: int
    tokens: list[str]
    answers: dict[str, str]


def load_survey_event(registrations: int) -> SurveyTarget:
    """A webinar that ended an hour ago, its survey open, with `registrations` confirmed attendees who have not answered."""
    ends_at = utcnow().replace(microsecond=0) - timedelta(hours=1)
    event = make_event(slug="vastattava", title_fi="Juuri päättynyt webinaari", starts_at=ends_at - timedelta(hours=3),
                       capacity=None)
    add_programme(event)
    form = add_default_form(event)
    db.session.commit()
    rows, tokens = [], []
    for number in range(registrations):
        nonce = uuid.uuid4().hex
        token = f"{nonce}.{signature(nonce)}"
        tokens.append(token)
        rows.append({"event_id": event.id, "email": f"survey{number}@example.org", "last": f"Vastaaja{number}",
                     "nonce": nonce, "hash": token_hash(token)})
    db.session.execute(text("""
        INSERT INTO registration (event_id, email, first_name, last_name, municipality_code, language,
            privacy_notice_version, privacy_consented_at, future_events_consent, status, attended,
            manage_token_nonce, manage_token_hash, created_at, updated_at, confirmed_at)
        VALUES (:event_id, :email, 'Aino', :last, '092', 'fi', '2026-11', now(), false, 'confirmed', 'yes',
            :nonce, :hash, now(), now(), now())
    """), rows)
    db.session.commit()
    overall, nps, programme, useful, practice, topics = form.questions
    answers = {f"q{overall.id}": "4", f"q{nps.id}": "9", f"q{useful.id}": "Kirjastojen esimerkit olivat hyviä.",
               f"q{practice.id}": "Digitukipäivystys kirjastossa.", f"q{topics.id}": "Tietoturva, saavutettavuus"}
    for item in rated_programme_items(event):
        answers[f"q{programme.id}-{item.id}"] = "5"
    return SurveyTarget(event.id, form.id, tokens, answers)


def timed(browser: Browser, path: str, requests: int) -> list[float]:
    """Milliseconds to the last byte of each of `requests` GETs of the path, which must all answer 200."""
    times = []
    for _n in range(requests):
        status, _first, last, _size = browser.request("GET", path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        times.append(last * 1000)
    return times


def summary(times: list[float]) -> str:
    """Median, 95th percentile and worst, in ms."""
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) >= 2 else times[0]
    return f"median {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms, max {max(times):6.1f} ms"


@dataclass
class Load:
    """What one closed-loop run measured."""

    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Successful POSTs per second in the measured window."""
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        """POST latency percentile in ms (nearest rank)."""
        ordered = sorted(self.latencies_ms) or [float("nan")]
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class SurveyClient(Client):
    """A participant's browser: opens a personal survey link, sends the answers, then the next person's."""

    def __init__(self, host: str, port: int, target: SurveyTarget, next_token):
        super().__init__(host, port, form_path="", prefix="")
        self.target = target
        self.next_token = next_token

    def answer_once(self) -> tuple[float, str | None]:
        """GET a personal survey, POST its answers; returns the POST's latency in ms and an error, if any."""
        path = f"/feedback/{self.next_token()}"
        self.cookies.clear()
        status, page = self.request("GET", path)
        token = CSRF_INPUT.search(page)
        if status != 200 or token is None:
            return 0.0, f"GET {status}" + ("" if token else ", no CSRF token")
        body = urlencode({"csrf_token": token.group(1), **self.target.answers})
        started = time.perf_counter()
        status, _page = self.request("POST", path, body)
        latency = (time.perf_counter() - started) * 1000
        return latency, None if status in (302, 303) else f"POST {status}"


def drive(load: Load, concurrency: int, warmup: float, make_client, action: str) -> None:
    """`concurrency` clients calling `action` over and over for warmup + load.seconds; only the last load.seconds count."""
    start = time.monotonic() + warmup
    end = start + load.seconds
    lock = threading.Lock()

    def client_loop(number: int) -> None:
        client = make_client(number)
        try:
            while (began := time.monotonic()) < end:
                try:
                    latency, error = getattr(client, action)()
                except OSError as failure:
                    latency, error = 0.0, f"{type(failure).__name__}: {failure}"
                    client.close()
                if start <= began and time.monotonic() <= end:
                    with lock:
                        if error:
                            load.errors.append(error)
                        else:
                            load.latencies_ms.append(latency)
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def token_queue(tokens: list[str]):
    """A thread-safe source of the personal links' tokens, each once."""
    remaining = iter(tokens)
    lock = threading.Lock()

    def take() -> str:
        with lock:
            token = next(remaining, None)
        if token is None:
            raise SystemExit("The bench ran out of registrations to answer: raise --survey-registrations.")
        return token

    return take


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=2000, help="responses of the results page's event")
    parser.add_argument("--requests", type=int, default=40, help="timed requests of the results page")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds of each load run")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--survey-registrations", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(machine())
    print(f"gunicorn: {args.workers} sync workers; results of {args.responses:,} responses; load at c={args.concurrency}"
          f" for {args.duration:g} s after {args.warmup:g} s warm-up", flush=True)
    secret = uuid.uuid4().hex

    with ScratchDatabase(POSTGRES_SERVER_URL) as database, ScratchRedis(REDIS_URL) as broker:
        setup_app = create_app("testing", SQLALCHEMY_DATABASE_URI=database.url, SECRET_KEY=secret)
        with setup_app.app_context():
            upgrade()
            started = time.perf_counter()
            load_municipalities()
            create_organizer(EMAIL, "Bench Organizer", PASSWORD, role="admin")
            codes = list(db.session.execute(select(Municipality.code).order_by(Municipality.code)).scalars())
            results_event_id = load_results_event(args.responses, codes)
            target = load_survey_event(args.survey_registrations)
            register_event = make_event(slug="ilmoittaudu", capacity=1_000_000, waitlist_enabled=True)
            db.session.commit()
            register_path = f"/events/{register_event.slug}/register"
            expected = expected_figures(results_event_id)
            print(f"loaded in {time.perf_counter() - started:.1f} s", flush=True)
            db.engine.dispose()
        database.vacuum_analyze()
        env = {
            "APP_CONFIG": "production", "SECRET_KEY": secret, "DATABASE_URL": database.url,
            "REDIS_URL": broker.url, "SMTP_HOST": "127.0.0.1", "BASE_URL": "https://kuntatutor.example.org",
            "MAIL_FROM": "Kuntatutor <kuntatutor@example.org>", "SESSION_COOKIE_SECURE": "false",
            "RATELIMIT_ENABLED": "false", "MAIL_FOLDER": str(Path("/tmp") / f"kt-bench-feedback-{uuid.uuid4().hex}"),
        }
        server = GunicornServer("app:create_app()", env, workers=args.workers, worker_class="sync")
        page_path = f"/organizer/events/{results_event_id}/feedback/results"
        survey_load = Load("survey", args.duration)
        register_load = Load("register", args.duration)
        try:
            server.start()
            browser = Browser(server)
            browser.log_in()
            html = browser.page(page_path)
            check_page(html, expected)
            # Warm: the first requests load the templates.
            timed(browser, page_path, 3)
            page_times = timed(browser, page_path, args.requests)
            take = token_queue(target.tokens)
            drive(survey_load, args.concurrency, args.warmup,
                  lambda n: SurveyClient(server.host, server.port, target, take), "answer_once")
            run_id = uuid.uuid4().hex[:8]
            drive(register_load, args.concurrency, args.warmup,
                  lambda n: Client(server.host, server.port, register_path, f"bench-{run_id}-{n}"), "register_once")
        finally:
            server.stop()
        with setup_app.app_context():
            service_ms = in_process_ms(results_event_id, args.requests)
            saved = db.session.scalar(select(func.count()).select_from(FeedbackResponse)
                                      .where(FeedbackResponse.form_id == target.form_id))
            db.session.remove()
            db.engine.dispose()
        errors = [line for line in server.log().splitlines() if "ERROR" in line or "Traceback" in line]

    median = statistics.median(page_times)
    print()
    print(f"results page, {args.responses:,} responses, {len(html) / 1024:.0f} KiB: {summary(page_times)}"
          f" (target median < {PAGE_MS:g} ms): {'met' if median < PAGE_MS else 'MISSED'}")
    print(f"feedback_results() in-process, no HTTP or template: median {service_ms:.1f} ms")
    for load in (survey_load, register_load):
        print(f"{load.name:<8} POST at c={args.concurrency}: {load.rate:6.1f}/s, p50 {load.percentile(50):6.1f} ms,"
              f" p99 {load.percentile(99):6.1f} ms, {len(load.errors)} errors"
              + (f" (first: {load.errors[0]})" if load.errors else ""))
    if register_load.rate:
        print(f"survey responses/s per registration/s: {survey_load.rate / register_load.rate:.0%}")
    print(f"survey responses saved: {saved:,} (every answered link once, warm-up included)")
    if errors:
        print(f"server log: {len(errors)} error lines; first: {errors[0]}")


def expected_figures(event_id: int) -> dict[str, str]:
    """The response count and NPS the page must show, counted here with the service."""
    results = feedback_results(db.session.get(Event, event_id), "en")
    return {"responses": str(results.registered_responses), "nps": str(results.nps.nps.score)}


def check_page(html: str, expected: dict[str, str]) -> None:
    """The page shows the responses and the NPS counted here."""
    for figure in (f"<dd>{expected['responses']}</dd>", f"<dd>{expected['nps']}</dd>"):
        if figure not in html:
            raise SystemExit(f"The results page does not show {figure}")


def in_process_ms(event_id: int, requests: int) -> float:
    """The median time of the results service alone (the queries and the sums), without HTTP or the template."""
    event = db.session.get(Event, event_id)
    times = []
    for _n in range(requests):
        started = time.perf_counter()
        feedback_results(event, "fi")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
