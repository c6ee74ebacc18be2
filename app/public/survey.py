"""Feedback surveys: answering through one's personal link from the follow-up mail, or through the public link."""

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.extensions import db, limiter
from app.models import FeedbackForm, Registration
from app.models.types import utcnow
from app.public import bp
from app.public.survey_forms import SurveyAnswersForm, answers_form
from app.public.views import or_404, page_language
from app.services import survey
from app.services.survey import AlreadyAnswered, SurveyNotOpen

# The personal pages' address is their key: no cache may keep them.
PERSONAL_ENDPOINTS = {"public.survey_form", "public.survey_thanks"}
# The public link's per-browser key; each form's cookie is scoped to its own link's path.
BROWSER_KEY_COOKIE = "survey_key"
BROWSER_KEY_DAYS = 180
# The first submit of two racing ones for a registration meets the other's response in the
# unique index; tried again, it finds that response and replaces its answers.
SAVE_ATTEMPTS = 2


@bp.after_request
def keep_survey_pages_private(response):
    """A personal survey page's address opens the person's own answers: no cache may keep it."""
    if request.endpoint in PERSONAL_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def notice_page(form: FeedbackForm, reason: str, status: int = 200):
    """Why the form cannot be answered here and now, said politely."""
    return render_template("public/survey_notice.html", form=form, event=form.event, reason=reason,
                           opens=survey.opens_at(form)), status


def refused_page(form: FeedbackForm):
    """The form stopped taking answers while they were being sent: why, with status 409."""
    return notice_page(form, survey.form_state(form, utcnow()), 409)


def answers_page(form: FeedbackForm, answers: SurveyAnswersForm, action: str, status: int = 200, **context):
    """The questions, with what was typed or answered before and any errors next to their questions."""
    return render_template("public/survey.html", form=form, event=form.event, answers=answers, action=action,
                           **context), status


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def survey_form(token: str):
    """A participant's own survey: in their language, their earlier answers shown, editable until it closes."""
    registration, form = or_404(survey.registration_and_form(token))
    if not survey.may_answer(registration):
        return notice_page(form, "not_participant", 403)
    state = survey.form_state(form, utcnow())
    if state != "open":
        return notice_page(form, state, 200 if request.method == "GET" else 409)
    response = survey.response_of(registration)
    answers = answers_form(form, page_language(), survey.earlier_answers(response))
    action = url_for("public.survey_form", token=token)
    if request.method == "GET":
        return answers_page(form, answers, action, answered_at=response.updated_at if response else None)
    if not answers.validate_on_submit():
        return answers_page(form, answers, action, 400)
    try:
        save_personal(form, registration, answers)
    except SurveyNotOpen:
        db.session.rollback()
        return refused_page(form)
    return redirect(url_for("public.survey_thanks", token=token))


def save_personal(form: FeedbackForm, registration: Registration, answers: SurveyAnswersForm) -> None:
    """Save and commit the registration's answers; simultaneous submits end as one response."""
    for attempt in range(SAVE_ATTEMPTS):
        try:
            survey.save_answers(form, registration, answers.answers())
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == SAVE_ATTEMPTS - 1:
                raise


@bp.get("/feedback/<token>/thanks")
def survey_thanks(token: str):
    """Thanks, and until when the answers may still be changed."""
    registration, form = or_404(survey.registration_and_form(token))
    if not survey.has_answered(registration.id):
        return redirect(url_for("public.survey_form", token=token))
    return render_template("public/survey_thanks.html", form=form, event=form.event,
                           again_url=url_for("public.survey_form", token=token))


def public_form_or_404(public_token: str) -> FeedbackForm:
    """The form the public link opens; a link switched off is a 404."""
    return or_404(survey.public_form(public_token))


def rate_limited_public_form():
    """Too many answers from one address: keep what was typed and say to wait."""
    form = public_form_or_404(request.view_args["public_token"])
    answers = answers_form(form, page_language())
    answers.validate()
    message = _("Many answers were sent from this network in a short time. Wait a moment and send your answers again.")
    page, _status = answers_page(form, answers, request.path, form_error=message, public=True)
    return Response(page, status=429)


@bp.route("/feedback/public/<public_token>", methods=["GET", "POST"])
# People who watched the recording together at an office share its address: a few
# answers a minute from one address, never a flood.
@limiter.limit("10 per minute;100 per day", methods=["POST"], on_breach=lambda limit: rate_limited_public_form())
def public_survey(public_token: str):
    """The anonymous survey for those who watched the recording without registering; once per browser."""
    form = public_form_or_404(public_token)
    browser_key = request.cookies.get(BROWSER_KEY_COOKIE)
    state = survey.form_state(form, utcnow())
    if state != "open":
        return notice_page(form, state, 200 if request.method == "GET" else 409)
    if survey.answered_from_browser(form, browser_key):
        return notice_page(form, "answered_from_browser", 200 if request.method == "GET" else 409)
    # Given with the form, so two submits from this browser carry the same key and only one counts.
    browser_key = browser_key or survey.new_browser_key()
    answers = answers_form(form, page_language())
    if request.method == "POST" and answers.validate_on_submit():
        try:
            save_public(form, browser_key, answers)
        except AlreadyAnswered:
            db.session.rollback()
            page = notice_page(form, "answered_from_browser", 409)
        except SurveyNotOpen:
            db.session.rollback()
            page = refused_page(form)
        else:
            page = redirect(url_for("public.public_survey_thanks", public_token=public_token))
    else:
        page = answers_page(form, answers, url_for("public.public_survey", public_token=public_token),
                            400 if request.method == "POST" else 200, public=True)
    return with_browser_key(current_app.make_response(page), public_token, browser_key)


def save_public(form: FeedbackForm, browser_key: str, answers: SurveyAnswersForm) -> None:
    """Save and commit an anonymous response; a second submit from the same browser is AlreadyAnswered."""
    try:
        survey.save_public_answers(form, browser_key, answers.answers())
        db.session.commit()
    except IntegrityError:
        # Another submit with this browser's key was written first.
        db.session.rollback()
        raise AlreadyAnswered from None


def with_browser_key(response: Response, public_token: str, browser_key: str) -> Response:
    """Keep the browser's key for this form's link only, out of reach of scripts and other sites."""
    response.set_cookie(
        BROWSER_KEY_COOKIE, browser_key, max_age=BROWSER_KEY_DAYS * 24 * 60 * 60,
        path=url_for("public.public_survey", public_token=public_token),
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response


@bp.get("/feedback/public/<public_token>/thanks")
def public_survey_thanks(public_token: str):
    """Thanks for an anonymous answer."""
    form = public_form_or_404(public_token)
    if not survey.answered_from_browser(form, request.cookies.get(BROWSER_KEY_COOKIE)):
        abort(404)
    return render_template("public/survey_thanks.html", form=form, event=form.event, again_url=None)
