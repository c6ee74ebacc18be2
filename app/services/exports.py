"""Exports of table data as CSV and Excel files, streamed so that no export holds its rows in memory.

An export is a list of columns (a header label and a function that reads the cell's value
from a row) and an iterator of rows. The rows come from an ExportSource: one query read on a
connection of its own, in one database snapshot, through a server-side cursor, so that the row
count written to the audit log before the first byte leaves is exactly the number of rows the
file holds. Every text cell that a spreadsheet would take for a formula is neutralized (CSV
injection, DESIGN.md rule 10).

A view sends one with export_response of app/organizer/downloads.py (this module builds no responses):

    source = ExportSource(query)
    rows = source.count()                    # the same snapshot the file is read from
    record(user, "..._exported", rows=rows); db.session.commit()
    return export_response(columns, source, "csv", "my-event-attendees")
"""

import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import Select, func, select

from app.extensions import db
from app.i18n import HELSINKI

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark; without one,
# ä, ö and å turn into two odd characters each.
BOM = "\ufeff"
# What a spreadsheet may take for the start of a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# XML cannot hold these control characters; openpyxl refuses a cell containing one. A spreadsheet
# drops them too, so "\x0b=HYPERLINK(…)" is a formula once they are gone.
XML_ILLEGAL = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
XML_ILLEGAL_CHARACTERS = re.compile(f"[{re.escape(XML_ILLEGAL)}]")
# A CSV cell has a time as "2026-11-20 09:05" (datetime.isoformat(" ", "minutes")), which
# spreadsheets read as a time; an Excel cell is a real time shown the same way.
DATETIME_EXCEL = "yyyy-mm-dd hh:mm"
DATE_EXCEL = "yyyy-mm-dd"
# Rows per server-side cursor fetch, and per CSV chunk sent to the client.
FETCH_ROWS = 1000
CSV_CHUNK_ROWS = 500
FILE_CHUNK_BYTES = 64 * 1024
# Isolation levels at which every statement of a transaction reads the same snapshot.
SNAPSHOT_ISOLATION = {"postgresql": "REPEATABLE READ", "sqlite": "SERIALIZABLE"}

CellValue = str | int | float | datetime | date | None


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (a text in the reader's language) and how a row gives its value.

    The value is text, a number, a date or a datetime (naive, in the time zone the reader
    expects), or None for an empty cell.
    """

    label: Any
    value: Callable[[Any], CellValue]


class ExportSource:
    """The rows of one query, read from one database snapshot on a connection of the export's own.

    Its transaction is apart from the request's session, so the session can commit the audit entry
    while the snapshot, and so the count, stays that of the file. Rows come through a server-side
    cursor (on PostgreSQL a named cursor) FETCH_ROWS at a time. It closes itself after the last
    row; close it also when the response closes, for a download cut short or never started.
    """

    def __init__(self, query: Select):
        self.query = query
        self.connection = db.engine.connect()
        self.connection.execution_options(isolation_level=SNAPSHOT_ISOLATION[self.connection.dialect.name])
        self.connection.begin()

    def count(self) -> int:
        """How many rows the export holds."""
        counting = select(func.count()).select_from(self.query.order_by(None).subquery())
        return self.connection.execute(counting).scalar_one()

    def __iter__(self) -> Iterator[Any]:
        """The rows, once; the connection goes back to the pool as soon as the last one is read."""
        try:
            result = self.connection.execute(self.query.execution_options(yield_per=FETCH_ROWS))
            try:
                yield from result
            finally:
                # A download cut short leaves the server-side cursor open; close it before the connection.
                result.close()
        finally:
            self.close()

    def close(self) -> None:
        """End the read-only transaction and give the connection back; harmless twice."""
        self.connection.close()


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet may read the text as a formula, counting the control characters it drops."""
    return text.lstrip(XML_ILLEGAL).startswith(FORMULA_PREFIXES)


def helsinki_time(moment: datetime | None) -> datetime | None:
    """A stored UTC time as Finnish wall-clock time, without a zone (spreadsheets know none)."""
    return None if moment is None else moment.astimezone(HELSINKI).replace(tzinfo=None)


def neutralized(text: str) -> str:
    """The text made harmless for a CSV cell: a leading quote stops a spreadsheet reading a formula."""
    return "'" + text if looks_like_formula(text) else text


def csv_cell(value: CellValue) -> str | int | float:
    """A value as a CSV cell: times as text a spreadsheet recognises, text neutralized."""
    # Text first: most cells are text, and 100,000 rows make every check count.
    if type(value) is str:
        return "'" + value if looks_like_formula(value) else value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ", "minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return neutralized(str(value))


def csv_chunks(columns: list[Column], rows: Iterable) -> Iterator[bytes]:
    """A CSV file as UTF-8 chunks: the byte order mark and header row first, then CSV_CHUNK_ROWS rows a chunk."""
    buffer = io.StringIO()
    # Comma-separated as RFC 4180 says and every CSV reader assumes; Excel users with Finnish
    # regional settings (which split on semicolons) have the Excel export.
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([neutralized(str(column.label)) for column in columns])
    for number, row in enumerate(rows, 1):
        writer.writerow([csv_cell(column.value(row)) for column in columns])
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_cell(sheet, value: CellValue) -> Any:
    """A value as an Excel cell: text always as text, never a formula; times as real dates."""
    if isinstance(value, datetime | date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATETIME_EXCEL if isinstance(value, datetime) else DATE_EXCEL
        return cell
    if not isinstance(value, str):
        return value
    # Stripped first: what is left is what openpyxl would take for a formula.
    text = XML_ILLEGAL_CHARACTERS.sub("", value)
    if not text.startswith(FORMULA_PREFIXES):
        # openpyxl keeps a plain string as text (only "=…" would become a formula).
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    # Excel keeps the cell text even when someone edits it and presses Enter.
    cell.quotePrefix = True
    return cell


def write_xlsx(columns: list[Column], rows: Iterable, file, sheet_title: str) -> None:
    """Write an Excel workbook of one sheet to the file, row by row: write-only mode keeps the rows on disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, str(column.label))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(sheet, column.value(row)) for column in columns])
    workbook.save(file)


def xlsx_chunks(columns: list[Column], rows: Iterable, sheet_title: str) -> Iterator[bytes]:
    """An Excel file in chunks: written to a temporary file first, since a zip is finished only at its end."""
    with tempfile.TemporaryFile() as file:
        write_xlsx(columns, rows, file, sheet_title)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK_BYTES):
            yield chunk


def attachment(filename: str) -> str:
    """A Content-Disposition header for a download; a non-ASCII name also goes in RFC 6266's filename*."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    # A quote or backslash would end the quoted name early.
    plain = plain.replace("\\", "").replace('"', "")
    if plain == filename:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"

