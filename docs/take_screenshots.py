"""Screenshots of the organizer pages for the README, taken with Debian's Chromium (run by hand, not a test).

    .venv/bin/python docs/take_screenshots.py

Seeds a throw-away SQLite database as the browser tests do (tests/browser/conftest.py: the 26
municipalities, the Kuntatutor series, an Espoo-hosted webinar with thirty registrants from around
Uusimaa), serves the app on a free loopback port, logs in as an admin and writes PNGs to
docs/screenshots/. Nothing outside the machine is asked for.
"""

import sys
import tempfile
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.i18n import HELSINKI  # noqa: E402
from app.models import ContactPerson, Event, ProgrammeItem, Speaker  # noqa: E402
from app.services.health import record_heartbeat  # noqa: E402
from app.services.organizers import create_organizer  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, LOOPBACK, log_in_organizer, seed_organizer_event, seed_site,
)
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

            def shoot(path: str, name: str, full_page: bool = True) -> None:
                page.goto(path)
                target = OUT / name
                page.screenshot(path=str(target), full_page=full_page, animations="disabled")
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
            browser.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
