"""Organizer pages: login, logout, the dashboard and each event's overview."""

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.extensions import db, limiter
from app.organizer import bp
from app.organizer.forms import LoginForm
from app.services.addresses import email_key
from app.services.dashboard import event_overview, event_summary, manageable_events
from app.services.events import has_started, manageable_series
from app.services.health import SCHEDULER_SILENCE_LIMIT, scheduler_silent_for
from app.services.message_log import failed_message_count
from app.services.organizers import authenticate

# Guessing passwords is slowed per address, and per account for guesses spread over many addresses.
LOGIN_LIMIT_PER_ADDRESS = "10 per minute"
LOGIN_LIMIT_PER_EMAIL = "20 per hour"


def submitted_email() -> str:
    """The rate-limit key of a login attempt: the email it names, hashed so that spellings collapse and no address is kept."""
    # The prefix keeps the key apart from the per-address keys.
    return "organizer-login:" + email_key(request.form.get("email", ""))


def local_path(target: str | None) -> str | None:
    """The target when it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash and drop tabs and newlines:
    # "/\evil.example" and "/\t/evil.example" leave the site.
    if any(char == "\\" or char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


@bp.after_request
def keep_out_of_caches(response):
    """Organizer pages show personal data, which no browser or proxy cache may keep."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"])
@limiter.limit(LOGIN_LIMIT_PER_EMAIL, methods=["POST"], key_func=submitted_email)
def login():
    """Log an organizer in and send them to the page they asked for or to the dashboard."""
    next_path = local_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for(".dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        # A form sent with something to correct is a 400; a first look at the page is not.
        return render_template("organizer/login.html", form=form, next_path=next_path), 400 if form.errors else 200
    organizer = authenticate(form.email.data, form.password.data)
    if organizer is not None:
        db.session.commit()
        login_user(organizer)
        return redirect(next_path or url_for(".dashboard"))
    # Same words for an unknown email and a wrong password: no one learns who has an account.
    form.form_errors.append(_("The email address or password is not correct. Check them and try again."))
    return render_template("organizer/login.html", form=form, next_path=next_path)


@bp.post("/logout")
def logout():
    """End the organizer's session; a POST with a CSRF token, so no link or image can log anyone out."""
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for(".login"))


@bp.get("/")
def dashboard():
    """The events the organizer manages with their registration counts and seats left."""
    rows = event_overview(manageable_events(current_user))
    silence = scheduler_silent_for()
    scheduler_silent = silence is None or silence > SCHEDULER_SILENCE_LIMIT
    silent_minutes = None if silence is None else int(silence.total_seconds() // 60)
    return render_template("organizer/dashboard.html", rows=rows, series=manageable_series(current_user),
                           scheduler_silent=scheduler_silent, silent_minutes=silent_minutes)


@bp.get("/events/<int:event_id>")
def event():
    """One event at a glance: registrations by status, seats, sign-ups per day, municipalities reached."""
    summary = event_summary(g.event)
    return render_template("organizer/event.html", summary=summary, started=has_started(g.event),
                           registered=summary.confirmed + summary.waitlisted,
                           failed_messages=failed_message_count(g.event))
