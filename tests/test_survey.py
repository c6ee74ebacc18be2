"""Answering the feedback survey: the personal link, validation of each kind, editing until it closes,
the public link's per-browser guard and rate limit, the follow-up mail's link, and privacy at the purge."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.models import FeedbackAnswer, FeedbackResponse, Message, ProgrammeItem
from app.models.types import utcnow
from app.services import survey
from app.services.composer import compose
from app.services.events import cancel_event
from app.services.outbox import still_wanted
from app.services.planning import plan_followups, plan_survey_reminders, survey_reminder_due_at
from app.services.retention import purge_expired
from app.services.survey import Answer, InvalidAnswer, SurveyNotOpen
from app.services.tokens import manage_token
from tests.factories import make_event, make_feedback_form, make_municipality, make_registration


@pytest.fixture
def event(db):
    """A webinar that ended an hour ago, with two talks, a break and a panel."""
    make_municipality("092", "Vantaa", "Vanda")
    starts_at = utcnow().replace(microsecond=0) - timedelta(hours=4)
    event = make_event(starts_at=starts_at, title_fi="Digituki kuntoon", title_sv="Digitalt stöd i skick",
                       recording_url="https://video.example.org/42")
    for position, (kind, fi, sv) in enumerate([
        ("talk", "Vantaan digitukiverkosto", "Vandas nätverk för digitalt stöd"),
        ("break", "Tauko", "Paus"),
        ("panel", "Paneeli", "Panel"),
    ]):
        event.programme.append(ProgrammeItem(position=position, kind=kind, title_fi=fi, title_sv=sv,
                                             starts_at=starts_at + timedelta(minutes=30 * position)))
    db.session.flush()
    return event


@pytest.fixture
def form(db, event):
    """The event's open form with one required question of each kind."""
    found = make_feedback_form(event)
    db.session.commit()
    return found


@pytest.fixture
def registration(db, event):
    """A confirmed participant reading Swedish."""
    found = make_registration(event, language="sv", attended="yes")
    db.session.commit()
    return found


def questions(form) -> dict:
    """The form's questions by kind."""
    return {question.kind: question for question in form.questions}


def items(event) -> list[ProgrammeItem]:
    """The rated programme items: the talk and the panel."""
    return [item for item in event.programme if item.kind != "break"]


def valid_answers(form, event, **changes) -> dict:
    """A complete, valid submission: rating 4, NPS 9, the items 5 and 3, option 1, options 0 and 2, a text."""
    q = questions(form)
    talk, panel = items(event)
    data = {
        f"q{q['rating'].id}": "4",
        f"q{q['nps'].id}": "9",
        f"q{q['programme_rating'].id}-{talk.id}": "5",
        f"q{q['programme_rating'].id}-{panel.id}": "3",
        f"q{q['single_choice'].id}": "1",
        f"q{q['multiple_choice'].id}": ["0", "2"],
        f"q{q['text'].id}": "  Vandas erfarenheter av nätverket.  ",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def personal_url(registration) -> str:
    """The registration's own survey page."""
    return f"/feedback/{manage_token(registration)}"


def responses(db) -> list[FeedbackResponse]:
    """Every stored response."""
    db.session.expire_all()
    return list(db.session.execute(select(FeedbackResponse).order_by(FeedbackResponse.id)).scalars())


def stored(response) -> dict:
    """A response's answers as {(question id, item id): value}."""
    return {(a.question_id, a.programme_item_id): a.value_int if a.value_int is not None else a.value_text
            if a.value_text is not None else a.choices for a in response.answers}


def field_block(html: str, name: str) -> str:
    """The HTML of the field (its div.field) holding the input named `name`."""
    blocks = re.findall(r'<div class="field[^"]*">.*?</fieldset>\s*</div>|<div class="field[^"]*">.*?</textarea>\s*</div>',
                        html, re.S)
    matching = [block for block in blocks if f'name="{name}"' in block]
    assert matching, f"no field holds {name}"
    return matching[-1]


# --- The personal link -------------------------------------------------------------------------


def test_the_personal_link_opens_the_form_in_the_registrations_language_with_rating_scales_as_radio_groups(
        client, form, event, registration):
    page = client.get(personal_url(registration) + "?lang=sv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="sv">' in html
    assert "Helhetsbedömning av webbinariet" in html and "Vandas nätverk för digitalt stöd" in html
    # A break is not rated.
    assert "Paus" not in html
    rating = field_block(html, f"q{questions(form)['rating'].id}")
    assert "<fieldset" in rating and "<legend>Helhetsbedömning av webbinariet" in rating
    assert rating.count('type="radio"') == 5
    assert field_block(html, f"q{questions(form)['nps'].id}").count('type="radio"') == 11
    # The language switch stays on the same page.
    assert f'href="{personal_url(registration)}?lang=fi"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_valid_answers_are_saved_as_one_response_with_the_municipality_and_no_name(client, db, form, event,
                                                                                    registration):
    response = client.post(personal_url(registration), data=valid_answers(form, event))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(personal_url(registration) + "/thanks")
    [saved] = responses(db)
    q = questions(form)
    talk, panel = items(event)
    assert (saved.registration_id, saved.municipality_code, saved.via_public_link) == (registration.id, "092", False)
    assert stored(saved) == {
        (q["rating"].id, None): 4, (q["nps"].id, None): 9,
        (q["programme_rating"].id, talk.id): 5, (q["programme_rating"].id, panel.id): 3,
        (q["single_choice"].id, None): [1], (q["multiple_choice"].id, None): [0, 2],
        (q["text"].id, None): "Vandas erfarenheter av nätverket.",
    }
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and thanks.headers["Cache-Control"] == "no-store"


def test_the_form_shows_the_earlier_answers_and_a_second_submit_replaces_them(client, db, form, event,
                                                                              registration):
    client.post(personal_url(registration), data=valid_answers(form, event))
    q = questions(form)
    html = client.get(personal_url(registration)).get_data(as_text=True)
    rating = field_block(html, f"q{q['rating'].id}")
    assert re.findall(r'<input checked id="[^"]+" name="q\d+"[^>]* value="(\d+)">', rating) == ["4"]
    assert "Vandas erfarenheter av nätverket." in html

    changed = valid_answers(form, event, **{f"q{q['rating'].id}": "2", f"q{q['text'].id}": "Bättre ljud, tack."})
    assert client.post(personal_url(registration), data=changed).status_code == 302
    [saved] = responses(db)
    assert stored(saved)[(q["rating"].id, None)] == 2
    assert stored(saved)[(q["text"].id, None)] == "Bättre ljud, tack."
    assert db.session.execute(select(func.count(FeedbackAnswer.id))).scalar() == 7


def test_optional_questions_may_be_left_unanswered(client, db, event, registration):
    form = make_feedback_form(event, required=False)
    db.session.commit()
    q = questions(form)
    response = client.post(personal_url(registration), data={f"q{q['nps'].id}": "0"})
    assert response.status_code == 302
    [saved] = responses(db)
    assert stored(saved) == {(q["nps"].id, None): 0}


# --- Validation: a sentence next to its question, nothing typed lost, nothing saved ------------


@pytest.mark.parametrize("kind, value, message", [
    ("rating", None, "Choose a number for this question."),
    ("rating", "6", "Choose one of the numbers from 1 to 5."),
    ("rating", "0", "Choose one of the numbers from 1 to 5."),
    ("rating", "x", "Choose one of the numbers from 1 to 5."),
    ("nps", None, "Choose a number for this question."),
    ("nps", "11", "Choose one of the numbers from 0 to 10."),
    ("nps", "-1", "Choose one of the numbers from 0 to 10."),
    ("single_choice", None, "Choose one of the options."),
    ("single_choice", "3", "Choose one of the options shown."),
    ("multiple_choice", None, "Choose at least one of the options."),
    ("multiple_choice", ["0", "7"], "Choose only among the options shown."),
    ("text", None, "Write your answer in the box."),
    ("text", "   ", "Write your answer in the box."),
    ("text", "å" * 4001, "Shorten your answer to at most 4000 characters; it is now 4001 characters long."),
    ("text", "Rad ett\x00", "The text contains characters that cannot be saved. Type it again, or paste it as plain text."),
])
def test_each_kind_refuses_a_bad_answer_next_to_its_question_and_keeps_the_rest(client, db, form, event,
                                                                                registration, kind, value, message):
    q = questions(form)
    name = f"q{q[kind].id}"
    data = valid_answers(form, event, **{name: value})
    if value is None:
        data.pop(name, None)
    response = client.post(personal_url(registration) + "?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    block = field_block(html, name)
    assert f'id="{name}-error"' in block and message in block
    # The error summary links to the question, and only this question has an error.
    assert html.count('class="error-message"') == 1
    assert f'href="#{name if kind == "text" else name + "-0"}"' in html
    # Everything else typed is still there.
    assert "Vandas erfarenheter av nätverket." in html or kind == "text"
    assert re.search(rf'<input checked id="q{q["nps"].id}-9"', html) or kind == "nps"
    assert responses(db) == []


def test_a_required_programme_rating_needs_every_talk_and_panel(client, db, form, event, registration):
    q = questions(form)
    talk, panel = items(event)
    name = f"q{q['programme_rating'].id}-{panel.id}"
    response = client.post(personal_url(registration) + "?lang=en",
                           data=valid_answers(form, event, **{name: None}))
    assert response.status_code == 400
    assert "Choose a number for this programme item." in field_block(response.get_data(as_text=True), name)
    too_high = valid_answers(form, event, **{f"q{q['programme_rating'].id}-{talk.id}": "6"})
    response = client.post(personal_url(registration) + "?lang=en", data=too_high)
    assert response.status_code == 400
    assert responses(db) == []


def test_the_service_refuses_answers_the_questions_cannot_take(db, form, event, registration):
    q = questions(form)
    talk, panel = items(event)
    good = [
        Answer(q["rating"].id, value_int=5), Answer(q["nps"].id, value_int=10),
        Answer(q["programme_rating"].id, talk.id, value_int=1), Answer(q["programme_rating"].id, panel.id, value_int=2),
        Answer(q["single_choice"].id, choices=(0,)), Answer(q["multiple_choice"].id, choices=(1, 2)),
        Answer(q["text"].id, value_text="Hyvä"),
    ]
    survey.check_answers(form, good)
    break_item = next(item for item in event.programme if item.kind == "break")
    bad_cases = [
        good[1:],  # a required question missing
        [Answer(q["rating"].id, value_int=6), *good[1:]],
        [Answer(q["rating"].id, value_text="5"), *good[1:]],
        [*good[:4], Answer(q["single_choice"].id, choices=(0, 1)), *good[5:]],
        [*good[:5], Answer(q["multiple_choice"].id, choices=(1, 1)), *good[6:]],
        [*good[:5], Answer(q["multiple_choice"].id, choices=(3,)), *good[6:]],
        [*good[:6], Answer(q["text"].id, value_text="x" * 4001)],
        [*good, Answer(q["programme_rating"].id, break_item.id, value_int=3)],
        [*good, Answer(q["rating"].id, value_int=3)],
        [*good, Answer(q["rating"].id + 1000, value_int=3)],
    ]
    for answers in bad_cases:
        with pytest.raises(InvalidAnswer):
            survey.save_answers(form, registration, answers)
    assert responses(db) == []


# --- Open, closed, and whose link ---------------------------------------------------------------


def test_before_opening_the_page_says_when_it_opens_and_takes_nothing(client, db, form, event, registration):
    form.opens_at = utcnow() + timedelta(days=1)
    db.session.commit()
    page = client.get(personal_url(registration) + "?lang=en")
    assert page.status_code == 200
    assert "The feedback survey opens on" in page.get_data(as_text=True)
    assert 'type="radio"' not in page.get_data(as_text=True)
    assert client.post(personal_url(registration), data=valid_answers(form, event)).status_code == 409
    assert responses(db) == []


def test_answers_can_be_changed_until_the_form_closes_and_not_after(client, db, form, event, registration):
    q = questions(form)
    client.post(personal_url(registration), data=valid_answers(form, event))
    with time_machine.travel(form.closes_at - timedelta(minutes=1)):
        changed = valid_answers(form, event, **{f"q{q['rating'].id}": "1"})
        assert client.post(personal_url(registration), data=changed).status_code == 302
    with time_machine.travel(form.closes_at):
        page = client.get(personal_url(registration) + "?lang=en")
        assert "The feedback survey closed on" in page.get_data(as_text=True)
        refused = valid_answers(form, event, **{f"q{q['rating'].id}": "5"})
        assert client.post(personal_url(registration), data=refused).status_code == 409
        with pytest.raises(SurveyNotOpen):
            survey.save_answers(form, registration, [])
    [saved] = responses(db)
    assert stored(saved)[(q["rating"].id, None)] == 1


def test_only_participants_answer_through_their_own_link(client, db, form, event):
    waitlisted = make_registration(event, status="waitlisted")
    db.session.commit()
    page = client.get(personal_url(waitlisted) + "?lang=en")
    assert page.status_code == 403
    assert "This survey is for the webinar's participants." in page.get_data(as_text=True)
    assert client.post(personal_url(waitlisted), data=valid_answers(form, event)).status_code == 403
    assert responses(db) == []


def test_a_wrong_token_or_an_event_without_a_form_is_not_found(client, db, event, registration):
    assert client.get(personal_url(registration)).status_code == 404
    make_feedback_form(event)
    db.session.commit()
    assert client.get(personal_url(registration)).status_code == 200
    assert client.get("/feedback/nonsense.token").status_code == 404
    assert client.get(personal_url(registration) + "/thanks").status_code == 302


# --- The public link ----------------------------------------------------------------------------


@pytest.fixture
def public_form(db, form):
    """The form with its public link switched on."""
    form.public_token = "avoin-linkki-123"
    db.session.commit()
    return form


PUBLIC_URL = "/feedback/public/avoin-linkki-123"


def test_the_public_link_takes_one_anonymous_answer_per_browser(app, client, db, public_form, event):
    page = client.get(PUBLIC_URL + "?lang=en")
    assert page.status_code == 200
    cookie = client.get_cookie("survey_key", path=PUBLIC_URL)
    assert cookie is not None and cookie.http_only and cookie.path == PUBLIC_URL

    response = client.post(PUBLIC_URL, data=valid_answers(public_form, event))
    assert response.status_code == 302
    assert client.get(response.headers["Location"] + "?lang=en").status_code == 200
    [saved] = responses(db)
    assert (saved.registration_id, saved.municipality_code, saved.via_public_link) == (None, None, True)
    # Only a hash of the browser's key is kept, bound to the form.
    assert saved.browser_key_hash == survey.browser_key_hash(public_form, cookie.value)
    assert cookie.value not in saved.browser_key_hash

    again = client.get(PUBLIC_URL + "?lang=en")
    assert "You have already answered this survey from this browser." in again.get_data(as_text=True)
    assert client.post(PUBLIC_URL, data=valid_answers(public_form, event)).status_code == 409
    assert len(responses(db)) == 1

    another_browser = app.test_client()
    assert another_browser.post(PUBLIC_URL, data=valid_answers(public_form, event)).status_code == 302
    assert [r.via_public_link for r in responses(db)] == [True, True]


def test_the_same_browser_key_cannot_answer_twice_even_past_the_page(db, public_form, event):
    answers = [Answer(question.id, value_int=3) for question in public_form.questions if question.kind == "rating"]
    public_form.questions[:] = [question for question in public_form.questions if question.kind == "rating"]
    db.session.commit()
    survey.save_public_answers(public_form, "key-1", answers)
    db.session.commit()
    with pytest.raises(survey.AlreadyAnswered):
        survey.save_public_answers(public_form, "key-1", answers)


def test_the_public_link_is_rate_limited_per_address_and_keeps_what_was_typed(app, db, public_form, event):
    q = questions(public_form)
    statuses = []
    for _ in range(11):
        # A new browser each time: only the address is the same.
        statuses.append(app.test_client().post(PUBLIC_URL + "?lang=en",
                                               data=valid_answers(public_form, event)).status_code)
    assert statuses == [302] * 10 + [429]
    limited = app.test_client().post(PUBLIC_URL + "?lang=en", data=valid_answers(public_form, event))
    html = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert "Wait a moment and send your answers again." in html
    assert re.search(rf'<input checked id="q{q["nps"].id}-9"', html)
    assert "Vandas erfarenheter av nätverket." in html
    assert len(responses(db)) == 10


def test_without_a_public_token_there_is_no_public_link(client, db, form):
    assert client.get(PUBLIC_URL).status_code == 404
    assert client.get("/feedback/public/").status_code == 404


def test_public_answers_are_refused_outside_the_open_time(client, db, public_form, event):
    public_form.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "The feedback survey closed on" in client.get(PUBLIC_URL + "?lang=en").get_data(as_text=True)
    assert client.post(PUBLIC_URL, data=valid_answers(public_form, event)).status_code == 409
    assert responses(db) == []


def test_a_cancelled_events_survey_takes_no_answers_and_no_survey_mail_goes_for_it(client, db, form, event,
                                                                                    registration):
    form.public_token = "avoin-linkki-123"
    db.session.commit()
    followup_at = event.followup_due_at + timedelta(minutes=1)
    reminder_at = survey_reminder_due_at(event) + timedelta(minutes=1)
    # While the event stands, its follow-up and survey reminder are planned (undone here: the caller commits).
    assert (plan_followups(now=followup_at), plan_survey_reminders(now=reminder_at)) == (1, 1)
    db.session.rollback()
    failed = outbox_row(db, registration, "survey_reminder")
    failed.status = "failed"
    assert cancel_event(event.id)
    db.session.commit()

    for url in (personal_url(registration), PUBLIC_URL):
        page = client.get(url + "?lang=en")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "The webinar was cancelled, so its feedback survey is closed and takes no answers." in html
        assert 'type="radio"' not in html
        refused = client.post(url + "?lang=en", data=valid_answers(form, event))
        assert refused.status_code == 409
        assert "The webinar was cancelled" in refused.get_data(as_text=True)
    with pytest.raises(SurveyNotOpen):
        survey.save_answers(form, registration, [])
    with pytest.raises(SurveyNotOpen):
        survey.save_public_answers(form, "key-1", [])
    assert responses(db) == []
    assert (plan_followups(now=followup_at), plan_survey_reminders(now=reminder_at)) == (0, 0)
    # A failed reminder is not sent again either.
    assert not still_wanted(failed, reminder_at)


# --- The follow-up mail's link ------------------------------------------------------------------


def outbox_row(db, registration, kind: str) -> Message:
    """An outbox row of the kind for the registration."""
    message = Message(kind=kind, registration=registration, dedupe_key=f"r{registration.id}:{kind}")
    db.session.add(message)
    db.session.flush()
    return message


def test_the_followup_carries_the_personal_survey_link_in_the_registrations_language(db, form, registration):
    mail = compose(outbox_row(db, registration, "followup"))
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    link = f"http://127.0.0.1:5000{personal_url(registration)}?lang=sv"
    assert link in text and f'href="{link}"' in html


def test_the_followup_has_no_survey_link_once_the_form_has_closed(db, form, registration):
    form.closes_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    text = compose(outbox_row(db, registration, "followup")).get_body(preferencelist=("plain",)).get_content()
    assert "/feedback/" not in text


# --- Privacy ------------------------------------------------------------------------------------


def test_the_purge_unlinks_responses_and_keeps_answers_municipality_and_public_answers(app, client, db, form,
                                                                                      event, registration):
    link = personal_url(registration)
    client.post(link, data=valid_answers(form, event))
    form.public_token = "avoin-linkki-123"
    db.session.commit()
    client.post(PUBLIC_URL, data=valid_answers(form, event))
    before = {r.id: stored(r) for r in responses(db)}

    assert purge_expired(now=event.ends_at + timedelta(days=app.config["RETENTION_DAYS"] + 1)) == 1
    db.session.commit()

    after = responses(db)
    assert [(r.registration_id, r.municipality_code, r.via_public_link) for r in after] == [
        (None, "092", False), (None, None, True)]
    assert {r.id: stored(r) for r in after} == before
    # The personal link is gone with the registration's data.
    assert client.get(link).status_code == 404
