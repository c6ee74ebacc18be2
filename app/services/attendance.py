"""Attendance import: read a webinar platform's report, preview it against the event's registrations, apply, undo.

Reading recognizes the report by its content (encoding, separator and layout), never by the file
name: a generic CSV with an email column (Finnish, Swedish or English headers), the Microsoft
Teams attendance report of today and of 2021, the Zoom meeting participants report and the Zoom
webinar attendee report. People are matched to registrations by normalized email only; a row
without a registrant's email is listed, never guessed from a name.

Applying sets `attended` of every confirmed registration at once under the event lock: yes for
those in the report (with at least the minimum time), no for the others. What it changed is kept
on the import, so the latest applied import can be undone; imports stack, each undo restoring the
state before that import, except where someone changed a person's attendance by hand since.

The report's rows name people who never registered too, so they are kept only while needed:
dropped when a preview is discarded or an import undone, and by the retention purge (rule 9).
"""

import codecs
import csv
import io
import re
from itertools import islice
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import AttendanceImport, Event, Message, OrganizerUser, Registration
from app.models.types import utcnow
from app.services.addresses import normalized_email
from app.services.planning import FOLLOWUP_WINDOW
from app.services.registration import lock_event

# Reports of the largest webinars are a few megabytes; this leaves room and stops a wrong file early.
MAX_REPORT_BYTES = 10 * 1024 * 1024
# A 10,000-person webinar with everyone joining several times; more lines is some other file, and
# reading millions of them would hold a web process for long.
MAX_REPORT_LINES = 100_000


class ReportRefused(Exception):
    """The uploaded file cannot be read as an attendance report; the message says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ImportRefused(Exception):
    """An import that cannot be applied or undone in the event's present state; nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- Reading a report -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportRow:
    """One person of the report: the name as written, the email (normalized when valid) and minutes in the session."""

    name: str
    email: str | None
    minutes: float | None

    def as_json(self) -> dict:
        """The row as AttendanceImport.rows keeps it."""
        return {"name": self.name, "email": self.email, "minutes": self.minutes}


@dataclass(frozen=True)
class Report:
    """A report as read: its layout and its people, one row per person."""

    layout: str
    rows: list[ReportRow]


def header_key(text: str) -> str:
    """A header cell as compared: no BOM, single spaces, case folded, no trailing colon."""
    return " ".join(text.replace("\ufeff", "").split()).casefold().rstrip(":").strip()


# Header names of a generic CSV, in Finnish, Swedish and English (and the platforms' own).
EMAIL_HEADERS = {
    "email", "e-mail", "email address", "e-mail address", "user email", "mail", "sähköposti",
    "sähköpostiosoite", "s-posti", "e-post", "e-postadress", "epost", "epostadress",
}
NAME_HEADERS = {
    "name", "full name", "participant", "attendee", "nimi", "koko nimi", "osallistuja", "namn",
    "fullständigt namn", "deltagare", "name (original name)", "user name (original name)", "user name",
}
FIRST_NAME_HEADERS = {"first name", "given name", "etunimi", "förnamn"}
LAST_NAME_HEADERS = {"last name", "surname", "family name", "sukunimi", "efternamn"}
DURATION_HEADERS = {
    "duration", "duration (minutes)", "minutes", "time in session (minutes)", "in-meeting duration",
    "kesto", "kesto (min)", "kesto (minuuttia)", "minuutit", "aika (min)", "längd", "varaktighet",
    "tid (minuter)", "minuter",
}
# Teams marks people from outside the organizer's tenant; the mark is no part of the name.
NAME_MARKS = re.compile(r"(?:\s*\((?:external|unverified|guest|ulkoinen|vieras|extern|gäst)\))+\s*$", re.IGNORECASE)
TEAMS_PARTICIPANTS = re.compile(r"^2\.\s*participants$")
SECTION_TITLE = re.compile(r"^\d+\.\s+\S")
NEVER_JOINED = {"no", "ei", "nej"}
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
EXCEL_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")

NOT_A_REPORT = _l("The file is not an attendance report. Upload the report as the webinar platform gave it, or a CSV"
                  " file with an email column.")


def decoded(data: bytes) -> str:
    """The file's text: UTF-16 or UTF-8 by their byte order mark, else UTF-8, else Windows-1252 (Excel's CSV)."""
    if data.startswith(EXCEL_SIGNATURES):
        raise ReportRefused(_l("This is an Excel workbook. In Excel, save it as “CSV UTF-8” and upload that file."))
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        elif data.startswith(codecs.BOM_UTF8):
            text = data.decode("utf-8-sig")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ReportRefused(NOT_A_REPORT) from None
    # Text files have no control characters but tabs and line breaks; images, PDFs and the like do.
    if CONTROL_CHARACTER.search(text):
        raise ReportRefused(NOT_A_REPORT)
    return text


Lines = list[tuple[int, list[str]]]


def split_cells(text: str, delimiter: str, strict: bool = True) -> Lines:
    """The text as rows of cells with their line numbers; blank lines kept as empty rows (they end blocks).

    Cells are stripped when read (`cell`, `header_key`), not here: a 10 MB file has millions of them.
    """
    # Teams writes tab-separated cells without quoting, so a quote in a meeting title is just a character.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=strict)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ReportRefused(_l(
                "Line %(line)d of the file is far too long for a row of an attendance report. Upload the report as"
                " the webinar platform gave it.", line=reader.line_num)) from None
        raise ReportRefused(_l(
            "Line %(line)d of the file cannot be read: a quotation mark is not closed. Upload the report as the"
            " webinar platform gave it.", line=reader.line_num)) from None


def is_blank(row: list[str]) -> bool:
    """Whether a row has no values (Zoom ends rows with empty cells)."""
    return not "".join(row).strip()


class Columns:
    """Where a header row's columns are, by the names they may go by."""

    def __init__(self, header: list[str]):
        self.keys = [header_key(cell) for cell in header]

    def find(self, names: set[str]) -> int | None:
        """The first column with one of the names, or None."""
        return next((index for index, key in enumerate(self.keys) if key in names), None)


def cell(row: list[str], index: int | None) -> str:
    """The row's value in a column; empty when the row is shorter than the header or the column is absent."""
    return row[index].strip() if index is not None and index < len(row) else ""


UNIT_MINUTES = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "t", "tunti", "tuntia", "tim", "timme", "timmar"), 60.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuutti", "minuuttia", "minut", "minuter"), 1.0),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sek", "sekunti", "sekuntia", "sekund", "sekunder"),
                    1 / 60),
}
DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)\.?")
CLOCK = re.compile(r"(\d+):(\d{1,2})(?::(\d{1,2}))?")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def minutes_of(text: str) -> float | None:
    """Minutes from a duration as reports write it: "1h 2m 3s", "45m 12s", "12s", "1:02:03" or plain minutes.

    None when the report gives no time ("", "--"); raises ValueError when the text is no duration.
    """
    text = text.strip()
    if text in ("", "-", "--"):
        return None
    if NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    if clock := CLOCK.fullmatch(text):
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        if clock.group(3) is None:
            # "1:05" is hours and minutes, as Excel shows a time of day.
            return hours * 60.0 + minutes
        return hours * 60.0 + minutes + seconds / 60
    parts = DURATION_PART.findall(text)
    if not parts or DURATION_PART.sub("", text).strip():
        raise ValueError(text)
    total = 0.0
    for amount, unit in parts:
        if unit.casefold() not in UNIT_MINUTES:
            raise ValueError(text)
        total += float(amount.replace(",", ".")) * UNIT_MINUTES[unit.casefold()]
    return total


def email_of_upn(upn: str) -> str | None:
    """The address a Teams participant id stands for: a guest's `name_domain#EXT#@tenant` is name@domain."""
    folded = upn.casefold()
    if "#ext#" in folded:
        # A domain has no underscore, so the last one is where the guest's @ was.
        user, underscore, domain = upn[: folded.index("#ext#")].rpartition("_")
        return f"{user}@{domain}" if underscore and user and domain else None
    return upn if "@" in upn else None


@dataclass
class PersonRows:
    """The rows read so far, merged per person: someone who joined twice is one person with both times summed."""

    rows: dict

    def add(self, name: str, email: str, minutes: float | None) -> None:
        """Add a row: merged with an earlier one of the same email (or, without an email, the same name)."""
        name = NAME_MARKS.sub("", name).strip()
        email = email.strip()
        if email:
            try:
                email = normalized_email(email)
            except EmailNotValidError:
                pass
            key = ("email", email.casefold())
        else:
            key = ("name", name.casefold())
        row = self.rows.get(key)
        if row is None:
            self.rows[key] = ReportRow(name, email or None, minutes)
        elif minutes is not None:
            self.rows[key] = ReportRow(row.name or name, row.email, (row.minutes or 0) + minutes)

    def report(self, layout: str) -> Report:
        """The report of these people; refused when it lists nobody."""
        if not self.rows:
            raise ReportRefused(_l("The report lists no participants. Check that it is the report of this"
                                   " webinar, download it again and upload it."))
        rows = [ReportRow(row.name, row.email, None if row.minutes is None else round(row.minutes, 2))
                for row in self.rows.values()]
        return Report(layout, rows)


def read_people(layout: str, lines: Lines, columns: Columns, *, name: int | None, email: int | None,
                minutes: int | None, first_name: int | None = None, last_name: int | None = None,
                upn: int | None = None, attended: int | None = None) -> Report:
    """The people of a block of data rows whose columns are at the given indexes."""
    people = PersonRows({})
    for line, row in lines:
        if attended is not None and cell(row, attended).casefold() in NEVER_JOINED:
            # A Zoom webinar registrant who never joined is not a participant.
            continue
        full_name = cell(row, name) or f"{cell(row, first_name)} {cell(row, last_name)}".strip()
        address = cell(row, email) or email_of_upn(cell(row, upn)) or ""
        if not (full_name or address):
            continue
        try:
            time = minutes_of(cell(row, minutes)) if minutes is not None else None
        except ValueError:
            raise ReportRefused(_l(
                "Line %(line)d: the time in the session “%(value)s” cannot be read. Upload the report as the webinar"
                " platform gave it.", line=line, value=cell(row, minutes)[:40])) from None
        people.add(full_name, address, time)
    return people.report(layout)


def block_after(lines: Lines, start: int, ends_at) -> Lines:
    """The rows from `start` up to the first blank row or the first row `ends_at` says ends the block."""
    block = []
    for line, row in lines[start:]:
        if is_blank(row) or ends_at(row):
            break
        block.append((line, row))
    return block


def first_index(lines: Lines, matches, start: int = 0) -> int | None:
    """The index of the first row from `start` that `matches`, or None."""
    return next((index for index in range(start, len(lines)) if matches(lines[index][1])), None)


def first_cell(row: list[str]) -> str:
    """A row's first cell as a header key."""
    return header_key(row[0]) if row else ""


def next_row(lines: Lines, index: int) -> int | None:
    """The index of the first non-blank row after `index`."""
    return first_index(lines, lambda row: not is_blank(row), index + 1)


MISSING_EMAIL_COLUMN = _l("The report has no email column, so nobody can be matched to a registration. Download the"
                          " report again with the participants' email addresses.")


def read_teams(lines: Lines) -> Report | None:
    """Teams today: sections "1. Summary", "2. Participants" (one row per person), "3. In-Meeting Activities"."""
    section = first_index(lines, lambda row: bool(TEAMS_PARTICIPANTS.match(first_cell(row))))
    header_at = None if section is None else next_row(lines, section)
    if header_at is None:
        return None
    columns = Columns(lines[header_at][1])
    if columns.find({"name"}) is None:
        return None
    if columns.find({"email"}) is None and columns.find({"participant id (upn)"}) is None:
        raise ReportRefused(MISSING_EMAIL_COLUMN)
    people = block_after(lines, header_at + 1, lambda row: bool(SECTION_TITLE.match(first_cell(row))))
    return read_people("teams", people, columns, name=columns.find({"name"}), email=columns.find({"email"}),
                       upn=columns.find({"participant id (upn)"}),
                       minutes=columns.find({"in-meeting duration", "duration"}))


def read_teams_2021(lines: Lines) -> Report | None:
    """Teams 2021: a "Meeting Summary" block, then one row per join (Full Name, Join Time, …, Duration, Email)."""
    if first_index(lines, lambda row: first_cell(row) == "meeting summary") is None:
        return None
    header_at = first_index(lines, lambda row: {"full name", "join time"} <= set(Columns(row).keys))
    if header_at is None:
        return None
    columns = Columns(lines[header_at][1])
    if columns.find({"email"}) is None and columns.find({"participant id (upn)"}) is None:
        raise ReportRefused(MISSING_EMAIL_COLUMN)
    people = block_after(lines, header_at + 1, lambda row: False)
    return read_people("teams_2021", people, columns, name=columns.find({"full name"}),
                       email=columns.find({"email"}), upn=columns.find({"participant id (upn)"}),
                       minutes=columns.find({"duration"}))


def read_zoom_webinar(lines: Lines) -> Report | None:
    """Zoom webinar: blocks "Attendee Report", "Host Details", "Panelist Details", "Attendee Details".

    Only the attendees count; a registrant who never joined (Attended: No) is left out.
    """
    section = first_index(lines, lambda row: first_cell(row) == "attendee details")
    header_at = None if section is None else next_row(lines, section)
    if header_at is None:
        return None
    columns = Columns(lines[header_at][1])
    if columns.find({"attended"}) is None:
        return None
    if columns.find({"email"}) is None:
        raise ReportRefused(MISSING_EMAIL_COLUMN)
    # The next block starts with its title alone on a row ("Other Attended", …).
    people = block_after(lines, header_at + 1, lambda row: sum(1 for value in row if value.strip()) == 1)
    return read_people("zoom_webinar", people, columns,
                       name=columns.find({"user name (original name)", "user name"}),
                       first_name=columns.find(FIRST_NAME_HEADERS), last_name=columns.find(LAST_NAME_HEADERS),
                       email=columns.find({"email"}), minutes=columns.find({"time in session (minutes)"}),
                       attended=columns.find({"attended"}))


def read_zoom_meeting(lines: Lines) -> Report | None:
    """Zoom meeting participants: an optional meeting block, then one row per join with Name (Original Name)."""
    header_at = first_index(lines, lambda row: "name (original name)" in Columns(row).keys)
    if header_at is None:
        return None
    columns = Columns(lines[header_at][1])
    if columns.find({"user email", "email"}) is None:
        raise ReportRefused(MISSING_EMAIL_COLUMN)
    people = block_after(lines, header_at + 1, lambda row: False)
    return read_people("zoom_meeting", people, columns, name=columns.find({"name (original name)"}),
                       email=columns.find({"user email", "email"}), minutes=columns.find({"duration (minutes)"}))


# A title line or two may come before a generic file's header row.
GENERIC_HEADER_SEARCH = 10


def read_generic(lines: Lines) -> Report | None:
    """Any CSV whose header row (among its first rows) names an email column; name and duration columns are optional."""
    candidates = islice((index for index, (_, row) in enumerate(lines) if not is_blank(row)), GENERIC_HEADER_SEARCH)
    header_at = next((index for index in candidates if Columns(lines[index][1]).find(EMAIL_HEADERS) is not None), None)
    if header_at is None:
        return None
    columns = Columns(lines[header_at][1])
    people = [(line, row) for line, row in lines[header_at + 1:] if not is_blank(row)]
    return read_people("generic", people, columns, name=columns.find(NAME_HEADERS),
                       first_name=columns.find(FIRST_NAME_HEADERS), last_name=columns.find(LAST_NAME_HEADERS),
                       email=columns.find(EMAIL_HEADERS), minutes=columns.find(DURATION_HEADERS))


# Most specific first: a Teams or Zoom report also has an email column a generic reading would take.
READERS = (read_teams, read_teams_2021, read_zoom_webinar, read_zoom_meeting, read_generic)


def read_report(data: bytes) -> Report:
    """The report's people, whatever supported layout, encoding and separator it has; raises ReportRefused."""
    if not data.strip():
        raise ReportRefused(_l("The file is empty. Download the attendance report again and upload it."))
    if len(data) > MAX_REPORT_BYTES:
        raise ReportRefused(too_large_message())
    text = decoded(data)
    if text.count("\n") > MAX_REPORT_LINES:
        raise ReportRefused(_l(
            "The file has more than %(lines)s lines, more than any webinar's attendance report. Check that it is the"
            " report of this webinar.", lines=format_number(MAX_REPORT_LINES)))
    head = head_of(text, HEAD_LINES)
    # Tabs first (Teams), then semicolons (Excel in Finland), then commas: a separator that is not the
    # file's own leaves each line one cell, and no header is found with it. The layout is recognized
    # from the file's head, so a long file is split and read only once.
    for delimiter in ("\t", ";", ","):
        head_lines = split_cells(head, delimiter, strict=False)
        for reader in READERS:
            try:
                recognized = reader(head_lines) is not None
            except ReportRefused:
                recognized = True
            if recognized:
                report = reader(split_cells(text, delimiter))
                if report is None:
                    raise ReportRefused(NOT_A_REPORT)
                return report
    raise ReportRefused(_l(
        "No email column was found in the file. Upload the Teams or Zoom report as it was downloaded, or a CSV file"
        " whose first row names the columns, one of them Email, Sähköposti or E-post."))


# Enough for a report's summary and its hosts and panelists before the participants' header.
HEAD_LINES = 500


def head_of(text: str, lines: int) -> str:
    """The text's first lines."""
    end = -1
    for _ in range(lines):
        end = text.find("\n", end + 1)
        if end == -1:
            return text
    return text[:end]


def too_large_message():
    """What an organizer is told of a file over the limit."""
    return _l("The file is larger than %(megabytes)d MB. Upload the attendance report itself, not a recording or"
              " a folder.", megabytes=MAX_REPORT_BYTES // (1024 * 1024))


# --- Preview ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registrant:
    """What the preview and apply read of a registration."""

    id: int
    name: str
    email: str
    status: str
    attended: str


@dataclass(frozen=True)
class Match:
    """A report row and the registration with its email."""

    row: ReportRow
    registrant: Registrant


UNMATCHED_REASONS = ("no_email", "invalid_email", "not_registered")


@dataclass(frozen=True)
class Unmatched:
    """A report row that matches no registration, and why: no email, an invalid one, or nobody registered with it."""

    row: ReportRow
    reason: str


@dataclass(frozen=True)
class AttendancePreview:
    """What applying the import would do, for the organizer to check first."""

    attended: list[Match]
    too_short: list[Match]
    no_seat: list[Match]
    unmatched: list[Unmatched]
    absent: list[Registrant]
    has_durations: bool
    minimum_minutes: int

    def new_attendance(self) -> dict[int, str]:
        """Each confirmed registration's attendance once applied: yes when in the report long enough, else no."""
        attendance = {match.registrant.id: "yes" for match in self.attended}
        attendance.update((match.registrant.id, "no") for match in self.too_short)
        attendance.update((registrant.id, "no") for registrant in self.absent)
        return attendance


# A confirmed registration is the one to mark; another with the same email only explains a row.
STATUS_RANK = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}


def registrants_by_email(event_id: int) -> dict[str, Registrant]:
    """The event's registrations by email, whose data is not removed; per email the confirmed one, else the latest."""
    rows = db.session.execute(
        select(Registration.id, Registration.first_name, Registration.last_name, Registration.email,
               Registration.status, Registration.attended)
        .where(Registration.event_id == event_id, Registration.purged_at.is_(None))
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    )
    registrants: dict[str, Registrant] = {}
    for row in rows:
        found = registrants.get(row.email)
        if found is None or STATUS_RANK[row.status] < STATUS_RANK[found.status]:
            registrants[row.email] = Registrant(row.id, f"{row.first_name} {row.last_name}", row.email, row.status,
                                                row.attended)
    return registrants


def stored_row(row: dict) -> ReportRow:
    """A row of AttendanceImport.rows as a ReportRow."""
    return ReportRow(row["name"], row["email"], row["minutes"])


def is_valid_email(text: str) -> bool:
    """Whether the text is an email address at all."""
    try:
        normalized_email(text)
    except EmailNotValidError:
        return False
    return True


def preview_of(attendance_import: AttendanceImport) -> AttendancePreview:
    """Match the import's rows to the event's registrations as they are now; changes nothing."""
    registrants = registrants_by_email(attendance_import.event_id)
    minimum = attendance_import.minimum_minutes
    rows = [stored_row(row) for row in attendance_import.rows]
    has_durations = any(row.minutes is not None for row in rows)
    attended, too_short, no_seat, unmatched, seen = [], [], [], [], set()
    for row in rows:
        registrant = registrants.get(row.email) if row.email else None
        if registrant is None:
            reason = ("no_email" if not row.email else
                      "not_registered" if is_valid_email(row.email) else "invalid_email")
            unmatched.append(Unmatched(row, reason))
        elif registrant.status != "confirmed":
            no_seat.append(Match(row, registrant))
        elif row.minutes is not None and row.minutes < minimum:
            seen.add(registrant.id)
            too_short.append(Match(row, registrant))
        else:
            seen.add(registrant.id)
            attended.append(Match(row, registrant))
    absent = [registrant for registrant in registrants.values()
              if registrant.status == "confirmed" and registrant.id not in seen]

    def by_name(match: Match) -> str:
        return match.registrant.name.casefold()

    return AttendancePreview(
        attended=sorted(attended, key=by_name), too_short=sorted(too_short, key=by_name),
        no_seat=sorted(no_seat, key=by_name), unmatched=unmatched,
        absent=sorted(absent, key=lambda registrant: registrant.name.casefold()),
        has_durations=has_durations, minimum_minutes=minimum,
    )


def import_refusal(event: Event, now: datetime | None = None):
    """Why attendance cannot be imported for the event now, or None when it can."""
    if event.status == "cancelled":
        return _l("The event was cancelled, so nobody can be marked as attended or not.")
    if (now or utcnow()) < event.starts_at:
        return _l("The event has not started yet. Import the attendance report once the webinar is over.")
    return None


def create_preview(event: Event, user: OrganizerUser | None, filename: str, report: Report,
                   minimum_minutes: int) -> AttendanceImport:
    """Keep the report for the organizer to check and confirm; it replaces the event's earlier unconfirmed previews.

    Only one preview per event waits: a confirmation of an older one (another tab, another
    organizer) is refused rather than applying a report nobody looked at last. The caller commits.
    """
    discard_previews(event.id)
    attendance_import = AttendanceImport(
        event_id=event.id, user_id=user.id if user is not None else None, status="preview", layout=report.layout,
        filename=filename[:255], minimum_minutes=minimum_minutes, rows=[row.as_json() for row in report.rows],
    )
    db.session.add(attendance_import)
    db.session.flush()
    return attendance_import


def discard_previews(event_id: int) -> None:
    """Mark every unconfirmed preview of the event discarded, dropping its rows."""
    db.session.execute(
        update(AttendanceImport)
        .where(AttendanceImport.event_id == event_id, AttendanceImport.status == "preview")
        .values(status="discarded", rows=[])
        .execution_options(synchronize_session=False)
    )


def waiting_preview(event_id: int) -> AttendanceImport | None:
    """The event's preview waiting for confirmation, if any."""
    return db.session.execute(
        select(AttendanceImport)
        .where(AttendanceImport.event_id == event_id, AttendanceImport.status == "preview")
        .order_by(AttendanceImport.id.desc()).limit(1)
    ).scalar_one_or_none()


def import_of(event_id: int, import_id: int | None) -> AttendanceImport | None:
    """The event's import with that id, read afresh; None when the id is another event's or unknown."""
    if import_id is None:
        return None
    return db.session.execute(
        select(AttendanceImport)
        .where(AttendanceImport.id == import_id, AttendanceImport.event_id == event_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def current_import(event_id: int) -> AttendanceImport | None:
    """The event's latest applied import not undone: the one whose attendance is in force, and the only one to undo."""
    return db.session.execute(
        select(AttendanceImport)
        .where(AttendanceImport.event_id == event_id, AttendanceImport.status == "applied")
        .order_by(AttendanceImport.applied_at.desc(), AttendanceImport.id.desc()).limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class HistoryEntry:
    """An applied (or undone) import as the history lists it."""

    attendance_import: AttendanceImport
    user_name: str | None
    is_current: bool


def import_history(event_id: int) -> list[HistoryEntry]:
    """The event's applied and undone imports, latest first, marking the one in force."""
    rows = db.session.execute(
        select(AttendanceImport, OrganizerUser.name)
        .outerjoin(OrganizerUser, OrganizerUser.id == AttendanceImport.user_id)
        .where(AttendanceImport.event_id == event_id, AttendanceImport.status.in_(("applied", "undone")))
        .order_by(AttendanceImport.applied_at.desc(), AttendanceImport.id.desc())
    ).all()
    current = next((row[0].id for row in rows if row[0].status == "applied"), None)
    return [HistoryEntry(attendance_import, name, attendance_import.id == current) for attendance_import, name in rows]


# --- Apply and undo ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppliedImport:
    """What applying did: the import, how many were marked attended and absent, and how many values changed."""

    attendance_import: AttendanceImport
    attended: int
    absent: int
    unmatched: int
    changed: int


ALREADY_APPLIED = _l("This report is already saved. Nothing was changed.")
NOT_WAITING = _l("This preview is no longer waiting for confirmation: a newer report was uploaded or saved since."
                 " Check the page and upload the report again if needed.")


def apply_import(event_id: int, import_id: int | None, now: datetime | None = None) -> AppliedImport:
    """Set the attendance of the event's confirmed registrations from the previewed import, all at once or not at all.

    Under the event lock: the import must still be the event's waiting preview (a double click,
    another tab or a newer upload is refused) and the event must have started. Yes for each
    confirmed registration in the report with at least the minimum time, no for every other
    confirmed one; waitlisted and cancelled registrations are left as they are. The values
    before are kept on the import for undo. An import applied before stays applied beneath
    this one. The caller commits; registrations loaded in the session are not refreshed.
    """
    now = now or utcnow()
    event = lock_event(event_id)
    attendance_import = import_of(event_id, import_id)
    if attendance_import is None or attendance_import.status != "preview":
        applied = attendance_import is not None and attendance_import.status == "applied"
        raise ImportRefused(ALREADY_APPLIED if applied else NOT_WAITING)
    later = db.session.execute(
        select(AttendanceImport.id).where(
            AttendanceImport.event_id == event_id, AttendanceImport.applied_at > attendance_import.created_at
        ).limit(1)
    ).first()
    if later is not None:
        raise ImportRefused(NOT_WAITING)
    if refusal := import_refusal(event, now):
        raise ImportRefused(refusal)
    preview = preview_of(attendance_import)
    current = {match.registrant.id: match.registrant.attended for match in preview.attended + preview.too_short}
    current.update((registrant.id, registrant.attended) for registrant in preview.absent)
    changes = {registration_id: attended for registration_id, attended in preview.new_attendance().items()
               if current[registration_id] != attended}
    set_attendance(event_id, changes, now)
    # The value written is kept beside the one before: undo leaves alone what was changed by hand since.
    attendance_import.previous_attendance = {str(registration_id): [current[registration_id], attended]
                                             for registration_id, attended in changes.items()}
    attendance_import.status = "applied"
    attendance_import.applied_at = now
    return AppliedImport(attendance_import, len(preview.attended), len(preview.too_short) + len(preview.absent),
                         len(preview.unmatched), len(changes))


# Ids per UPDATE: well under SQLite's limit of bound parameters, and few statements for the largest events.
UPDATE_CHUNK = 5000


def set_attendance(event_id: int, attendance: dict[int, str], now: datetime,
                   where_attended: str | None = None) -> int:
    """Set each registration's attendance, an UPDATE per value and chunk of ids; returns how many rows changed.

    Rows of other events are never touched, whatever ids are given; with `where_attended`, only
    rows whose attendance is that value now.
    """
    by_value: dict[str, list[int]] = {}
    for registration_id, attended in attendance.items():
        by_value.setdefault(attended, []).append(registration_id)
    changed = 0
    condition = Registration.event_id == event_id
    if where_attended is not None:
        condition &= Registration.attended == where_attended
    for attended, ids in by_value.items():
        for start in range(0, len(ids), UPDATE_CHUNK):
            changed += db.session.execute(
                update(Registration)
                .where(condition, Registration.id.in_(ids[start:start + UPDATE_CHUNK]))
                .values(attended=attended, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
    return changed


@dataclass(frozen=True)
class UndoneImport:
    """What undoing did: how many registrations went back, how many kept a value set by hand since the import."""

    restored: int
    kept: int


def undo_import(event_id: int, import_id: int | None, now: datetime | None = None) -> UndoneImport:
    """Put back the attendance the import changed, as it was before it, where it is still what the import wrote.

    Only the import in force (the latest applied) can be undone, so imports come off in the
    reverse order they went on and each undo restores the state before its import. A
    registration whose attendance was changed by hand after the import keeps it. The report's
    rows are dropped: an undone import is never applied again. Under the event lock; the caller commits.
    """
    now = now or utcnow()
    lock_event(event_id)
    attendance_import = import_of(event_id, import_id)
    if attendance_import is None or attendance_import.status not in ("applied", "undone"):
        raise ImportRefused(_l("Only a saved import can be undone. Nothing was changed."))
    if attendance_import.status == "undone":
        raise ImportRefused(_l("This import is already undone. Nothing was changed."))
    current = current_import(event_id)
    if current is None or current.id != attendance_import.id:
        raise ImportRefused(_l("A newer import is in force. Undo that one first, then this one."))
    previous = attendance_import.previous_attendance or {}
    by_written: dict[str, dict[int, str]] = {}
    for registration_id, (before, written) in previous.items():
        by_written.setdefault(written, {})[int(registration_id)] = before
    restored = sum(set_attendance(event_id, attendance, now, where_attended=written)
                   for written, attendance in by_written.items())
    attendance_import.status = "undone"
    attendance_import.undone_at = now
    attendance_import.rows = []
    return UndoneImport(restored, len(previous) - restored)


def discard_preview(event_id: int, import_id: int | None) -> bool:
    """Drop the event's waiting preview with that id; False when it is no longer waiting. The caller commits."""
    attendance_import = import_of(event_id, import_id)
    if attendance_import is None or attendance_import.status != "preview":
        return False
    attendance_import.status = "discarded"
    attendance_import.rows = []
    return True


def followups_after_saving(event: Event, now: datetime | None = None) -> str | None:
    """What attendance saved now does to the event's follow-up mail.

    "sent" when some follow-ups went out already: they are not sent again. "coming" when they
    are still to go: mail is composed when sent, so they use it. None when the event gets none.
    """
    now = now or utcnow()
    statuses = set(db.session.execute(
        select(Message.status).distinct()
        .join(Registration, Message.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Message.kind == "followup")
    ).scalars())
    if statuses & {"sent", "sending"}:
        return "sent"
    # Planning writes them once due, unless the event ended more than the window ago by then.
    window_ends = event.ends_at + FOLLOWUP_WINDOW
    to_be_planned = event.status == "published" and now < window_ends and event.followup_due_at < window_ends
    if "pending" in statuses or (not statuses and to_be_planned):
        return "coming"
    return None
