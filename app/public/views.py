"""Public pages: the series, events, registration and managing one's own registration."""

import unicodedata
import uuid

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError

from app.extensions import cache, db, limiter
from app.i18n import language_of_locale
from app.models import Series
from app.models.types import utcnow
from app.public import bp
from app.public.forms import OTHER_ORGANIZATION, CancelForm, ManageDetailsForm, RegistrationForm
from app.services import calendar, catalogue, page_cache
from app.services.addresses import email_key, normalized_email
from app.services.health import health_report
from app.services.municipalities import municipality_names
from app.services.registration import (
    Applicant,
    CancellationClosed,
    Outcome,
    RegistrationClosed,
    can_cancel,
    cancel_registration,
    register,
    update_details,
)
from app.services.tokens import find_registration_by_token

# The pages a manage link opens: the link's token is in their address and the join link on them.
MANAGE_ENDPOINTS = {"public.manage", "public.manage_cancel", "public.manage_invite"}


@bp.url_value_preprocessor
def refuse_control_characters_in_addresses(endpoint, values):
    """No slug or token has control characters: such an address is a 404 before any query sees it."""
    for value in (values or {}).values():
        if isinstance(value, str) and any(unicodedata.category(character) == "Cc" for character in value):
            abort(404)


@bp.after_request
def keep_manage_pages_private(response):
    """A manage page's address is its key and the page shows the join link: no cache may keep it.

    The site-wide Referrer-Policy (same-origin) keeps the address from other sites while the
    page's own forms still send it, as CSRF protection over HTTPS requires.
    """
    if request.endpoint in MANAGE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def page_language() -> str:
    """The language the page is shown in."""
    return language_of_locale()


def or_404(thing):
    """The thing a service found, or a 404 when it found nothing."""
    if thing is None:
        abort(404)
    return thing


def calendar_response(body: bytes, filename: str) -> Response:
    """An .ics download."""
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def series_page(series: Series | None):
    """A series with its upcoming and past events."""
    events = catalogue.series_events(series)
    return render_template("public/series.html", series=series, upcoming=events.upcoming, past=events.past)


@bp.get("/")
def home():
    """The first series' page, which is the service's front page."""
    return page_cache.serve("home", lambda: series_page(catalogue.front_page_series()))


@bp.get("/series/<slug>")
def series(slug: str):
    """A series' page."""
    return page_cache.serve(f"series:{slug}", lambda: series_page(or_404(catalogue.series_by_slug(slug))))


@bp.get("/series/<slug>/calendar.ics")
def series_calendar(slug: str):
    """A calendar feed of the series' events to subscribe to; no join links."""
    def render():
        series = or_404(catalogue.series_by_slug(slug))
        body = calendar.series_feed(series, catalogue.visible_events(series), page_language())
        return Response(body, mimetype="text/calendar")
    return page_cache.serve(f"series-ics:{slug}", render)


@bp.get("/events/<slug>")
def event(slug: str):
    """What, when, who hosts, the programme, contacts, seats and the register button."""
    def render():
        event, free = or_404(catalogue.event_page(slug))
        now = utcnow()
        return render_template(
            "public/event.html", event=event, seats_left=free, registration_open=event.registration_is_open(now),
            now=now,
        )
    return page_cache.serve(f"event:{slug}", render)


@bp.get("/events/<slug>/calendar.ics")
def event_calendar(slug: str):
    """Add-to-calendar file: METHOD:PUBLISH, without the join link."""
    def render():
        event = or_404(catalogue.visible_event(slug))
        return calendar_response(calendar.event_calendar(event, page_language()), f"{event.slug}.ics")
    return page_cache.serve(f"event-ics:{slug}", render)


def registration_email_key() -> str:
    """Rate-limit key per event and submitted address, so one inbox cannot be flooded; the address itself is not kept."""
    return f"register:{request.view_args['slug']}:{email_key(request.form.get('email') or '')}"


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
            outcome = sign_up(slug, applicant)
        except RegistrationClosed:
            db.session.rollback()
        else:
            if outcome.event_full:
                # A repeat is told the same (rule 3); its mail, not this page, says it is registered.
                page, _is_open = form_page(slug, form, form_error=_("The event is full and has no waiting list."))
                return page, 409
            return redirect(url_for("public.registered", slug=slug))
    # Errors to correct, or an event that no longer takes sign-ups: either way nothing was saved.
    page, is_open = form_page(slug, form)
    return page, 400 if is_open else 409


def form_page(slug: str, form, **context) -> tuple[str, bool]:
    """The event's page with `form`, or its notice that registration is not open; and whether it is open."""
    event, free = or_404(catalogue.visible_event_and_seats_left(slug))
    if not event.registration_is_open(utcnow()):
        return render_template("public/register.html", event=event, form=None, seats_left=None), False
    return render_template("public/register.html", event=event, form=form, seats_left=free, **context), True


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
    # Under the content version, as the event page is: an organizer's cancel shows here at once too.
    key = f"blank-form-page:{slug}:{page_language()}:{page_cache.content_version()}"
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


# The first attempt of an identical submission racing others can meet their registration in
# the unique index, the second their link mail in the dedupe key; the third finds both.
SIGN_UP_ATTEMPTS = 3


def sign_up(event: int | str, applicant: Applicant) -> Outcome:
    """Register and commit; simultaneous identical submissions become harmless repeats (rule 3)."""
    version = current_app.config["PRIVACY_NOTICE_VERSION"]
    for _attempt in range(SIGN_UP_ATTEMPTS - 1):
        try:
            outcome = register(event, applicant, version)
            db.session.commit()
            return outcome
        except IntegrityError:
            # Another submission wrote first; this one, tried again, is a repeat of it.
            db.session.rollback()
    outcome = register(event, applicant, version)
    db.session.commit()
    return outcome


@bp.get("/events/<slug>/registered")
def registered(slug: str):
    """Check your email: the same page whether the sign-up was new or a repeat (rule 3)."""
    return render_template("public/registered.html", event=or_404(catalogue.visible_event(slug)))


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
    # What may still be cancelled may still be changed; once the webinar starts, neither.
    can_change = can_cancel(registration)
    status = 200
    if request.method == "POST":
        if not can_change:
            status = 409
        elif form.validate_on_submit():
            update_details(registration, **form.details())
            db.session.commit()
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("public.manage", token=token))
        else:
            status = 400
    now = utcnow()
    event = registration.event
    return render_template(
        "public/manage.html", registration=registration, event=event, form=form, token=token,
        can_change=can_change, has_started=now >= event.starts_at, has_ended=now >= event.ends_at,
    ), status


@bp.route("/manage/<token>/cancel", methods=["GET", "POST"])
def manage_cancel(token: str):
    """Cancel, after a confirmation step; once the webinar has started, nothing changes."""
    registration = registration_for(token)
    form = CancelForm()
    if registration.status != "cancelled" and form.validate_on_submit():
        try:
            cancel_registration(registration.id)
        except CancellationClosed:
            db.session.rollback()
            return cancel_page(registration, form, token), 409
        db.session.commit()
        flash(_("Your registration has been cancelled. A confirmation is on its way to your email."), "success")
        return redirect(url_for("public.manage", token=token))
    return cancel_page(registration, form, token)


def cancel_page(registration, form, token: str) -> str:
    """The confirmation step, or why there is nothing to cancel."""
    return render_template("public/cancel.html", registration=registration, event=registration.event,
                           form=form, token=token, can_cancel=can_cancel(registration))


@bp.get("/manage/<token>/invite.ics")
def manage_invite(token: str):
    """The person's own calendar invite: REQUEST with the join link while they hold a seat at a published
    event, CANCEL once a seat they held is gone, else the public calendar (it was never in theirs)."""
    registration = registration_for(token)
    event = registration.event
    if registration.status == "confirmed" and event.status == "published":
        return calendar_response(calendar.invite(registration, "REQUEST"), "invite.ics")
    if registration.confirmed_at is not None:
        return calendar_response(calendar.invite(registration, "CANCEL"), "invite.ics")
    return calendar_response(calendar.event_calendar(event, page_language()), f"{event.slug}.ics")


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
