"""A series' reach page and its export: the municipalities × events table, the not-reached ones, the chart and the file."""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest

from app.models.types import utcnow
from app.services.municipalities import load_municipalities
from app.services.retention import purge_expired
from tests.factories import make_event, make_registration, make_series
from tests.organizer.conftest import log_in, table_rows

VANTAA, ESPOO, HELSINKI = "092", "049", "091"


@pytest.fixture
def series(db):
    """Kuntatutor with a past and an upcoming published event and a draft; registrations from three municipalities and elsewhere."""
    load_municipalities()
    series = make_series(slug="kuntatutor", name_fi="Kuntatutor", name_sv="Kuntatutor på svenska")
    now = utcnow().replace(microsecond=0)
    past = make_event(series=series, title_fi="Digituki kuntoon", title_sv="Digitalt stöd", title_en="Digital support",
                      starts_at=now - timedelta(days=100))
    upcoming = make_event(series=series, title_fi="Verkostot", title_en="Networks", starts_at=now + timedelta(days=10))
    make_event(series=series, title_fi="Luonnos", title_en="A draft", status="draft")
    for attended in ("yes", "yes", "no"):
        make_registration(past, municipality_code=VANTAA, attended=attended)
    make_registration(past, municipality_code=ESPOO, status="waitlisted")
    make_registration(past, municipality_code=HELSINKI, status="cancelled")
    make_registration(past, organization="Digi ry", attended="yes")
    make_registration(upcoming, municipality_code=ESPOO)
    make_registration(upcoming, municipality_code=ESPOO)
    db.session.commit()
    return series


def rows_by_name(response) -> dict[str, list[str]]:
    """The reach table's rows by their first cell, the "Not reached" badge taken off the name."""
    rows = table_rows(response)
    return {row[0].replace("Not reached", "").strip(): row[1:] for row in rows}


def test_reach_table_has_every_municipality_other_organizations_and_totals(logged_in_admin, series):
    response = logged_in_admin.get(f"/organizer/series/{series.id}/reach")
    assert response.status_code == 200
    rows = rows_by_name(response)
    assert len(rows) == 26 + 2
    assert rows["Vantaa"] == ["3 / 2", "0 / 0", "3 / 2"]
    assert rows["Espoo"] == ["1 / 0", "2 / 0", "3 / 0"]
    # A cancelled registration of someone who did not attend reaches nobody.
    assert rows["Helsinki"] == ["0 / 0", "0 / 0", "0 / 0"]
    assert rows["Other organizations"] == ["1 / 1", "0 / 0", "1 / 1"]
    assert rows["Total"] == ["5 / 3", "2 / 0", "7 / 3"]
    assert list(rows)[-2:] == ["Other organizations", "Total"]
    html = response.get_data(as_text=True)
    # The published events are the columns, the draft is not; the upcoming one says so.
    assert "Digital support" in html and "Networks" in html and "A draft" not in html
    assert re.search(r'<th scope="col" class="number">\s*Networks\u00a0· [^<]*\u00a0· upcoming', html)


def test_municipalities_never_reached_are_listed_and_marked_in_words(logged_in_admin, series):
    response = logged_in_admin.get(f"/organizer/series/{series.id}/reach")
    html = response.get_data(as_text=True)
    assert "24 municipalities have not registered for any event of the series yet" in html
    listed = re.search(r'<ul class="reach-not-reached-list">(.*?)</ul>', html, re.S).group(1)
    names = re.findall(r"<li>([^<]+)</li>", listed)
    assert len(names) == 24 and "Helsinki" in names and "Askola" in names
    assert "Vantaa" not in names and "Espoo" not in names
    marked = [row[0] for row in table_rows(response) if "Not reached" in row[0]]
    assert len(marked) == 24
    assert html.count('class="reach-municipality reach-not-reached"') == 24
    assert '<dd>2 of 26</dd>' in html


def test_chart_is_server_drawn_svg_named_by_its_title_and_pointing_to_the_table(logged_in_admin, series):
    html = logged_in_admin.get(f"/organizer/series/{series.id}/reach").get_data(as_text=True)
    chart = re.search(r'<figure class="chart" id="reach-chart">(.*?)</figure>', html, re.S).group(1)
    assert re.search(r'<svg class="chart-svg" role="img" aria-labelledby="reach-chart-title"', chart)
    assert 'href="#reach"' in chart and 'id="reach"' in html
    assert "<script" not in chart and "style=" not in html
    # 26 municipalities and other organizations, a bar each for registered and attended.
    assert chart.count('<g class="chart-row') == 27
    assert chart.count('<g class="chart-row chart-row-marked"') == 24
    bars = re.findall(r'<rect class="chart-series-(\d)" x="42%" y="[\d.]+" width="([\d.]+)%"', chart)
    assert len(bars) == 27 * 2
    widths = {float(width) for _series, width in bars}
    # Vantaa's and Espoo's three registrations are the longest bars; Vantaa's two attendees two thirds of them.
    assert max(widths) == 46.0 and 30.67 in widths and 0.0 in widths


def test_swedish_page_names_the_municipalities_in_swedish(client, admin, series):
    log_in(client, admin.email)
    response = client.get(f"/organizer/series/{series.id}/reach?lang=sv")
    rows = rows_by_name(response)
    assert "Esbo" in rows and "Vanda" in rows and "Espoo" not in rows
    assert "Kuntatutor på svenska" in response.get_data(as_text=True)


def test_organizer_sees_the_reach_of_their_own_series_only(client, organizer, series, db):
    other = make_series()
    organizer.series.append(series)
    db.session.commit()
    log_in(client, organizer.email)
    assert client.get(f"/organizer/series/{series.id}/reach").status_code == 200
    assert client.get(f"/organizer/series/{other.id}/reach").status_code == 404
    assert client.get(f"/organizer/series/{other.id}/reach.csv").status_code == 404


def test_series_without_published_events_says_so(logged_in_admin, db):
    load_municipalities()
    series = make_series()
    make_event(series=series, status="draft")
    db.session.commit()
    response = logged_in_admin.get(f"/organizer/series/{series.id}/reach")
    assert response.status_code == 200
    assert "The series has no published events yet." in response.get_data(as_text=True)
    assert table_rows(response) == []


def read_csv(response) -> list[list[str]]:
    """The downloaded CSV's rows; it must start with a byte order mark."""
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_export_has_the_table_with_headers_in_the_organizers_language(logged_in_admin, series):
    response = logged_in_admin.get(f"/organizer/series/{series.id}/reach.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="kuntatutor-reach.csv"'
    header, *rows = read_csv(response)
    assert header[:3] == ["Municipality", "Statistics code", header[2]]
    assert header[2].startswith("Digital support ") and header[2].endswith(": registered")
    assert header[3].endswith(": attended") and header[4].startswith("Networks ")
    assert header[-3:] == ["Registered in total", "Attended in total", "Reached"]
    by_name = {row[0]: row[1:] for row in rows}
    assert len(rows) == 28
    assert by_name["Vantaa"] == ["092", "3", "2", "0", "0", "3", "2", "Yes"]
    assert by_name["Askola"] == ["018", "0", "0", "0", "0", "0", "0", "No"]
    assert by_name["Other organizations"] == ["", "1", "1", "0", "0", "1", "1", ""]
    assert by_name["Total"] == ["", "5", "3", "2", "0", "7", "3", ""]


def test_csv_export_in_swedish_and_a_formula_in_a_title_neutralized(client, admin, series, db):
    series.events[0].title_sv = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    log_in(client, admin.email)
    client.get("/organizer/?lang=sv")
    header, *rows = read_csv(client.get(f"/organizer/series/{series.id}/reach.csv"))
    assert header[2].startswith("'=HYPERLINK")
    assert {"Esbo", "Vanda"} <= {row[0] for row in rows}


def test_excel_export_holds_the_same_rows(logged_in_admin, series):
    response = logged_in_admin.get(f"/organizer/series/{series.id}/reach.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.values)
    assert len(values) == 1 + 28
    vantaa = next(row for row in values if row[0] == "Vantaa")
    assert vantaa[1:] == ("092", 3, 2, 0, 0, 3, 2, "Yes")


def test_page_and_export_show_the_same_figures_after_the_purge(logged_in_admin, series, db):
    before_page = rows_by_name(logged_in_admin.get(f"/organizer/series/{series.id}/reach"))
    before_file = read_csv(logged_in_admin.get(f"/organizer/series/{series.id}/reach.csv"))
    assert purge_expired() == 6
    db.session.commit()
    assert rows_by_name(logged_in_admin.get(f"/organizer/series/{series.id}/reach")) == before_page
    assert read_csv(logged_in_admin.get(f"/organizer/series/{series.id}/reach.csv")) == before_file
