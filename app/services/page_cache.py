"""Public pages rendered once per language and kept until what they show changes.

What a public page shows (events, series, programmes, contacts, hosts) changes only when an
organizer saves something, and then it must show at once on every web process of every
machine. So the key of a kept page carries a *content version* kept in the shared cache
(Redis when REDIS_URL is set, the process's memory otherwise): a commit that changed any
such row puts a new version there, and every process's kept pages fall out of use at once.
The version is bumped after the commit, never before: a process that read the old version
may still store a page rendered from the old rows, but under a key nobody reads any more;
a process that reads the new version reads the committed rows after it.

The seats left change with every sign-up and do not bump the version: a kept page lives at
most PAGE_SECONDS, the same as the blank registration form page, so its seats figure is never
older than that.

The rendered pages themselves stay in each process's own cache: a hit is one small read of
the version from Redis and a copy from memory. When Redis does not answer, the version is
unknown and the page is rendered fresh (and not kept), so it is never wrong and never an error.

Pages with a message shown once (a flash) or a CSRF token are never kept; kept pages are
marked `public, no-cache` with an ETag, so a browser or proxy may keep them but asks each
time, and a 304 answers when nothing changed: an organizer's edit shows at once there too.
"""

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from itertools import chain

from flask import Response, current_app, g, has_app_context, make_response, request, session
from flask_caching import Cache
from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.extensions import cache
from app.i18n import language_of_locale
from app.models import ContactPerson, Event, Municipality, ProgrammeItem, Series, Speaker

log = logging.getLogger(__name__)

# How long a kept page may be used: how stale its seats left may be. The same as the blank
# registration form page's (app/public/views.py BLANK_FORM_PAGE_SECONDS); a test holds it no longer.
PAGE_SECONDS = 10
VERSION_KEY = "public-content-version"
KEY_PREFIX = "kuntatutor-pages:"
# A Redis that does not answer is asked again only after this long, so a hung server costs
# one short timeout per process now and then, not one per request.
REDIS_RETRY_SECONDS = 5
REDIS_TIMEOUT_SECONDS = 0.25

# Rows a public page shows. Municipalities: their names are the hosts' names.
PUBLIC_CONTENT = (Event, Series, ProgrammeItem, Speaker, ContactPerson, Municipality)
# Event columns that change without anything an organizer wrote: the row's touch time and
# seat bookkeeping a sign-up may keep on the event. The seats reach the pages by PAGE_SECONDS.
NOT_CONTENT_COLUMNS = frozenset({"updated_at", "confirmed_count", "confirmed_seats", "seats_taken"})
CHANGED = "kuntatutor_public_content_changed"

# A clock of its own, so a test can move time past a page's life.
clock = time.monotonic


class SharedVersion:
    """The content version in the shared cache of one app; None whenever the cache does not answer."""

    def __init__(self, app):
        self.url = app.config.get("REDIS_URL") or ""
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 0}
        if self.url:
            config = {
                "CACHE_TYPE": "RedisCache",
                "CACHE_REDIS_URL": self.url,
                "CACHE_KEY_PREFIX": KEY_PREFIX,
                "CACHE_DEFAULT_TIMEOUT": 0,
                "CACHE_OPTIONS": {"socket_timeout": REDIS_TIMEOUT_SECONDS,
                                  "socket_connect_timeout": REDIS_TIMEOUT_SECONDS},
            }
        self.cache = Cache()
        self.cache.init_app(app, config=config)
        self.down_until = 0.0

    def _call(self, app, method: str, *args):
        if self.down_until > clock():
            return None
        try:
            backend = app.extensions["cache"][self.cache]
            return getattr(backend, method)(*args)
        except Exception as error:  # RedisCache raises redis' own errors: any of them means "not now"
            self.down_until = clock() + REDIS_RETRY_SECONDS
            log.warning("Public page cache unavailable, pages are rendered fresh: %s", error)
            return None

    def read(self, app) -> str | None:
        version = self._call(app, "get", VERSION_KEY)
        if version is None and self.down_until <= clock():
            # Never bumped yet (or the cache was emptied): start one, keeping one another process set first.
            self._call(app, "add", VERSION_KEY, uuid.uuid4().hex, 0)
            version = self._call(app, "get", VERSION_KEY)
        return version

    def bump(self, app) -> None:
        # A fresh random version, never one an emptied cache could hand out again.
        self.down_until = 0.0
        if self._call(app, "set", VERSION_KEY, uuid.uuid4().hex, 0) is None:
            log.error("Public pages could not be told of a change; they show it within %s s.", PAGE_SECONDS)


def shared_version(app) -> SharedVersion:
    """The app's shared version store, made on first use (again when REDIS_URL changes, as in tests)."""
    store = app.extensions.get("public_page_version")
    if store is None or store.url != (app.config.get("REDIS_URL") or ""):
        store = app.extensions["public_page_version"] = SharedVersion(app)
    return store


def content_version() -> str | None:
    """The current content version, None when the shared cache cannot say."""
    return shared_version(current_app).read(current_app)


def content_changed() -> None:
    """Tell every process that public content changed: their kept pages are no longer used."""
    shared_version(current_app).bump(current_app)


def shows_on_public_pages(instance) -> bool:
    """Whether a changed row changes a public page: one of its columns did (related rows count on their own)."""
    if not isinstance(instance, PUBLIC_CONTENT):
        return False
    state = inspect(instance)
    return any(
        state.attrs[column.key].history.has_changes()
        for column in state.mapper.column_attrs
        if column.key not in NOT_CONTENT_COLUMNS
    )


@sa_event.listens_for(Session, "after_flush")
def note_public_content_changes(session, flush_context):
    """Remember that this transaction wrote something a public page shows (the ORM's writes)."""
    if session.info.get(CHANGED):
        return
    added_or_deleted = any(isinstance(instance, PUBLIC_CONTENT) for instance in chain(session.new, session.deleted))
    if added_or_deleted or any(shows_on_public_pages(instance) for instance in session.dirty):
        session.info[CHANGED] = True


@sa_event.listens_for(Session, "after_commit")
def bump_after_commit(session):
    """Once the change is committed, and only then, move every process to a new version.

    A rolled-back transaction keeps its mark: a version bumped for nothing costs a re-render only.
    """
    if session.info.pop(CHANGED, False):
        if has_app_context():
            content_changed()
        else:
            log.warning("Public content changed outside the app: pages show it within %s s.", PAGE_SECONDS)


@dataclass(frozen=True)
class KeptPage:
    """A rendered page as kept: its body, type, the headers it needs, ETag and when it was rendered."""

    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]
    etag: str
    rendered_at: float

    def response(self) -> Response:
        return Response(self.body, mimetype=self.mimetype, headers=list(self.headers))


KEPT_HEADERS = ("Content-Disposition",)


def serve(name: str, render) -> Response:
    """The page called `name` (unique per address) in the visitor's language, from the cache when fresh.

    `render` makes the page (a string or a response). A page with a message to show once is
    rendered for this visitor only; so is every page while the shared cache does not answer.
    """
    if session.get("_flashes"):
        response = make_response(render())
        response.headers["Cache-Control"] = "no-store"
        return response
    version = content_version()
    key = f"page:{name}:{language_of_locale()}:{version}"
    now = clock()
    kept = cache.get(key) if version is not None else None
    if kept is None or now - kept.rendered_at >= PAGE_SECONDS:
        response = make_response(render())
        if response.status_code != 200 or "csrf_token" in g:
            # Not a page for everyone (a CSRF token is this visitor's own).
            response.headers["Cache-Control"] = "no-store"
            return response
        body = response.get_data()
        kept = KeptPage(
            body=body,
            mimetype=response.mimetype,
            headers=tuple((header, response.headers[header]) for header in KEPT_HEADERS if header in response.headers),
            etag=hashlib.blake2b(body, digest_size=16).hexdigest(),
            rendered_at=now,
        )
        if version is not None and PAGE_SECONDS > 0:
            cache.set(key, kept, timeout=PAGE_SECONDS)
    response = kept.response()
    # A response setting this visitor's cookie (a language chosen) is theirs alone.
    response.headers["Cache-Control"] = "private, no-cache" if session.modified else "public, no-cache"
    # The language comes from the address, the session cookie or the browser's languages.
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    response.set_etag(kept.etag)
    return response.make_conditional(request)
