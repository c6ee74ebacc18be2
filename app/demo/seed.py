"""Loading the demo: the municipalities, the Kuntatutor series, the Vantaa webinar and a past event with feedback."""

import random
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from itertools import cycle

from flask import current_app
from sqlalchemy import select

from app.demo.content import (
    DEMO_ORGANIZER_EMAIL,
    DEMO_ORGANIZER_PASSWORD,
    ESPOO_CONTACTS,
    ESPOO_PROGRAMME,
    ESPOO_EXTRA_QUESTIONS,
    ESPOO_REGISTRANTS,
    ESPOO_WEBINAR,
    ESPOO_WEBINAR_SLUG,
    FEEDBACK_RESPONDENTS,
    FEEDBACK_TEXTS,
    PUBLIC_LINK_RESPONSES,
    SERIES,
    SERIES_SLUG,
    VANTAA_CONTACTS,
    VANTAA_PROGRAMME,
    VANTAA_WEBINAR,
    VANTAA_WEBINAR_SLUG,
)
from app.extensions import db
from app.i18n import HELSINKI
from app.models import (
    ContactPerson,
    Event,
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackResponse,
    ProgrammeItem,
    Registration,
    Series,
    Speaker,
)
from app.models.types import utcnow
from app.services.feedback_forms import (
    DEFAULT_QUESTIONS,
    QuestionDetails,
    add_default_form,
    default_settings,
    new_form,
    option,
    rated_programme_items,
)
from app.services.municipalities import load_municipalities
from app.services.organizers import create_organizer, find_organizer
from app.services.tokens import issue_manage_token

# What date.weekday() gives for a Wednesday, the programme's webinar day.
WEDNESDAY = 2


def upcoming_webinar_day(today: date) -> date:
    """The first Wednesday at least two weeks after the given day."""
    day = today + timedelta(days=14)
    return day + timedelta(days=(WEDNESDAY - day.weekday()) % 7)


def past_webinar_day(today: date) -> date:
    """The Wednesday about two months before the given day."""
    day = today - timedelta(days=60)
    return day - timedelta(days=(day.weekday() - WEDNESDAY) % 7)


def helsinki_time(day: date, clock: str) -> datetime:
    """A wall-clock time in Helsinki on the day, as the UTC moment the database stores."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=HELSINKI).astimezone(timezone.utc)


def seed_demo(now: datetime | None = None) -> str:
    """Load the demo data that is missing, leave what exists as it is, commit, and say what was done."""
    now = now or utcnow()
    today = now.astimezone(HELSINKI).date()
    municipalities_added = load_municipalities()
    series, series_created = ensure_series()
    events_created = sum([ensure_vantaa_webinar(series, today, now), ensure_espoo_webinar(series, today)])
    parts = [
        f"{municipalities_added} new municipalities",
        "series kuntatutor created" if series_created else "series kuntatutor exists",
        f"{events_created} of 2 demo events created",
    ]
    if current_app.config["DEMO_ORGANIZER"]:
        created = ensure_demo_organizer()
        parts.append(f"organizer {DEMO_ORGANIZER_EMAIL} {'created' if created else 'exists'}")
    db.session.commit()
    return "Demo data: " + ", ".join(parts) + "."


def find_by_slug(model, slug: str):
    """The series or event with this slug, if any."""
    return db.session.execute(select(model).where(model.slug == slug)).scalar_one_or_none()


def ensure_series() -> tuple[Series, bool]:
    """The Kuntatutor series, created if missing; an existing one keeps the organizers' edits."""
    series = find_by_slug(Series, SERIES_SLUG)
    if series is not None:
        return series, False
    series = Series(slug=SERIES_SLUG, **SERIES)
    db.session.add(series)
    db.session.flush()
    return series, True


def ensure_vantaa_webinar(series: Series, today: date, now: datetime) -> bool:
    """Create the upcoming Vantaa webinar unless it exists; an existing one keeps its dates."""
    if find_by_slug(Event, VANTAA_WEBINAR_SLUG) is not None:
        return False
    day = upcoming_webinar_day(today)
    event = Event(
        slug=VANTAA_WEBINAR_SLUG,
        series=series,
        host_municipality_code="092",
        status="published",
        starts_at=helsinki_time(day, "09:00"),
        ends_at=helsinki_time(day, "12:00"),
        registration_opens_at=now.replace(second=0, microsecond=0),
        registration_closes_at=helsinki_time(day - timedelta(days=1), "16:00"),
        **VANTAA_WEBINAR,
    )
    add_programme(event, day, VANTAA_PROGRAMME)
    add_contacts(event, VANTAA_CONTACTS)
    db.session.add(event)
    db.session.flush()
    # As every event made in the editor has.
    add_default_form(event)
    return True


def ensure_espoo_webinar(series: Series, today: date) -> bool:
    """Create the past Espoo webinar with its registrations and feedback unless it exists."""
    if find_by_slug(Event, ESPOO_WEBINAR_SLUG) is not None:
        return False
    day = past_webinar_day(today)
    event = Event(
        slug=ESPOO_WEBINAR_SLUG,
        series=series,
        host_municipality_code="049",
        status="published",
        starts_at=helsinki_time(day, "09:00"),
        ends_at=helsinki_time(day, "11:30"),
        registration_opens_at=helsinki_time(day - timedelta(days=35), "09:00"),
        registration_closes_at=helsinki_time(day - timedelta(days=1), "16:00"),
        **ESPOO_WEBINAR,
    )
    add_programme(event, day, ESPOO_PROGRAMME)
    add_contacts(event, ESPOO_CONTACTS)
    db.session.add(event)
    db.session.flush()
    # A fixed seed keeps the demo's registrations and answers the same on every machine.
    rng = random.Random(ESPOO_WEBINAR_SLUG)
    registrations = add_past_registrations(event, rng)
    add_feedback(event, registrations, rng)
    return True


def add_programme(event: Event, day: date, programme: list) -> None:
    """Give the event its programme items and their speakers, in order."""
    for position, (clock, kind, (title_fi, title_sv, title_en), speakers) in enumerate(programme):
        event.programme.append(
            ProgrammeItem(
                position=position,
                starts_at=helsinki_time(day, clock),
                kind=kind,
                title_fi=title_fi,
                title_sv=title_sv,
                title_en=title_en,
                speakers=[
                    Speaker(position=index, name=name, title=title, organization=organization)
                    for index, (name, title, organization) in enumerate(speakers)
                ],
            )
        )


def add_contacts(event: Event, contacts: list) -> None:
    """Give the event its contact persons, in order."""
    for position, (name, title, organization, email, phone) in enumerate(contacts):
        event.contacts.append(
            ContactPerson(
                position=position, name=name, title=title, organization=organization, email=email, phone=phone
            )
        )


def demo_email(first_name: str, last_name: str) -> str:
    """A made-up address at example.org, with ä, ö and å written as a, o and a."""
    ascii_name = unicodedata.normalize("NFKD", f"{first_name}.{last_name}").encode("ascii", "ignore").decode()
    return f"{ascii_name.lower()}@example.org"


def add_past_registrations(event: Event, rng: random.Random) -> list[Registration]:
    """Sign up the demo registrants in the weeks before the event, with their attendance known."""
    consent_version = current_app.config["PRIVACY_NOTICE_VERSION"]
    registrations = []
    for index, registrant in enumerate(ESPOO_REGISTRANTS):
        first, last, code, organization, job_title, language, attended = registrant
        signed_up_at = event.starts_at - timedelta(days=rng.randint(2, 30), minutes=rng.randint(0, 600))
        registration = Registration(
            event=event,
            email=demo_email(first, last),
            first_name=first,
            last_name=last,
            municipality_code=code,
            organization=organization,
            job_title=job_title,
            language=language,
            privacy_notice_version=consent_version,
            privacy_consented_at=signed_up_at,
            future_events_consent=index % 3 != 0,
            status="confirmed",
            attended=attended,
            created_at=signed_up_at,
            confirmed_at=signed_up_at,
        )
        # Derived from the app's secret like every real one, so the manage pages work in the demo.
        issue_manage_token(registration)
        db.session.add(registration)
        registrations.append(registration)
    db.session.flush()
    return registrations


# How the demo's respondents rate, as weights of each answer: mostly content, a few critical.
OVERALL_WEIGHTS = {5: 9, 4: 8, 3: 3, 2: 1}
NPS_WEIGHTS = {10: 8, 9: 9, 8: 7, 7: 4, 6: 3, 5: 2, 4: 1, 2: 1}
# Each rated programme item's ratings lean its own way (in programme order; the panel does best).
ITEM_WEIGHTS = [{5: 3, 4: 5, 3: 2}, {5: 6, 4: 4, 3: 1}, {5: 4, 4: 5, 3: 2, 2: 1}, {5: 5, 4: 4, 3: 2},
                {5: 8, 4: 3, 3: 1}, {5: 2, 4: 5, 3: 3}]
# How often a respondent writes something in each free-text question, in order.
TEXT_ANSWER_RATES = (0.8, 0.6, 0.7)


def weighted(rng: random.Random, weights: dict[int, int]) -> int:
    """A value drawn with the given weights."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def add_feedback(event: Event, registrations: list[Registration], rng: random.Random) -> None:
    """Give the event the default survey plus two questions of its own, answered by most attendees and a few through the public link."""
    extra = tuple(
        QuestionDetails(kind=kind, text_fi=fi, text_sv=sv, text_en=en, options=tuple(option(*o) for o in options))
        for kind, (fi, sv, en), options in ESPOO_EXTRA_QUESTIONS
    )
    form = new_form(event, default_settings(event), DEFAULT_QUESTIONS + extra)
    rated_items = rated_programme_items(event)
    attendees = [registration for registration in registrations if registration.attended == "yes"]
    respondents = [(registration, registration.language) for registration in attendees[:FEEDBACK_RESPONDENTS]]
    respondents += [(None, rng.choice(["fi", "fi", "sv"])) for _ in range(PUBLIC_LINK_RESPONSES)]
    # Each language's answers to a question come round in a shuffled order, so that repeats are far apart.
    pools = {language: [cycle(rng.sample(pool, len(pool))) for pool in texts]
             for language, texts in FEEDBACK_TEXTS.items()}
    for registration, language in respondents:
        answered_at = event.ends_at + timedelta(hours=rng.randint(1, 72), minutes=rng.randint(0, 59))
        response = FeedbackResponse(
            form=form,
            registration=registration,
            municipality_code=registration.municipality_code if registration else None,
            via_public_link=registration is None,
            created_at=answered_at,
            updated_at=answered_at,
        )
        texts = iter(zip(pools[language], TEXT_ANSWER_RATES, strict=True))
        for question in form.questions:
            response.answers.extend(demo_answers(question, rated_items, texts, rng))
        db.session.add(response)
    db.session.flush()


def demo_answers(question: FeedbackQuestion, rated_items: list[ProgrammeItem], texts, rng: random.Random) -> list[FeedbackAnswer]:
    """One respondent's plausible answers to a question; `texts` gives each free-text question's answers and answer rate in turn."""
    if question.kind == "rating":
        return [FeedbackAnswer(question=question, value_int=weighted(rng, OVERALL_WEIGHTS))]
    if question.kind == "nps":
        return [FeedbackAnswer(question=question, value_int=weighted(rng, NPS_WEIGHTS))]
    if question.kind == "programme_rating":
        # Some skip an item they missed.
        return [
            FeedbackAnswer(question=question, programme_item=item,
                           value_int=weighted(rng, ITEM_WEIGHTS[index % len(ITEM_WEIGHTS)]))
            for index, item in enumerate(rated_items) if rng.random() < 0.9
        ]
    if question.kind == "single_choice":
        return [FeedbackAnswer(question=question, choices=[weighted(rng, {0: 5, 1: 3, 2: 2, 3: 1})])]
    if question.kind == "multiple_choice":
        picked = rng.sample(range(len(question.options)), k=rng.randint(1, 3))
        return [FeedbackAnswer(question=question, choices=sorted(picked))]
    pool, rate = next(texts)
    if rng.random() < rate:
        return [FeedbackAnswer(question=question, value_text=next(pool))]
    return []


def ensure_demo_organizer() -> bool:
    """Create the development admin with the published demo password unless it exists."""
    if find_organizer(DEMO_ORGANIZER_EMAIL) is not None:
        return False
    create_organizer(DEMO_ORGANIZER_EMAIL, "Kuntatutor-ylläpitäjä", DEMO_ORGANIZER_PASSWORD, role="admin")
    return True
