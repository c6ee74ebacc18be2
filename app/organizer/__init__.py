"""What organizers use: login, the dashboard and, later, the event management pages."""

from flask import Blueprint
from flask_babel import lazy_gettext

from app.extensions import login_manager

bp = Blueprint("organizer", __name__)

login_manager.login_view = "organizer.login"
login_manager.login_message = lazy_gettext("Please log in to see the organizer pages.")
login_manager.login_message_category = "info"
# The flash message goes into the session cookie, which holds plain strings, not lazy ones.
login_manager.localize_callback = str

from app.organizer import views  # noqa: E402,F401
