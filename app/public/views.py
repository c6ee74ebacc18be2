"""Public pages: the series, events, registration and managing one's own registration."""

import uuid

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError

from app.extensions import cache, db, limiter
from app.i18n import language_of_locale
from app.models import Event, Series
from app.models.types import utcnow
from app.public import bp
from app.public.forms import OTHER_ORGANIZATION, CancelForm, ManageDetailsForm, RegistrationForm, normalized_email
from app.services import calendar
from app.services.health import health_report
from app.services.municipalities import municipality_names
from app.services.registration import (
    Applicant,
    EventFull,
    RegistrationClosed,
    cancel_registration,
    confirmed_count_of,
    free_seats,
    register,
    update_details,
)
from app.services.tokens import find_registration_by_token

VISIBLE_STATUSES = ("published", "cancelled")


def page_language() -> str:
    """The language the page is shown in."""
    return language_of_locale()


def visible_event(slug: str) -> Event:
    """A published or cancelled event by its slug, or a 404."""
    return visible_event_row(slug)[0]


def visible_event_and_seats_left(slug: str) -> tuple[Event, int | None]:
    """A visible event and its free seats (None without a limit), read in one query; or a 404."""
    event, confirmed = visible_event_row(slug, confirmed_count_of(Event.id))
    return event, free_seats(event.capacity, confirmed)


def visible_event_row(slug: str, *columns) -> Row:
    """A published or cancelled event by its slug with any other `columns`, or a 404."""
    row = db.session.execute(
        select(Event, *columns).where(Event.slug == slug, Event.status.in_(VISIBLE_STATUSES))
    ).one_or_none()
    if row is None:
        abort(404)
    return row


def calendar_response(body: bytes, filename: str) -> Response:
    """An .ics download."""
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def series_page(series: Series | None):
    """A series with its upcoming and past events."""
    now = utcnow()
    query = select(Event).where(Event.status.in_(VISIBLE_STATUSES)).order_by(Event.starts_at)
    if series is not None:
        query = query.where(Event.series_id == series.id)
    events = list(db.session.execute(query).scalars())
    upcoming = [event for event in events if event.ends_at >= now]
    past = [event for event in reversed(events) if event.ends_at < now]
    return render_template("public/series.html", series=series, upcoming=upcoming, past=past)


@bp.get("/")
def home():
    """The first series' page, which is the service's front page."""
    series = db.session.execute(select(Series).order_by(Series.id)).scalars().first()
    return series_page(series)


def series_by_slug(slug: str) -> Series:
    """A series by its slug, or a 404."""
    found = db.session.execute(select(Series).where(Series.slug == slug)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


@bp.get("/series/<slug>")
def series(slug: str):
    """A series' page."""
    return series_page(series_by_slug(slug))


@bp.get("/series/<slug>/calendar.ics")
def series_calendar(slug: str):
    """A calendar feed of the series' events to subscribe to; no join links."""
    found = series_by_slug(slug)
    events = db.session.execute(
        select(Event).where(Event.series_id == found.id, Event.status.in_(VISIBLE_STATUSES)).order_by(Event.starts_at)
    ).scalars()
    body = calendar.series_feed(found, list(events), page_language())
    return Response(body, mimetype="text/calendar")


@bp.get("/events/<slug>")
def event(slug: str):
    """What, when, who hosts, the programme, contacts, seats and the register button."""
    found, free = visible_event_and_seats_left(slug)
    return render_template(
        "public/event.html",
        event=found,
        seats_left=free,
        registration_open=found.registration_is_open(utcnow()),
        now=utcnow(),
    )


@bp.get("/events/<slug>/calendar.ics")
def event_calendar(slug: str):
    """Add-to-calendar file: METHOD:PUBLISH, without the join link."""
    found = visible_event(slug)
    return calendar_response(calendar.event_calendar(found, page_language()), f"{found.slug}.ics")


def registration_email_key() -> str:
    """Rate-limit key per event and submitted address, so one inbox cannot be flooded."""
    email = (request.form.get("email") or "").strip().lower()
    return f"register:{request.view_args['slug']}:{email}"


def with_municipalities(form):
    """The form with the municipalities to choose from, named in the page's language."""
    form.set_municipality_choices(municipality_names(page_language()))
    return form


def rate_limited_form():
    """Keep what the person typed and tell them to wait, instead of a bare error page."""
    message = _("Too many registrations were sent from here in a short time. Wait a few minutes and send the form again.")
    page, _is_open = form_page(request.view_args["slug"], with_municipalities(RegistrationForm()), form_error=message)
    return Response(page, status=429)


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit("60 per minute;600 per hour", methods=["POST"], on_breach=lambda limit: rate_limited_form())
# A municipality's staff often share one public address: generous per address,
# tight per email (DESIGN.md rule 10).
@limiter.limit("10 per hour", methods=["POST"], key_func=registration_email_key,
               exempt_when=lambda: not (request.form.get("email") or "").strip(),
               on_breach=lambda limit: rate_limited_form())
def register_form(slug: str):
    """The registration form; a valid sign-up leads to the check-your-email page."""
    if request.method != "POST":
        return blank_form_page(slug)
    form = with_municipalities(RegistrationForm())
    if form.validate_on_submit():
        applicant = Applicant(email=normalized_email(form.email.data), **form.details())
        try:
            # By the slug: the event is read once, under its lock.
            sign_up(slug, applicant)
        except EventFull:
            db.session.rollback()
            page, _is_open = form_page(slug, form, form_error=_("The event is full and has no waiting list."))
            return page, 409
        except RegistrationClosed:
            db.session.rollback()
        else:
            return redirect(url_for("public.registered", slug=slug))
    # Errors to correct, or an event that no longer takes sign-ups: either way nothing was saved.
    page, is_open = form_page(slug, form)
    return page, 400 if is_open else 409


def form_page(slug: str, form, **context) -> tuple[str, bool]:
    """The event's page with `form`, or its notice that registration is not open; and whether it is open."""
    found, free = visible_event_and_seats_left(slug)
    if not found.registration_is_open(utcnow()):
        return render_template("public/register.html", event=found, form=None, seats_left=None), False
    return render_template("public/register.html", event=found, form=form, seats_left=free, **context), True


# The blank form page is the same for everyone reading it in one language but for the CSRF
# token, so each process keeps it for a few seconds with a stand-in where the token goes.
# A few seconds is how stale its "event is full" notice may be; the seats are counted
# again under the event's lock when the form is sent.
BLANK_FORM_PAGE_SECONDS = 10
CSRF_STAND_IN = f"csrf-stand-in-{uuid.uuid4().hex}"


def blank_form_page(slug: str) -> str:
    """The form page as a GET shows it, from the process's cache when it is fresh."""
    if session.get("_flashes"):
        # A message waits to be shown once, in this page only.
        return render_blank_form_page(slug)
    key = f"blank-form-page:{slug}:{page_language()}"
    page = cache.get(key)
    if page is None:
        page = render_blank_form_page(slug).replace(generate_csrf(), CSRF_STAND_IN)
        cache.set(key, page, timeout=BLANK_FORM_PAGE_SECONDS)
    return page.replace(CSRF_STAND_IN, generate_csrf())


def render_blank_form_page(slug: str) -> str:
    """The form with nothing filled in but the page's language, or the notice that registration is not open."""
    form = with_municipalities(RegistrationForm())
    form.language.data = page_language()
    return form_page(slug, form)[0]


def sign_up(event: int | str, applicant: Applicant) -> None:
    """Register and commit; a simultaneous identical submission becomes a harmless repeat (rule 3)."""
    version = current_app.config["PRIVACY_NOTICE_VERSION"]
    try:
        register(event, applicant, version)
        db.session.commit()
    except IntegrityError:
        # The unique index let the other submission through first; this one is now a repeat.
        db.session.rollback()
        register(event, applicant, version)
        db.session.commit()


@bp.get("/events/<slug>/registered")
def registered(slug: str):
    """Check your email: the same page whether the sign-up was new or a repeat (rule 3)."""
    return render_template("public/registered.html", event=visible_event(slug))


def registration_for(token: str):
    """The registration the token opens; a wrong or expired token is a polite 404."""
    registration = find_registration_by_token(token)
    if registration is None or registration.purged_at is not None:
        abort(404)
    return registration


@bp.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    """The person's own registration: status, details, join link when confirmed, change, cancel."""
    registration = registration_for(token)
    form = with_municipalities(ManageDetailsForm(obj=None if request.method == "POST" else registration))
    if request.method == "GET":
        form.municipality.data = registration.municipality_code or OTHER_ORGANIZATION
    can_change = registration.status != "cancelled" and registration.event.ends_at > utcnow()
    if request.method == "POST":
        if not can_change:
            abort(409)
        if form.validate_on_submit():
            update_details(registration, **form.details())
            db.session.commit()
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("public.manage", token=token))
    return render_template(
        "public/manage.html", registration=registration, event=registration.event, form=form,
        token=token, can_change=can_change,
    ), (400 if request.method == "POST" else 200)


@bp.route("/manage/<token>/cancel", methods=["GET", "POST"])
def manage_cancel(token: str):
    """Cancel, after a confirmation step."""
    registration = registration_for(token)
    form = CancelForm()
    if registration.status != "cancelled" and form.validate_on_submit():
        cancel_registration(registration.id)
        db.session.commit()
        flash(_("Your registration has been cancelled. A confirmation is on its way to your email."), "success")
        return redirect(url_for("public.manage", token=token))
    return render_template("public/cancel.html", registration=registration, event=registration.event,
                           form=form, token=token)


@bp.get("/manage/<token>/invite.ics")
def manage_invite(token: str):
    """The person's own calendar invite, with the join link when confirmed."""
    registration = registration_for(token)
    method = "REQUEST" if registration.status == "confirmed" else "CANCEL"
    if registration.status == "waitlisted":
        return calendar_response(calendar.event_calendar(registration.event, page_language()),
                                 f"{registration.event.slug}.ics")
    return calendar_response(calendar.invite(registration, method), "invite.ics")


@bp.get("/privacy")
def privacy():
    """The privacy notice."""
    return render_template(f"public/privacy_{page_language()}.html")


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement with its feedback channel."""
    return render_template(f"public/accessibility_{page_language()}.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Database, Redis and scheduler heartbeat, for monitoring; 503 when something is wrong."""
    report, healthy = health_report(current_app.config["REDIS_URL"])
    return jsonify(report), 200 if healthy else 503
