"""The demo data: municipalities, the Kuntatutor series, the Vantaa webinar and a past event with feedback."""

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import (
    ContactPerson,
    Event,
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    Municipality,
    OrganizerUser,
    ProgrammeItem,
    Registration,
    Series,
    Speaker,
)
from app.models.feedback import QUESTION_KINDS
from app.demo.content import DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD, ESPOO_WEBINAR_SLUG, VANTAA_WEBINAR_SLUG
from app.demo.seed import past_webinar_day, seed_demo, upcoming_webinar_day
from app.services.feedback_forms import DEFAULT_QUESTIONS
from app.services.municipalities import load_municipalities, municipality_names
from app.services.organizers import authenticate
from app.services.tokens import find_registration_by_token, manage_token

HELSINKI = ZoneInfo("Europe/Helsinki")
# A Saturday; the Vantaa webinar then falls on Wednesday 9 December 2026.
SEEDED_AT = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
SEEDED_MODELS = (
    Municipality,
    Series,
    Event,
    ProgrammeItem,
    Speaker,
    ContactPerson,
    Registration,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    FeedbackAnswer,
    OrganizerUser,
)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def event_by_slug(db, slug: str) -> Event:
    return db.session.execute(select(Event).where(Event.slug == slug)).scalar_one()


def event_dates(db) -> dict:
    fields = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    events = db.session.scalars(select(Event))
    return {event.slug: [getattr(event, field) for field in fields] for event in events}


def in_helsinki(moment: datetime) -> datetime:
    return moment.astimezone(HELSINKI)


def test_municipality_list_holds_the_26_municipalities_of_uusimaa_with_both_names(db):
    assert load_municipalities() == 26
    municipalities = {m.code: m for m in db.session.execute(select(Municipality)).scalars()}
    assert len(municipalities) == 26
    assert (municipalities["091"].name_fi, municipalities["091"].name_sv) == ("Helsinki", "Helsingfors")
    assert (municipalities["049"].name_fi, municipalities["049"].name_sv) == ("Espoo", "Esbo")
    assert (municipalities["092"].name_fi, municipalities["092"].name_sv) == ("Vantaa", "Vanda")
    assert municipalities["235"].name("sv") == "Grankulla"
    assert municipalities["049"].bilingual is True
    assert municipalities["018"].bilingual is False


def test_loading_municipalities_again_adds_nothing_and_restores_the_listed_names(db):
    load_municipalities()
    db.session.get(Municipality, "091").name_sv = "Helsingfors stad"
    db.session.flush()
    assert load_municipalities() == 0
    assert count(db, Municipality) == 26
    assert db.session.get(Municipality, "091").name_sv == "Helsingfors"


def test_the_names_offered_are_cached_until_the_list_is_loaded_again(db):
    load_municipalities()
    assert ("091", "Helsingfors") in municipality_names("sv")
    db.session.get(Municipality, "091").name_sv = "Helsingfors stad"
    db.session.flush()
    assert ("091", "Helsingfors") in municipality_names("sv")
    load_municipalities()
    db.session.get(Municipality, "091").name_sv = "Helsingfors stad"
    db.session.flush()
    assert ("091", "Helsingfors stad") in municipality_names("sv")
    assert ("091", "Helsinki") in municipality_names("fi")


@pytest.mark.parametrize(
    ("today", "webinar_day"),
    [
        (date(2026, 11, 18), date(2026, 12, 2)),  # a Wednesday: exactly two weeks on
        (date(2026, 11, 19), date(2026, 12, 9)),
        (date(2026, 11, 24), date(2026, 12, 9)),
    ],
)
def test_upcoming_webinar_is_on_the_first_wednesday_at_least_two_weeks_ahead(today, webinar_day):
    assert upcoming_webinar_day(today) == webinar_day


def test_past_webinar_is_on_a_wednesday_about_two_months_back():
    today = date(2026, 11, 21)
    day = past_webinar_day(today)
    assert day.weekday() == 2
    assert 60 <= (today - day).days < 67


def test_vantaa_webinar_is_published_on_a_wednesday_morning_in_helsinki_time(db):
    seed_demo(now=SEEDED_AT)
    event = event_by_slug(db, VANTAA_WEBINAR_SLUG)
    assert event.status == "published"
    assert event.series.slug == "kuntatutor"
    assert event.host_municipality.name_fi == "Vantaa"
    assert event.title_fi == "Kunnan digituki kuntoon yhteistyöllä"
    assert event.title_sv and event.title_en
    assert event.description_fi and event.description_sv and event.description_en
    assert "**" in event.description_fi
    assert in_helsinki(event.starts_at).replace(tzinfo=None) == datetime(2026, 12, 9, 9, 0)
    assert in_helsinki(event.ends_at).replace(tzinfo=None) == datetime(2026, 12, 9, 12, 0)
    # December is winter time, UTC+2: the stored value is the UTC moment.
    assert event.starts_at == datetime(2026, 12, 9, 7, 0, tzinfo=timezone.utc)
    assert event.capacity == 150
    assert event.waitlist_enabled is True
    assert event.join_url.startswith("https://teams.example.org/")
    assert event.registration_is_open(SEEDED_AT)
    assert in_helsinki(event.registration_closes_at).date() == date(2026, 12, 8)
    assert not event.registration_is_open(event.registration_closes_at)


def test_vantaa_webinar_has_the_default_survey_opening_when_it_ends(db):
    seed_demo(now=SEEDED_AT)
    event = event_by_slug(db, VANTAA_WEBINAR_SLUG)
    form = db.session.execute(select(FeedbackForm).where(FeedbackForm.event_id == event.id)).scalar_one()
    assert form.opens_at == event.ends_at
    assert [question.kind for question in form.questions] == [question.kind for question in DEFAULT_QUESTIONS]


def test_vantaa_programme_runs_in_order_from_welcome_to_closing_word(db):
    seed_demo(now=SEEDED_AT)
    event = event_by_slug(db, VANTAA_WEBINAR_SLUG)
    programme = event.programme
    assert [item.kind for item in programme] == [
        "talk", "talk", "talk", "talk", "break", "talk", "talk", "talk", "panel", "talk",
    ]  # fmt: skip
    assert [item.position for item in programme] == list(range(len(programme)))
    starts = [item.starts_at for item in programme]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert starts[0] == event.starts_at and starts[-1] < event.ends_at
    assert in_helsinki(programme[4].starts_at).time() == time(10, 20)
    titles = [item.title_fi for item in programme]
    assert titles[0] == "Tervetuloa" and titles[-1] == "Loppusanat"
    topics = ["digitukiverkosto", "Pilviagenttipalvelu", "Digiarki", "Palvelupolut", "Asukaspalvelut"]
    for topic, title in zip([*topics, "Tietohallinnon"], titles[1:4] + titles[5:8]):
        assert topic in title
    assert all(item.title_sv and item.title_en for item in programme)
    panel = programme[8]
    assert "korona" in panel.title_fi
    assert len(panel.speakers) == 4
    assert all(speaker.name and speaker.title and speaker.organization for speaker in panel.speakers)
    assert all(item.speakers for item in programme if item.kind != "break")
    assert programme[4].speakers == []


def test_vantaa_webinar_names_two_contact_persons_with_phone_numbers(db):
    seed_demo(now=SEEDED_AT)
    contacts = event_by_slug(db, VANTAA_WEBINAR_SLUG).contacts
    assert len(contacts) == 2
    for contact in contacts:
        assert contact.name and contact.title and contact.organization
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", contact.email)
        assert contact.phone.startswith("+358")


def test_seeding_twice_creates_nothing_and_moves_no_dates(db):
    first_summary = seed_demo(now=SEEDED_AT)
    counts = {model.__name__: count(db, model) for model in SEEDED_MODELS}
    dates = event_dates(db)

    # A week later the "first Wednesday two weeks ahead" is another day; the event must stay put.
    second_summary = seed_demo(now=SEEDED_AT + timedelta(days=7))
    db.session.expire_all()

    assert {model.__name__: count(db, model) for model in SEEDED_MODELS} == counts
    assert event_dates(db) == dates
    assert "2 of 2 demo events created" in first_summary
    assert "0 new municipalities" in second_summary and "0 of 2 demo events created" in second_summary


def test_past_webinar_reached_more_than_ten_municipalities_and_has_its_recording(db, app):
    seed_demo(now=SEEDED_AT)
    event = event_by_slug(db, ESPOO_WEBINAR_SLUG)
    assert event.host_municipality_code == "049"
    assert event.status == "published"
    assert event.recording_url.startswith("https://")
    assert 55 <= (SEEDED_AT - event.starts_at).days <= 70
    registrations = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
    assert 45 <= len(registrations) <= 60
    assert len({r.municipality_code for r in registrations if r.municipality_code}) > 10
    assert [r.organization for r in registrations if r.municipality_code is None] == ["Digituki Uusimaa ry"]
    assert {r.attended for r in registrations} == {"yes", "no"}
    assert all(r.status == "confirmed" for r in registrations)
    assert all(re.fullmatch(r"[0-9a-f]{64}", r.manage_token_hash) for r in registrations)
    assert len({r.manage_token_hash for r in registrations}) == len(registrations)
    assert find_registration_by_token(manage_token(registrations[0])) == registrations[0]
    assert {r.privacy_notice_version for r in registrations} == {app.config["PRIVACY_NOTICE_VERSION"]}
    assert all(r.created_at < event.starts_at for r in registrations)


def test_past_webinar_feedback_answers_every_kind_of_question(db):
    seed_demo(now=SEEDED_AT)
    event = event_by_slug(db, ESPOO_WEBINAR_SLUG)
    form = db.session.execute(select(FeedbackForm).where(FeedbackForm.event_id == event.id)).scalar_one()
    assert {question.kind for question in form.questions} == set(QUESTION_KINDS)
    assert all(q.options for q in form.questions if q.kind in {"single_choice", "multiple_choice"})
    responses = db.session.scalars(select(FeedbackResponse).where(FeedbackResponse.form_id == form.id)).all()
    assert 35 <= len(responses) <= 45
    registered = [response for response in responses if not response.via_public_link]
    public = [response for response in responses if response.via_public_link]
    assert 1 <= len(public) <= 5 and all(response.registration is None for response in public)
    assert all(response.registration.attended == "yes" for response in registered)
    assert all(r.municipality_code == r.registration.municipality_code for r in registered)
    # The default survey, with the organizers' own questions after it.
    assert [q.text_fi for q in form.questions[:len(DEFAULT_QUESTIONS)]] == [q.text_fi for q in DEFAULT_QUESTIONS]
    # Answers in Finnish and Swedish.
    texts = {answer.value_text for response in responses for answer in response.answers if answer.value_text}
    assert any("ä" in text for text in texts) and any("Informationssäkerhet" in text for text in texts)
    rated_items = {item.id for item in event.programme if item.kind != "break"}
    for response in responses:
        by_kind = {}
        for answer in response.answers:
            by_kind.setdefault(answer.question.kind, []).append(answer)
        assert 1 <= by_kind["rating"][0].value_int <= 5
        assert 0 <= by_kind["nps"][0].value_int <= 10
        assert {answer.programme_item_id for answer in by_kind.get("programme_rating", [])} <= rated_items
        single = by_kind["single_choice"][0]
        assert len(single.choices) == 1 and single.choices[0] < len(single.question.options)
        multiple = by_kind["multiple_choice"][0]
        assert multiple.choices and max(multiple.choices) < len(multiple.question.options)
    rated = {answer.programme_item_id for response in responses for answer in response.answers if answer.programme_item_id}
    assert rated == rated_items


def test_demo_organizer_is_created_only_where_the_config_asks_for_it(db, app, monkeypatch):
    assert app.config["DEMO_ORGANIZER"] is False
    summary = seed_demo(now=SEEDED_AT)
    assert count(db, OrganizerUser) == 0
    assert DEMO_ORGANIZER_EMAIL not in summary

    monkeypatch.setitem(app.config, "DEMO_ORGANIZER", True)
    seed_demo(now=SEEDED_AT)
    seed_demo(now=SEEDED_AT)
    assert count(db, OrganizerUser) == 1
    organizer = authenticate(DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD)
    assert organizer is not None and organizer.role == "admin"
