"""The attendance page's forms: the report upload, and the buttons that save, discard or undo an import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Regexp

from app.forms import PlainTextForm
from app.services.attendance import MAX_REPORT_BYTES

# A webinar lasts hours, not days.
MAX_MINIMUM_MINUTES = 24 * 60


class AttendanceUploadForm(PlainTextForm):
    """The platform's report and the minimum time in the session that counts as attended."""

    report = FileField(
        _l("Attendance report"),
        description=_l("The report as Teams or Zoom gave it, or a CSV file with an email column. At most %(megabytes)d"
                       " MB.", megabytes=MAX_REPORT_BYTES // (1024 * 1024)),
        validators=[FileRequired(_l("Choose the attendance report file to upload."))],
    )
    minimum_minutes = IntegerField(
        _l("Minimum time in the webinar, in minutes"), default=0,
        description=_l("People in the report for less time are marked as not attended. 0 counts everyone in the"
                       " report."),
        validators=[InputRequired(_l("Enter the minimum time as a whole number of minutes, 0 for none.")),
                    NumberRange(min=0, max=MAX_MINIMUM_MINUTES, message=_l(
                        "Enter a whole number of minutes from 0 to %(max)d.", max=MAX_MINIMUM_MINUTES))],
        invalid_value_message=_l("Enter the minimum time as a whole number of minutes, 0 for none."),
        render_kw={"inputmode": "numeric"},
    )

    field_order = ("report", "minimum_minutes")


class ImportActionForm(PlainTextForm):
    """Which import a button saves, discards or undoes: the one the page showed, not whichever is latest now."""

    import_id = HiddenField(validators=[Regexp(r"^\d{1,18}$", message=_l(
        "The page is out of date. Open the attendance page again and repeat."))])

    field_order = ("import_id",)

    def import_number(self) -> int:
        """The import's id as sent."""
        return int(self.import_id.data)
