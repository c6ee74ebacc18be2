"""The feedback results page, the answers file and the series' feedback page, as organizers see them."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditEntry
from app.models.types import utcnow
from app.services.feedback_forms import add_default_form
from tests.factories import make_event, make_feedback_response, make_municipality, make_series
from tests.organizer.conftest import log_in, table_rows
from tests.test_feedback_results import ESPOO, HELSINKI, VANTAA, Survey, small_survey

RESULTS = "/organizer/events/{}/feedback/results"
ANSWERS = "/organizer/events/{}/feedback/answers.{}"
SERIES = "/organizer/series/{}/feedback"


@pytest.fixture
def survey(db):
    return Survey(db)


def page_text(response) -> str:
    """The page's text with tags and runs of white space taken out."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_results_page_shows_the_responses_rate_rating_and_nps(logged_in_admin, survey):
    response = logged_in_admin.get(RESULTS.format(survey.event.id))
    assert response.status_code == 200
    text = page_text(response)
    assert "Responses from registered participants 10" in text
    assert "Response rate 63% of 16 confirmed registrations" in text
    assert "Through the public link 2 counted apart" in text
    assert "Overall rating (1–5) 3.8 n = 12" in text
    assert "NPS (−100 to 100) 17 n = 12" in text
    assert "NPS 17: promoters 50% minus detractors 33%." in text
    assert "Showing all answers: 12 responses." in text


def test_each_question_has_its_chart_and_the_same_figures_in_a_table(logged_in_admin, survey):
    response = logged_in_admin.get(RESULTS.format(survey.event.id))
    html = response.get_data(as_text=True)
    rows = table_rows(response)
    # The overall rating's distribution: count and share of those who answered.
    assert ["4", "4", "33%"] in rows and ["1", "1", "8%"] in rows
    assert ["Promoters (9–10)", "6", "50%"] in rows
    assert ["Passives (7–8)", "2", "17%"] in rows
    assert ["Detractors (0–6)", "4", "33%"] in rows
    # The programme ranking, the best first, with n; the unrated item last without a rank.
    ranking = [row for row in rows if row[1:2] and row[1] in ("Avaus", "Kirjastot", "Paneeli", "Loppusanat")]
    assert ranking == [["1", "Kirjastot", "4.7", "3"], ["2", "Paneeli", "4.5", "4"], ["3", "Avaus", "4.5", "2"],
                       ["–", "Loppusanat", "–", "0"]]
    assert ["Newsletter", "2", "67%"] in rows
    # Every chart is an image named by its title that points at its table, and that table exists.
    charts = re.findall(r'<figure class="chart" id="([^"]+)">', html)
    assert len(charts) >= 6
    for chart in charts:
        table_id = re.search(rf'id="{chart}-note"><a href="#([^"]+)"', html).group(1)
        assert f'<table class="table" id="{table_id}"' in html
    assert 'role="img"' in html
    # The bars' figures carry the share too.
    assert re.search(r'class="chart-value"[^>]*>4 \(33%\)</text>', html)


def test_free_text_answers_are_listed_without_names(logged_in_admin, survey):
    html = logged_in_admin.get(RESULTS.format(survey.event.id)).get_data(as_text=True)
    assert "Kirjastojen malli oli hyvä." in html and "Tack för ett bra webbinarium!" in html
    assert "Salainen" not in html and "example.org" not in html


def test_municipality_breakdown_hides_small_groups(logged_in_admin, survey):
    rows = table_rows(logged_in_admin.get(RESULTS.format(survey.event.id), query_string={"through": "registration"}))
    assert ["Espoo", "3", "4.7", "33"] in rows
    assert ["Vantaa", "4", "4.0", "25"] in rows
    assert ["Others together", "3", "2.0", "-67"] in rows
    assert not any(row[0] == "Helsinki" for row in rows)

    # The public link's two answers have no municipality: the breakdown stays the registered people's, else
    # the others' row would differ between the choices by exactly the public link's figures.
    for through in ("all", "public_link"):
        rows = table_rows(logged_in_admin.get(RESULTS.format(survey.event.id), query_string={"through": through}))
        assert ["Others together", "3", "2.0", "-67"] in rows
        assert ["Vantaa", "4", "4.0", "25"] in rows
    text = page_text(logged_in_admin.get(RESULTS.format(survey.event.id), query_string={"through": "public_link"}))
    assert "The breakdown is always of the registered participants' answers" in text


def test_the_others_row_is_never_below_three_so_no_hidden_figure_follows_from_the_total(logged_in_admin, db):
    event = small_survey(db, [(VANTAA, 5, 10), (VANTAA, 4, 9), (VANTAA, 4, 8), (VANTAA, 3, 7),
                              (ESPOO, 5, 10), (ESPOO, 2, 3), (ESPOO, 4, 9), (HELSINKI, 1, 0)])
    response = logged_in_admin.get(RESULTS.format(event.id), query_string={"through": "registration"})
    text, rows = page_text(response), table_rows(response)
    # Shown: the registered total (8 answers, average 3.5) and Vantaa (4, average 4.0). Had Espoo been shown
    # too, the hidden Helsinki answer would be 8 × 3.5 − 4 × 4.0 − 3 × 3.7 = 1.
    assert "Overall rating (1–5) 3.5 n = 8" in text
    assert ["Vantaa", "4", "4.0", "50"] in rows
    assert ["Others together", "4", "3.0", "0"] in rows
    assert not any(row[0] in ("Espoo", "Helsinki") for row in rows)
    assert "Not shown" not in text


def test_without_a_municipality_to_show_the_page_says_there_is_no_breakdown(logged_in_admin, db):
    event = small_survey(db, [(VANTAA, 5, 10), (VANTAA, 4, 9), (VANTAA, 4, 8), (HELSINKI, 1, 0)])
    response = logged_in_admin.get(RESULTS.format(event.id))
    assert "No municipality has enough responses to be shown on its own" in page_text(response)
    assert 'id="by-municipality"' not in response.get_data(as_text=True)


def test_public_link_answers_can_be_shown_alone(logged_in_admin, survey):
    response = logged_in_admin.get(RESULTS.format(survey.event.id), query_string={"through": "public_link"})
    text = page_text(response)
    assert "Showing the answers through the public link: 2 responses." in text
    assert "Overall rating (1–5) 4.5 n = 2" in text
    # The summary still counts both apart.
    assert "Responses from registered participants 10" in text


def test_an_unknown_choice_of_answers_is_refused_with_a_sentence(logged_in_admin, survey):
    response = logged_in_admin.get(RESULTS.format(survey.event.id), query_string={"through": "everyone"})
    assert response.status_code == 400
    assert "Choose whose answers to show from the list." in response.get_data(as_text=True)


def test_the_page_needs_no_script_or_inline_style_and_keeps_the_strict_csp(logged_in_admin, survey):
    response = logged_in_admin.get(RESULTS.format(survey.event.id))
    html = response.get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    assert "<script" not in main and " style=" not in html and "<style" not in html
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_an_event_without_a_survey_says_so_and_has_no_file(logged_in_admin, db):
    event = make_event()
    db.session.commit()
    response = logged_in_admin.get(RESULTS.format(event.id))
    assert response.status_code == 200
    assert "This event has no feedback survey" in response.get_data(as_text=True)
    assert logged_in_admin.get(ANSWERS.format(event.id, "csv")).status_code == 404


def test_a_survey_without_responses_says_so(logged_in_admin, db):
    event = make_event(starts_at=utcnow() - timedelta(days=1))
    add_default_form(event)
    db.session.commit()
    text = page_text(logged_in_admin.get(RESULTS.format(event.id)))
    assert "No responses yet." in text
    assert "Response rate – of 0 confirmed registrations" in text


def audit_entries(db):
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == "feedback_exported")).scalars())


def by_text(header, data, question, text) -> dict:
    """The file's row whose answer to the question is the text, as {heading: value}."""
    [row] = [dict(zip(header, row, strict=True)) for row in data if dict(zip(header, row, strict=True))[question] == text]
    return row


def test_csv_file_has_one_row_per_response_without_names_and_is_audited(logged_in_admin, survey, db, admin):
    # A lone Kerava respondent: with the municipality beside the answers, the row would be that person's.
    make_municipality("245", "Kerava", "Kervo")
    make_feedback_response(survey.form, {survey.overall: 2, survey.useful: "Yksin täältä"}, municipality_code="245")
    db.session.commit()
    response = logged_in_admin.get(ANSWERS.format(survey.event.id, "csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"{survey.event.slug}-feedback.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    # Nothing tells when, or in which order, each response came.
    assert header[:2] == ["Through the public link", "Municipality"]
    assert header[2] == survey.overall.text_en
    assert f"{survey.programme.text_en}: Kirjastot" in header
    assert not any("Tauko" in label for label in header)
    assert len(data) == 13
    lone = by_text(header, data, survey.useful.text_en, "Yksin täältä")
    assert lone["Municipality"] == "Others together"
    assert [row[1] for row in data] == ["Espoo"] * 3 + ["Vantaa"] * 4 + ["Others together"] * 6
    first = by_text(header, data, survey.useful.text_en, "Kirjastojen malli oli hyvä.")
    assert first["Municipality"] == "Vantaa"
    assert first[survey.overall.text_en] == "5"
    assert first[survey.nps.text_en] == "10"
    assert first["Mikä kiinnostaa?"] == "Newsletter; Colleague"
    assert first["Through the public link"] == "No"
    assert [row[0] for row in data].count("Yes") == 2
    # A formula typed as an answer stays text.
    assert "'=HYPERLINK(\"x\")" in [row[header.index(survey.useful.text_en)] for row in data]
    text = body.decode("utf-8-sig")
    assert "Salainen" not in text and "@" not in text
    assert "Kerava" not in text and "Helsinki" not in text
    [entry] = audit_entries(db)
    assert (entry.user_id, entry.event_id, entry.detail) == (admin.id, survey.event.id, {"format": "csv", "rows": 13})


def test_excel_file_reads_back_the_same_answers(logged_in_admin, survey, db):
    response = logged_in_admin.get(ANSWERS.format(survey.event.id, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 12
    first = by_text(header, data, survey.useful.text_en, "Kirjastojen malli oli hyvä.")
    assert (first["Municipality"], first[survey.overall.text_en]) == ("Vantaa", 5)
    assert "Answered on" not in header and "Response" not in header
    assert all(value is None or "Salainen" not in str(value) for row in rows for value in row)
    assert [entry.detail for entry in audit_entries(db)] == [{"format": "xlsx", "rows": 12}]


def test_files_are_headed_in_the_organizers_language(client, admin, survey):
    log_in(client, admin.email)
    client.get("/organizer/?lang=sv")
    rows = list(csv.reader(io.StringIO(client.get(ANSWERS.format(survey.event.id, "csv")).get_data()
                                       .decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert "Nyhetsbrev; Kollega" in [value for row in data for value in row]
    assert {row[1] for row in data} == {"Esbo", "Vanda", "Övriga sammanlagt"}


def test_another_organizers_event_and_series_are_404(client, db, organizer, survey):
    log_in(client, organizer.email)
    for url in (RESULTS.format(survey.event.id), ANSWERS.format(survey.event.id, "csv"),
                SERIES.format(survey.event.series_id)):
        assert client.get(url).status_code == 404
    assert audit_entries(db) == []

    organizer.series.append(survey.event.series)
    db.session.commit()
    for url in (RESULTS.format(survey.event.id), ANSWERS.format(survey.event.id, "csv"),
                SERIES.format(survey.event.series_id)):
        assert client.get(url).status_code == 200


def test_series_page_has_each_event_over_time_and_the_topics(logged_in_admin, db):
    series = make_series(name_fi="Kuntatutor")
    now = utcnow().replace(microsecond=0)
    events = [make_event(series=series, title_fi=title, starts_at=now - timedelta(days=days))
              for title, days in (("Toinen", 10), ("Ensimmäinen", 70))]
    for event, answers in zip(events, [[(4, 9, "Tietoturva"), (2, 0, "Tietoturva, mittarit")],
                                       [(5, 10, "Saavutettavuus"), (5, 10, ""), (3, 6, "tietoturva")]], strict=True):
        form = add_default_form(event)
        overall, nps, *_, topics = form.questions
        for rating, score, text in answers:
            make_feedback_response(form, {overall: rating, nps: score} | ({topics: text} if text else {}))
    db.session.commit()
    response = logged_in_admin.get(SERIES.format(series.id))
    assert response.status_code == 200
    rows = table_rows(response)
    assert rows[0][0] == "Ensimmäinen" and rows[1][0] == "Toinen"
    assert rows[0][2:] == ["3", "4.3", "33", "2 (67%)", "0 (0%)", "1 (33%)"]
    assert rows[1][2:] == ["2", "3.0", "0", "1 (50%)", "0 (0%)", "1 (50%)"]
    assert ["1", "Tietoturva", "3"] in rows
    html = response.get_data(as_text=True)
    assert 'id="series-rating-chart"' in html and 'id="series-nps-chart"' in html
    assert f'href="/organizer/events/{events[0].id}/feedback/results"' in html


def test_series_page_without_feedback_says_so(logged_in_admin, db):
    series = make_series()
    db.session.commit()
    text = page_text(logged_in_admin.get(SERIES.format(series.id)))
    assert "No event of the series with a feedback survey has taken place yet." in text
    assert "Nobody has suggested topics for future webinars yet." in text
