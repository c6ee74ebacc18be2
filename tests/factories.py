"""Small factories for the domain objects tests need."""

from datetime import timedelta
from itertools import count

from app.extensions import db
from app.models import Event, Municipality, Registration, Series
from app.models.types import utcnow
from app.services.tokens import issue_manage_token

_sequence = count(1)


def make_municipality(code: str = "092", name_fi: str = "Vantaa", name_sv: str = "Vanda") -> Municipality:
    """A municipality, reused if it exists already."""
    municipality = db.session.get(Municipality, code)
    if municipality is None:
        municipality = Municipality(code=code, name_fi=name_fi, name_sv=name_sv, bilingual=True)
        db.session.add(municipality)
        db.session.flush()
    return municipality


def make_series(**fields) -> Series:
    """The Kuntatutor series, or a series with the given fields."""
    n = next(_sequence)
    values = {"slug": f"series-{n}", "name_fi": f"Sarja {n}", "description_fi": "Kuvaus"}
    values.update(fields)
    series = Series(**values)
    db.session.add(series)
    db.session.flush()
    return series


def make_event(**fields) -> Event:
    """A published event two weeks from now, lasting three hours, unless told otherwise."""
    n = next(_sequence)
    starts_at = fields.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=14))
    values = {
        "slug": f"webinar-{n}",
        "title_fi": f"Webinaari {n}",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=3),
        "status": "published",
        "capacity": 100,
        "join_url": "https://meet.example.org/j/123",
    }
    values.update(fields)
    if "series" not in values and "series_id" not in values:
        values["series"] = make_series()
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    return event


def make_registration(event: Event, **fields) -> Registration:
    """A confirmed registration for the event from Vantaa."""
    n = next(_sequence)
    values = {
        "event": event,
        "email": f"person{n}@example.org",
        "first_name": "Aino",
        "last_name": f"Virtanen{n}",
        "language": "fi",
        "privacy_notice_version": "2026-11",
        "privacy_consented_at": utcnow(),
        "status": "confirmed",
    }
    if "organization" not in fields and "municipality_code" not in fields:
        values["municipality"] = make_municipality()
    values.update(fields)
    if values["status"] in ("confirmed", "cancelled"):
        # A seat, as register() and promote_waitlist() record it (a cancelled one had one, unless told
        # otherwise): the mails read it to know who has an invite in their calendar.
        values.setdefault("confirmed_at", values["privacy_consented_at"])
    registration = Registration(**values)
    if "manage_token_hash" not in fields:
        issue_manage_token(registration)
    db.session.add(registration)
    db.session.flush()
    return registration


# --- Feedback surveys (appended by fbanswer) ---

from app.models import FeedbackForm, FeedbackQuestion  # noqa: E402

SURVEY_OPTIONS = [
    {"fi": "Kunnan verkkosivut", "sv": "Kommunens webbplats", "en": "The municipality's website"},
    {"fi": "Sähköposti", "sv": "E-post", "en": "Email"},
    {"fi": "Kollega", "sv": "En kollega", "en": "A colleague"},
]


def make_feedback_form(event: Event, *, required: bool = True, **fields) -> FeedbackForm:
    """An open form (from an hour ago to two weeks ahead) with one question of each kind, all required unless told."""
    values = {"opens_at": utcnow() - timedelta(hours=1), "closes_at": utcnow() + timedelta(days=14)}
    values.update(fields)
    form = FeedbackForm(event=event, **values)
    questions = [
        ("rating", "Kokonaisarvio webinaarista", "Helhetsbedömning av webbinariet", None),
        ("nps", "Kuinka todennäköisesti suosittelisit webinaareja kollegallesi?",
         "Hur sannolikt är det att du skulle rekommendera webbinarierna till en kollega?", None),
        ("programme_rating", "Arvioi ohjelman osat", "Bedöm programpunkterna", None),
        ("single_choice", "Mistä kuulit webinaarista?", "Var hörde du om webbinariet?", SURVEY_OPTIONS),
        ("multiple_choice", "Mitkä aiheet kiinnostavat?", "Vilka teman intresserar dig?", SURVEY_OPTIONS),
        ("text", "Mikä oli hyödyllisintä?", "Vad var mest nyttigt?", None),
    ]
    for position, (kind, text_fi, text_sv, options) in enumerate(questions):
        form.questions.append(FeedbackQuestion(position=position, kind=kind, text_fi=text_fi, text_sv=text_sv,
                                               options=options, required=required))
    db.session.add(form)
    db.session.flush()
    return form


# --- Feedback responses (appended by the results helper) ---

from app.models import FeedbackAnswer, FeedbackResponse  # noqa: E402


def make_feedback_response(form: FeedbackForm, answers: dict, *, registration: Registration | None = None,
                           municipality_code: str | None = None, via_public_link: bool = False,
                           created_at=None) -> FeedbackResponse:
    """A response with its answers: {question: value} where the value is an int, a text, a list of option
    places, or for a programme rating {programme item: rating}. The municipality is the registration's unless given."""
    if municipality_code is None and registration is not None:
        municipality_code = registration.municipality_code
    moment = created_at or utcnow()
    response = FeedbackResponse(form=form, registration=registration, municipality_code=municipality_code,
                                via_public_link=via_public_link, created_at=moment, updated_at=moment)
    for question, value in answers.items():
        if isinstance(value, dict):
            response.answers.extend(FeedbackAnswer(question=question, programme_item=item, value_int=rating)
                                    for item, rating in value.items())
        elif isinstance(value, list):
            response.answers.append(FeedbackAnswer(question=question, choices=value))
        elif isinstance(value, str):
            response.answers.append(FeedbackAnswer(question=question, value_text=value))
        else:
            response.answers.append(FeedbackAnswer(question=question, value_int=value))
    db.session.add(response)
    db.session.flush()
    return response
