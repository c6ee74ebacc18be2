"""Browser fixtures: the app served over real HTTP with a file database, Debian's Chromium driven
by Playwright (one browser per session, a fresh context per test) and axe-core from its package."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask_babel import force_locale, gettext
from flask_migrate import upgrade
from playwright.sync_api import expect, sync_playwright

from app import create_app
from app.extensions import db
from app.models import ContactPerson, ProgrammeItem, Speaker
from app.models.types import utcnow
from app.services.municipalities import load_municipalities
from app.services.tokens import manage_token
from tests.conftest import IN_CI
from tests.factories import make_event, make_registration, make_series
from tests.live_server import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK = "127.0.0.1"
# Generous for a loaded CI machine; a passing run never waits this long.
TIMEOUT_MS = 10_000


def pytest_configure(config):
    """Register the browser marker."""
    config.addinivalue_line("markers", "browser: drives Chromium against the app served over HTTP")


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder, so `-m "not browser"` leaves them out."""
    folder = Path(__file__).parent
    for item in items:
        if folder in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Site:
    """What the live app was seeded with."""

    series_slug: str
    event_slug: str
    manage_token: str


def seed_site() -> Site:
    """The 26 municipalities, the series with an upcoming, a cancelled and a past webinar, and one registration."""
    load_municipalities()
    series = make_series(
        slug="kuntatutor",
        name_fi="Kuntatutor",
        name_sv="Kuntatutor",
        description_fi="Uudenmaan liiton **digituen** webinaarisarja Uudenmaan 26 kunnalle.",
        description_sv="Nylands förbunds webbinarieserie om **digitalt stöd** för Nylands 26 kommuner.",
    )
    starts_at = utcnow().replace(microsecond=0, second=0, minute=0) + timedelta(days=14)
    event = make_event(
        series=series,
        slug="kunnan-digituki-kuntoon-yhteistyolla",
        title_fi="Kunnan digituki kuntoon yhteistyöllä",
        title_sv="Kommunens digitala stöd i skick genom samarbete",
        description_fi="Vantaa kertoo, miten digitukiverkosto on koottu.\n\n- verkosto\n- etätuki",
        description_sv="Vanda berättar hur nätverket för digitalt stöd byggdes upp.\n\n- nätverk\n- distansstöd",
        host_municipality_code="092",
        starts_at=starts_at,
        capacity=120,
    )
    welcome = ProgrammeItem(event=event, position=0, starts_at=starts_at, kind="talk",
                            title_fi="Tervetuloa", title_sv="Välkommen")
    welcome.speakers.append(Speaker(name="Päivi Järvinen", title="Digitukikoordinaattori",
                                    organization="Vantaan kaupunki"))
    db.session.add_all([
        welcome,
        ProgrammeItem(event=event, position=1, starts_at=starts_at + timedelta(hours=1), kind="break",
                      title_fi="Tauko", title_sv="Paus"),
        ContactPerson(event=event, position=0, name="Åsa Öberg", title="Projektipäällikkö",
                      organization="Uudenmaan liitto", email="asa.oberg@example.org", phone="+358 40 123 4567"),
    ])
    make_event(series=series, slug="peruttu-webinaari", title_fi="Peruttu webinaari", status="cancelled",
               host_municipality_code="049", starts_at=starts_at + timedelta(days=7))
    make_event(series=series, slug="mennyt-webinaari", title_fi="Mennyt webinaari",
               host_municipality_code="091", starts_at=starts_at - timedelta(days=60))
    registration = make_registration(event, email="manage.page@example.org", municipality_code="092")
    db.session.commit()
    return Site(series_slug=series.slug, event_slug=event.slug, manage_token=manage_token(registration))


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """An app on a SQLite file (an in-memory database cannot be shared with the server's threads)."""
    folder = tmp_path_factory.mktemp("live-app")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'live.sqlite'}",
        MAIL_FOLDER=str(folder / "mail"),
        # A real browser posts the CSRF token like a person's would.
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def site(live_app) -> Site:
    """The seeded content the tests visit."""
    with live_app.app_context():
        return seed_site()


@pytest.fixture(scope="session")
def live_server(live_app, site):
    """The seeded app, served on a free loopback port for the whole session."""
    with LiveServer(live_app, host=LOOPBACK) as server:
        yield server


@pytest.fixture(scope="session")
def tr(live_app):
    """The UI text for a message id in a language, as the pages show it, with or without translations."""

    def translate(message: str, lang: str = "fi", **variables) -> str:
        with live_app.test_request_context(), force_locale(lang):
            return gettext(message, **variables)

    return translate


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; never a downloaded browser."""
    if not CHROMIUM.exists():
        message = f"Debian's Chromium is not installed at {CHROMIUM}: apt-get install chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def requested_urls() -> list[str]:
    """Every URL the page asked for during the test."""
    return []


def is_local(url: str) -> bool:
    """Whether a URL goes to the live server's loopback address (or is inline data)."""
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname == LOOPBACK


@pytest.fixture
def page(browser, live_server, requested_urls):
    """A page in a fresh browser context with a Finnish browser; requests outside the server fail the test."""
    context = browser.new_context(base_url=live_server.url, locale="fi-FI", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", lambda request: requested_urls.append(request.url))
    # Nothing may leave the machine; answer any such request with an error at once.
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()
    third_party = [url for url in requested_urls if not is_local(url)]
    assert not third_party, f"The pages requested third-party URLs: {third_party}"


@pytest.fixture(scope="session")
def axe():
    """axe-core as bundled in axe-playwright-python, injected from the package, never from a CDN."""
    return Axe()


def violation_report(violations: list[dict]) -> str:
    """axe's violations as readable lines: rule, impact, what to do, and each failing element."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} – {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.append("      " + node.get("failureSummary", "").replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page and fail with a readable report of every violation, whatever its impact."""

    def check(page) -> None:
        violations = axe.run(page).response["violations"]
        assert not violations, f"axe found violations on {page.url}:\n{violation_report(violations)}"

    return check


# --- Organizer pages (appended by the browser helper): an admin, a logged-in page, an event with registrants ---

from sqlalchemy import select  # noqa: E402

from app.models import Series  # noqa: E402
from app.services.organizers import create_organizer  # noqa: E402

ADMIN_EMAIL = "selma.yllapitaja@example.org"
ADMIN_PASSWORD = "kuntatutor-selain-2026"
# Realistic registrants: (first name, last name, municipality code or None for another organization, status).
REGISTRANTS = [
    ("Aino", "Äijälä", "092", "confirmed"), ("Björn", "Åkerlund", "049", "confirmed"),
    ("Sanna", "Öhman", "091", "confirmed"), ("Mikko", "Lindroos", "186", "confirmed"),
    ("Johanna", "Söderström", "638", "waitlisted"), ("Pekka", "Mäkinen", "106", "confirmed"),
    ("Linnea", "Grönqvist", "710", "confirmed"), ("Tuomas", "Heikkilä", "245", "cancelled"),
    ("Maria", "Nyström", "257", "confirmed"), ("Jussi", "Kärkkäinen", "858", "confirmed"),
    ("Elina", "Väisänen", "543", "confirmed"), ("Fredrik", "Wikström", "753", "confirmed"),
    ("Riikka", "Hämäläinen", "444", "waitlisted"), ("Kristian", "Sjöberg", "434", "confirmed"),
    ("Anu", "Leppänen", "927", "confirmed"), ("Henrik", "Lindholm", "078", "confirmed"),
    ("Päivi", "Järvinen", "092", "confirmed"), ("Olli", "Räsänen", "224", "cancelled"),
    ("Camilla", "Forsström", "235", "confirmed"), ("Heikki", "Nieminen", "505", "confirmed"),
    ("Tiina", "Koskinen", "018", "confirmed"), ("Anders", "Björklund", "755", "confirmed"),
    ("Satu", "Ahonen", "611", "waitlisted"), ("Ville", "Salminen", "616", "confirmed"),
    ("Ulla", "Östman", "407", "confirmed"), ("Kimmo", "Laaksonen", "149", "confirmed"),
    ("Eeva", "Pöyhönen", "504", "confirmed"), ("Sofia", "Holmström", "049", "confirmed"),
    ("Jari", "Määttä", None, "confirmed"), ("Minna", "Kallio", "091", "confirmed"),
]
OTHER_ORGANIZATION = "Digi- ja väestötietovirasto"
# Days before today each of them registered: most in the first days after the invitation went out.
REGISTERED_DAYS_AGO = [20] * 7 + [19] * 5 + [18] * 3 + [15] * 2 + [12] * 3 + [9] * 2 + [6] * 3 + [4] * 2 + [2] * 2 + [1]


@dataclass(frozen=True)
class OrganizerSite:
    """The event the organizer-page tests look at, with a registration and the names of its registrants."""

    event_id: int
    event_slug: str
    registration_id: int
    registration_name: str
    admin_id: int


def seed_organizer_event(admin_id: int) -> OrganizerSite:
    """A published webinar hosted by Espoo with thirty registrants from around Uusimaa, some queuing or cancelled.

    Needs the municipalities and the Kuntatutor series of seed_site().
    """
    series = db.session.execute(select(Series).where(Series.slug == "kuntatutor")).scalar_one()
    starts_at = utcnow().replace(microsecond=0, second=0, minute=0) + timedelta(days=21)
    event = make_event(
        series=series, slug="digituen-verkostot-uudellamaalla", host_municipality_code="049",
        title_fi="Digituen verkostot Uudellamaalla", title_sv="Nätverk för digitalt stöd i Nyland",
        description_fi="Espoo kertoo, miten digituki järjestetään kirjastoissa.", starts_at=starts_at,
        capacity=25, waitlist_enabled=True,
    )
    item = ProgrammeItem(event=event, position=0, starts_at=starts_at, kind="talk",
                         title_fi="Digituki kirjastoissa", title_sv="Digitalt stöd i biblioteken")
    item.speakers.append(Speaker(name="Camilla Forsström", title="Kirjastonjohtaja", organization="Espoon kaupunki"))
    db.session.add(item)
    first = None
    for number, (first_name, last_name, code, status) in enumerate(REGISTRANTS):
        email = f"{first_name}.{last_name}".lower().translate(str.maketrans("äöå", "aoa")) + "@example.org"
        place = {"municipality_code": code} if code else {"organization": OTHER_ORGANIZATION}
        registration = make_registration(
            event, email=email, first_name=first_name, last_name=last_name, status=status,
            language="sv" if number % 4 == 1 else "fi", job_title="Digituen asiantuntija",
            created_at=utcnow() - timedelta(days=REGISTERED_DAYS_AGO[number]) + timedelta(minutes=7 * number),
            questions="Miten tavoitatte ikääntyneet?" if number == 0 else None, **place,
        )
        if status == "cancelled":
            registration.cancelled_at = registration.created_at + timedelta(days=1)
        first = first or registration
    db.session.commit()
    return OrganizerSite(event.id, event.slug, first.id, f"{first.first_name} {first.last_name}", admin_id)


@pytest.fixture(scope="session")
def organizer_site(live_app, site) -> OrganizerSite:
    """The organizer-page tests' event and an admin account (ADMIN_EMAIL, ADMIN_PASSWORD)."""
    with live_app.app_context():
        admin = create_organizer(ADMIN_EMAIL, "Selma Ylläpitäjä", ADMIN_PASSWORD, role="admin")
        return seed_organizer_event(admin.id)


def log_in_organizer(page, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """Log in on the organizer login page and wait for the dashboard."""
    page.goto("/organizer/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form.stacked-form [type=submit]").click()
    page.wait_for_url("**/organizer/")


@pytest.fixture(scope="session")
def admin_state(browser, live_server, organizer_site) -> dict:
    """Cookies of a browser where the admin logged in, once per session (the login allows ten tries a minute)."""
    context = browser.new_context(base_url=live_server.url, locale="fi-FI")
    context.set_default_timeout(TIMEOUT_MS)
    log_in_organizer(context.new_page())
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def admin_page(browser, live_server, admin_state, requested_urls):
    """Like `page`, but the admin is logged in; requests outside the server fail the test."""
    context = browser.new_context(base_url=live_server.url, locale="fi-FI", viewport={"width": 1280, "height": 900},
                                  storage_state=admin_state, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", lambda request: requested_urls.append(request.url))
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()
    third_party = [url for url in requested_urls if not is_local(url)]
    assert not third_party, f"The pages requested third-party URLs: {third_party}"


# --- Feedback survey (appended by fbanswer): an ended webinar with its open form and a Swedish participant ---

from tests.factories import make_feedback_form  # noqa: E402


@dataclass(frozen=True)
class SurveySite:
    """The ended webinar whose survey the tests answer, and its participant who reads Swedish."""

    event_id: int
    form_id: int
    registration_id: int
    email: str


def seed_survey_event() -> SurveySite:
    """A webinar by Järvenpää that ended two hours ago: a talk, a break and a panel, a form with each kind of question.

    Needs the municipalities and the Kuntatutor series of seed_site().
    """
    series = db.session.execute(select(Series).where(Series.slug == "kuntatutor")).scalar_one()
    starts_at = utcnow().replace(microsecond=0, second=0) - timedelta(hours=5)
    event = make_event(
        series=series, slug="digituki-jarvenpaassa", host_municipality_code="186",
        title_fi="Digituki Järvenpäässä", title_sv="Digitalt stöd i Träskända", starts_at=starts_at,
        recording_url="https://video.example.org/jarvenpaa",
    )
    for position, (kind, fi, sv) in enumerate([
        ("talk", "Järvenpään digitukipiste", "Träskändas digistödspunkt"),
        ("break", "Tauko", "Paus"),
        ("panel", "Paneelikeskustelu", "Paneldiskussion"),
    ]):
        db.session.add(ProgrammeItem(event=event, position=position, kind=kind, title_fi=fi, title_sv=sv,
                                     starts_at=starts_at + timedelta(minutes=40 * position)))
    form = make_feedback_form(event)
    registration = make_registration(event, email="bjorn.akerlund.survey@example.org", first_name="Björn",
                                     last_name="Åkerlund", language="sv", municipality_code="186", attended="yes")
    db.session.commit()
    return SurveySite(event.id, form.id, registration.id, registration.email)


@pytest.fixture(scope="session")
def survey_site(live_app, site) -> SurveySite:
    """The survey tests' webinar, form and Swedish-speaking participant."""
    with live_app.app_context():
        return seed_survey_event()
