"""The attendance page: upload a platform's report, check the preview, save it; undo a saved import.

Saving and undoing are audited (rule 9), and so is each showing of a preview, which lists
registrants by name and email.
"""

import re

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import csrf, db
from app.organizer import bp
from app.organizer.attendance_forms import AttendanceUploadForm, ImportActionForm
from app.organizer.words import REPORT_LAYOUT_WORDS, UNMATCHED_REASON_WORDS
from app.services.attendance import (
    MAX_REPORT_BYTES,
    ImportRefused,
    ReportRefused,
    apply_import,
    create_preview,
    current_import,
    discard_preview,
    followups_after_saving,
    import_history,
    import_refusal,
    preview_of,
    read_report,
    too_large_message,
    undo_import,
    waiting_preview,
)
from app.services.audit import record

# The report and the form's other fields with their multipart framing.
UPLOAD_LIMIT = MAX_REPORT_BYTES + 64 * 1024
FILE_NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def file_name(path: str) -> str:
    """The uploaded file's own name, without a folder a browser may send along or control characters."""
    return FILE_NAME_UNSAFE.sub("", path.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "report.csv"


def attendance_page(form: AttendanceUploadForm, form_error=None) -> str:
    """The page: the waiting preview (audited, as it shows registrants), the upload form, the saved imports."""
    pending = waiting_preview(g.event.id)
    preview = preview_of(pending) if pending is not None else None
    html = render_template(
        "organizer/attendance.html", form=form, form_error=form_error, pending=pending, preview=preview,
        current=current_import(g.event.id), history=import_history(g.event.id), refusal=import_refusal(g.event),
        layout_words=REPORT_LAYOUT_WORDS, reason_words=UNMATCHED_REASON_WORDS,
    )
    if pending is not None:
        record(current_user, "attendees_viewed", g.event.id, page="attendance_preview", import_id=pending.id,
               rows=len(pending.rows))
        db.session.commit()
    return html


@bp.route("/events/<int:event_id>/attendance", methods=["GET", "POST"])
# The view checks the CSRF token itself, after the login and permission guards; the app-wide check
# would read the upload before them, and under the site's smaller size limit.
@csrf.exempt
def attendance():
    """The attendance page; a posted report is read and kept as a preview to check, nothing saved yet."""
    if request.method != "POST":
        return attendance_page(AttendanceUploadForm(formdata=None))
    request.max_content_length = UPLOAD_LIMIT
    try:
        # Before anything else: a forged post must not even get the page, whose showing of a preview is audited.
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()
        form = AttendanceUploadForm()
    except RequestEntityTooLarge:
        form = AttendanceUploadForm(formdata=None)
        form.report.errors = [too_large_message()]
        return attendance_page(form), 413
    if refusal := import_refusal(g.event):
        return attendance_page(form, form_error=refusal), 400
    if not form.validate():
        return attendance_page(form), 400
    data = form.report.data.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        form.report.errors = [too_large_message()]
        return attendance_page(form), 413
    try:
        report = read_report(data)
    except ReportRefused as refusal:
        form.report.errors = [refusal.message]
        return attendance_page(form), 400
    create_preview(g.event, current_user, file_name(form.report.data.filename or ""), report,
                   form.minimum_minutes.data)
    db.session.commit()
    return redirect(url_for(".attendance"), 303)


# After saving, by what the event's follow-up mail makes of the attendance (followups_after_saving).
SAVED_WORDS = {
    "coming": _l("The attendance is saved: %(attended)d attended, %(absent)d did not attend. Follow-up mail goes to"
                 " each group with its own text."),
    "sent": _l("The attendance is saved: %(attended)d attended, %(absent)d did not attend. Follow-ups already sent"
               " are not sent again; the imported attendance shows in the results and reach."),
    None: _l("The attendance is saved: %(attended)d attended, %(absent)d did not attend."),
}


def refused_action(form: ImportActionForm):
    """The page again with why the button's import is out of date, status 400."""
    return attendance_page(AttendanceUploadForm(formdata=None), form_error=form.import_id.errors[0]), 400


@bp.post("/events/<int:event_id>/attendance/apply")
def apply_attendance():
    """Save the previewed attendance: yes for the matched, no for the other confirmed registrations."""
    form = ImportActionForm()
    if not form.validate_on_submit():
        return refused_action(form)
    try:
        outcome = apply_import(g.event.id, form.import_number())
    except ImportRefused as refusal:
        # A double click, another tab or a newer upload got there first.
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for(".attendance"))
    attendance_import = outcome.attendance_import
    record(current_user, "attendance_imported", g.event.id, import_id=attendance_import.id,
           layout=attendance_import.layout, rows=len(attendance_import.rows),
           minimum_minutes=attendance_import.minimum_minutes, attended=outcome.attended, absent=outcome.absent,
           unmatched=outcome.unmatched, changed=outcome.changed)
    db.session.commit()
    flash(SAVED_WORDS[followups_after_saving(g.event)] % {"attended": outcome.attended, "absent": outcome.absent},
          "success")
    return redirect(url_for(".attendance"))


@bp.post("/events/<int:event_id>/attendance/discard")
def discard_attendance():
    """Drop the waiting preview; nothing was saved from it."""
    form = ImportActionForm()
    if not form.validate_on_submit():
        return refused_action(form)
    if discard_preview(g.event.id, form.import_number()):
        db.session.commit()
        flash(_("The report is discarded. Nothing was changed."), "success")
    else:
        flash(_("This report is no longer waiting for confirmation. Nothing was changed."), "info")
    return redirect(url_for(".attendance"))


@bp.post("/events/<int:event_id>/attendance/undo")
def undo_attendance():
    """Undo the import in force: each registration's attendance goes back to what it was before it."""
    form = ImportActionForm()
    if not form.validate_on_submit():
        return refused_action(form)
    try:
        outcome = undo_import(g.event.id, form.import_number())
    except ImportRefused as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for(".attendance"))
    record(current_user, "attendance_import_undone", g.event.id, import_id=form.import_number(),
           restored=outcome.restored, kept=outcome.kept)
    db.session.commit()
    if outcome.kept:
        flash(ngettext("The import is undone. %(num)d registration was changed by hand after the import and keeps"
                       " its attendance; the others are as they were before it.",
                       "The import is undone. %(num)d registrations were changed by hand after the import and keep"
                       " their attendance; the others are as they were before it.", outcome.kept), "success")
    else:
        flash(_("The import is undone: the attendance is as it was before it."), "success")
    return redirect(url_for(".attendance"))
