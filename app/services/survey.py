"""Answering feedback surveys: which form a link opens, whether it is open, and one response per person.

A response is tied to its registration only to keep one per person and to remind those who
have not answered; answers through the public link carry no registration, only the hash of a
key kept in the answering browser. Nothing here tells organizers who answered what.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    Registration,
)
from app.models.types import utcnow
from app.services.feedback_forms import form_of_event, rated_programme_items
from app.services.tokens import find_registration_by_token

# The values each scale takes; the form offers exactly these.
SCALES = {"rating": range(1, 6), "programme_rating": range(1, 6), "nps": range(0, 11)}
CHOICE_KINDS = frozenset({"single_choice", "multiple_choice"})
# A free-text answer is a few sentences; a longer one is refused with a message, not cut.
LONGEST_TEXT = 4000
# Programme items people rate: the talks and panels, not the breaks.


class SurveyNotOpen(Exception):
    """The form does not take answers now: it has not opened yet, it has closed, or its event was cancelled."""


class AlreadyAnswered(Exception):
    """This browser has already answered through the public link."""


class InvalidAnswer(ValueError):
    """An answer the question cannot take; the form refuses it with a sentence before it gets here."""


@dataclass(frozen=True)
class Answer:
    """One answer as submitted: to a question, or to a question about one programme item."""

    question_id: int
    programme_item_id: int | None = None
    value_int: int | None = None
    value_text: str | None = None
    choices: tuple[int, ...] | None = None


def opens_at(form: FeedbackForm) -> datetime:
    """When the form starts taking answers: its own time, else the end of its event."""
    return form.opens_at or form.event.ends_at


def form_state(form: FeedbackForm, now: datetime) -> str:
    """"cancelled", "not_open", "open" or "closed" at `now`; a form without a closing time stays open.

    A cancelled event's survey takes no answers, and so no survey reminder goes out for it.
    """
    if form.event.status == "cancelled":
        return "cancelled"
    if now < opens_at(form):
        return "not_open"
    if form.closes_at is not None and now >= form.closes_at:
        return "closed"
    return "open"


def is_open(form: FeedbackForm, now: datetime) -> bool:
    """Whether the form takes answers at `now`."""
    return form_state(form, now) == "open"


def registration_and_form(token: str) -> tuple[Registration, FeedbackForm] | None:
    """The registration a personal link opens and its event's form; None for a wrong, purged or formless one."""
    registration = find_registration_by_token(token)
    if registration is None or registration.purged_at is not None:
        return None
    form = form_of_event(registration.event_id)
    return None if form is None else (registration, form)


def may_answer(registration: Registration) -> bool:
    """Only those who held a seat answer through their own link; the public link is for the others."""
    return registration.status == "confirmed"


def public_form(public_token: str) -> FeedbackForm | None:
    """The form a public link opens, if the link is on."""
    if not public_token or len(public_token) > 64:
        return None
    return db.session.execute(
        select(FeedbackForm).where(FeedbackForm.public_token == public_token)
    ).scalar_one_or_none()


def response_of(registration: Registration) -> FeedbackResponse | None:
    """The registration's response, if it has answered."""
    return db.session.execute(
        select(FeedbackResponse).where(FeedbackResponse.registration_id == registration.id)
    ).scalar_one_or_none()


def has_answered(registration_id: int) -> bool:
    """Whether the registration has a response."""
    found = db.session.execute(
        select(FeedbackResponse.id).where(FeedbackResponse.registration_id == registration_id)
    ).scalar()
    return found is not None


def earlier_answers(response: FeedbackResponse | None) -> list[Answer]:
    """A stored response's answers, to show them in the form again."""
    if response is None:
        return []
    return [
        Answer(answer.question_id, answer.programme_item_id, answer.value_int, answer.value_text,
               tuple(answer.choices) if answer.choices is not None else None)
        for answer in response.answers
    ]


def check_answers(form: FeedbackForm, answers: list[Answer]) -> None:
    """Raise InvalidAnswer unless every answer fits its question and every required question is answered."""
    questions = {question.id: question for question in form.questions}
    item_ids = {item.id for item in rated_programme_items(form.event)}
    given: dict[int, set[int | None]] = {}
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None:
            raise InvalidAnswer(f"question {answer.question_id} is not on form {form.id}")
        if (question.kind == "programme_rating") != (answer.programme_item_id is not None):
            raise InvalidAnswer(f"question {question.id} and programme item {answer.programme_item_id} do not match")
        if answer.programme_item_id is not None and answer.programme_item_id not in item_ids:
            raise InvalidAnswer(f"programme item {answer.programme_item_id} is not rated on form {form.id}")
        if answer.programme_item_id in given.get(question.id, set()):
            raise InvalidAnswer(f"question {question.id} is answered twice")
        check_value(question, answer)
        given.setdefault(question.id, set()).add(answer.programme_item_id)
    for question in form.questions:
        if question.required:
            wanted = item_ids if question.kind == "programme_rating" else {None}
            if not wanted <= given.get(question.id, set()):
                raise InvalidAnswer(f"required question {question.id} is not answered")


def check_value(question: FeedbackQuestion, answer: Answer) -> None:
    """Raise InvalidAnswer unless the answer's value is one the question's kind takes."""
    if question.kind in SCALES:
        valid = answer.value_int in SCALES[question.kind] and answer.value_text is None and answer.choices is None
    elif question.kind in CHOICE_KINDS:
        options = range(len(question.options or []))
        chosen = answer.choices or ()
        valid = (
            answer.value_int is None and answer.value_text is None and len(chosen) > 0
            and all(choice in options for choice in chosen) and len(set(chosen)) == len(chosen)
            and (question.kind == "multiple_choice" or len(chosen) == 1)
        )
    else:
        text = answer.value_text or ""
        valid = answer.value_int is None and answer.choices is None and 0 < len(text) <= LONGEST_TEXT
    if not valid:
        raise InvalidAnswer(f"question {question.id} ({question.kind}) cannot take {answer!r}")


def save_answers(form: FeedbackForm, registration: Registration, answers: list[Answer]) -> FeedbackResponse:
    """Write the registration's response, or replace the answers of its earlier one. The caller commits.

    One response per registration: the unique index on registration_id decides between two
    first submits, and the loser's IntegrityError, tried again, finds the winner's response and
    replaces its answers (the caller retries, as sign-up does). An earlier response is locked
    first, so two edits replace the answers one after the other. Raises SurveyNotOpen outside
    the form's open time and InvalidAnswer for answers the questions cannot take.
    """
    check_open(form)
    check_answers(form, answers)
    response = db.session.execute(
        select(FeedbackResponse).where(FeedbackResponse.registration_id == registration.id).with_for_update()
    ).scalar_one_or_none()
    if response is None:
        response = FeedbackResponse(form_id=form.id, registration_id=registration.id)
        db.session.add(response)
    # Kept with the answers so the breakdown by municipality outlives the registration.
    response.municipality_code = registration.municipality_code
    db.session.flush()
    replace_answers(response, answers)
    return response


def save_public_answers(form: FeedbackForm, browser_key: str, answers: list[Answer]) -> FeedbackResponse:
    """Write an anonymous response through the public link, once per browser key. The caller commits.

    Raises AlreadyAnswered when this browser has answered before; the unique index on the
    key's hash decides between two simultaneous submits (the loser gets an IntegrityError).
    """
    check_open(form)
    check_answers(form, answers)
    key_hash = browser_key_hash(form, browser_key)
    if answered_from_browser(form, browser_key):
        raise AlreadyAnswered
    response = FeedbackResponse(form_id=form.id, via_public_link=True, browser_key_hash=key_hash)
    db.session.add(response)
    db.session.flush()
    replace_answers(response, answers)
    return response


def check_open(form: FeedbackForm) -> None:
    """Raise SurveyNotOpen unless the form takes answers now."""
    if not is_open(form, utcnow()):
        raise SurveyNotOpen


def replace_answers(response: FeedbackResponse, answers: list[Answer]) -> None:
    """The response's answers become exactly `answers`."""
    db.session.execute(delete(FeedbackAnswer).where(FeedbackAnswer.response_id == response.id))
    db.session.expire(response, ["answers"])
    db.session.add_all(
        FeedbackAnswer(
            response_id=response.id, question_id=answer.question_id, programme_item_id=answer.programme_item_id,
            value_int=answer.value_int, value_text=answer.value_text,
            choices=list(answer.choices) if answer.choices is not None else None,
        )
        for answer in answers
    )
    response.updated_at = utcnow()
    db.session.flush()


def new_browser_key() -> str:
    """A random key for a browser's cookie; only its hash is stored."""
    return secrets.token_urlsafe(32)


def browser_key_hash(form: FeedbackForm, browser_key: str) -> str:
    """The stored hash of a browser's key, bound to the form so one browser's answers cannot be linked across forms."""
    return hashlib.sha256(f"{form.id}:{browser_key}".encode()).hexdigest()


def answered_from_browser(form: FeedbackForm, browser_key: str | None) -> bool:
    """Whether the browser holding this key has answered the form through the public link."""
    if not browser_key:
        return False
    found = db.session.execute(
        select(FeedbackResponse.id).where(
            FeedbackResponse.form_id == form.id,
            FeedbackResponse.browser_key_hash == browser_key_hash(form, browser_key),
        )
    ).scalar()
    return found is not None
