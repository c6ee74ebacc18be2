"""Feedback results on known answers: NPS, averages, distributions, the programme ranking, the municipality
breakdown with small groups hidden, public-link answers apart, the response rate, the series over time and the
answers file's query."""

from datetime import timedelta

import pytest

from app.models import FeedbackQuestion, ProgrammeItem
from app.models.types import utcnow
from app.services.feedback_forms import add_default_form
from app.services.feedback_results import (
    MIN_GROUP,
    Nps,
    Rating,
    answers_export,
    chosen_options,
    feedback_results,
    most_requested,
    series_feedback,
    topics_named,
)
from app.services.retention import purge_expired
from tests.factories import (
    make_event,
    make_feedback_response,
    make_municipality,
    make_registration,
    make_series,
)

VANTAA, ESPOO, HELSINKI = "092", "049", "091"
OPTIONS = [{"fi": "Uutiskirje", "sv": "Nyhetsbrev", "en": "Newsletter"},
           {"fi": "Kollega", "sv": "Kollega", "en": "Colleague"},
           {"fi": "Intranet", "sv": "Intranät", "en": "Intranet"}]
# (municipality or organization, overall rating, NPS) of the registered people's responses.
REGISTERED_ANSWERS = [
    (VANTAA, 5, 10), (VANTAA, 4, 9), (VANTAA, 4, 7), (VANTAA, 3, 3),
    (ESPOO, 5, 10), (ESPOO, 5, 10), (ESPOO, 4, 6),
    (HELSINKI, 1, 0), (HELSINKI, 2, 2),
    (None, 3, 8),
]
# (overall rating, NPS) through the public link, without a municipality.
PUBLIC_ANSWERS = [(4, 9), (5, 9)]


class Survey:
    """An event with a programme, its default form plus two choice questions, and the answers above."""

    def __init__(self, db):
        make_municipality(VANTAA, "Vantaa", "Vanda")
        make_municipality(ESPOO, "Espoo", "Esbo")
        make_municipality(HELSINKI, "Helsinki", "Helsingfors")
        starts_at = utcnow().replace(microsecond=0) - timedelta(days=3)
        self.event = make_event(starts_at=starts_at, title_fi="Digituki kuntoon")
        titles = [("talk", "Avaus"), ("talk", "Kirjastot"), ("break", "Tauko"), ("panel", "Paneeli"), ("talk", "Loppusanat")]
        self.items = [ProgrammeItem(event=self.event, position=n, kind=kind, title_fi=title, title_sv=title + " SV")
                      for n, (kind, title) in enumerate(titles)]
        db.session.add_all(self.items)
        db.session.flush()
        self.form = add_default_form(self.event)
        self.overall, self.nps, self.programme, self.useful, self.practice, self.topics = self.form.questions
        self.single = FeedbackQuestion(position=6, kind="single_choice", text_fi="Mistä kuulit?", options=OPTIONS)
        self.multiple = FeedbackQuestion(position=7, kind="multiple_choice", text_fi="Mikä kiinnostaa?",
                                         options=OPTIONS)
        self.form.questions.extend([self.single, self.multiple])
        db.session.flush()
        opening, libraries, _break, panel, _closing = self.items
        # Programme ratings: libraries 5,5,4 (4.67); panel 4,5,4,5 (4.5 of 4); opening 5,4 (4.5 of 2); closing none.
        programme = [{opening: 5, libraries: 5, panel: 4}, {opening: 4, libraries: 5, panel: 5},
                     {libraries: 4, panel: 4}, {panel: 5}]
        singles, multiples = [[0], [0], [2]], [[0, 1], [1]]
        texts = ["Kirjastojen malli oli hyvä.", "   ", "=HYPERLINK(\"x\")", "Tack för ett bra webbinarium!"]
        self.registrations = []
        base = utcnow() - timedelta(days=2)
        for number, (code, overall, nps) in enumerate(REGISTERED_ANSWERS):
            place = {"municipality_code": code} if code else {"organization": "Digituki ry"}
            registration = make_registration(self.event, first_name="Salainen", last_name=f"Nimi{number}",
                                             email=f"salainen{number}@example.org", **place)
            answers = {self.overall: overall, self.nps: nps}
            if number < len(programme):
                answers[self.programme] = programme[number]
            if number < len(singles):
                answers[self.single] = singles[number]
            if number < len(multiples):
                answers[self.multiple] = multiples[number]
            if number < len(texts):
                answers[self.useful] = texts[number]
            make_feedback_response(self.form, answers, registration=registration,
                                   created_at=base + timedelta(minutes=number))
            self.registrations.append(registration)
        for number, (overall, nps) in enumerate(PUBLIC_ANSWERS):
            make_feedback_response(self.form, {self.overall: overall, self.nps: nps}, via_public_link=True,
                                   created_at=base + timedelta(hours=1, minutes=number))
        # Registered without answering: six confirmed, one waitlisted and one cancelled.
        for _ in range(6):
            make_registration(self.event, municipality_code=VANTAA)
        make_registration(self.event, municipality_code=VANTAA, status="waitlisted")
        make_registration(self.event, municipality_code=VANTAA, status="cancelled")
        db.session.commit()


@pytest.fixture
def survey(db):
    return Survey(db)


def test_nps_is_promoters_share_minus_detractors_share_in_whole_points():
    assert Nps(promoters=6, passives=2, detractors=4).score == 17  # 16.67
    assert Nps(promoters=0, passives=1, detractors=2).score == -67  # -66.67
    assert Nps(promoters=1, passives=0, detractors=1).score == 0
    assert Nps(promoters=1, passives=1, detractors=0).score == 50
    assert Nps(promoters=1, passives=7, detractors=0).score == 13  # 12.5 rounds up, as people round
    assert Nps(promoters=0, passives=7, detractors=1).score == -13
    assert Nps().score is None
    assert Nps.of({0: 1, 6: 2, 7: 3, 8: 4, 9: 5, 10: 6}) == Nps(promoters=11, passives=7, detractors=3)


def test_rating_average_and_n():
    assert Rating.of({5: 2, 4: 1, 1: 1}).average == pytest.approx(15 / 4)
    assert Rating.of({5: 2, 4: 1, 1: 1}).answered == 4
    assert Rating.of({}).average is None


def test_overall_rating_and_nps_of_all_answers(survey):
    results = feedback_results(survey.event, "fi")
    assert results.responses == 12
    assert results.overall.question == survey.overall
    assert results.overall.answered == 12
    assert results.overall.rating.average == pytest.approx(45 / 12)
    assert [(t.label, t.count) for t in results.overall.tallies] == [("1", 1), ("2", 1), ("3", 2), ("4", 4), ("5", 4)]
    assert results.overall.tallies[3].share == pytest.approx(4 / 12)
    nps = results.nps.nps
    assert (nps.promoters, nps.passives, nps.detractors, nps.score) == (6, 2, 4, 17)
    assert [t.count for t in results.nps.tallies] == [1, 0, 1, 1, 0, 0, 1, 1, 1, 3, 3]
    assert [t.label for t in results.nps.tallies] == [str(value) for value in range(11)]


def test_public_link_answers_are_counted_apart_and_can_be_read_alone(survey):
    results = feedback_results(survey.event, "fi")
    assert (results.registered_responses, results.public_responses) == (10, 2)

    registered = feedback_results(survey.event, "fi", through="registration")
    assert registered.responses == 10
    assert registered.overall.rating.average == pytest.approx(36 / 10)
    assert registered.nps.nps.score == 0
    assert (registered.registered_responses, registered.public_responses) == (10, 2)

    public = feedback_results(survey.event, "fi", through="public_link")
    assert public.responses == 2
    assert public.overall.rating.average == pytest.approx(4.5)
    assert public.nps.nps.score == 100
    assert public.questions[2].answered == 0  # nobody rated the programme through the public link

    with pytest.raises(ValueError):
        feedback_results(survey.event, "fi", through="everyone")


def test_response_rate_is_of_confirmed_registrations_until_attendance_is_known_then_of_attendees(survey, db):
    rate = feedback_results(survey.event, "fi").response_rate
    # Ten answered of the sixteen confirmed; waitlisted, cancelled and the public link's answers do not count.
    assert (rate.responses, rate.of, rate.basis) == (10, 16, "confirmed")
    assert rate.rate == pytest.approx(10 / 16)

    for registration in survey.registrations[:8]:
        registration.attended = "yes"
    survey.registrations[8].attended = "no"
    db.session.commit()
    rate = feedback_results(survey.event, "fi").response_rate
    assert (rate.responses, rate.of, rate.basis) == (10, 8, "attended")


def test_programme_items_are_ranked_by_average_then_by_how_many_rated_them(survey):
    results = feedback_results(survey.event, "sv")
    programme = results.questions[2]
    assert programme.question == survey.programme
    assert programme.answered == 4
    ranking = [(rating.title, rating.rating.answered, rating.rating.average) for rating in programme.items]
    assert ranking == [
        ("Kirjastot SV", 3, pytest.approx(14 / 3)),
        ("Paneeli SV", 4, pytest.approx(4.5)),
        ("Avaus SV", 2, pytest.approx(4.5)),
        ("Loppusanat SV", 0, None),
    ]
    # Breaks are not rated.
    assert "Tauko SV" not in [rating.title for rating in programme.items]
    assert [t.count for t in programme.items[1].tallies] == [0, 0, 0, 2, 2]


def test_choice_questions_count_each_option_of_those_who_answered(survey):
    results = feedback_results(survey.event, "sv")
    single, multiple = results.questions[6], results.questions[7]
    assert single.answered == 3
    assert [(t.label, t.count) for t in single.tallies] == [("Nyhetsbrev", 2), ("Kollega", 0), ("Intranät", 1)]
    assert multiple.answered == 2
    assert [(t.count, t.share) for t in multiple.tallies] == [(1, 0.5), (2, 1.0), (0, 0.0)]


def test_free_text_answers_are_listed_alphabetically_not_in_the_order_given_and_without_blanks(survey):
    useful = feedback_results(survey.event, "fi").questions[3]
    # Given in the order "Kirjastojen…", "   ", "=HYPERLINK…", "Tack…": the order would tie late answers to
    # the people the survey reminder went to.
    assert useful.texts == ["=HYPERLINK(\"x\")", "Kirjastojen malli oli hyvä.", "Tack för ett bra webbinarium!"]
    assert useful.answered == 3
    assert feedback_results(survey.event, "fi").questions[4].texts == []


def test_municipality_breakdown_hides_groups_of_fewer_than_three_responses(survey):
    assert MIN_GROUP == 3
    results = feedback_results(survey.event, "sv", through="registration")
    rows = {row.name: row.figures for row in results.municipalities}
    # Helsinki's two responses are not shown on their own; names in Swedish, in alphabetical order.
    assert [row.name for row in results.municipalities] == ["Esbo", "Vanda"]
    vantaa, espoo = rows["Vanda"], rows["Esbo"]
    assert (vantaa.responses, vantaa.rating.average, vantaa.nps.score) == (4, 4.0, 25)
    assert (espoo.responses, espoo.rating.average, espoo.nps.score) == (3, pytest.approx(14 / 3), 33)
    assert vantaa.shown and vantaa.rating_shown and vantaa.nps_shown
    # Helsinki (2) and the other organization (1) together make a group of three, which is shown.
    others = results.others
    assert others.code is None
    assert (others.figures.responses, others.figures.rating.average, others.figures.nps.score) == (3, 2.0, -67)
    assert others.figures.shown


def breakdown(results) -> list[tuple]:
    """The municipality rows and the others' row as (name, responses, average, NPS)."""
    rows = results.municipalities + ([results.others] if results.others else [])
    return [(row.name, row.figures.responses, row.figures.rating.average, row.figures.nps.score) for row in rows]


def test_the_breakdown_is_of_registered_answers_whichever_answers_are_shown(survey):
    # With the public link's answers (no municipality) in the others' row, the all-answers row less the public
    # link's results would give the registered others' figures, hidden when they are fewer than three.
    registered = breakdown(feedback_results(survey.event, "fi", through="registration"))
    assert registered[-1] == (None, 3, 2.0, -67)
    for through in ("all", "public_link"):
        assert breakdown(feedback_results(survey.event, "fi", through=through)) == registered


def test_a_municipality_with_a_figure_on_fewer_than_three_answers_is_counted_with_the_others(survey, db):
    # Three Kerava responses, but only two of them answered the NPS question: shown on its own, its NPS would
    # be hidden yet follow from the total less the other rows.
    make_municipality("245", "Kerava", "Kervo")
    for nps in (10, 9, None):
        answers = {survey.overall: 4} | ({survey.nps: nps} if nps is not None else {})
        make_feedback_response(survey.form, answers, municipality_code="245")
    db.session.commit()
    results = feedback_results(survey.event, "fi")
    assert [row.code for row in results.municipalities] == [ESPOO, VANTAA]
    assert results.others.figures.responses == 6
    assert (results.others.figures.rating.answered, results.others.figures.nps.answered) == (6, 5)


def uncovered(results) -> tuple[int, int, int]:
    """What the registered total holds beyond the breakdown's shown figures: responses, ratings, NPS answers.

    The page shows the registered people's total (through="registration") and each row's figures unless
    hidden; whatever the shown rows do not cover is the hidden rows' together, worked out by subtraction.
    """
    total = feedback_results(results.form.event, "fi", through="registration")
    rows = results.municipalities + ([results.others] if results.others else [])
    return (
        total.responses - sum(row.figures.responses for row in rows if row.figures.shown),
        total.overall.rating.answered - sum(row.figures.rating.answered for row in rows if row.figures.rating_shown),
        total.nps.nps.answered - sum(row.figures.nps.answered for row in rows if row.figures.nps_shown),
    )


def small_survey(db, answers: list[tuple[str | None, int, int]]):
    """An event with the default form and the registered people's (municipality, overall rating, NPS) answers."""
    for code, name in ((VANTAA, "Vantaa"), (ESPOO, "Espoo"), (HELSINKI, "Helsinki")):
        make_municipality(code, name, name + " SV")
    event = make_event(starts_at=utcnow() - timedelta(days=3))
    form = add_default_form(event)
    overall, nps = form.questions[0], form.questions[1]
    for code, rating, score in answers:
        place = {"municipality_code": code} if code else {"organization": "Digituki ry"}
        make_feedback_response(form, {overall: rating, nps: score}, registration=make_registration(event, **place))
    make_feedback_response(form, {overall: 1, nps: 0}, via_public_link=True)
    db.session.commit()
    return event


def test_the_others_row_below_three_takes_in_the_smallest_municipality_so_no_hidden_figure_can_be_worked_out(db):
    # Helsinki alone would be hidden, but the total less Vantaa and Espoo would give its rating and NPS.
    event = small_survey(db, [(VANTAA, 5, 10), (VANTAA, 4, 9), (VANTAA, 4, 8), (VANTAA, 3, 7),
                              (ESPOO, 5, 10), (ESPOO, 2, 3), (ESPOO, 4, 9), (HELSINKI, 1, 0)])
    results = feedback_results(event, "fi")
    assert [row.name for row in results.municipalities] == ["Vantaa"]
    assert results.others.figures.responses == 4 and results.others.figures.shown
    assert (results.others.figures.rating.average, results.others.figures.nps.score) == (3.0, 0)
    assert uncovered(results) == (0, 0, 0)
    for through in ("all", "registration", "public_link"):
        assert all(count == 0 or count >= MIN_GROUP for count in uncovered(feedback_results(event, "fi", through)))


def test_without_a_municipality_large_enough_to_leave_three_others_there_is_no_breakdown(db):
    event = small_survey(db, [(VANTAA, 5, 10), (VANTAA, 4, 9), (VANTAA, 4, 8), (HELSINKI, 1, 0)])
    results = feedback_results(event, "fi")
    assert (results.municipalities, results.others) == ([], None)
    assert uncovered(results) == (4, 4, 4)


def test_the_headline_is_the_overall_question_even_with_a_rating_added_above_it(survey, db):
    before = feedback_results(survey.event, "fi")
    for question in survey.form.questions:
        question.position += 1
    added = FeedbackQuestion(position=0, kind="rating", text_fi="Miten tekniikka toimi?")
    survey.form.questions.insert(0, added)
    db.session.flush()
    make_feedback_response(survey.form, {added: 1, survey.overall: 5, survey.nps: 10}, municipality_code=VANTAA)
    db.session.commit()
    db.session.expire_all()
    after = feedback_results(survey.event, "fi")
    assert after.questions[0].question.id == added.id
    assert after.overall.question.id == survey.overall.id
    assert after.overall.rating.average == pytest.approx((before.overall.rating.total + 5) / 13)
    assert after.nps.question.id == survey.nps.id
    vantaa = next(row for row in after.municipalities if row.code == VANTAA)
    assert vantaa.figures.rating.average == pytest.approx(21 / 5)
    [line] = series_feedback(survey.event.series, "fi").events
    assert line.rating.average == pytest.approx(after.overall.rating.average)


def test_an_event_without_a_survey_has_no_results(db):
    assert feedback_results(make_event(), "fi") is None
    assert answers_export(make_event(), "fi") is None


def test_results_outlive_the_purge_of_the_registrations(survey, db, app):
    before = feedback_results(survey.event, "fi")
    summary = (before.registered_responses, before.overall.rating.average, before.nps.nps.score,
               [(row.name, row.figures.responses) for row in before.municipalities])
    survey.event.starts_at = utcnow() - timedelta(days=400)
    survey.event.ends_at = survey.event.starts_at + timedelta(hours=3)
    db.session.commit()
    purge_expired()
    db.session.commit()
    db.session.expire_all()
    after = feedback_results(survey.event, "fi")
    assert (after.registered_responses, after.overall.rating.average, after.nps.nps.score,
            [(row.name, row.figures.responses) for row in after.municipalities]) == summary


def test_the_answers_query_has_one_row_per_response_and_no_names(survey, db):
    export = answers_export(survey.event, "sv")
    rows = db.session.execute(export.query).all()
    assert len(rows) == 12
    assert set(rows[0]._mapping) == {"via_public_link", "municipality", *(cell.key for cell in export.cells)}
    keys = {(cell.question.id, cell.item.id if cell.item else None): cell.key for cell in export.cells}
    # The programme rating has a column per talk or panel, not for the break.
    rated = [cell.item.title_fi for cell in export.cells if cell.item]
    assert rated == ["Avaus", "Kirjastot", "Paneeli", "Loppusanat"]
    # The first answer in: sorted by what they hold, the rows no longer come in the order given.
    first = next(row._mapping for row in rows if row._mapping[keys[(survey.useful.id, None)]] == "Kirjastojen malli oli hyvä.")
    assert first["municipality"] == "Vanda"
    assert first[keys[(survey.overall.id, None)]] == 5
    assert first[keys[(survey.nps.id, None)]] == 10
    assert first[keys[(survey.programme.id, survey.items[1].id)]] == 5
    assert first[keys[(survey.programme.id, survey.items[4].id)]] is None
    assert first[keys[(survey.useful.id, None)]] == "Kirjastojen malli oli hyvä."
    assert chosen_options(OPTIONS, first[keys[(survey.multiple.id, None)]], "sv") == "Nyhetsbrev; Kollega"
    assert [chosen_options(OPTIONS, row._mapping[keys[(survey.single.id, None)]], "fi") for row in rows].count(
        "Intranet") == 1
    # Municipalities in alphabetical order, then everyone else: Helsinki's two and the organization's one
    # response, the registered first, then the public link's.
    assert [row.municipality for row in rows] == ["Esbo"] * 3 + ["Vanda"] * 4 + [None] * 5
    assert [row.via_public_link for row in rows] == [False] * 10 + [True] * 2
    assert [row._mapping[keys[(survey.overall.id, None)]] for row in rows[3:7]] == [3, 4, 4, 5]
    every_value = " ".join(str(value) for row in rows for value in row)
    assert "Salainen" not in every_value and "@" not in every_value
    assert "Helsingfors" not in every_value


def test_the_answers_file_is_the_same_whatever_order_the_answers_came_in(db):
    answers = [(VANTAA, 5, 10), (VANTAA, 4, 9), (VANTAA, 4, 8), (ESPOO, 3, 3), (ESPOO, 5, 10), (ESPOO, 2, 6),
               (HELSINKI, 1, 0)]
    first, second = small_survey(db, answers), small_survey(db, answers[::-1])
    files = [db.session.execute(answers_export(event, "fi").query).all() for event in (first, second)]
    assert files[0] == files[1]
    # Espoo joins Helsinki's lone response in the others' row, as on the results page.
    assert [(row.municipality, row.via_public_link, row[2]) for row in files[0]] == [
        ("Vantaa", False, 4), ("Vantaa", False, 4), ("Vantaa", False, 5),
        (None, False, 1), (None, False, 2), (None, False, 3), (None, False, 5), (None, True, 1)]


def test_topics_are_split_from_free_text_and_counted_once_per_answer():
    assert topics_named("Tietoturva, saavutettavuus; mittarit.\nDigituki – vapaaehtoiset") == [
        "Tietoturva", "saavutettavuus", "mittarit", "Digituki", "vapaaehtoiset"]
    ranked = most_requested([["tietoturva", "Tietoturva"], ["Saavutettavuus", "tietoturva"], ["Öljy"], ["Ääni"],
                             ["saavutettavuus"], ["Tietoturva"]])
    assert [(topic.topic, topic.count) for topic in ranked] == [
        ("Tietoturva", 3), ("Saavutettavuus", 2), ("Ääni", 1), ("Öljy", 1)]


def test_series_page_figures_per_event_over_time_and_most_requested_topics(db):
    series = make_series()
    now = utcnow().replace(microsecond=0)
    later = make_event(series=series, starts_at=now - timedelta(days=10), title_fi="Toinen")
    earlier = make_event(series=series, starts_at=now - timedelta(days=60), title_fi="Ensimmäinen")
    upcoming = make_event(series=series, starts_at=now + timedelta(days=10))
    draft = make_event(series=series, starts_at=now - timedelta(days=5), status="draft")
    elsewhere = make_event(starts_at=now - timedelta(days=5))
    forms = {event: add_default_form(event) for event in (later, earlier, upcoming, draft, elsewhere)}
    for event, answers in [(earlier, [(5, 10, "Tietoturva, saavutettavuus"), (3, 5, "tietoturva")]),
                           (later, [(4, 9, "Saavutettavuus"), (4, 7, ""), (2, 0, "Tietoturva")]),
                           (draft, [(1, 0, "Luonnos")]), (elsewhere, [(1, 0, "Muualla")])]:
        overall, nps, _programme, _useful, _practice, topics = forms[event].questions
        for rating, score, text in answers:
            make_feedback_response(forms[event], {overall: rating, nps: score} | ({topics: text} if text else {}))
    # An organizer rewords the question: it still asks for future topics.
    forms[later].questions[5].text_fi = "Mitä aiheita haluaisit käsiteltävän seuraavaksi?"
    # A choice question asking for future topics counts its chosen options too.
    choice = FeedbackQuestion(position=9, kind="multiple_choice", text_fi="Valitse kiinnostavat aiheet",
                              purpose="future_topics",
                              options=[{"fi": "Tietoturva", "sv": "Informationssäkerhet", "en": None},
                                       {"fi": "Mittarit", "sv": "Mätare", "en": None}])
    forms[later].questions.append(choice)
    db.session.flush()
    make_feedback_response(forms[later], {choice: [0, 1]})
    db.session.commit()

    feedback = series_feedback(series, "fi", now=now)
    assert [line.event for line in feedback.events] == [earlier, later]
    first, second = feedback.events
    assert (first.responses, first.rating.average, first.nps.score) == (2, 4.0, 0)
    assert (second.responses, second.rating.answered, second.rating.average, second.nps.score) == (
        4, 3, pytest.approx(10 / 3), 0)
    assert (second.nps.promoters, second.nps.passives, second.nps.detractors) == (1, 1, 1)
    assert [(topic.topic, topic.count) for topic in feedback.topics] == [
        ("Tietoturva", 4), ("Saavutettavuus", 2), ("Mittarit", 1)]
    assert feedback.topic_answers == 5


def test_series_without_past_surveys_is_empty(db):
    series = make_series()
    add_default_form(make_event(series=series))
    feedback = series_feedback(series, "fi")
    assert (feedback.events, feedback.topics, feedback.topic_answers) == ([], [], 0)

