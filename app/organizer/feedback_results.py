"""Feedback results: an event's survey results with charts, its answers as a file, and a series' feedback over time.

The pages show only counts, averages and answers without names, so looking at them is not
audited; the answers file is (rule 9), as it holds every response's answers.
"""

from flask import abort, g, render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.forms import PlainTextForm
from app.i18n import language_of_locale
from app.organizer import bp
from app.organizer.downloads import export_response
from app.organizer.words import FEEDBACK_THROUGH_WORDS
from app.services.audit import record
from app.services.exports import Column, ExportSource
from app.services.feedback_results import (
    MIN_GROUP,
    AnswersExport,
    answers_export,
    chosen_options,
    series_feedback,
    whole_points,
)
from app.services.feedback_results import feedback_results as event_feedback_results


class ResultsFilterForm(PlainTextForm):
    """Whose answers the results page reads, sent with GET so that the view is a link to keep."""

    class Meta:
        # A GET form changes nothing, and its link must work when shared or bookmarked.
        csrf = False

    through = SelectField(
        _l("Whose answers"), choices=[SelectChoice(value, word) for value, word in FEEDBACK_THROUGH_WORDS.items()], default="all",
        invalid_choice_message=_l("Choose whose answers to show from the list."),
    )


@bp.app_template_filter("percent")
def percent(share: float) -> str:
    """A share (0-1) as a whole percentage in the page's language ("40 %"), halves rounded up as NPS is."""
    return format_percent(whole_points(100 * share) / 100)


@bp.app_template_filter("decimal")
def decimal(number: float | None, places: int = 1) -> str:
    """A number with so many decimals in the page's language ("4,3"), or a dash for none."""
    if number is None:
        return "–"
    return format_decimal(number, "0." + "0" * places if places else "0")


@bp.get("/events/<int:event_id>/feedback/results")
def feedback_results():
    """The event's survey results: responses and rate, every question's distribution, NPS, programme ranking, municipalities."""
    form = ResultsFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("organizer/feedback_results.html", form=form, results=None, refused=True,
                               min_group=MIN_GROUP), 400
    results = event_feedback_results(g.event, language_of_locale(), form.through.data)
    return render_template("organizer/feedback_results.html", form=form, results=results, refused=False,
                           min_group=MIN_GROUP)


def export_columns(export: AnswersExport, language: str) -> list[Column]:
    """The answers file's columns in the organizer's language: the response's link and municipality, then each question.

    A municipality not shown on its own on the results page is "Others together" here too. Read into
    plain values here, before the audit commit expires the questions.
    """
    yes, no, others = _("Yes"), _("No"), _("Others together")
    columns = [
        Column(_l("Through the public link"), lambda row: yes if row.via_public_link else no),
        Column(_l("Municipality"), lambda row: row.municipality or others),
    ]
    for cell in export.cells:
        label = cell.question.localized("text", language)
        if cell.item is not None:
            label = f"{label}: {cell.item.localized('title', language)}"
        if cell.question.kind in ("single_choice", "multiple_choice"):
            options = list(cell.question.options or ())
            value = (lambda row, key=cell.key, options=options:
                     chosen_options(options, row._mapping[key], language))
        else:
            value = (lambda row, key=cell.key: row._mapping[key])
        columns.append(Column(label, value))
    return columns


@bp.get("/events/<int:event_id>/feedback/answers.<any(csv, xlsx):file_format>")
def export_feedback(file_format: str):
    """Every response's answers as a CSV or Excel file, one row per response, without names or emails; audited.

    As for attendee exports, the audit entry is committed before the first byte leaves, with the
    row count read from the snapshot the file is read from.
    """
    language = language_of_locale()
    export = answers_export(g.event, language)
    if export is None:
        abort(404)
    columns = export_columns(export, language)
    event_id, filename = g.event.id, f"{g.event.slug}-feedback"
    source = ExportSource(export.query)
    try:
        rows = source.count()
        record(current_user, "feedback_exported", event_id, format=file_format, rows=rows)
        db.session.commit()
    except BaseException:
        source.close()
        raise
    return export_response(columns, source, file_format, filename, sheet_title=_("Feedback"))


@bp.get("/series/<int:series_id>/feedback", endpoint="series_feedback")
def series_feedback_page():
    """The series' overall rating and NPS per event over time, as a chart and a table, and the topics asked for most."""
    feedback = series_feedback(g.series, language_of_locale())
    return render_template("organizer/series_feedback.html", feedback=feedback)
