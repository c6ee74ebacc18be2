"""Public pages from a cache that is never wrong for long (issue 13).

The pages are kept per language until an organizer changes what they show, which every process
hears of through the shared version (Redis when REDIS_URL is set); seats left lag at most
page_cache.PAGE_SECONDS, no more than the blank registration form page's.
"""

import pytest
import redis
from flask_caching.backends.rediscache import RedisCache
from sqlalchemy import select, update

from app.models import Event, Registration
from app.public import views
from app.services import page_cache
from app.services.organizers import create_organizer
from app.services.registration import Applicant, cancel_registration, register
from tests.factories import make_event, make_municipality, make_registration, make_series
from tests.organizer.conftest import PASSWORD, log_in
from tests.organizer.test_editor import form_of, posted

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


class Clock:
    """page_cache's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(page_cache, "clock", clock)
    return clock


@pytest.fixture
def webinar(db):
    make_municipality()  # the registrations' municipality, there before the pages are
    series = make_series(slug="kuntatutor", name_fi="Kuntatutor")
    event = make_event(series=series, slug="digituki", title_fi="Digituki kuntoon", title_en="Digital support",
                       capacity=10)
    db.session.commit()
    return event


@pytest.fixture
def admin_client(app, db):
    create_organizer("admin@example.org", "Anna Admin", PASSWORD, role="admin")
    db.session.commit()
    client = app.test_client()
    log_in(client, "admin@example.org")
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def behind_the_caches_back(db, event_id: int, **values) -> None:
    """Change an event as no organizer path does (a Core update): the pages are not told."""
    db.session.execute(update(Event).where(Event.id == event_id).values(**values))
    db.session.commit()


def test_the_pages_lag_no_more_than_the_form_page():
    assert 0 < page_cache.PAGE_SECONDS <= views.BLANK_FORM_PAGE_SECONDS


def test_a_page_is_kept_and_its_seats_left_are_never_older_than_the_lag(app, db, client, clock, webinar):
    assert "10 paikkaa jäljellä" in text(client.get("/events/digituki"))
    make_registration(webinar)
    db.session.commit()

    clock.now += page_cache.PAGE_SECONDS - 0.01
    # Kept: the sign-up does not reach the page at once (so the page really is cached)...
    assert "10 paikkaa jäljellä" in text(client.get("/events/digituki"))

    clock.now += 0.01
    # ...but once the lag is over it does.
    assert "9 paikkaa jäljellä" in text(client.get("/events/digituki"))


def test_an_organizers_edit_shows_at_once_on_event_series_and_home_pages(app, db, client, clock, webinar,
                                                                         admin_client):
    for path in ("/events/digituki", "/series/kuntatutor", "/"):
        assert "Digituki kuntoon" in text(client.get(path))

    form = form_of(admin_client.get(f"/organizer/events/{webinar.id}/edit"))
    response = admin_client.post(f"/organizer/events/{webinar.id}/edit",
                                 data=posted(form, title_fi="Digituki uusiksi"))
    assert response.status_code == 302

    for path in ("/events/digituki", "/series/kuntatutor", "/"):
        page = text(client.get(path))
        assert "Digituki uusiksi" in page, path
        assert "Digituki kuntoon" not in page, path


def test_cancel_and_publish_show_at_once_also_in_the_calendar_files(app, db, client, clock, webinar, admin_client):
    draft = make_event(series=webinar.series, slug="luonnos", title_fi="Luonnos", status="draft")
    db.session.commit()
    assert client.get("/events/luonnos").status_code == 404
    assert "STATUS:CANCELLED" not in text(client.get("/events/digituki/calendar.ics"))
    assert "Luonnos" not in text(client.get("/series/kuntatutor/calendar.ics"))

    admin_client.post(f"/organizer/events/{draft.id}/publish")
    admin_client.post(f"/organizer/events/{webinar.id}/cancel")

    assert client.get("/events/luonnos").status_code == 200
    assert "Luonnos" in text(client.get("/series/kuntatutor/calendar.ics"))
    for _kept in range(2):
        download = client.get("/events/digituki/calendar.ics")
        assert "STATUS:CANCELLED" in text(download)
        assert download.headers["Content-Disposition"] == 'attachment; filename="digituki.ics"'
        assert download.mimetype == "text/calendar"
    assert "Peruttu" in text(client.get("/events/digituki"))


def test_a_cancel_shows_at_once_on_the_registration_form_page_too(app, db, client, clock, webinar, admin_client):
    register = f"/events/{webinar.slug}/register"
    assert 'name="email"' in text(client.get(register))

    admin_client.post(f"/organizer/events/{webinar.id}/cancel")

    assert 'name="email"' not in text(client.get(register))


def test_each_language_has_its_own_page(app, client, clock, webinar):
    assert "Digituki kuntoon" in text(client.get("/events/digituki"))
    english = app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = text(english.get("/events/digituki"))
    assert "Digital support" in page and "10 seats left" in page
    assert "Digituki kuntoon" in text(client.get("/events/digituki"))


def test_a_sign_up_and_a_cancellation_do_not_throw_the_pages_away(app, db, client, clock, webinar):
    """Seat changes reach the pages by the lag, not by a version bump that would empty the cache in a rush."""
    client.get("/events/digituki")
    version = page_cache.content_version()
    register("digituki", Applicant(email="aino@example.org", first_name="Aino", last_name="Virtanen",
                                             language="fi", municipality_code="092"), "2026-11")
    db.session.commit()
    cancel_registration(db.session.execute(select(Registration.id)).scalar_one())
    db.session.commit()
    assert page_cache.content_version() == version


def test_a_page_with_a_message_to_show_once_is_neither_kept_nor_served_from_the_cache(app, client, clock, webinar):
    client.get("/events/digituki")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Viesti juuri sinulle")]

    response = client.get("/events/digituki")
    assert "Viesti juuri sinulle" in text(response)
    assert response.headers["Cache-Control"] == "no-store"

    response = client.get("/events/digituki")
    assert "Viesti juuri sinulle" not in text(response)


def test_kept_pages_carry_an_etag_a_browser_may_ask_with_and_no_csrf_token(app, db, client, clock, webinar):
    response = client.get("/events/digituki")
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert "csrf_token" not in text(response)
    etag = response.headers["ETag"]

    again = client.get("/events/digituki", headers={"If-None-Match": etag})
    assert again.status_code == 304

    event = db.session.get(Event, webinar.id)
    event.title_fi = "Uusi nimi"
    db.session.commit()
    changed = client.get("/events/digituki", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Uusi nimi" in text(changed)


def test_a_chosen_language_sets_a_cookie_so_that_answer_is_private(app, client, clock, webinar):
    response = client.get("/events/digituki?lang=sv")
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_pages_that_are_not_found_are_not_kept(app, db, client, clock):
    draft = make_event(slug="tulossa", status="draft")
    db.session.commit()
    assert client.get("/events/tulossa").status_code == 404
    behind_the_caches_back(db, draft.id, status="published")
    assert client.get("/events/tulossa").status_code == 200


def test_the_version_lives_in_redis_so_every_process_hears_of_a_change(app, db, client, clock, webinar, redis_url):
    app.config["REDIS_URL"] = redis_url
    assert "Digituki kuntoon" in text(client.get("/events/digituki"))
    shared = RedisCache(host=redis.Redis.from_url(redis_url), key_prefix=page_cache.KEY_PREFIX)
    first = shared.get(page_cache.VERSION_KEY)
    assert first

    # Another machine changes the event and bumps the version: this process's kept page is dropped.
    behind_the_caches_back(db, webinar.id, title_fi="Toisen koneen muutos")
    assert "Digituki kuntoon" in text(client.get("/events/digituki"))
    shared.set(page_cache.VERSION_KEY, "another-machine", timeout=0)
    assert "Toisen koneen muutos" in text(client.get("/events/digituki"))

    # And this process's commit bumps it for the others.
    event = db.session.get(Event, webinar.id)
    event.title_fi = "Tämän koneen muutos"
    db.session.commit()
    assert shared.get(page_cache.VERSION_KEY) not in (first, "another-machine", None)
    assert "Tämän koneen muutos" in text(client.get("/"))


def test_with_redis_down_pages_are_rendered_fresh_without_error(app, db, client, clock, webinar):
    app.config["REDIS_URL"] = CLOSED_PORT_REDIS
    response = client.get("/events/digituki")
    assert response.status_code == 200
    assert "Digituki kuntoon" in text(response)

    behind_the_caches_back(db, webinar.id, title_fi="Ilman välimuistia")
    assert "Ilman välimuistia" in text(client.get("/events/digituki"))
    event = db.session.get(Event, webinar.id)
    event.title_fi = "Tallennettu"
    db.session.commit()  # the bump fails quietly
    assert "Tallennettu" in text(client.get("/"))
