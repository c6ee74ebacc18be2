"""Feedback results: what an event's survey answers add up to, for its organizers and across a series.

What counts, the same on the page and in the tests:
- the overall rating is the form's first 1-5 rating question, NPS its first 0-10 question;
- NPS is the share of promoters (9-10) minus the share of detractors (0-6), in whole points
  from -100 to 100; passives (7-8) count in the number answered only;
- the response rate is of registered people: the responses not given through the public link,
  of the attendees when the event's attendance is known (anyone marked attended or not), else
  of its confirmed registrations; a purged registration's response still counts;
- answers through the public link are counted apart, and the results can be read for all
  answers, the registered people's or the public link's;
- the breakdown by municipality reads the registered people's answers only, whatever the results
  are read from, so that comparing the choices cannot single out a hidden group;
- no figure of a municipality is shown for fewer than MIN_GROUP responses or answers: such
  municipalities, other organizations and answers without a municipality are put together in one
  row. As that row's figures are the total less the rows shown, it must itself be empty or reach
  MIN_GROUP: the smallest municipalities shown join it until it does, and without any municipality
  left there is no breakdown. The answers file names the same municipalities and no others;
- nothing shows the order in which people answered: free-text answers are listed alphabetically
  and the answers file is sorted by its own contents. Free-text answers carry no name.

Every statistic is a grouped query over the answers; no answer is loaded as an object.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, String, and_, case, cast, func, select

from app.extensions import db
from app.models import (
    Event,
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    Municipality,
    ProgrammeItem,
    Registration,
    Series,
)
from app.models.types import utcnow
from app.services.alphabet import nordic_order
from app.services.feedback_forms import option_text, rated_programme_items

# The smallest group of responses whose figures are shown: fewer could point at a person.
MIN_GROUP = 3
RATING_SCALE = range(1, 6)
NPS_SCALE = range(0, 11)
PROMOTER_FROM, DETRACTOR_UP_TO = 9, 6
# Whose answers the results are read from.
THROUGH = ("all", "registration", "public_link")
# A free-text answer about topics may name several: "Tietoturva, saavutettavuus; mittarit".
TOPIC_SEPARATORS = re.compile(r"[,;\n]+|\s+[-–]\s+")
MOST_REQUESTED_TOPICS = 10


def whole_points(value: float) -> int:
    """A figure rounded to a whole number, halves away from zero as people round."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Tally:
    """How many gave one value or chose one option, of how many answered the question."""

    label: str
    count: int
    answered: int

    @property
    def share(self) -> float:
        """The count as a share (0-1) of those who answered."""
        return self.count / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Rating:
    """How many gave a numeric answer and their sum: the average with its n."""

    answered: int = 0
    total: int = 0

    @property
    def average(self) -> float | None:
        """The mean answer, or None when nobody answered."""
        return self.total / self.answered if self.answered else None

    def __add__(self, other: "Rating") -> "Rating":
        return Rating(self.answered + other.answered, self.total + other.total)

    @classmethod
    def of(cls, counts: dict[int, int]) -> "Rating":
        """The rating of answers counted by value."""
        return cls(sum(counts.values()), sum(value * count for value, count in counts.items()))


@dataclass(frozen=True)
class Nps:
    """The Net Promoter Score of some 0-10 answers, with its three groups."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def answered(self) -> int:
        """How many answered."""
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """Promoters' share minus detractors' share in whole points (-100 to 100), or None without answers."""
        if not self.answered:
            return None
        return whole_points(100 * (self.promoters - self.detractors) / self.answered)

    def share(self, group: str) -> float:
        """The share (0-1) of one group ("promoters", "passives", "detractors") of those who answered."""
        return getattr(self, group) / self.answered if self.answered else 0.0

    def __add__(self, other: "Nps") -> "Nps":
        return Nps(self.promoters + other.promoters, self.passives + other.passives, self.detractors + other.detractors)

    @classmethod
    def of(cls, counts: dict[int, int]) -> "Nps":
        """The NPS of answers counted by value."""
        return cls(
            promoters=sum(n for value, n in counts.items() if value >= PROMOTER_FROM),
            passives=sum(n for value, n in counts.items() if DETRACTOR_UP_TO < value < PROMOTER_FROM),
            detractors=sum(n for value, n in counts.items() if value <= DETRACTOR_UP_TO),
        )


NPS_GROUPS = ("promoters", "passives", "detractors")


@dataclass(frozen=True)
class ItemRating:
    """The ratings of one programme item."""

    item: ProgrammeItem
    title: str
    rating: Rating
    tallies: list[Tally]


@dataclass(frozen=True)
class QuestionResult:
    """One question's results: the distribution, n answered and, by kind, the average, NPS, item ranking or texts."""

    question: FeedbackQuestion
    text: str
    answered: int
    tallies: list[Tally] = field(default_factory=list)
    rating: Rating | None = None
    nps: Nps | None = None
    # Programme items by average rating, the best first.
    items: list[ItemRating] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GroupFigures:
    """The overall rating and NPS of a group of responses; `shown` is False below MIN_GROUP responses."""

    responses: int
    rating: Rating
    nps: Nps

    def __add__(self, other: "GroupFigures") -> "GroupFigures":
        return GroupFigures(self.responses + other.responses, self.rating + other.rating, self.nps + other.nps)

    @property
    def shown(self) -> bool:
        """Whether the group is large enough for its figures to be shown."""
        return self.responses >= MIN_GROUP

    @property
    def too_small(self) -> bool:
        """Whether some count of the group is above nought but below MIN_GROUP, so its figures could point at a person."""
        return any(0 < count < MIN_GROUP for count in (self.responses, self.rating.answered, self.nps.answered))

    @property
    def rating_shown(self) -> bool:
        """Whether the average rating rests on enough answers to be shown."""
        return self.shown and self.rating.answered >= MIN_GROUP

    @property
    def nps_shown(self) -> bool:
        """Whether the NPS rests on enough answers to be shown."""
        return self.shown and self.nps.answered >= MIN_GROUP


@dataclass(frozen=True)
class MunicipalityRow:
    """A municipality's figures; a row without a code is everyone in groups too small to show on their own."""

    code: str | None
    name: str | None
    figures: GroupFigures


@dataclass(frozen=True)
class ResponseRate:
    """Registered people's responses of the attendees (`basis` "attended") or of confirmed registrations ("confirmed")."""

    responses: int
    of: int
    basis: str

    @property
    def rate(self) -> float | None:
        """The responses as a share of the base, or None when there is no one to answer."""
        return self.responses / self.of if self.of else None


@dataclass(frozen=True)
class FeedbackResults:
    """An event's survey results, read from the answers `through` says (THROUGH)."""

    form: FeedbackForm
    through: str
    registered_responses: int
    public_responses: int
    response_rate: ResponseRate
    responses: int
    questions: list[QuestionResult]
    overall: QuestionResult | None
    nps: QuestionResult | None
    municipalities: list[MunicipalityRow]
    others: MunicipalityRow | None


def responses_of(form_id: int, through: str = "all") -> Select:
    """The ids of the form's responses given through the registration, the public link or either."""
    query = select(FeedbackResponse.id).where(FeedbackResponse.form_id == form_id)
    if through == "registration":
        return query.where(FeedbackResponse.via_public_link.is_(False))
    if through == "public_link":
        return query.where(FeedbackResponse.via_public_link.is_(True))
    if through != "all":
        raise ValueError(f"Unknown answers {through!r}")
    return query


def response_counts(form_id: int) -> tuple[int, int]:
    """How many responses the form has from registered people, and through the public link."""
    rows = db.session.execute(
        select(FeedbackResponse.via_public_link, func.count())
        .where(FeedbackResponse.form_id == form_id)
        .group_by(FeedbackResponse.via_public_link)
    )
    counts = {bool(public): count for public, count in rows}
    return counts.get(False, 0), counts.get(True, 0)


def response_rate(event_id: int, responses: int) -> ResponseRate:
    """The registered responses of the attendees when attendance is known, else of confirmed registrations."""
    attended, known, confirmed = db.session.execute(
        select(
            func.count().filter(Registration.attended == "yes"),
            func.count().filter(Registration.attended != "unknown"),
            func.count().filter(Registration.status == "confirmed"),
        ).where(Registration.event_id == event_id)
    ).one()
    if known:
        return ResponseRate(responses, attended, "attended")
    return ResponseRate(responses, confirmed, "confirmed")


def value_counts(response_ids: Select) -> dict[tuple[int, int | None], dict[int, int]]:
    """Numeric answers counted by value, per (question id, programme item id or None)."""
    rows = db.session.execute(
        select(FeedbackAnswer.question_id, FeedbackAnswer.programme_item_id, FeedbackAnswer.value_int, func.count())
        .where(FeedbackAnswer.response_id.in_(response_ids), FeedbackAnswer.value_int.is_not(None))
        .group_by(FeedbackAnswer.question_id, FeedbackAnswer.programme_item_id, FeedbackAnswer.value_int)
    )
    counts: dict[tuple[int, int | None], dict[int, int]] = {}
    for question_id, item_id, value, count in rows:
        counts.setdefault((question_id, item_id), {})[value] = count
    return counts


def choice_counts(response_ids: Select, question_ids: list[int]) -> dict[int, tuple[int, Counter]]:
    """Per choice question: how many answered it, and how many chose each option (by its place)."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(FeedbackAnswer.question_id, FeedbackAnswer.choices)
        .where(FeedbackAnswer.response_id.in_(response_ids), FeedbackAnswer.question_id.in_(question_ids))
    )
    counts: dict[int, tuple[int, Counter]] = {}
    for question_id, choices in rows:
        if not choices:
            continue
        answered, chosen = counts.setdefault(question_id, (0, Counter()))
        chosen.update(set(choices))
        counts[question_id] = (answered + 1, chosen)
    return counts


def text_answers(response_ids: Select, question_ids: list[int]) -> dict[int, list[str]]:
    """Per text question its answers in alphabetical order, which tells neither who wrote them nor when."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(FeedbackAnswer.question_id, FeedbackAnswer.value_text)
        .where(FeedbackAnswer.response_id.in_(response_ids), FeedbackAnswer.question_id.in_(question_ids),
               func.length(func.trim(FeedbackAnswer.value_text)) > 0)
    )
    texts: dict[int, list[str]] = {}
    for question_id, text in rows:
        texts.setdefault(question_id, []).append(text.strip())
    return {question_id: sorted(answers, key=lambda text: (nordic_order(text), text))
            for question_id, answers in texts.items()}


def scale_tallies(counts: dict[int, int], scale: range) -> list[Tally]:
    """A tally for every point of the scale, the ones nobody gave too."""
    answered = sum(counts.values())
    return [Tally(str(value), counts.get(value, 0), answered) for value in scale]


def headline_question(questions: list[FeedbackQuestion], purpose: str, kind: str) -> FeedbackQuestion | None:
    """The question asked for the purpose (the overall rating, the recommendation), else the form's first of the kind."""
    return (next((question for question in questions if question.purpose == purpose), None)
            or next((question for question in questions if question.kind == kind), None))


def headlines(questions: list[FeedbackQuestion]) -> tuple[FeedbackQuestion | None, FeedbackQuestion | None]:
    """The form's overall rating question and its recommendation (NPS) question."""
    return headline_question(questions, "overall", "rating"), headline_question(questions, "recommendation", "nps")


def item_ranking(question: FeedbackQuestion, items: list[ProgrammeItem], counts: dict, language: str) -> list[ItemRating]:
    """The programme items' ratings, the best average first; unrated items last, in programme order."""
    ratings = [
        ItemRating(item, item.localized("title", language), Rating.of(counts.get((question.id, item.id), {})),
                   scale_tallies(counts.get((question.id, item.id), {}), RATING_SCALE))
        for item in items
    ]
    return sorted(ratings, key=lambda rating: (rating.rating.average is None, -(rating.rating.average or 0),
                                               -rating.rating.answered, rating.item.position))


@dataclass(frozen=True)
class Counted:
    """The grouped counts of some responses' answers, which the questions' results are read from."""

    values: dict[tuple[int, int | None], dict[int, int]]
    choices: dict[int, tuple[int, Counter]]
    texts: dict[int, list[str]]
    # Per programme-rating question, how many responses rated at least one item.
    item_raters: dict[int, int]


def item_raters(response_ids: Select, question_ids: list[int]) -> dict[int, int]:
    """Per programme-rating question, how many of the responses rated at least one item."""
    if not question_ids:
        return {}
    return dict(db.session.execute(
        select(FeedbackAnswer.question_id, func.count(func.distinct(FeedbackAnswer.response_id)))
        .where(FeedbackAnswer.response_id.in_(response_ids), FeedbackAnswer.question_id.in_(question_ids),
               FeedbackAnswer.value_int.is_not(None))
        .group_by(FeedbackAnswer.question_id)
    ).all())


def count_answers(response_ids: Select, questions: list[FeedbackQuestion]) -> Counted:
    """Every count the questions' results need, in one query per kind of answer."""
    def ids(*kinds: str) -> list[int]:
        return [question.id for question in questions if question.kind in kinds]

    return Counted(
        values=value_counts(response_ids),
        choices=choice_counts(response_ids, ids("single_choice", "multiple_choice")),
        texts=text_answers(response_ids, ids("text")),
        item_raters=item_raters(response_ids, ids("programme_rating")),
    )


def question_result(question: FeedbackQuestion, language: str, counted: Counted,
                    items: list[ProgrammeItem]) -> QuestionResult:
    """One question's results from the grouped counts."""
    text = question.localized("text", language)
    if question.kind in ("rating", "nps"):
        counts = counted.values.get((question.id, None), {})
        rating = Rating.of(counts)
        scale = RATING_SCALE if question.kind == "rating" else NPS_SCALE
        nps = Nps.of(counts) if question.kind == "nps" else None
        return QuestionResult(question, text, rating.answered, scale_tallies(counts, scale), rating, nps)
    if question.kind in ("single_choice", "multiple_choice"):
        answered, chosen = counted.choices.get(question.id, (0, Counter()))
        tallies = [Tally(option_text(option, language), chosen.get(index, 0), answered)
                   for index, option in enumerate(question.options or ())]
        return QuestionResult(question, text, answered, tallies)
    if question.kind == "programme_rating":
        ranking = item_ranking(question, items, counted.values, language)
        return QuestionResult(question, text, counted.item_raters.get(question.id, 0), items=ranking)
    answers = counted.texts.get(question.id, [])
    return QuestionResult(question, text, len(answers), texts=answers)


def municipality_figures(form_id: int, overall: FeedbackQuestion | None,
                         nps: FeedbackQuestion | None) -> dict[str | None, GroupFigures]:
    """The overall rating and NPS of the registered people's responses per municipality code (None: without one)."""
    response_ids = responses_of(form_id, "registration")
    groups = dict(db.session.execute(
        select(FeedbackResponse.municipality_code, func.count())
        .where(FeedbackResponse.id.in_(response_ids))
        .group_by(FeedbackResponse.municipality_code)
    ).all())
    question_ids = [question.id for question in (overall, nps) if question is not None]
    values: dict[tuple[str | None, int], dict[int, int]] = {}
    if groups and question_ids:
        rows = db.session.execute(
            select(FeedbackResponse.municipality_code, FeedbackAnswer.question_id, FeedbackAnswer.value_int,
                   func.count())
            .join(FeedbackResponse, FeedbackResponse.id == FeedbackAnswer.response_id)
            .where(FeedbackAnswer.response_id.in_(response_ids), FeedbackAnswer.question_id.in_(question_ids),
                   FeedbackAnswer.programme_item_id.is_(None), FeedbackAnswer.value_int.is_not(None))
            .group_by(FeedbackResponse.municipality_code, FeedbackAnswer.question_id, FeedbackAnswer.value_int)
        )
        for code, question_id, value, count in rows:
            values.setdefault((code, question_id), {})[value] = count

    def counted(code: str | None, question: FeedbackQuestion | None) -> dict[int, int]:
        return values.get((code, question.id), {}) if question is not None else {}

    return {code: GroupFigures(count, Rating.of(counted(code, overall)), Nps.of(counted(code, nps)))
            for code, count in groups.items()}


def combined(figures: list[GroupFigures]) -> GroupFigures:
    """The figures of groups of responses put together."""
    return sum(figures, GroupFigures(0, Rating(), Nps()))


def shown_municipalities(by_code: dict[str | None, GroupFigures]) -> list[str]:
    """The municipalities whose figures are shown on their own; everyone else is counted together.

    A municipality is shown when none of its counts is under MIN_GROUP. Everyone else together
    must then be empty or reach MIN_GROUP too, as their figures are the total less the rows
    shown: the smallest municipality shown joins them until they do. None is shown when that
    cannot be reached.
    """
    shown = sorted(
        (code for code, figures in by_code.items() if code is not None and not figures.too_small),
        key=lambda code: (by_code[code].responses, by_code[code].rating.answered, by_code[code].nps.answered, code),
    )
    while shown:
        if not combined([figures for code, figures in by_code.items() if code not in shown]).too_small:
            return shown
        shown.pop(0)
    return []


def municipality_breakdown(form_id: int, overall: FeedbackQuestion | None, nps: FeedbackQuestion | None,
                           language: str) -> tuple[list[MunicipalityRow], MunicipalityRow | None]:
    """The overall rating and NPS per municipality shown (see shown_municipalities), and everyone else together.

    Registered people's responses only, whose answers the results are read from: the public link's
    answers have no municipality, and with them the "others" row would differ between the choices by
    exactly the hidden registered people's figures. No rows at all when no municipality can be shown.
    """
    by_code = municipality_figures(form_id, overall, nps)
    shown = shown_municipalities(by_code)
    if not shown:
        return [], None
    name_column = Municipality.name_sv if language == "sv" else Municipality.name_fi
    names = dict(db.session.execute(
        select(Municipality.code, name_column).where(Municipality.code.in_(shown))
    ).all())
    rows = sorted((MunicipalityRow(code, names.get(code, code), by_code[code]) for code in shown),
                  key=lambda row: nordic_order(row.name))
    rest = [figures for code, figures in by_code.items() if code not in shown]
    return rows, MunicipalityRow(None, None, combined(rest)) if rest else None


def feedback_results(event: Event, language: str, through: str = "all") -> FeedbackResults | None:
    """The results of the event's survey in the language, from the answers `through` names; None without a survey."""
    form = db.session.execute(select(FeedbackForm).where(FeedbackForm.event_id == event.id)).scalar_one_or_none()
    if form is None:
        return None
    response_ids = responses_of(form.id, through)
    registered, public = response_counts(form.id)
    questions = list(form.questions)
    counted = count_answers(response_ids, questions)
    items = rated_programme_items(event)
    results = [question_result(question, language, counted, items) for question in questions]
    overall, nps = headlines(questions)
    municipalities, others = municipality_breakdown(form.id, overall, nps, language)
    by_question = {result.question.id: result for result in results}
    return FeedbackResults(
        form=form,
        through=through,
        registered_responses=registered,
        public_responses=public,
        response_rate=response_rate(event.id, registered),
        responses={"all": registered + public, "registration": registered, "public_link": public}[through],
        questions=results,
        overall=by_question.get(overall.id) if overall else None,
        nps=by_question.get(nps.id) if nps else None,
        municipalities=municipalities,
        others=others,
    )


@dataclass(frozen=True)
class EventFeedback:
    """One event's line on the series page: its responses, overall rating and NPS."""

    event: Event
    responses: int
    rating: Rating
    nps: Nps


@dataclass(frozen=True)
class TopicCount:
    """A topic asked for in future webinars, and in how many answers."""

    topic: str
    count: int


@dataclass(frozen=True)
class SeriesFeedback:
    """A series' feedback over time, the earliest event first, and the future topics asked for most."""

    events: list[EventFeedback]
    topics: list[TopicCount]
    # How many answers to the questions about future topics the topics come from.
    topic_answers: int


def is_topics_question(question: FeedbackQuestion) -> bool:
    """Whether the question asks which topics future webinars should cover, however it is worded."""
    return question.purpose == "future_topics"


def topics_named(answer: str) -> list[str]:
    """The topics a free-text answer names, split at commas, semicolons, line breaks and dashes."""
    parts = (part.strip(" \t.!?:\"'()") for part in TOPIC_SEPARATORS.split(answer))
    return [part for part in parts if part]


def most_requested(answers: list[list[str]]) -> list[TopicCount]:
    """The topics named in most answers (an answer counts once per topic, letter case aside), with the first wording seen."""
    counts: Counter = Counter()
    wording: dict[str, str] = {}
    for topics in answers:
        keys = set()
        for topic in topics:
            key = " ".join(topic.casefold().split())
            wording.setdefault(key, topic[:1].upper() + topic[1:])
            keys.add(key)
        counts.update(keys)
    ranked = sorted(counts.items(), key=lambda key_count: (-key_count[1], nordic_order(wording[key_count[0]])))
    return [TopicCount(wording[key], count) for key, count in ranked[:MOST_REQUESTED_TOPICS]]


def feedback_events(series: Series, now: datetime) -> list[tuple[Event, int]]:
    """The series' published events that have started and have a survey, with their form's id, the earliest first."""
    return list(db.session.execute(
        select(Event, FeedbackForm.id)
        .join(FeedbackForm, FeedbackForm.event_id == Event.id)
        .where(Event.series_id == series.id, Event.status == "published", Event.starts_at <= now)
        .order_by(Event.starts_at, Event.id)
    ).tuples())


def series_feedback(series: Series, language: str, now: datetime | None = None) -> SeriesFeedback:
    """The overall rating and NPS of each event of the series that has taken place, and the topics asked for most."""
    events = feedback_events(series, now or utcnow())
    form_ids = [form_id for _event, form_id in events]
    if not form_ids:
        return SeriesFeedback([], [], 0)
    questions = db.session.execute(
        select(FeedbackQuestion).where(FeedbackQuestion.form_id.in_(form_ids))
        .order_by(FeedbackQuestion.form_id, FeedbackQuestion.position)
    ).scalars().all()
    by_form: dict[int, list[FeedbackQuestion]] = {}
    for question in questions:
        by_form.setdefault(question.form_id, []).append(question)
    overall, nps = {}, {}
    for form_id, asked in by_form.items():
        for found, question in zip((overall, nps), headlines(asked), strict=True):
            if question is not None:
                found[form_id] = question.id
    responses = dict(db.session.execute(
        select(FeedbackResponse.form_id, func.count())
        .where(FeedbackResponse.form_id.in_(form_ids)).group_by(FeedbackResponse.form_id)
    ).all())
    values: dict[int, dict[int, int]] = {}
    for question_id, value, count in db.session.execute(
        select(FeedbackAnswer.question_id, FeedbackAnswer.value_int, func.count())
        .where(FeedbackAnswer.question_id.in_([*overall.values(), *nps.values()]),
               FeedbackAnswer.programme_item_id.is_(None), FeedbackAnswer.value_int.is_not(None))
        .group_by(FeedbackAnswer.question_id, FeedbackAnswer.value_int)
    ):
        values.setdefault(question_id, {})[value] = count
    lines = [
        EventFeedback(event, responses.get(form_id, 0), Rating.of(values.get(overall.get(form_id), {})),
                      Nps.of(values.get(nps.get(form_id), {})))
        for event, form_id in events
    ]
    topic_answers = future_topic_answers([question for question in questions if is_topics_question(question)],
                                         language)
    return SeriesFeedback(lines, most_requested(topic_answers), len(topic_answers))


def future_topic_answers(questions: list[FeedbackQuestion], language: str) -> list[list[str]]:
    """Each answer about future topics as the topics it names: a free text split up, or the options chosen."""
    if not questions:
        return []
    by_id = {question.id: question for question in questions}
    answers = []
    for question_id, text, choices in db.session.execute(
        select(FeedbackAnswer.question_id, FeedbackAnswer.value_text, FeedbackAnswer.choices)
        .where(FeedbackAnswer.question_id.in_(by_id))
    ):
        options = by_id[question_id].options or []
        topics = topics_named(text or "") + [
            option_text(options[index], language) for index in choices or () if 0 <= index < len(options)
        ]
        if topics:
            answers.append(topics)
    return answers


@dataclass(frozen=True)
class ExportCell:
    """One answer column of the answers file: a question, and for programme ratings one of its items."""

    key: str
    question: FeedbackQuestion
    item: ProgrammeItem | None = None


@dataclass(frozen=True)
class AnswersExport:
    """The query of the answers file, one row per response, and its answer columns in the form's order.

    Each row has `via_public_link`, `municipality` (its name in the language when the results page
    shows it on its own, else None: counted with the others) and one value per cell's key: a number,
    a text, or the chosen options' places as JSON text. No name, email or registration, and nothing
    that tells when or in which order people answered: the rows are sorted by what they hold.
    """

    query: Select
    cells: list[ExportCell]


def answers_export(event: Event, language: str) -> AnswersExport | None:
    """The event's survey answers as a query with one row per response; None without a survey."""
    form = db.session.execute(select(FeedbackForm).where(FeedbackForm.event_id == event.id)).scalar_one_or_none()
    if form is None:
        return None
    items = rated_programme_items(event)
    questions = list(form.questions)
    cells: list[ExportCell] = []
    for question in questions:
        if question.kind == "programme_rating":
            cells += [ExportCell(f"a{len(cells) + n}", question, item) for n, item in enumerate(items)]
        else:
            cells.append(ExportCell(f"a{len(cells)}", question))
    stored = {"rating": FeedbackAnswer.value_int, "nps": FeedbackAnswer.value_int,
              "programme_rating": FeedbackAnswer.value_int, "text": FeedbackAnswer.value_text,
              "single_choice": cast(FeedbackAnswer.choices, String),
              "multiple_choice": cast(FeedbackAnswer.choices, String)}
    # One row per response: each answer column takes the value of the answer row that is its cell.
    answer_columns = [
        func.max(case((and_(FeedbackAnswer.question_id == cell.question.id,
                            FeedbackAnswer.programme_item_id == cell.item.id if cell.item
                            else FeedbackAnswer.programme_item_id.is_(None)),
                       stored[cell.question.kind]))).label(cell.key)
        for cell in cells
    ]
    shown = shown_municipalities(municipality_figures(form.id, *headlines(questions)))
    name = Municipality.name_sv if language == "sv" else Municipality.name_fi
    query = (
        select(FeedbackResponse.via_public_link, name.label("municipality"), *answer_columns)
        .outerjoin(FeedbackAnswer, FeedbackAnswer.response_id == FeedbackResponse.id)
        .outerjoin(Municipality, and_(Municipality.code == FeedbackResponse.municipality_code,
                                      Municipality.code.in_(shown)))
        .where(FeedbackResponse.form_id == form.id)
        .group_by(FeedbackResponse.id, FeedbackResponse.via_public_link, name)
        # By the rows' own contents: the same answers make the same file, whenever each came.
        .order_by(name.is_(None), name, FeedbackResponse.via_public_link, *answer_columns)
    )
    return AnswersExport(query, cells)


def chosen_options(options: list[dict], stored: str | None, language: str) -> str | None:
    """The options a stored choice answer (JSON text of their places) names, in the language, joined by "; "."""
    if not stored:
        return None
    return "; ".join(option_text(options[index], language) for index in json.loads(stored)
                     if 0 <= index < len(options)) or None
