"""An event's feedback survey: the default questions every new event gets, copies for cloned events, and organizers' edits.

Answers are kept per question (and per option's place for choice questions), so a question
that has answers keeps its kind, stays in the form and keeps as many options as it had:
changing them would make the stored answers mean something else, or delete them.
"""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE, HELSINKI, LANGUAGES
from app.models import Event, FeedbackAnswer, FeedbackForm, FeedbackQuestion, ProgrammeItem

CHOICE_KINDS = ("single_choice", "multiple_choice")
# Breaks are not rated: a per-programme-item rating asks about talks and panels.
RATED_PROGRAMME_KINDS = ("talk", "panel")
# How long the survey stays open after it opens, by default.
OPEN_FOR_DAYS = 14


@dataclass(frozen=True)
class QuestionDetails:
    """A question as the organizer wrote it; options (choice questions only) are {"fi", "sv", "en"} dicts in order."""

    kind: str
    text_fi: str
    text_sv: str | None = None
    text_en: str | None = None
    options: tuple[dict[str, str | None], ...] = ()
    required: bool = False
    # The stored question this one is, so its answers stay with it; None for a new question.
    id: int | None = None
    # What the results read it as (QUESTION_PURPOSES), kept when the wording changes.
    purpose: str | None = None


@dataclass(frozen=True)
class FormSettings:
    """When the survey takes answers (UTC) and whether anyone may answer through a public link."""

    opens_at: datetime
    closes_at: datetime
    public_link: bool = False


def option(fi: str, sv: str | None = None, en: str | None = None) -> dict[str, str | None]:
    """A choice question's option in each language, as stored."""
    return {"fi": fi, "sv": sv, "en": en}


def option_text(choice: dict[str, str | None], language: str) -> str:
    """An option's wording in the language, or in Finnish when it has none in that language."""
    return choice.get(language) or choice[DEFAULT_LANGUAGE]


DEFAULT_QUESTIONS = (
    QuestionDetails(
        kind="rating", required=True, purpose="overall",
        text_fi="Millainen webinaari oli kokonaisuutena?",
        text_sv="Hur var webbinariet som helhet?",
        text_en="Overall, how was the webinar?",
    ),
    QuestionDetails(
        kind="nps", required=True, purpose="recommendation",
        text_fi="Kuinka todennäköisesti suosittelisit näitä webinaareja kollegallesi?",
        text_sv="Hur sannolikt är det att du skulle rekommendera de här webbinarierna till en kollega?",
        text_en="How likely are you to recommend these webinars to a colleague?",
    ),
    QuestionDetails(
        kind="programme_rating",
        text_fi="Kuinka hyödyllisiä ohjelman puheenvuorot ja paneelit olivat sinulle?",
        text_sv="Hur nyttiga var programmets anföranden och paneler för dig?",
        text_en="How useful to you were the talks and panels of the programme?",
    ),
    QuestionDetails(
        kind="text",
        text_fi="Mikä webinaarissa oli sinulle hyödyllisintä?",
        text_sv="Vad i webbinariet var mest nyttigt för dig?",
        text_en="What was most useful to you in the webinar?",
    ),
    QuestionDetails(
        kind="text",
        text_fi="Minkä esitellyistä käytännöistä aiot kokeilla omassa kunnassasi?",
        text_sv="Vilket av de presenterade arbetssätten tänker du pröva i din egen kommun?",
        text_en="Which of the practices presented will you try in your own municipality?",
    ),
    QuestionDetails(
        kind="text", purpose="future_topics",
        text_fi="Mistä aiheista toivoisit tulevia webinaareja?",
        text_sv="Vilka ämnen önskar du att kommande webbinarier tar upp?",
        text_en="Which topics would you like future webinars to cover?",
    ),
)


class QuestionsHaveAnswers(Exception):
    """Answered questions would change kind, lose options or be removed; `refusals` maps each question's id to which."""

    def __init__(self, refusals: dict[int, str]):
        super().__init__(", ".join(f"{question_id}: {why}" for question_id, why in refusals.items()))
        # "kind", "options" or "removed"
        self.refusals = refusals


def days_later_in_helsinki(moment: datetime, days: int) -> datetime:
    """The same wall-clock time in Helsinki so many days later, in UTC, across a change of daylight saving time too."""
    return (moment.astimezone(HELSINKI) + timedelta(days=days)).astimezone(timezone.utc)


def default_settings(event: Event) -> FormSettings:
    """A new survey opens when the event ends and closes 14 days later, without a public link."""
    return FormSettings(opens_at=event.ends_at, closes_at=days_later_in_helsinki(event.ends_at, OPEN_FOR_DAYS))


def form_of_event(event_id: int) -> FeedbackForm | None:
    """The survey of the event with this id, if it has one."""
    return db.session.execute(select(FeedbackForm).where(FeedbackForm.event_id == event_id)).scalar_one_or_none()


def form_of(event: Event) -> FeedbackForm | None:
    """The event's survey, if it has one."""
    return form_of_event(event.id)


def questions_of(form: FeedbackForm) -> tuple[QuestionDetails, ...]:
    """The survey's questions as the editor shows them, in order."""
    return tuple(
        QuestionDetails(
            id=question.id, kind=question.kind, text_fi=question.text_fi, text_sv=question.text_sv,
            text_en=question.text_en, options=tuple(question.options or ()), required=question.required,
            purpose=question.purpose,
        )
        for question in form.questions
    )


def settings_of(form: FeedbackForm) -> FormSettings:
    """The survey's times and public link as the editor shows them."""
    return FormSettings(opens_at=form.opens_at, closes_at=form.closes_at, public_link=form.public_token is not None)


def new_form(event: Event, settings: FormSettings, questions: tuple[QuestionDetails, ...]) -> FeedbackForm:
    """Write a survey for the event with these questions; the caller commits."""
    form = FeedbackForm(event=event, opens_at=settings.opens_at, closes_at=settings.closes_at)
    form.public_token = new_public_token() if settings.public_link else None
    write_questions(form, tuple(replace(question, id=None) for question in questions))
    db.session.add(form)
    db.session.flush()
    return form


def add_default_form(event: Event) -> FeedbackForm:
    """Give the event the default survey (DEFAULT_QUESTIONS, open for 14 days from its end); the caller commits."""
    return new_form(event, default_settings(event), DEFAULT_QUESTIONS)


def copy_form(source: Event, event: Event) -> FeedbackForm:
    """Give a copy of the source event the source's questions, none of its answers; the caller commits.

    The times follow the new event: the survey opens as long after the new event's end as the
    source's did, and stays open as long. The public link is off, as it is a new survey. A source
    without a survey gives the default one.
    """
    original = form_of(source)
    if original is None:
        return add_default_form(event)
    settings = default_settings(event)
    if original.opens_at is not None and original.closes_at is not None:
        opens_at = event.ends_at + (original.opens_at - source.ends_at)
        settings = FormSettings(opens_at=opens_at, closes_at=opens_at + (original.closes_at - original.opens_at))
    return new_form(event, settings, questions_of(original))


def follow_moved_event(event: Event, old_ends_at: datetime, now: datetime) -> None:
    """Move a survey that has not opened yet by as much as the event's end moved; the caller commits.

    A survey already open has people answering it, so its times stay as they are.
    """
    form = form_of(event)
    if form is None or form.opens_at is None or form.opens_at <= now:
        return
    moved = event.ends_at - old_ends_at
    form.opens_at += moved
    if form.closes_at is not None:
        form.closes_at += moved


def new_public_token() -> str:
    """A secret for the public link, too long to guess."""
    return secrets.token_urlsafe(32)


def answer_counts(form: FeedbackForm) -> dict[int, int]:
    """How many answers each question of the survey has, for those that have any."""
    rows = db.session.execute(
        select(FeedbackAnswer.question_id, func.count())
        .join(FeedbackQuestion, FeedbackQuestion.id == FeedbackAnswer.question_id)
        .where(FeedbackQuestion.form_id == form.id)
        .group_by(FeedbackAnswer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def lock_questions(form_id: int) -> list[FeedbackQuestion]:
    """The survey's questions, locked for the rest of the transaction.

    An answer being written holds a key-share lock on its question (its foreign key), so on
    PostgreSQL this waits for answers in flight, and answers arriving later wait for this
    transaction: the check for answers that follows cannot miss one.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a no-op write takes its one writer lock now, as BEGIN IMMEDIATE would.
        db.session.execute(update(FeedbackForm).where(FeedbackForm.id == form_id)
                           .values(opens_at=FeedbackForm.opens_at))
    return list(db.session.execute(
        select(FeedbackQuestion).where(FeedbackQuestion.form_id == form_id).order_by(FeedbackQuestion.position)
        .with_for_update().execution_options(populate_existing=True)
    ).scalars())


def save_form(form: FeedbackForm, settings: FormSettings, questions: tuple[QuestionDetails, ...]) -> list[str]:
    """Change the survey to these settings and questions (in this order), in the caller's transaction.

    Returns the names of what changed ("opens_at", "closes_at", "public_link", "questions").
    Turning the public link on makes a new secret link; turning it off ends the old one.
    Raises QuestionsHaveAnswers, changing nothing, when a question with answers would get
    another kind, fewer options or be left out; the caller rolls back.
    """
    stored = {question.id: question for question in lock_questions(form.id)}
    refuse_changing_answered(form, stored, questions)
    current = settings_of(form)
    changed = [name for name in ("opens_at", "closes_at", "public_link")
               if getattr(current, name) != getattr(settings, name)]
    # A purpose is the survey's to keep, not the editor's to send; it is no change.
    if (tuple(replace(question, purpose=None) for question in questions_of(form))
            != tuple(replace(normalized(question), purpose=None) for question in questions)):
        changed.append("questions")
        write_questions(form, questions)
    form.opens_at, form.closes_at = settings.opens_at, settings.closes_at
    if "public_link" in changed:
        form.public_token = new_public_token() if settings.public_link else None
    db.session.flush()
    return changed


def refuse_changing_answered(form: FeedbackForm, stored: dict[int, FeedbackQuestion],
                             questions: tuple[QuestionDetails, ...]) -> None:
    """Raise QuestionsHaveAnswers when an answered question would change kind, lose options or go."""
    answered = answer_counts(form)
    kept = {question.id: question for question in questions if question.id in stored}
    refusals = {}
    for question_id in answered:
        new = kept.get(question_id)
        if new is None:
            refusals[question_id] = "removed"
        elif new.kind != stored[question_id].kind:
            refusals[question_id] = "kind"
        elif len(new.options) < len(stored[question_id].options or ()):
            refusals[question_id] = "options"
    if refusals:
        raise QuestionsHaveAnswers(refusals)


def normalized(question: QuestionDetails) -> QuestionDetails:
    """The question as it is stored: options only for choice questions, each with all three languages."""
    options = ()
    if question.kind in CHOICE_KINDS:
        options = tuple({language: choice.get(language) or None for language in LANGUAGES}
                        for choice in question.options)
    return replace(question, options=options)


def write_questions(form: FeedbackForm, questions: tuple[QuestionDetails, ...]) -> None:
    """Make the survey's questions these, in this order, keeping the rows (and answers) of those that stay."""
    existing = {question.id: question for question in form.questions}
    rows = []
    for position, details in enumerate(normalized(question) for question in questions):
        row = existing.pop(details.id, None) if details.id is not None else None
        if row is None:
            row = FeedbackQuestion(purpose=details.purpose)
        elif row.kind != details.kind:
            # A question made into another kind no longer asks what its purpose says.
            row.purpose = None
        row.position, row.kind, row.required = position, details.kind, details.required
        row.text_fi, row.text_sv, row.text_en = details.text_fi, details.text_sv, details.text_en
        row.options = [dict(choice) for choice in details.options] or None
        rows.append(row)
    form.questions = rows


def rated_programme_items(event: Event) -> list[ProgrammeItem]:
    """The programme items a per-programme-item rating asks about: talks and panels, in programme order."""
    return [item for item in event.programme if item.kind in RATED_PROGRAMME_KINDS]
