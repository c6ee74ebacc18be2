"""The event editor: create, edit and clone an event; publish, unpublish and cancel it."""

from dataclasses import MISSING, fields

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.extensions import db
from app.i18n import LANGUAGES, language_of_locale
from app.models import Event, Series
from app.organizer import bp
from app.organizer.event_forms import EditedEventForm, EventForm, rearranged
from app.services.audit import record
from app.services.events import (
    EventCancelled, EventChangedMeanwhile, EventDetails, EventSaved, EventStarted, ItemsHaveFeedback, SlugTaken,
    StillHasRegistrations, active_registration_count, cancel_event as cancel_event_service, clone_details,
    create_event, details_of, has_started, manageable_series, publish_event as publish_event_service, save_event,
    unpublish_event as unpublish_event_service, version_of,
)
from app.services.municipalities import municipality_names
from app.services.registration import CapacityBelowConfirmed

# What a new event's form starts from.
NEW_EVENT = {detail.name: detail.default for detail in fields(EventDetails) if detail.default is not MISSING}


def editor_form(start_from: EventDetails | dict, series: list[Series], reminder_offsets=(),
                form_class: type[EventForm] = EventForm, **initial) -> tuple[EventForm, str]:
    """The page's form and what was asked of it: "show" (a first look), "save", "preview" or a row button.

    A row button or preview shows the submitted form again, rearranged; only "save" validates.
    `initial` sets fields beyond the event's details on the first look.
    """
    if request.method != "POST":
        if isinstance(start_from, dict):
            form = form_class(data={**start_from, **initial})
        else:
            form = form_class(obj=start_from, **initial)
        action = "show"
    else:
        action = request.form.get("action", "save")
        form = form_class() if action == "save" else form_class(formdata=rearranged(request.form, action))
    form.offer([(s.id, s.name_fi) for s in series], municipality_names(language_of_locale()), reminder_offsets)
    return form, action


def show_editor(template: str, form: EventForm, action: str, status: int = 200, form_error: str | None = None,
                **context):
    """The editor page, with the descriptions rendered when a preview was asked for."""
    previews = None
    if action == "preview":
        previews = [(language, form[f"description_{language}"].data) for language in LANGUAGES]
    return render_template(template, form=form, previews=previews, form_error=form_error,
                           **context), status


def capacity_refusal(confirmed: int) -> str:
    """Why fewer seats than are taken cannot be set."""
    return ngettext(
        "%(num)d person has a confirmed seat, so the event needs at least %(num)d seat. "
        "Enter %(num)d or more, or cancel registrations first.",
        "%(num)d people have a confirmed seat, so the event needs at least %(num)d seats. "
        "Enter %(num)d or more, or cancel registrations first.",
        confirmed,
    )


def slug_taken_message() -> str:
    """Why the typed web address cannot be used."""
    return _("Another event already uses this web address. Change it, or leave it empty to make one from the title.")


def back_to_event(event: Event):
    """The event's overview page."""
    return redirect(url_for(".event", event_id=event.id))


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    """A new draft event in a series the organizer manages."""
    series = manageable_series(current_user)
    form, action = editor_form(NEW_EVENT, series)
    page = "organizer/event_new.html"
    if action != "save":
        return show_editor(page, form, action, series=series)
    if not form.validate():
        return show_editor(page, form, action, 400, series=series)
    try:
        event = create_event(form.details(), current_user)
    except SlugTaken:
        db.session.rollback()
        form.slug.errors.append(slug_taken_message())
        return show_editor(page, form, action, 400, series=series)
    record(current_user, "event_created", event.id)
    db.session.commit()
    flash(_("The event was saved as a draft. Publish it when it is ready."), "success")
    return back_to_event(event)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event():
    """Change any detail of the event; once it has started, only its texts, programme, contacts and recording link."""
    event = g.event
    if event.status == "cancelled":
        flash(_("This event was cancelled, so it can no longer be changed."), "info")
        return back_to_event(event)
    current = details_of(event)
    started = has_started(event)
    series = choosable_series(event)
    form, action = editor_form(current, series, current.reminder_offsets, EditedEventForm,
                               version=version_of(event))
    if started:
        form.lock_logistics()
    page = "organizer/event_edit.html"
    context = {"started": started, "cloning": False, "registered": active_registration_count(event.id)}
    if action != "save":
        return show_editor(page, form, action, **context)
    if not form.validate():
        return show_editor(page, form, action, 400, **context)
    try:
        saved = save_event(event.id, form.details(current), seen_version=form.version.data or "")
    except EventChangedMeanwhile:
        db.session.rollback()
        # The submitted form is shown again, so what the person typed is not lost.
        return show_editor(page, form, action, 409, form_error=_(
            "Someone else changed this event while you were editing. Your changes are not saved: copy what "
            "you need, reload the page and make them again."), **context)
    except EventCancelled:
        db.session.rollback()
        flash(_("This event was cancelled, so it can no longer be changed."), "info")
        return back_to_event(event)
    except SlugTaken:
        db.session.rollback()
        form.slug.errors.append(slug_taken_message())
        return show_editor(page, form, action, 400, **context)
    except CapacityBelowConfirmed as refusal:
        db.session.rollback()
        form.capacity.errors.append(capacity_refusal(refusal.confirmed))
        return show_editor(page, form, action, 400, **context)
    except EventStarted:
        db.session.rollback()
        return show_editor(page, form, action, 400, form_error=_(
            "The event has started, so its time, seats, links and reminders can no longer change. "
            "Reload the page to change its texts, programme, contacts or recording link."), **context)
    except ItemsHaveFeedback as refusal:
        db.session.rollback()
        form.restore_programme_items(refusal.items, _(
            "This item has feedback ratings, so it cannot be removed: removing it would delete them. "
            "It is back in the programme; change its texts if needed and save again."))
        return show_editor(page, form, action, 400, **context)
    if saved.changed:
        record(current_user, "event_changed", event.id, fields=saved.changed)
    db.session.commit()
    flash(saved_message(saved), "success")
    return back_to_event(event)


def saved_message(saved: EventSaved) -> str:
    """What saving did, in sentences: saved, invites updated, people promoted."""
    if not saved.changed:
        return _("Nothing was changed.")
    sentences = [_("The changes were saved.")]
    if saved.invites_updated:
        sentences.append(_("Confirmed participants get an updated calendar invite by email."))
    if saved.promoted:
        sentences.append(ngettext(
            "%(num)d person from the waiting list got a seat and is told by email.",
            "%(num)d people from the waiting list got a seat and are told by email.", saved.promoted))
    return " ".join(sentences)


def choosable_series(event: Event) -> list[Series]:
    """The series the event can be in: those the organizer manages, and its own."""
    series = manageable_series(current_user)
    if event.series not in series:
        series.append(event.series)
    return series


@bp.route("/events/<int:event_id>/clone", methods=["GET", "POST"])
def clone_event():
    """A new draft from this event: its texts, programme, contacts and settings a week later, no registrations."""
    source = g.event
    start_from = clone_details(source)
    series = choosable_series(source)
    form, action = editor_form(start_from, series, start_from.reminder_offsets)
    page = "organizer/event_edit.html"
    context = {"started": False, "cloning": True}
    if action != "save":
        return show_editor(page, form, action, **context)
    if not form.validate():
        return show_editor(page, form, action, 400, **context)
    try:
        event = create_event(form.details(), current_user, copy_of=source)
    except SlugTaken:
        db.session.rollback()
        form.slug.errors.append(slug_taken_message())
        return show_editor(page, form, action, 400, **context)
    record(current_user, "event_created", event.id, cloned_from=source.id)
    db.session.commit()
    flash(_("The copy was saved as a draft. Check it and publish it when it is ready."), "success")
    return back_to_event(event)


@bp.post("/events/<int:event_id>/publish")
def publish_event():
    """Put the draft on the public pages."""
    event = g.event
    try:
        published = publish_event_service(event.id)
    except EventCancelled:
        db.session.rollback()
        flash(_("This event was cancelled, so it cannot be published again. Make a copy of it instead."), "error")
        return back_to_event(event)
    if published:
        record(current_user, "event_published", event.id)
    db.session.commit()
    flash(_("The event is published: it is on the public pages and takes registrations as its times say."),
          "success")
    return back_to_event(event)


@bp.post("/events/<int:event_id>/unpublish")
def unpublish_event():
    """Take the event off the public pages while nobody is registered."""
    event = g.event
    try:
        unpublished = unpublish_event_service(event.id)
    except EventCancelled:
        db.session.rollback()
        flash(_("This event was cancelled, so it cannot be changed."), "error")
        return back_to_event(event)
    except StillHasRegistrations as refusal:
        db.session.rollback()
        flash(ngettext(
            "%(num)d person is registered, so the event cannot go back to a draft. "
            "Cancel the event instead: they are then told by email.",
            "%(num)d people are registered, so the event cannot go back to a draft. "
            "Cancel the event instead: they are then told by email.", refusal.active), "error")
        return back_to_event(event)
    if unpublished:
        record(current_user, "event_unpublished", event.id)
    db.session.commit()
    flash(_("The event is a draft again and no longer on the public pages."), "success")
    return back_to_event(event)


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel_event():
    """Ask to confirm, then cancel the event: everyone registered gets a calendar cancellation by email."""
    event = g.event
    if event.status == "cancelled":
        flash(_("This event is already cancelled."), "info")
        return back_to_event(event)
    if has_started(event):
        flash(_("The event has already started, so it can no longer be cancelled."), "error")
        return back_to_event(event)
    told = active_registration_count(event.id) if event.status == "published" else 0
    if request.method != "POST":
        return render_template("organizer/event_cancel.html", told=told)
    if not cancel_event_service(event.id):
        # A second click that got past the check above while the first was saving.
        db.session.rollback()
        flash(_("This event is already cancelled."), "info")
        return back_to_event(event)
    record(current_user, "event_cancelled", event.id, told=told)
    db.session.commit()
    if told:
        flash(ngettext("The event was cancelled. %(num)d person gets a cancellation by email.",
                       "The event was cancelled. %(num)d people get a cancellation by email.", told), "success")
    else:
        flash(_("The event was cancelled. Nobody was registered, so no emails are sent."), "success")
    return back_to_event(event)
