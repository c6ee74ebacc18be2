"""The guards every organizer page passes: a login, then permission for the event or series the URL names.

They run before any view, so a new view cannot forget them. The URL values naming records
(`series_id`, `event_id`, `registration_id`, `organizer_id`) are taken out of the view's arguments:
a view reads the checked record from `g` (`g.series`, `g.event`, `g.registration`, `g.organizer`)
and has no id with which to load one unchecked.
"""

from flask import abort, current_app, g, request
from flask_login import current_user, logout_user

from app.extensions import login_manager
from app.organizer import admin_bp, bp
from app.services.access import managed_event, managed_organizer, managed_series, registration_of

RECORD_URL_VALUES = ("series_id", "event_id", "registration_id", "organizer_id")
# The only organizer pages a visitor without a login may reach.
OPEN_ENDPOINTS = {"organizer.login", "organizer.logout"}
# URL values that name no record and need no permission of their own.
PLAIN_URL_VALUES = {"file_format"}


@bp.url_value_preprocessor
def take_record_ids(endpoint, values):
    """Keep the ids the URL names for the guard, out of the view's reach."""
    g.record_ids = {name: values.pop(name) for name in RECORD_URL_VALUES if values and name in values}
    unknown = set(values or ()) - PLAIN_URL_VALUES
    if unknown:
        # A URL value this guard does not know could name a record nobody checked.
        raise LookupError(f"The organizer guard does not know the URL values {sorted(unknown)}")


@bp.url_defaults
def put_back_record_ids(endpoint, values):
    """Links from a page to its neighbours (and to itself in another language) name the same records, as Flask's URL processors do."""
    for name, record_id in g.get("record_ids", {}).items():
        if current_app.url_map.is_endpoint_expecting(endpoint, name):
            values.setdefault(name, record_id)


@bp.before_request
def require_active_organizer():
    """Every organizer page but login and logout needs an active organizer."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not (current_user.is_authenticated and current_user.is_active):
        # An organizer deactivated since logging in loses the session here.
        logout_user()
        return login_manager.unauthorized()
    load_managed_records(g.record_ids)
    return None


def load_managed_records(values: dict) -> None:
    """Put the series, event, registration and organizer account the URL names on `g`, or answer 404 when the organizer may not manage them.

    404, never 403: an organizer cannot tell another organizer's event from one that does not exist.
    """
    if "series_id" in values:
        g.series = managed_series(current_user, values["series_id"]) or abort(404)
    if "event_id" in values:
        g.event = managed_event(current_user, values["event_id"]) or abort(404)
    if "registration_id" in values:
        g.registration = registration_of(g.event, values["registration_id"]) or abort(404)
    if "organizer_id" in values:
        g.organizer = managed_organizer(current_user, values["organizer_id"]) or abort(404)


@admin_bp.before_request
def require_admin():
    """Account and audit pages are for admins; to anyone else they do not exist."""
    if current_user.role != "admin":
        abort(404)
