"""A series' reach: the municipalities of Uusimaa × its events, as a page with a chart and table, and as a file.

Only counts by municipality are shown, no person, so looking at them is not audited.
"""

from flask import g, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from app.i18n import language_of_locale
from app.organizer import bp
from app.organizer.downloads import export_response
from app.organizer.words import REACH_ROW_WORDS
from app.services.exports import Column
from app.services.reach import ReachRow, SeriesReach, series_reach


@bp.get("/series/<int:series_id>/reach", endpoint="series_reach")
def series_reach_page():
    """The series' reach: the municipalities not reached yet, a chart and a table of registered and attended."""
    reach = series_reach(g.series, language_of_locale())
    return render_template("organizer/reach.html", reach=reach)


def row_name(row: ReachRow) -> str:
    """The municipality's name, or the words for the other organizations' and totals' rows."""
    return row.name if row.kind == "municipality" else str(REACH_ROW_WORDS[row.kind])


def export_columns(reach: SeriesReach, language: str) -> list[Column]:
    """The columns of the reach file: the row's name, then registered and attended for each event and in total."""
    columns = [Column(lazy_gettext("Municipality"), row_name),
               Column(lazy_gettext("Statistics code"), lambda row: row.code)]
    for number, column in enumerate(reach.events):
        event = column.event
        heading = f"{event.localized('title', language)} {format_date(event.starts_at, 'short')}"
        columns += [
            Column(_("%(event)s: registered", event=heading), lambda row, n=number: row.counts[n].registered),
            Column(_("%(event)s: attended", event=heading), lambda row, n=number: row.counts[n].attended),
        ]
    yes, no = _("Yes"), _("No")
    return [
        *columns,
        Column(lazy_gettext("Registered in total"), lambda row: row.total.registered),
        Column(lazy_gettext("Attended in total"), lambda row: row.total.attended),
        Column(lazy_gettext("Reached"), lambda row: (yes if row.reached else no) if row.kind == "municipality" else None),
    ]


@bp.get("/series/<int:series_id>/reach.<any(csv, xlsx):file_format>")
def export_series_reach(file_format: str):
    """The reach table as a CSV or Excel file, headed in the organizer's language."""
    language = language_of_locale()
    reach = series_reach(g.series, language)
    return export_response(export_columns(reach, language), reach.rows, file_format,
                           f"{g.series.slug}-reach", sheet_title=_("Reach"))
