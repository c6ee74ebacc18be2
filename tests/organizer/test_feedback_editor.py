"""The feedback survey editor over HTTP: the default survey of new and copied events, every bad input refused next
to its field, answered questions kept, and questions added, moved and removed without JavaScript."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.models import (
    AuditEntry, ContactPerson, Event, FeedbackAnswer, FeedbackForm, FeedbackQuestion, FeedbackResponse, ProgrammeItem,
)
from app.services.feedback_forms import (
    DEFAULT_QUESTIONS, FormSettings, QuestionDetails, add_default_form, form_of, option, questions_of, save_form,
    settings_of,
)
from tests.factories import make_event, make_municipality, make_series
from tests.organizer.conftest import log_in
from tests.organizer.test_editor import form_of as editor_form_of
from tests.organizer.test_editor import new_event_form, posted

# Wednesday 13 November 2030, 9.00-12.00 in Helsinki (UTC+2).
STARTS_AT = datetime(2030, 11, 13, 7, 0, tzinfo=timezone.utc)


@pytest.fixture
def series(db):
    """A series with Vantaa as a municipality to host."""
    make_municipality()
    series = make_series(name_fi="Kuntatutor")
    db.session.commit()
    return series


@pytest.fixture
def admin_client(client, admin):
    """The test client with the admin logged in."""
    log_in(client, admin.email)
    return client


@pytest.fixture
def webinar(db, series):
    """A published webinar with a talk and a panel, and the default survey."""
    event = make_event(series=series, title_fi="Kunnan digituki kuntoon yhteistyöllä", starts_at=STARTS_AT)
    event.programme.extend([ProgrammeItem(position=0, kind="talk", title_fi="Tervetuloa"),
                            ProgrammeItem(position=1, kind="panel", title_fi="Paneeli")])
    event.contacts.append(ContactPerson(position=0, name="Pekka Puhelin"))
    add_default_form(event)
    db.session.commit()
    return event


def page_of(event: Event) -> str:
    """The survey editor's address."""
    return f"/organizer/events/{event.id}/feedback/form"


def stored(db, event: Event) -> tuple:
    """The survey as stored: its settings and questions."""
    db.session.expire_all()
    form = form_of(event)
    return settings_of(form), questions_of(form)


def error_next_to(response, field_id: str) -> str:
    """The error message shown next to the field."""
    page = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in page, f"no error next to {field_id}"
    return page.split(f'id="{field_id}-error"', 1)[1].split("</p>", 1)[0]


def answer(db, event: Event, position: int) -> None:
    """Someone answered the survey's question at the position."""
    form = form_of(event)
    db.session.add(FeedbackResponse(form=form, answers=[
        FeedbackAnswer(question=form.questions[position], value_int=4)]))
    db.session.commit()


# Made with the event


def test_a_new_event_made_in_the_editor_has_the_default_survey(db, admin_client, series):
    response = admin_client.post("/organizer/events/new", data=new_event_form(series.id))
    event = db.session.execute(select(Event)).scalar_one()
    assert response.headers["Location"] == f"/organizer/events/{event.id}"

    shown = editor_form_of(admin_client.get(page_of(event)))

    assert [shown[f"questions-{n}-text_fi"] for n in range(len(DEFAULT_QUESTIONS))] == [
        q.text_fi for q in DEFAULT_QUESTIONS]
    assert [shown[f"questions-{n}-kind"] for n in range(len(DEFAULT_QUESTIONS))] == [
        "rating", "nps", "programme_rating", "text", "text", "text"]
    assert shown["questions-0-text_sv"] == DEFAULT_QUESTIONS[0].text_sv
    assert shown.getlist("questions-0-required") == ["y"] and "questions-3-required" not in shown
    # When the event ends, 12.00, and two weeks later, in Finnish time.
    assert (shown["opens_at"], shown["closes_at"]) == ("2030-11-13T12:00", "2030-11-27T12:00")
    assert "public_link" not in shown


def test_a_copy_made_in_the_editor_has_the_source_events_questions_and_no_answers(db, admin_client, webinar):
    survey = form_of(webinar)
    own_question = QuestionDetails(kind="multiple_choice", text_fi="Mitkä aiheet kiinnostavat?",
                                   options=(option("Saavutettavuus"), option("Tietoturva")))
    save_form(survey, settings_of(survey), (*questions_of(survey)[:2], own_question))
    db.session.commit()
    answer(db, webinar, 0)

    form = editor_form_of(admin_client.get(f"/organizer/events/{webinar.id}/clone"))
    response = admin_client.post(f"/organizer/events/{webinar.id}/clone", data=posted(form))

    clone = db.session.get(Event, int(response.headers["Location"].rsplit("/", 1)[1]))
    shown = editor_form_of(admin_client.get(page_of(clone)))
    assert [shown[f"questions-{n}-text_fi"] for n in range(3)] == [
        DEFAULT_QUESTIONS[0].text_fi, DEFAULT_QUESTIONS[1].text_fi, "Mitkä aiheet kiinnostavat?"]
    assert "questions-3-text_fi" not in shown
    assert shown["questions-2-options_fi"].strip() == "Saavutettavuus\nTietoturva"
    # The copy is a week later and so is its survey.
    assert (shown["opens_at"], shown["closes_at"]) == ("2030-11-20T12:00", "2030-12-04T12:00")
    copy = form_of(clone)
    assert db.session.execute(select(func.count()).select_from(FeedbackResponse)
                              .where(FeedbackResponse.form_id == copy.id)).scalar_one() == 0


# Saving


def test_the_survey_is_saved_and_the_change_logged(db, admin_client, admin, webinar):
    form = editor_form_of(admin_client.get(page_of(webinar)))

    response = admin_client.post(page_of(webinar), data=posted(
        form, opens_at="2030-11-13T13:00", closes_at="2030-12-31T16:00",
        **{"questions-3-text_fi": "Mikä oli parasta?", "questions-3-text_en": "", "questions-3-required": "y"}))

    assert response.status_code == 302 and response.headers["Location"] == page_of(webinar)
    settings, questions = stored(db, webinar)
    assert settings == FormSettings(opens_at=datetime(2030, 11, 13, 11, 0, tzinfo=timezone.utc),
                                    closes_at=datetime(2030, 12, 31, 14, 0, tzinfo=timezone.utc))
    assert (questions[3].text_fi, questions[3].text_en, questions[3].required) == ("Mikä oli parasta?", None, True)
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert (entry.action, entry.event_id, entry.user_id) == ("event_changed", webinar.id, admin.id)
    assert entry.detail == {"feedback_form": ["opens_at", "closes_at", "questions"]}
    assert "The survey was saved." in admin_client.get(page_of(webinar)).get_data(as_text=True)


def test_saving_the_survey_unchanged_logs_nothing(db, admin_client, webinar):
    form = editor_form_of(admin_client.get(page_of(webinar)))
    before = stored(db, webinar)

    admin_client.post(page_of(webinar), data=posted(form))

    assert stored(db, webinar) == before
    assert db.session.execute(select(AuditEntry)).first() is None
    assert "Nothing was changed." in admin_client.get(page_of(webinar)).get_data(as_text=True)


def test_a_choice_question_keeps_its_options_in_each_language(db, admin_client, webinar):
    form = editor_form_of(admin_client.get(page_of(webinar)))

    admin_client.post(page_of(webinar), data=posted(form, **{
        "questions-5-kind": "single_choice", "questions-5-text_fi": "Mistä kuulit webinaarista?",
        "questions-5-options_fi": "Uutiskirjeestä\r\n\r\nKollegalta\r\n",
        "questions-5-options_sv": "Nyhetsbrevet\nAv en kollega"}))

    question = stored(db, webinar)[1][5]
    assert question.kind == "single_choice"
    assert question.options == ({"fi": "Uutiskirjeestä", "sv": "Nyhetsbrevet", "en": None},
                                {"fi": "Kollegalta", "sv": "Av en kollega", "en": None})
    shown = editor_form_of(admin_client.get(page_of(webinar)))
    assert (shown["questions-5-options_fi"].strip(), shown["questions-5-options_en"].strip()) == (
        "Uutiskirjeestä\nKollegalta", "")


# Every bad input: a sentence next to its field, nothing saved


@pytest.mark.parametrize(("changes", "field_id", "message"), [
    ({"opens_at": ""}, "opens_at", "Enter when the survey opens."),
    ({"opens_at": "31.2.2030 kello 12"}, "opens_at", "Enter the date and time, for example"),
    ({"opens_at": "2030-11-13T08:00"}, "opens_at", "The survey can open when the event starts"),
    ({"closes_at": "2030-11-13T11:00"}, "closes_at", "The survey must close after it opens."),
    ({"questions-1-text_fi": "", "questions-1-text_sv": "Bara på svenska"}, "questions-1-text_fi",
     "Write the question in Finnish, or empty the whole question to remove it."),
    ({"questions-1-text_fi": "x" * 501}, "questions-1-text_fi", "Use at most 500 characters."),
    ({"questions-1-text_sv": "Rad\x1bett"}, "questions-1-text_sv", "on one line"),
    ({"questions-1-kind": "essay"}, "questions-1-kind", "Choose a kind of question from the list."),
    ({"questions-3-kind": "single_choice", "questions-3-options_fi": "Vain yksi"}, "questions-3-options_fi",
     "Write at least two options in Finnish, one per line."),
    ({"questions-3-kind": "multiple_choice", "questions-3-options_fi": "A\nB\na"}, "questions-3-options_fi",
     "Each option must be different"),
    ({"questions-3-kind": "multiple_choice", "questions-3-options_fi": "\n".join(str(n) for n in range(21))},
     "questions-3-options_fi", "Use at most 20 options."),
    ({"questions-3-kind": "single_choice", "questions-3-options_fi": "A\nB", "questions-3-options_sv": "A"},
     "questions-3-options_sv", "Write as many Swedish options as there are Finnish ones"),
    ({"questions-3-kind": "single_choice", "questions-3-options_fi": "A\n" + "B" * 201},
     "questions-3-options_fi", "Keep each option to at most 200 characters."),
    ({"questions-3-options_en": "Yes\nNo"}, "questions-3-options_en", "Only single and multiple choice questions"),
])
def test_a_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(db, admin_client, webinar, changes, field_id,
                                                                       message):
    form = editor_form_of(admin_client.get(page_of(webinar)))
    before = stored(db, webinar)

    response = admin_client.post(page_of(webinar), data=posted(form, **{"questions-0-text_fi": "Muutettu?",
                                                                         **changes}))

    assert response.status_code == 400
    assert message in error_next_to(response, field_id)
    # The summary links to the field, and what was typed is shown again.
    assert f'href="#{field_id}"' in response.get_data(as_text=True)
    assert editor_form_of(response, 400)["questions-0-text_fi"] == "Muutettu?"
    assert stored(db, webinar) == before
    assert db.session.execute(select(AuditEntry)).first() is None


def test_a_survey_without_questions_is_refused(db, admin_client, webinar):
    form = editor_form_of(admin_client.get(page_of(webinar)))
    for name in list(form):
        if name.startswith("questions-") and not name.endswith(("-id", "-kind")):
            form.setlist(name, [""] if "required" not in name else [])
    before = stored(db, webinar)

    response = admin_client.post(page_of(webinar), data=posted(form))

    assert response.status_code == 400
    assert "Add at least one question" in error_next_to(response, "add-question")
    assert stored(db, webinar) == before


# Answered questions


def test_an_answered_question_cannot_change_kind_and_the_page_says_why(db, admin_client, webinar):
    answer(db, webinar, 0)
    page = admin_client.get(page_of(webinar))
    assert "This question has 1 answer, so its kind cannot change" in page.get_data(as_text=True)
    form = editor_form_of(page)
    before = stored(db, webinar)

    response = admin_client.post(page_of(webinar), data=posted(form, **{
        "questions-0-kind": "nps", "questions-1-text_fi": "Suosittelisitko?"}))

    assert response.status_code == 400
    assert "already has answers, so its kind cannot change" in error_next_to(response, "questions-0-kind")
    assert stored(db, webinar) == before


def test_an_unanswered_question_changes_kind(db, admin_client, webinar):
    answer(db, webinar, 0)
    form = editor_form_of(admin_client.get(page_of(webinar)))

    admin_client.post(page_of(webinar), data=posted(form, **{"questions-1-kind": "rating"}))

    assert [q.kind for q in stored(db, webinar)[1][:2]] == ["rating", "rating"]


def test_an_answered_question_cannot_be_removed_and_comes_back(db, admin_client, webinar):
    answer(db, webinar, 0)
    form = editor_form_of(admin_client.post(page_of(webinar), data=posted(
        editor_form_of(admin_client.get(page_of(webinar))), "remove-question-0")))
    assert form["questions-0-text_fi"] == DEFAULT_QUESTIONS[1].text_fi
    before = stored(db, webinar)

    response = admin_client.post(page_of(webinar), data=posted(form))

    assert response.status_code == 400
    assert "This question has answers, so it cannot be removed" in error_next_to(response, "questions-5-text_fi")
    shown = editor_form_of(response, 400)
    assert shown["questions-5-text_fi"] == DEFAULT_QUESTIONS[0].text_fi
    assert shown["questions-5-id"] == str(before[1][0].id)
    assert stored(db, webinar) == before


# Adding, moving and removing without JavaScript


def test_questions_are_moved_added_and_removed_by_buttons_and_saved_in_that_order(db, admin_client, webinar):
    before = stored(db, webinar)
    ids = [q.id for q in before[1]]
    form = editor_form_of(admin_client.get(page_of(webinar)))

    moved = editor_form_of(admin_client.post(page_of(webinar), data=posted(form, "down-question-0")))
    assert [moved[f"questions-{n}-id"] for n in range(2)] == [str(ids[1]), str(ids[0])]
    removed = editor_form_of(admin_client.post(page_of(webinar), data=posted(moved, "remove-question-5")))
    assert "questions-5-id" not in removed
    added = editor_form_of(admin_client.post(page_of(webinar), data=posted(removed, "add-question")))
    assert (added["questions-5-id"], added["questions-5-text_fi"]) == ("", "")
    up = editor_form_of(admin_client.post(page_of(webinar), data=posted(added, "up-question-5")))
    assert up["questions-4-id"] == "" and up["questions-5-id"] == str(ids[4])
    # Nothing is saved until Save.
    assert stored(db, webinar) == before

    response = admin_client.post(page_of(webinar), data=posted(up, **{
        "questions-4-kind": "nps", "questions-4-text_fi": "Suosittelisitko Kuntatutoria?"}))

    assert response.status_code == 302
    questions = stored(db, webinar)[1]
    new = questions[4]
    assert [q.id for q in questions] == [ids[1], ids[0], ids[2], ids[3], new.id, ids[4]]
    assert new.id not in ids and (new.kind, new.text_fi) == ("nps", "Suosittelisitko Kuntatutoria?")
    assert db.session.get(FeedbackQuestion, ids[5]) is None


def test_an_added_row_left_empty_is_not_saved(db, admin_client, webinar):
    before = stored(db, webinar)
    form = editor_form_of(admin_client.post(page_of(webinar), data=posted(
        editor_form_of(admin_client.get(page_of(webinar))), "add-question")))

    admin_client.post(page_of(webinar), data=posted(form))

    assert stored(db, webinar) == before


def test_the_page_has_a_button_for_each_row_action(db, admin_client, webinar):
    page = admin_client.get(page_of(webinar)).get_data(as_text=True)
    assert 'value="add-question"' in page
    assert 'value="down-question-0"' in page and 'value="up-question-0"' not in page
    assert 'value="up-question-5"' in page and 'value="down-question-5"' not in page
    assert page.count('value="remove-question-') == len(DEFAULT_QUESTIONS)


# The public link


def test_the_public_link_is_made_when_turned_on_and_ended_when_turned_off(db, admin_client, webinar):
    form = editor_form_of(admin_client.get(page_of(webinar)))

    admin_client.post(page_of(webinar), data=posted(form, public_link="y"))

    token = form_of(webinar).public_token
    assert token
    page = admin_client.get(page_of(webinar)).get_data(as_text=True)
    assert "The public link is on" in page
    link = page.split('class="feedback-public-link" href="', 1)[1].split('"', 1)[0]
    assert link.endswith(f"/{token}")
    # It opens the survey's public page (which says, before the event, when the survey opens).
    assert admin_client.get(link).status_code == 200
    admin_client.post(page_of(webinar), data=posted(editor_form_of(admin_client.get(page_of(webinar))),
                                                    public_link=""))
    db.session.expire_all()
    assert form_of(webinar).public_token is None
    assert token not in admin_client.get(page_of(webinar)).get_data(as_text=True)


# Events made before every event had a survey


def test_an_event_without_a_survey_is_offered_the_default_one(db, admin_client, admin, series):
    event = make_event(series=series, starts_at=STARTS_AT)
    db.session.commit()

    page = admin_client.get(page_of(event))

    assert page.status_code == 200
    assert "This event has no feedback survey yet" in page.get_data(as_text=True)
    assert db.session.execute(select(FeedbackForm)).first() is None

    response = admin_client.post(page_of(event), data={"action": "create"})

    assert response.status_code == 302 and response.headers["Location"] == page_of(event)
    db.session.expire_all()
    form = form_of(event)
    assert [q.text_fi for q in form.questions] == [q.text_fi for q in DEFAULT_QUESTIONS]
    assert form.opens_at == STARTS_AT + timedelta(hours=3)
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert (entry.action, entry.detail) == ("event_changed", {"feedback_form": ["created"]})
    shown = editor_form_of(admin_client.get(page_of(event)))
    assert shown["questions-0-text_fi"] == DEFAULT_QUESTIONS[0].text_fi


def test_asking_twice_for_the_default_survey_makes_one(db, admin_client, series):
    event = make_event(series=series, starts_at=STARTS_AT)
    db.session.commit()

    first = admin_client.post(page_of(event), data={"action": "create"})
    second = admin_client.post(page_of(event), data={"action": "create"})

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == page_of(event)
    db.session.expire_all()
    assert len(form_of(event).questions) == len(DEFAULT_QUESTIONS)
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 1
