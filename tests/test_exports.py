"""The generic export mechanism: neutralized cells, CSV chunks with a BOM, Excel text cells, one snapshot, downloads."""

import csv
import io
import os
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Registration
from app.organizer.downloads import export_response
from app.services.exports import (
    CSV_CHUNK_ROWS,
    Column,
    XML_ILLEGAL_CHARACTERS,
    ExportSource,
    csv_chunks,
    neutralized,
    write_xlsx,
)
from tests.factories import make_event, make_registration

COLUMNS = [Column("Name", lambda row: row[0]), Column("Value", lambda row: row[1])]
DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR", '=HYPERLINK("http://evil.example","x")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_that_could_start_a_formula_is_prefixed_with_a_quote(text):
    assert neutralized(text) == "'" + text


@pytest.mark.parametrize("text", ["Aino", "a=b", "1-2", "", "mail@example.org", " =1"])
def test_other_text_is_left_alone(text):
    assert neutralized(text) == text


# Control characters a spreadsheet drops (and XML cannot hold) in front of a formula.
HIDDEN = ["\x0b=HYPERLINK(\"http://evil.example\",\"x\")", "\x00\x1f+1", "\x07@SUM(A1)", "\x0c\x0b-1"]


@pytest.mark.parametrize("text", HIDDEN)
def test_a_formula_behind_control_characters_is_neutralized_in_csv(text):
    assert neutralized(text) == "'" + text
    assert read_csv(csv_chunks(COLUMNS, [(text, 1)]))[1] == ["'" + text, "1"]


def test_excel_strips_control_characters_before_it_looks_for_a_formula(tmp_path):
    path = tmp_path / "export.xlsx"
    with path.open("wb") as file:
        write_xlsx(COLUMNS, [(text, n) for n, text in enumerate(HIDDEN)], file, "Sheet")
    cells = [row[0] for row in list(load_workbook(path).active.iter_rows())[1:]]
    assert [cell.value for cell in cells] == [XML_ILLEGAL_CHARACTERS.sub("", text) for text in HIDDEN]
    for cell in cells:
        assert (cell.data_type, cell.quotePrefix) == ("s", True)


def read_csv(chunks) -> list[list[str]]:
    body = b"".join(chunks)
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\xef\xbb\xbf") == 1
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))


def test_csv_has_one_bom_a_header_and_every_kind_of_value():
    rows = [("Äänekoski; ö", 3), ("=1+2", None), ("rivi 1\nrivi 2", datetime(2026, 11, 20, 9, 5)),
            ("date", date(2026, 11, 20)), ("-5", -5)]
    assert read_csv(csv_chunks(COLUMNS, rows)) == [
        ["Name", "Value"], ["Äänekoski; ö", "3"], ["'=1+2", ""], ["rivi 1\nrivi 2", "2026-11-20 09:05"],
        ["date", "2026-11-20"],
        # A number stays a number; only text is neutralized.
        ["'-5", "-5"],
    ]


def test_a_header_label_is_neutralized_too():
    assert read_csv(csv_chunks([Column("=cmd", lambda row: row)], []))[0] == ["'=cmd"]


def test_csv_reads_rows_only_as_it_sends_them():
    consumed = 0

    def rows():
        nonlocal consumed
        for n in range(3 * CSV_CHUNK_ROWS):
            consumed += 1
            yield (f"person {n}", n)

    chunks = csv_chunks(COLUMNS, rows())
    first = next(chunks)
    assert consumed == CSV_CHUNK_ROWS
    assert first.count(b"\r\n") == CSV_CHUNK_ROWS + 1
    rest = list(chunks)
    assert consumed == 3 * CSV_CHUNK_ROWS
    assert len(read_csv([first, *rest])) == 3 * CSV_CHUNK_ROWS + 1


def test_excel_keeps_formula_text_as_text_numbers_as_numbers_and_times_as_dates(tmp_path):
    rows = [(text, n) for n, text in enumerate(DANGEROUS)]
    rows += [("bad \x00\x07control", datetime(2026, 11, 20, 9, 5)), ("day", date(2026, 11, 20)), ("empty", None)]
    path = tmp_path / "export.xlsx"
    with path.open("wb") as file:
        write_xlsx(COLUMNS, rows, file, "A sheet with a long title that Excel would refuse")
    sheet = load_workbook(path).active
    assert sheet.title == "A sheet with a long title that "
    cells = list(sheet.iter_rows())
    assert [cell.value for cell in cells[0]] == ["Name", "Value"]
    assert cells[0][0].font.bold
    for (name, value), text in zip(cells[1:], DANGEROUS, strict=False):
        # An XML reader turns a carriage return into a line feed.
        assert (name.value, name.data_type) == (text.replace("\r", "\n"), "s")
        assert name.quotePrefix
        assert value.data_type == "n"
    control, day, empty = cells[-3:]
    assert control[0].value == "bad control"
    assert control[1].value == datetime(2026, 11, 20, 9, 5) and control[1].is_date
    assert day[1].is_date and day[1].number_format == "yyyy-mm-dd"
    assert empty[1].value is None
    assert sheet.freeze_panes == "A2"


def test_export_response_streams_an_attachment_and_closes_its_source(app):
    class Source(list):
        closed = False

        def close(self):
            self.closed = True

    source = Source([("Öhman", 1)])
    with app.test_request_context():
        response = export_response(COLUMNS, source, "csv", "tapahtuma-ä")
        assert response.is_streamed
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"tapahtuma-a.csv\"; filename*=UTF-8''tapahtuma-%C3%A4.csv")
        assert read_csv(response.response) == [["Name", "Value"], ["Öhman", "1"]]
        response.close()
    assert source.closed
    with pytest.raises(ValueError):
        export_response(COLUMNS, Source(), "pdf", "x")


def test_export_source_counts_and_reads_the_rows_of_the_query(db):
    event = make_event()
    for n in range(5):
        make_registration(event, last_name=f"Person{n}")
    db.session.commit()
    source = ExportSource(select(Registration.last_name).where(Registration.event_id == event.id)
                          .order_by(Registration.id))
    try:
        assert source.count() == 5
        assert [row.last_name for row in source] == [f"Person{n}" for n in range(5)]
    finally:
        source.close()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="snapshot isolation between two connections needs PostgreSQL")
def test_export_source_reads_the_snapshot_it_counted_in_while_others_commit(db):
    event = make_event()
    first = make_registration(event, last_name="Before")
    db.session.commit()
    source = ExportSource(select(Registration.last_name, Registration.status)
                          .where(Registration.event_id == event.id, Registration.status == "confirmed"))
    try:
        assert source.count() == 1
        # Others keep working between the audit entry's count and the file's rows.
        make_registration(event, last_name="After")
        first.status = "cancelled"
        _db.session.commit()
        assert [tuple(row) for row in source] == [("Before", "confirmed")]
    finally:
        source.close()
