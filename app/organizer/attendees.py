"""An event's attendee list, a registration's page with its changes by hand, and the attendee exports.

Every look at personal data here writes an audit entry (rule 9).
"""

from operator import attrgetter

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from app.extensions import db
from app.i18n import LANGUAGE_NAMES, language_of_locale
from app.organizer import bp
from app.organizer.attendee_forms import AttendeeFilterForm, RegistrationChangeForm
from app.organizer.downloads import export_response
from app.organizer.words import ATTENDANCE_WORDS, REGISTRATION_STATUS_WORDS
from app.services.attendees import (
    ChangeOutcome,
    ChangeRefused,
    apply_change,
    attendance_refusal,
    attendee_page,
    cancel_by_organizer,
    cancel_refusal,
    export_query,
    waitlisted_count,
)
from app.services.audit import record
from app.services.exports import Column, ExportSource, helsinki_time
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


def export_columns(language: str) -> list[Column]:
    """The columns of an attendee export, headed in the organizer's language (the caller's locale)."""
    # Translated once per export, not once per row.
    status_words = {status: str(word) for status, word in REGISTRATION_STATUS_WORDS.items()}
    attendance_words = {value: str(word) for value, word in ATTENDANCE_WORDS.items()}
    yes, no = _("Yes"), _("No")
    municipality = attrgetter("municipality_sv" if language == "sv" else "municipality_fi")
    return [
        Column(lazy_gettext("First name"), lambda row: row.first_name),
        Column(lazy_gettext("Last name"), lambda row: row.last_name),
        Column(lazy_gettext("Email address"), lambda row: row.email),
        Column(lazy_gettext("Municipality"), municipality),
        Column(lazy_gettext("Organization"), lambda row: row.organization),
        Column(lazy_gettext("Job title"), lambda row: row.job_title),
        Column(lazy_gettext("Language"), lambda row: LANGUAGE_NAMES.get(row.language)),
        Column(lazy_gettext("Status"), lambda row: status_words[row.status]),
        Column(lazy_gettext("Attendance"), lambda row: attendance_words[row.attended]),
        Column(lazy_gettext("Registered"), lambda row: helsinki_time(row.created_at)),
        Column(lazy_gettext("Seat confirmed"), lambda row: helsinki_time(row.confirmed_at)),
        Column(lazy_gettext("Cancelled"), lambda row: helsinki_time(row.cancelled_at)),
        Column(lazy_gettext("Questions for the speakers"), lambda row: row.questions),
        Column(lazy_gettext("Accessibility needs"), lambda row: row.accessibility_needs),
        Column(lazy_gettext("Privacy notice version"), lambda row: row.privacy_notice_version),
        Column(lazy_gettext("Privacy notice accepted"), lambda row: helsinki_time(row.privacy_consented_at)),
        Column(lazy_gettext("May be told of future events"), lambda row: yes if row.future_events_consent else no),
        Column(lazy_gettext("Personal data removed"), lambda row: helsinki_time(row.purged_at)),
    ]


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


def registration_page(form: RegistrationChangeForm) -> str:
    """The registration's page, with what the organizer can change; every showing of it is audited (rule 9)."""
    html = render_template("organizer/registration.html", registration=g.registration, form=form,
                           language_names=LANGUAGE_NAMES, cancel_refusal=cancel_refusal(g.registration),
                           attendance_refusal=attendance_refusal(g.registration))
    record(current_user, "registration_viewed", g.event.id, registration_id=g.registration.id)
    db.session.commit()
    return html


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
def registration():
    """One registration: the person's details, questions, needs and consents, and the changes an organizer can make."""
    return registration_page(RegistrationChangeForm())


CHANGE_DONE = {
    "confirm": lazy_gettext("The registration is confirmed. The person is emailed their invitation."),
    "attended-yes": lazy_gettext("Marked as attended."),
    "attended-no": lazy_gettext("Marked as not attended."),
    "attended-unknown": lazy_gettext("Attendance marked as not known."),
}


def back_to_registration():
    """Back to the registration's page, where the flashed messages say what happened."""
    return redirect(url_for(".registration", event_id=g.event.id, registration_id=g.registration.id))


def record_change(change: str, before: tuple[str, str], outcome: ChangeOutcome) -> None:
    """Audit a change by hand: the status and attendance before and after, and who moved up the waiting list."""
    record(current_user, "registration_changed", g.event.id, registration_id=outcome.registration.id,
           change=change, status=[before[0], outcome.registration.status],
           attended=[before[1], outcome.registration.attended],
           promoted=[promoted.id for promoted in outcome.promoted])


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/status")
def change_registration():
    """Confirm from the waiting list or record attendance, through the seat rules; back to the registration."""
    form = RegistrationChangeForm()
    if not form.validate_on_submit():
        return registration_page(form), 400
    change = form.change.data
    before = g.registration.status, g.registration.attended
    try:
        outcome = apply_change(g.registration.id, change)
    except ChangeRefused as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return back_to_registration()
    record_change(change, before, outcome)
    db.session.commit()
    flash(str(CHANGE_DONE[change]), "success")
    return back_to_registration()


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
def cancel_registration():
    """Ask to confirm, then cancel the registration: the person is emailed and their seat goes to the waiting list."""
    refusal = cancel_refusal(g.registration)
    if refusal:
        flash(str(refusal), "info" if g.registration.status == "cancelled" else "error")
        return back_to_registration()
    if request.method != "POST":
        html = render_template("organizer/registration_cancel.html", registration=g.registration,
                               waiting=waitlisted_count(g.event.id))
        record(current_user, "registration_viewed", g.event.id, registration_id=g.registration.id)
        db.session.commit()
        return html
    before = g.registration.status, g.registration.attended
    try:
        outcome = cancel_by_organizer(g.registration.id)
    except ChangeRefused as refusal:
        # Another request got there first, or the event started meanwhile.
        db.session.rollback()
        flash(str(refusal.message), "error")
        return back_to_registration()
    record_change("cancel", before, outcome)
    db.session.commit()
    flash(_("The registration is cancelled. The person is emailed a cancellation."), "success")
    if outcome.promoted:
        flash(_("Moved up from the waiting list and emailed an invitation: %(names)s.",
                names=", ".join(promoted.full_name for promoted in outcome.promoted)), "success")
    return back_to_registration()
