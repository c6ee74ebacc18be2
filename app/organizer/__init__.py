"""What organizers use: login, the dashboard, the event editor, attendee lists and exports; admins also accounts and the audit log."""

from flask import Blueprint
from flask_babel import lazy_gettext

from app.extensions import login_manager

bp = Blueprint("organizer", __name__)
# Nested, so the organizer guard runs first and the admin guard after it.
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

login_manager.login_view = "organizer.login"
login_manager.login_message = lazy_gettext("Please log in to see the organizer pages.")
login_manager.login_message_category = "info"
# The flash message goes into the session cookie, which holds plain strings, not lazy ones.
login_manager.localize_callback = str

from app.organizer import access, accounts, attendance, attendees, events, feedback, feedback_results, messages, reach, views, words  # noqa: E402,F401

bp.register_blueprint(admin_bp)
