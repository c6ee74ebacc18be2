"""Feedback surveys without HTTP: the default survey of a new event, copies for cloned events, and the editing rules."""

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from app.extensions import db as _db
from app.models import Event, FeedbackAnswer, FeedbackForm, FeedbackQuestion, FeedbackResponse, ProgrammeItem
from app.services.events import EventDetails, clone_details, create_event
from app.services.feedback_forms import (
    DEFAULT_QUESTIONS, FormSettings, QuestionDetails, QuestionsHaveAnswers, add_default_form, copy_form, form_of,
    option, option_text, questions_of, rated_programme_items, save_form, settings_of,
)
from app.services.organizers import create_organizer
from tests.factories import make_event, make_registration, make_series

# Wednesday 23 October 2030, 9.00-12.00 in Helsinki (UTC+3); summer time ends on Sunday 27 October.
STARTS_AT = datetime(2030, 10, 23, 6, 0, tzinfo=timezone.utc)
ENDS_AT = STARTS_AT + timedelta(hours=3)


@pytest.fixture
def admin(db):
    """An admin, who may create events in any series."""
    user = create_organizer("admin@example.org", "Anna Admin", "a long enough password")
    db.session.commit()
    return user


def new_event(admin, **fields) -> Event:
    """An event made the way the editor makes one."""
    details = EventDetails(series_id=make_series().id, title_fi="Kunnan digituki", starts_at=STARTS_AT,
                           ends_at=ENDS_AT, **fields)
    return create_event(details, admin)


def answer(form: FeedbackForm, question: FeedbackQuestion, **value) -> FeedbackResponse:
    """A response answering one question of the survey."""
    response = FeedbackResponse(form=form, answers=[FeedbackAnswer(question=question, **value)])
    _db.session.add(response)
    _db.session.flush()
    return response


def stored_questions(form_id: int) -> list[tuple]:
    """The survey's questions as stored: (position, kind, Finnish text, required)."""
    _db.session.expire_all()
    return list(_db.session.execute(
        select(FeedbackQuestion.position, FeedbackQuestion.kind, FeedbackQuestion.text_fi, FeedbackQuestion.required)
        .where(FeedbackQuestion.form_id == form_id).order_by(FeedbackQuestion.position)))


# The default survey


def test_a_new_event_gets_the_default_survey_open_for_two_weeks_from_its_end(db, admin):
    event = new_event(admin)
    db.session.commit()

    form = form_of(event)
    assert [(q.kind, q.text_fi, q.required) for q in form.questions] == [
        (q.kind, q.text_fi, q.required) for q in DEFAULT_QUESTIONS]
    assert [q.kind for q in form.questions] == [
        "rating", "nps", "programme_rating", "text", "text", "text"]
    assert [q.position for q in form.questions] == [0, 1, 2, 3, 4, 5]
    # Every default question reads in all three languages, and only the ratings must be answered.
    assert all(q.text_sv and q.text_en for q in form.questions)
    assert [q.required for q in form.questions] == [True, True, False, False, False, False]
    assert form.opens_at == ENDS_AT
    # Two weeks later at the same Finnish time, 12.00, although the clocks went back in between.
    assert form.closes_at == datetime(2030, 11, 6, 10, 0, tzinfo=timezone.utc)
    assert form.public_token is None


def test_the_default_questions_cover_what_the_programme_asks(db):
    texts = [q.text_en for q in DEFAULT_QUESTIONS]
    assert any("recommend" in t and "colleague" in t for t in texts)
    assert any("most useful" in t for t in texts)
    assert any("own municipality" in t for t in texts)
    assert any("future webinars" in t for t in texts)


def test_swedish_and_english_fall_back_to_finnish(db):
    event = make_event()
    form = add_default_form(event)
    question = form.questions[0]
    question.text_en = None
    assert question.localized("text", "en") == question.text_fi
    assert question.localized("text", "sv") == DEFAULT_QUESTIONS[0].text_sv
    assert option_text(option("Kollegalta"), "sv") == "Kollegalta"
    assert option_text(option("Kollegalta", "Av en kollega"), "sv") == "Av en kollega"


def test_programme_ratings_ask_about_talks_and_panels_not_breaks(db):
    event = make_event()
    event.programme.extend([
        ProgrammeItem(position=0, kind="talk", title_fi="Tervetuloa"),
        ProgrammeItem(position=1, kind="break", title_fi="Tauko"),
        ProgrammeItem(position=2, kind="panel", title_fi="Paneeli"),
    ])
    db.session.flush()
    assert [item.title_fi for item in rated_programme_items(event)] == ["Tervetuloa", "Paneeli"]


# Cloning


def customised_survey(event: Event) -> FeedbackForm:
    """The event's survey changed by its organizers: a choice question added, a text question left out, times moved."""
    form = form_of(event)
    questions = (*questions_of(form)[:4], QuestionDetails(
        kind="single_choice", text_fi="Mistä kuulit webinaarista?", text_sv="Var hörde du om webbinariet?",
        options=(option("Uutiskirjeestä", "Nyhetsbrevet"), option("Kollegalta", "Av en kollega")), required=True))
    save_form(form, FormSettings(opens_at=event.ends_at + timedelta(hours=1),
                                 closes_at=event.ends_at + timedelta(hours=1, days=21), public_link=True), questions)
    return form


def test_a_clone_copies_the_questions_not_the_answers_and_its_times_follow_it(db, admin):
    source = new_event(admin)
    survey = customised_survey(source)
    registration = make_registration(source)
    response = answer(survey, survey.questions[0], value_int=5)
    response.registration = registration
    db.session.commit()
    source_questions = questions_of(survey)

    clone = create_event(clone_details(source), admin, copy_of=source)
    db.session.commit()

    copy = form_of(clone)
    assert copy.id != survey.id
    copied = questions_of(copy)
    assert [replace(q, id=None) for q in copied] == [replace(q, id=None) for q in source_questions]
    assert {q.id for q in copied}.isdisjoint({q.id for q in source_questions})
    assert copied[-1].options[1] == {"fi": "Kollegalta", "sv": "Av en kollega", "en": None}
    # No responses came along, and the source's are untouched.
    count = select(func.count()).select_from(FeedbackResponse)
    assert db.session.execute(count.where(FeedbackResponse.form_id == copy.id)).scalar_one() == 0
    assert db.session.execute(count.where(FeedbackResponse.form_id == survey.id)).scalar_one() == 1
    # A week later, opening an hour after the clone's end and open for three weeks, as the source's.
    assert clone.ends_at == datetime(2030, 10, 30, 10, 0, tzinfo=timezone.utc)
    assert copy.opens_at == clone.ends_at + timedelta(hours=1)
    assert copy.closes_at == copy.opens_at + timedelta(days=21)
    # The public link is the source's own: the copy starts without one.
    assert survey.public_token and copy.public_token is None


def test_a_clone_of_an_event_without_a_survey_gets_the_default_one(db, admin):
    source = make_event(starts_at=STARTS_AT)
    assert form_of(source) is None

    clone = create_event(clone_details(source), admin, copy_of=source)

    assert [q.text_fi for q in form_of(clone).questions] == [q.text_fi for q in DEFAULT_QUESTIONS]
    assert form_of(clone).opens_at == clone.ends_at


def test_copy_form_of_a_survey_without_times_uses_the_default_times(db):
    source, event = make_event(), make_event()
    db.session.add(FeedbackForm(event=source, questions=[
        FeedbackQuestion(position=0, kind="text", text_fi="Terveiset?")]))
    db.session.flush()

    copy = copy_form(source, event)

    assert [q.text_fi for q in copy.questions] == ["Terveiset?"]
    assert (copy.opens_at, copy.closes_at) == (event.ends_at, event.ends_at + timedelta(days=14))


# Editing


def settings(form: FeedbackForm, **changes) -> FormSettings:
    """The survey's current settings with some changed."""
    return replace(settings_of(form), **changes)


def test_questions_are_reordered_added_removed_and_reworded_keeping_their_rows(db):
    form = add_default_form(make_event())
    db.session.commit()
    rating, nps, programme, useful, practice, topics = questions_of(form)

    changed = save_form(form, settings(form), (
        nps, replace(rating, text_fi="Kokonaisarvio?", required=False), useful,
        QuestionDetails(kind="multiple_choice", text_fi="Mitkä aiheet?", options=(option("A"), option("B")))))
    db.session.commit()

    assert changed == ["questions"]
    assert stored_questions(form.id) == [
        (0, "nps", nps.text_fi, True), (1, "rating", "Kokonaisarvio?", False), (2, "text", useful.text_fi, False),
        (3, "multiple_choice", "Mitkä aiheet?", False)]
    now = questions_of(form)
    assert [q.id for q in now[:3]] == [nps.id, rating.id, useful.id]
    assert now[3].options == ({"fi": "A", "sv": None, "en": None}, {"fi": "B", "sv": None, "en": None})
    assert db.session.get(FeedbackQuestion, programme.id) is None


def test_saving_the_same_survey_changes_nothing(db):
    form = add_default_form(make_event())
    db.session.commit()
    assert save_form(form, settings(form), questions_of(form)) == []


def test_the_topics_question_keeps_its_purpose_when_reworded_or_copied_but_not_as_another_kind(db, admin):
    form = add_default_form(make_event())
    db.session.commit()
    *others, topics = questions_of(form)
    # The editor sends no purpose: a reworded question keeps its own, and that is the only change.
    as_edited = replace(topics, text_fi="Mitä aiheita toivoisit?", purpose=None)
    assert save_form(form, settings(form), (*others, as_edited)) == ["questions"]
    assert form.questions[-1].purpose == "future_topics"

    copy = copy_form(form.event, make_event())
    assert [question.purpose for question in copy.questions][-1] == "future_topics"

    save_form(form, settings(form), (*others, replace(as_edited, kind="multiple_choice", options=(option("A"),))))
    assert form.questions[-1].purpose is None


def test_options_are_kept_only_for_choice_questions(db):
    form = add_default_form(make_event())
    save_form(form, settings(form), (QuestionDetails(kind="text", text_fi="Mitä?", options=(option("A"),)),))
    assert form.questions[0].options is None


def test_times_and_the_public_link_change(db):
    event = make_event()
    form = add_default_form(event)
    db.session.commit()
    opens, closes = event.ends_at + timedelta(days=1), event.ends_at + timedelta(days=30)

    changed = save_form(form, settings(form, opens_at=opens, closes_at=closes, public_link=True), questions_of(form))

    assert changed == ["opens_at", "closes_at", "public_link"]
    assert (form.opens_at, form.closes_at) == (opens, closes)
    first_token = form.public_token
    assert first_token and len(first_token) >= 40
    # Saving again keeps the link; turning it off ends it; on again is a new link.
    assert save_form(form, settings(form), questions_of(form)) == []
    assert form.public_token == first_token
    save_form(form, settings(form, public_link=False), questions_of(form))
    assert form.public_token is None
    save_form(form, settings(form, public_link=True), questions_of(form))
    assert form.public_token not in (None, first_token)


@pytest.mark.parametrize("why", ["kind", "removed", "options"])
def test_an_answered_question_keeps_its_kind_options_and_place_in_the_survey(db, why):
    form = add_default_form(make_event())
    questions = (*questions_of(form), QuestionDetails(
        kind="single_choice", text_fi="Mistä kuulit?", options=(option("A"), option("B"), option("C"))))
    save_form(form, settings(form), questions)
    db.session.commit()
    choice = form.questions[-1]
    answer(form, choice, choices=[2])
    db.session.commit()
    questions = questions_of(form)
    if why == "kind":
        changed = (*questions[:-1], replace(questions[-1], kind="multiple_choice"))
    elif why == "removed":
        changed = questions[:-1]
    else:
        changed = (*questions[:-1], replace(questions[-1], options=questions[-1].options[:2]))

    with pytest.raises(QuestionsHaveAnswers) as refusal:
        save_form(form, settings(form), changed)
    db.session.rollback()

    assert refusal.value.refusals == {choice.id: why}
    assert questions_of(form) == questions


def test_an_answered_question_can_be_reworded_moved_made_optional_and_get_more_options(db):
    form = add_default_form(make_event())
    save_form(form, settings(form), (QuestionDetails(
        kind="single_choice", text_fi="Mistä kuulit?", options=(option("A"), option("B")), required=True),))
    db.session.commit()
    answer(form, form.questions[0], choices=[1])
    db.session.commit()
    (choice,) = questions_of(form)

    save_form(form, settings(form), (
        QuestionDetails(kind="text", text_fi="Uusi kysymys"),
        replace(choice, text_fi="Mistä kuulit webinaarista?", required=False,
                options=(option("A1"), option("B1"), option("C")))))
    db.session.commit()

    assert stored_questions(form.id) == [(0, "text", "Uusi kysymys", False),
                                         (1, "single_choice", "Mistä kuulit webinaarista?", False)]
    assert [o["fi"] for o in form.questions[1].options] == ["A1", "B1", "C"]
    assert db.session.execute(select(func.count()).select_from(FeedbackAnswer)).scalar_one() == 1


def test_an_unanswered_question_changes_kind(db):
    form = add_default_form(make_event())
    db.session.commit()
    questions = questions_of(form)
    save_form(form, settings(form), (replace(questions[0], kind="nps"), *questions[1:]))
    assert form.questions[0].kind == "nps"


def test_an_answer_being_written_stops_a_change_of_kind_on_postgresql(app, db):
    """The answer arrives in another transaction while the kind changes: the editor waits for it, then refuses."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    form = add_default_form(make_event())
    db.session.commit()
    question_id, form_id = form.questions[0].id, form.id
    written, done = threading.Event(), threading.Event()
    engine = db.engine

    def answer_slowly():
        with engine.connect() as connection:
            response_id = connection.execute(text(
                "INSERT INTO feedback_response (form_id, via_public_link, created_at, updated_at) "
                "VALUES (:form, false, now(), now()) RETURNING id"), {"form": form_id}).scalar_one()
            connection.execute(text(
                "INSERT INTO feedback_answer (response_id, question_id, value_int) VALUES (:r, :q, 4)"),
                {"r": response_id, "q": question_id})
            written.set()
            # Committed a moment after the editor started saving, which waits for it meanwhile.
            done.wait(0.5)
            connection.commit()

    writer = threading.Thread(target=answer_slowly)
    writer.start()
    try:
        assert written.wait(10)
        questions = questions_of(form)
        with pytest.raises(QuestionsHaveAnswers):
            save_form(form, settings(form), (replace(questions[0], kind="nps"), *questions[1:]))
    finally:
        done.set()
        writer.join()
        db.session.rollback()
    assert stored_questions(form_id)[0][1] == "rating"
