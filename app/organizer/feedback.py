"""The event's feedback survey for its organizers: when it takes answers, its public link and its questions."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import FeedbackForm
from app.organizer import bp
from app.organizer.feedback_forms import FeedbackFormForm, rearranged, row_data
from app.services.audit import record
from app.services.feedback_forms import (
    QuestionDetails, QuestionsHaveAnswers, add_default_form, answer_counts, form_of, questions_of, save_form,
    settings_of,
)



@bp.route("/events/<int:event_id>/feedback/form", methods=["GET", "POST"])
def feedback_form():
    """Change when the survey is open, its public link and its questions; rows move by buttons, without JavaScript."""
    event = g.event
    survey = form_of(event)
    if survey is None:
        return offer_default_form()
    stored = questions_of(survey)
    if request.method != "POST":
        settings = settings_of(survey)
        form = FeedbackFormForm(data={
            "opens_at": settings.opens_at, "closes_at": settings.closes_at, "public_link": settings.public_link,
            "questions": [row_data(question) for question in stored],
        }, event_starts_at=event.starts_at)
        return show_editor(survey, form)
    action = request.form.get("action", "save")
    if action == "create":
        # The default survey was asked for twice: the first click made it.
        return redirect(url_for(".feedback_form"))
    if action != "save":
        return show_editor(survey, FeedbackFormForm(formdata=rearranged(request.form, action),
                                                    event_starts_at=event.starts_at))
    form = FeedbackFormForm(event_starts_at=event.starts_at)
    if not form.validate():
        return show_editor(survey, form, 400)
    try:
        changed = save_form(survey, form.settings(), form.question_details())
    except QuestionsHaveAnswers as refusal:
        db.session.rollback()
        explain_refusals(form, refusal.refusals, {question.id: question for question in stored})
        return show_editor(survey, form, 400)
    if changed:
        record(current_user, "event_changed", event.id, feedback_form=changed)
    db.session.commit()
    flash(saved_message(changed, survey), "success")
    return redirect(url_for(".feedback_form"))


def offer_default_form():
    """An event made before every event had a survey: the page offers the default one, and a POST makes it."""
    event = g.event
    if request.method != "POST":
        return render_template("organizer/feedback_form_create.html")
    try:
        add_default_form(event)
        record(current_user, "event_changed", event.id, feedback_form=["created"])
        db.session.commit()
    except IntegrityError:
        # A second click that arrived while the first was saving: the survey is there.
        db.session.rollback()
    flash(_("The survey was made from the default questions. Check them and the times, and save any changes."),
          "success")
    return redirect(url_for(".feedback_form"))


def show_editor(survey: FeedbackForm, form: FeedbackFormForm, status: int = 200):
    """The editor page, with how many answers each stored question has."""
    return render_template("organizer/feedback_form.html", form=form, survey=survey,
                           answers=answer_counts(survey), public_link=public_link(survey)), status


def public_link(survey: FeedbackForm) -> str | None:
    """The address anyone can answer the survey at, while the public link is on."""
    if survey.public_token is None:
        return None
    return url_for("public.public_survey", public_token=survey.public_token, _external=True)


def explain_refusals(form: FeedbackFormForm, refusals: dict[int, str], stored: dict[int, QuestionDetails]) -> None:
    """Put why next to each answered question that would have changed; a removed one comes back at the end."""
    rows = form.rows_by_question_id()
    for question_id, why in refusals.items():
        if why == "removed":
            row = form.questions.append_entry(row_data(stored[question_id])).form
            row.text_fi.errors = [_(
                "This question has answers, so it cannot be removed: removing it would delete them. It is back "
                "at the end of the survey; make it optional if you no longer need answers to it.")]
        elif why == "kind":
            rows[question_id].kind.errors = [_(
                "This question already has answers, so its kind cannot change: the answers would no longer fit "
                "it. Keep its kind, or add a new question of the kind you need.")]
        else:
            rows[question_id].options_fi.errors = [_(
                "This question already has answers, which refer to its options by their place, so no option can "
                "be removed. Keep every option (reword them if needed) and add new ones at the end.")]


def saved_message(changed: list[str], survey: FeedbackForm) -> str:
    """What saving did, in sentences."""
    if not changed:
        return _("Nothing was changed.")
    sentences = [_("The survey was saved.")]
    if "public_link" in changed:
        sentences.append(_("The public link is on: anyone who has it can answer.") if survey.public_token
                         else _("The public link is off: it no longer opens the survey."))
    return " ".join(sentences)
