"""An event's attendee list, a registration's page with its changes by hand, and the attendee exports.

Every look at personal data here writes an audit entry (rule 9).
"""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from app.extensions import db
from app.i18n import LANGUAGE_NAMES, language_of_locale
from app.organizer import bp
from app.organizer.attendee_forms import AttendeeFilterForm, RegistrationChangeForm
from app.services.attendees import ChangeRefused, apply_change, attendee_page, export_columns, export_query
from app.services.audit import record
from app.services.exports import ExportSource, export_response
from app.services.municipalities import municipality_names


def filter_form() -> AttendeeFilterForm:
    """The list's filters as the URL gives them, offering the municipalities in the page's language."""
    form = AttendeeFilterForm(formdata=request.args)
    form.set_municipality_choices(municipality_names(language_of_locale()))
    return form


@bp.get("/events/<int:event_id>/attendees")
def attendees():
    """The event's registrations: searched, filtered, sorted, a page at a time."""
    form = filter_form()
    if not form.validate():
        return render_template("organizer/attendees.html", form=form, page=None), 400
    filters = form.filters()
    page = attendee_page(g.event.id, filters, request.args.get("page", 1, type=int), language_of_locale())
    # Rendered before the commit, which would expire the loaded rows and read each one again.
    html = render_template("organizer/attendees.html", form=form, page=page)
    record(current_user, "attendees_viewed", g.event.id, rows=len(page.registrations), total=page.total,
           page=page.page, filters=filters.used())
    db.session.commit()
    return html


@bp.get("/events/<int:event_id>/attendees.<any(csv, xlsx):file_format>")
def export_attendees(file_format: str):
    """The list's registrations with the same filters as a CSV or Excel file, streamed.

    The audit entry is committed before the first byte leaves, with the row count read from the
    same database snapshot as the file, so it says exactly what the file holds even if the
    download is cut short or the process dies while streaming.
    """
    form = filter_form()
    if not form.validate():
        return render_template("organizer/attendees.html", form=form, page=None), 400
    filters = form.filters()
    language = language_of_locale()
    # Read before the commit: after it the event would be read again, and the request's session
    # would sit in a transaction for as long as the download streams.
    event_id, filename = g.event.id, f"{g.event.slug}-attendees"
    source = ExportSource(export_query(event_id, filters, language))
    try:
        rows = source.count()
        record(current_user, "attendees_exported", event_id, format=file_format, rows=rows, filters=filters.used())
        db.session.commit()
    except BaseException:
        source.close()
        raise
    return export_response(export_columns(language), source, file_format, filename, sheet_title=_("Attendees"))


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
def registration():
    """One registration: the person's details, questions, needs and consents, and the changes an organizer can make."""
    record(current_user, "registration_viewed", g.event.id, registration_id=g.registration.id)
    db.session.commit()
    return render_template("organizer/registration.html", registration=g.registration,
                           form=RegistrationChangeForm(), language_names=LANGUAGE_NAMES)


CHANGE_DONE = {
    "confirm": lazy_gettext("The registration is confirmed. The person is emailed their invitation."),
    "cancel": lazy_gettext("The registration is cancelled. The person is emailed a cancellation."),
    "attended-yes": lazy_gettext("Marked as attended."),
    "attended-no": lazy_gettext("Marked as not attended."),
    "attended-unknown": lazy_gettext("Attendance marked as not known."),
}


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/status")
def change_registration():
    """Confirm from the waiting list, cancel or record attendance, through the seat rules; back to the registration."""
    form = RegistrationChangeForm()
    if not form.validate_on_submit():
        return render_template("organizer/registration.html", registration=g.registration, form=form,
                               language_names=LANGUAGE_NAMES), 400
    change = form.change.data
    before = g.registration.status, g.registration.attended
    try:
        outcome = apply_change(g.registration.id, change)
    except ChangeRefused as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for(".registration", event_id=g.event.id, registration_id=g.registration.id))
    record(current_user, "registration_changed", g.event.id, registration_id=outcome.registration.id,
           change=change, status=[before[0], outcome.registration.status],
           attended=[before[1], outcome.registration.attended],
           promoted=[promoted.id for promoted in outcome.promoted])
    db.session.commit()
    flash(str(CHANGE_DONE[change]), "success")
    if outcome.promoted:
        flash(_("Moved up from the waiting list and emailed an invitation: %(names)s.",
                names=", ".join(promoted.full_name for promoted in outcome.promoted)), "success")
    return redirect(url_for(".registration", event_id=g.event.id, registration_id=outcome.registration.id))
