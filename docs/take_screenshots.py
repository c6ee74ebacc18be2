"""Screenshots of the organizer pages for the README, taken with Debian's Chromium (run by hand, not a test).

    .venv/bin/python docs/take_screenshots.py

Seeds a throw-away SQLite database as the browser tests do (tests/browser/conftest.py: the 26
municipalities, the Kuntatutor series, an Espoo-hosted webinar with thirty registrants from around
Uusimaa), serves the app on a free loopback port, logs in as an admin and writes PNGs to
docs/screenshots/. Then it adds the past webinars the later pictures need: one whose Teams report
is uploaded (tests/data/attendance/teams.csv), past webinars for the series' reach, one whose survey
a Swedish-speaking participant opens on a phone, the demo's Espoo webinar with its 42 survey
responses, and a mailing with one failed message. Nothing outside the machine is asked for.
"""

import random
import secrets
import sys
import tempfile
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.demo.content import ESPOO_WEBINAR_SLUG  # noqa: E402
from app.demo.seed import ensure_espoo_webinar  # noqa: E402
from app.extensions import db  # noqa: E402
from app.i18n import HELSINKI  # noqa: E402
from app.models import (  # noqa: E402
    ContactPerson, Event, Message, OrganizerUser, ProgrammeItem, Registration, Series, Speaker,
)
from app.models.registrations import ATTENDANCE  # noqa: E402
from app.models.types import utcnow  # noqa: E402
from app.services.feedback_forms import add_default_form  # noqa: E402
from app.services.health import record_heartbeat  # noqa: E402
from app.services.mailings import Audience, MailingText, send_mailing  # noqa: E402
from app.services.organizers import create_organizer  # noqa: E402
from app.services.tokens import manage_token  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, LOOPBACK, log_in_organizer, seed_organizer_event, seed_site,
)
from tests.factories import make_event, make_registration, make_series  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A programme like the Kuntatutor webinars': (minutes from the start, kind, Finnish title, speakers).
PROGRAMME = [
    (0, "talk", "Tervetuloa ja päivän tavoitteet", [("Åsa Öberg", "Projektipäällikkö", "Uudenmaan liitto")]),
    (10, "talk", "Digituki Espoon kirjastoissa", [("Camilla Forsström", "Kirjastonjohtaja", "Espoon kaupunki")]),
    (35, "talk", "Vertaistuki ja digikaverit", [("Mikko Lindroos", "Digituen koordinaattori", "Järvenpään kaupunki")]),
    (60, "break", "Tauko", []),
    (70, "panel", "Paneeli: miten pieni kunta aloittaa?", [
        ("Tiina Koskinen", "Hallintojohtaja", "Askolan kunta"),
        ("Henrik Lindholm", "IT-chef", "Hangö stad"),
    ]),
    (110, "talk", "Loppusanat", [("Åsa Öberg", "Projektipäällikkö", "Uudenmaan liitto")]),
]


def seed(app) -> tuple[int, str]:
    """The browser tests' content, a fuller programme and contacts for the Espoo webinar, and a scheduler heartbeat."""
    with app.app_context():
        upgrade()
        seed_site()
        admin = create_organizer(ADMIN_EMAIL, "Selma Ylläpitäjä", ADMIN_PASSWORD, role="admin")
        site = seed_organizer_event(admin.id)
        event = db.session.get(Event, site.event_id)
        # A Kuntatutor webinar starts at nine in the morning, Finnish time.
        morning = event.starts_at.astimezone(HELSINKI).replace(hour=9)
        event.starts_at = morning.astimezone(timezone.utc)
        event.ends_at = event.starts_at + timedelta(hours=2)
        for item in list(event.programme):
            db.session.delete(item)
        db.session.flush()
        for position, (minutes, kind, title, speakers) in enumerate(PROGRAMME):
            item = ProgrammeItem(event=event, position=position, kind=kind, title_fi=title,
                                 starts_at=event.starts_at + timedelta(minutes=minutes))
            item.speakers.extend(Speaker(name=name, title=title_, organization=organization)
                                 for name, title_, organization in speakers)
            db.session.add(item)
        db.session.add(ContactPerson(event=event, position=0, name="Åsa Öberg", title="Projektipäällikkö",
                                     organization="Uudenmaan liitto", email="asa.oberg@example.org",
                                     phone="+358 40 123 4567"))
        # The dashboard warns when the scheduler is silent; the pictures show a running service.
        record_heartbeat()
        db.session.commit()
        return site.event_id, site.event_slug


# --- The later pictures' webinars, seeded after the first pictures (which show the browser tests' series) ---

SAMPLES = ROOT / "tests" / "data" / "attendance"
# Registrants of the webinar whose Teams report (tests/data/attendance/teams.csv) is uploaded:
# (first name, last name, email, municipality code, status). Aino, Björn (by his Teams account) and
# Sanna are in the report; Linnea stayed less than the minimum; Johanna was on the waiting list;
# the last four are not in the report. Its other rows (its organizer, a phone caller, a guest from
# Sipoo) match no registration.
ATTENDANCE_REGISTRANTS = [
    ("Aino", "Äijälä", "aino.aijala@vantaa.fi", "092", "confirmed"),
    ("Björn", "Åkerlund", "bjorn.akerlund@espoo.fi", "049", "confirmed"),
    ("Sanna", "Öhman", "sanna.ohman@hel.fi", "091", "confirmed"),
    ("Linnea", "Grönqvist", "linnea.gronqvist@raseborg.fi", "710", "confirmed"),
    ("Johanna", "Söderström", "johanna.soderstrom@porvoo.fi", "638", "waitlisted"),
    ("Mikko", "Lindroos", "mikko.lindroos@hyvinkaa.fi", "106", "confirmed"),
    ("Elina", "Väisänen", "elina.vaisanen@lohja.fi", "444", "confirmed"),
    ("Fredrik", "Wikström", "fredrik.wikstrom@sipoo.fi", "753", "confirmed"),
    ("Kristian", "Sjöberg", "kristian.sjoberg@loviisa.fi", "434", "confirmed"),
]
# Past webinars of the series for its reach: (days ago, slug, Finnish title, Swedish title, host, registrants).
PAST_WEBINARS = [
    (100, "digituki-ikaantyneille", "Digituki ikääntyneille", "Digitalt stöd för äldre", "091", 34),
    (73, "etatuki-pienissa-kunnissa", "Etätuki pienissä kunnissa", "Distansstöd i små kommuner", "638", 22),
]
# Where a past webinar's registrants come from, as weights; Karkkila and Kerava never register (not reached).
MUNICIPALITY_WEIGHTS = {
    "091": 9, "049": 7, "092": 6, "638": 3, "444": 3, "106": 3, "186": 2, "858": 2, "543": 2, "257": 2,
    "710": 2, "753": 2, "927": 2, "434": 1, "235": 1, "505": 1, "078": 1, "149": 1, "755": 1, "018": 1,
    "407": 1, "504": 1, "611": 1, "616": 1, None: 2,
}
FIRST_NAMES = ["Aino", "Eero", "Kaisa", "Mikael", "Sari", "Ville", "Hanna", "Jonas", "Leena", "Antti", "Ida",
               "Tero", "Maija", "Patrik", "Noora", "Juha", "Emilia", "Karl", "Riikka", "Olli"]
LAST_NAMES = ["Virtanen", "Lindström", "Korhonen", "Nyberg", "Mäkelä", "Heinonen", "Sundqvist", "Laine",
              "Holm", "Rantanen", "Ekström", "Koskinen", "Salonen", "Westerlund", "Niemi", "Backman"]


def series_named(slug: str) -> Series:
    """A series seeded by the browser tests' seed_site()."""
    return db.session.execute(select(Series).where(Series.slug == slug)).scalar_one()


def add_past_registrants(event: Event, count: int, rng: random.Random) -> None:
    """Registrants from around Uusimaa, most of whom came; a few cancelled before the day."""
    codes = list(MUNICIPALITY_WEIGHTS)
    for number in range(count):
        code = rng.choices(codes, weights=list(MUNICIPALITY_WEIGHTS.values()))[0]
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        place = {"municipality_code": code} if code else {"organization": "Kuntaliitto"}
        cancelled = rng.random() < 0.08
        make_registration(event, first_name=first_name, last_name=last_name,
                          email=f"{event.slug}.{number}@example.org", status="cancelled" if cancelled else "confirmed",
                          attended="unknown" if cancelled else rng.choice(["yes", "yes", "yes", "no"]),
                          language="sv" if rng.random() < 0.2 else "fi", **place)


def seed_later_pictures() -> dict:
    """The past webinars and mail the later pictures show; returns their ids and the survey's link token."""
    series = series_named("kuntatutor")
    helsinki_now = utcnow().astimezone(HELSINKI)
    today_nine = helsinki_now.replace(hour=9, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    rng = random.Random("kuntatutor-screenshots")

    # Reach: the browser tests' past webinar gets a real title and registrants, and two more are added.
    past = db.session.execute(select(Event).where(Event.slug == "mennyt-webinaari")).scalar_one()
    past.title_fi, past.title_sv = "Digituen mittarit kunnissa", "Mätare för digitalt stöd i kommunerna"
    add_past_registrants(past, 28, rng)
    for days_ago, slug, title_fi, title_sv, host, count in PAST_WEBINARS:
        event = make_event(series=series, slug=slug, title_fi=title_fi, title_sv=title_sv,
                           host_municipality_code=host, starts_at=today_nine - timedelta(days=days_ago))
        add_past_registrants(event, count, rng)

    # Attendance: a webinar three days ago, registered for by some of the Teams report's people.
    attendance_event = make_event(series=series, slug="digituki-kirjastoissa", host_municipality_code="092",
                                  title_fi="Digituki kirjastoissa", title_sv="Digitalt stöd i biblioteken",
                                  starts_at=today_nine - timedelta(days=3),
                                  ends_at=today_nine - timedelta(days=3) + timedelta(hours=2))
    for first_name, last_name, email, code, status in ATTENDANCE_REGISTRANTS:
        make_registration(attendance_event, first_name=first_name, last_name=last_name, email=email,
                          status=status, municipality_code=code)

    # Survey: a webinar that ended two hours ago, its default survey open, a participant who reads Swedish.
    survey_start = utcnow().replace(microsecond=0, second=0, minute=0) - timedelta(hours=4)
    survey_event = make_event(series=series, slug="digituki-jarvenpaassa", host_municipality_code="186",
                              title_fi="Digituki Järvenpäässä", title_sv="Digitalt stöd i Träskända",
                              starts_at=survey_start, ends_at=survey_start + timedelta(hours=2),
                              recording_url="https://video.example.org/jarvenpaa")
    for position, (kind, title_fi, title_sv) in enumerate([
        ("talk", "Järvenpään digitukipiste", "Träskändas digistödspunkt"),
        ("talk", "Vertaisohjaajat kirjastossa", "Kamratstödjare på biblioteket"),
        ("break", "Tauko", "Paus"),
        ("panel", "Paneeli: digituki sote-palveluissa", "Panel: digitalt stöd i social- och hälsovården"),
    ]):
        db.session.add(ProgrammeItem(event=survey_event, position=position, kind=kind, title_fi=title_fi,
                                     title_sv=title_sv, starts_at=survey_start + timedelta(minutes=30 * position)))
    db.session.flush()
    survey = add_default_form(survey_event)
    survey.opens_at = survey_event.ends_at - timedelta(minutes=15)
    participant = make_registration(survey_event, email="karin.holmstrom@lapptrask.fi", first_name="Karin",
                                    last_name="Holmström", language="sv", municipality_code="407", attended="yes")

    # Feedback results: the demo's past Espoo webinar, its 38 attendees' and 4 public-link responses,
    # in a series of its own so that the Kuntatutor series keeps municipalities it has not reached.
    network = make_series(slug="digituen-kehittajat", name_fi="Digituen kehittäjät",
                          name_sv="Utvecklare av digitalt stöd", description_fi="Webinaarit digituen kehittäjille.")
    ensure_espoo_webinar(network, helsinki_now.date())
    results_event = db.session.execute(select(Event).where(Event.slug == ESPOO_WEBINAR_SLUG)).scalar_one()
    db.session.commit()
    return {"attendance": attendance_event.id, "reach": series.id, "results": results_event.id,
            "survey_token": manage_token(participant)}


def seed_mailing(event_id: int) -> None:
    """The Espoo webinar's confirmations sent, and a mailing half-way out with one address the server refused."""
    event = db.session.get(Event, event_id)
    registrations = db.session.execute(
        select(Registration).where(Registration.event_id == event_id).order_by(Registration.id)).scalars().all()
    kinds = {"confirmed": "confirmation", "waitlisted": "waitlisted", "cancelled": "registration_cancelled"}
    for registration in registrations:
        moment = registration.cancelled_at or registration.created_at
        db.session.add(Message(kind=kinds[registration.status], registration=registration,
                               dedupe_key=f"r{registration.id}:{kinds[registration.status]}", due_at=moment,
                               status="sent", attempts=1, sent_at=moment + timedelta(seconds=40)))
    admin = db.session.execute(select(OrganizerUser).where(OrganizerUser.email == ADMIN_EMAIL)).scalar_one()
    texts = {
        "fi": MailingText("Ohjelmaan tuli uusi puhuja", "Hei!\n\nOhjelmaan tuli **uusi puhuja** Järvenpäästä."),
        "sv": MailingText("En ny talare i programmet", "Hej!\n\nProgrammet har en **ny talare** från Träskända."),
    }
    mailing = send_mailing(event, admin, secrets.token_urlsafe(32), texts, Audience(("confirmed",), ATTENDANCE)).mailing
    db.session.flush()
    written = utcnow() - timedelta(minutes=3)
    mailing.created_at = written
    # Sent in order, the latest first in the log: four still waiting, then the one refused, then those sent.
    queued = sorted(mailing.messages, key=lambda message: message.id)
    for number, message in enumerate(queued):
        message.due_at = written
        if number == len(queued) - 5:
            message.status, message.attempts = "failed", 1
            message.last_error = f"550 5.1.1 <{message.registration.email}>: Recipient address rejected"
        elif number < len(queued) - 5:
            message.status, message.attempts, message.sent_at = "sent", 1, written + timedelta(seconds=20 + 4 * number)
    db.session.commit()


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit(f"Debian's Chromium is missing at {CHROMIUM}: apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/screenshots.sqlite",
                         MAIL_FOLDER=f"{folder}/mail", WTF_CSRF_ENABLED=True)
        event_id, _ = seed(app)
        with LiveServer(app, host=LOOPBACK) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=server.url, locale="fi-FI", viewport=DESKTOP)
            context.route(lambda url: not url.startswith(server.url), lambda route: route.abort())
            page = context.new_page()
            log_in_organizer(page)

            def shoot(path: str, name: str, full_page: bool = True, until: str | None = None) -> None:
                """Save the page at the path; with `until`, only what lies above that element."""
                page.goto(path)
                target = OUT / name
                clip = None
                if until is not None:
                    top = page.locator(until).bounding_box()["y"]
                    clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": top}
                page.screenshot(path=str(target), full_page=full_page, clip=clip, animations="disabled")
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")

            shoot("/organizer/?lang=fi", "organizer-dashboard.png")
            # The editor is long: a tall window from the programme, its rows and their buttons.
            page.set_viewport_size({"width": DESKTOP["width"], "height": 1800})
            shoot(f"/organizer/events/{event_id}/edit#programme", "organizer-event-editor.png", full_page=False)
            page.set_viewport_size(DESKTOP)
            shoot(f"/organizer/events/{event_id}", "organizer-overview.png")
            # The whole list of thirty would pass 300 KB: the first screenful of a tall window.
            page.set_viewport_size({"width": DESKTOP["width"], "height": 1300})
            shoot(f"/organizer/events/{event_id}/attendees", "organizer-attendees.png", full_page=False)
            page.set_viewport_size(PHONE)
            shoot(f"/organizer/events/{event_id}/attendees?lang=sv", "organizer-attendees-phone-sv.png")

            with app.app_context():
                later = seed_later_pictures()
                seed_mailing(event_id)
            page.set_viewport_size(DESKTOP)
            # The phone picture left the session in Swedish; ?lang=fi brings Finnish back.
            # The Teams report read with a ten-minute minimum: the preview waits on the attendance page.
            page.goto(f"/organizer/events/{later['attendance']}/attendance?lang=fi")
            page.locator("#report").set_input_files(SAMPLES / "teams.csv")
            page.locator("#minimum_minutes").fill("10")
            page.locator("form[enctype] [type=submit]").click()
            page.wait_for_selector("#attendance-matched")
            # The preview without the upload form below it, which would take the picture past 300 KB.
            shoot(f"/organizer/events/{later['attendance']}/attendance", "organizer-attendance-preview.png",
                  until=".attendance-upload")
            # The municipalities not reached, the chart and the table's first eleven rows (the whole page is
            # past 300 KB).
            shoot(f"/organizer/series/{later['reach']}/reach", "organizer-reach.png",
                  until="#reach tbody tr:nth-child(12)")
            page.set_viewport_size({"width": DESKTOP["width"], "height": 1600})
            shoot(f"/organizer/events/{event_id}/messages", "organizer-messages.png", full_page=False)
            shoot(f"/organizer/events/{later['results']}/feedback/results", "organizer-feedback-results.png",
                  full_page=False)
            page.set_viewport_size(PHONE)
            shoot(f"/feedback/{later['survey_token']}?lang=sv", "survey-phone-sv.png")
            browser.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
