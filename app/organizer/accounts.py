"""Accounts: every organizer's own password and the idle limit of their session; for admins, the accounts and the audit log."""

import time

from flask import Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in, user_logged_out
from sqlalchemy.exc import IntegrityError

from app.extensions import db, limiter, login_manager
from app.i18n import language_of_locale
from app.models import OrganizerUser
from app.organizer import admin_bp, bp
from app.organizer.access import OPEN_ENDPOINTS
from app.organizer.audit_details import detail_phrases
from app.organizer.forms import (
    ROLE_NAMES, AuditFilterForm, ChangePasswordForm, NewOrganizerForm, OrganizerForm, SetPasswordForm,
)
from app.organizer.views import LOGIN_LIMIT_PER_ADDRESS
from app.organizer.words import AUDIT_ACTION_WORDS
from app.services import organizers
from app.services.audit import record
from app.services.audit_log import audit_page

# Kept in the session by login: when the organizer last asked for an organizer page, and which password they logged in with.
SEEN_AT = "organizer_seen_at"
PASSWORD_STAMP = "organizer_password_salt_stamp"
# Guessing the current password from an open session is slowed like guessing it at the login.
PASSWORD_CHANGE_LIMIT_PER_ORGANIZER = "10 per hour"


def password_change_key() -> str:
    """The rate-limit key of a password change: the organizer's id, whichever addresses the guesses come from."""
    # The prefix keeps the key apart from the per-address keys.
    return f"password-change:{current_user.id}"


def password_change_refused(limit) -> Response:
    """The password page saying that nothing was changed and to wait, instead of a bare error page."""
    form = ChangePasswordForm(formdata=None)
    form.form_errors.append(
        _("Too many attempts to change the password. Your password was not changed. Wait an hour and try again.")
    )
    return Response(render_template("organizer/password.html", form=form), status=429)


@user_logged_in.connect
def start_session_clock(sender, user, **extra) -> None:
    """A login starts the idle clock and remembers which password it was made with."""
    session[SEEN_AT] = int(time.time())
    session[PASSWORD_STAMP] = organizers.password_stamp(user)


@user_logged_out.connect
def stop_session_clock(sender, user, **extra) -> None:
    """A logout leaves nothing of the login in the session."""
    session.pop(SEEN_AT, None)
    session.pop(PASSWORD_STAMP, None)


@bp.before_request
def end_stale_session():
    """Log out an organizer idle longer than ORGANIZER_IDLE_MINUTES, or whose password changed since they logged in.

    Runs after the login guard of app/organizer/access.py, so only for a logged-in, active organizer
    (and on the login and logout pages). Participants' sessions never pass here.
    """
    if not current_user.is_authenticated:
        return None
    seen_at, stamp = session.get(SEEN_AT), session.get(PASSWORD_STAMP)
    if seen_at is None or stamp is None:
        # A session from before these checks existed: log in again, once.
        logout_user()
        return None if request.endpoint in OPEN_ENDPOINTS else login_manager.unauthorized()
    idle_minutes = current_app.config["ORGANIZER_IDLE_MINUTES"]
    now = int(time.time())
    if now - seen_at > idle_minutes * 60:
        message = _("Your session ended after %(minutes)d minutes without activity. Log in again.", minutes=idle_minutes)
    elif stamp != organizers.password_stamp(current_user):
        message = _("Your password was changed since you logged in. Log in again with the new password.")
    else:
        session[SEEN_AT] = now
        return None
    logout_user()
    if request.endpoint in OPEN_ENDPOINTS:
        # The login page shows the message itself; a logout was asked for anyway.
        if request.endpoint == "organizer.login":
            flash(message, "info")
        return None
    flash(message, "info")
    # After logging in again, back to the page that was asked for (a form sent with a POST is lost anyway).
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("organizer.login", next=next_path))


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"], on_breach=password_change_refused)
@limiter.limit(PASSWORD_CHANGE_LIMIT_PER_ORGANIZER, methods=["POST"], key_func=password_change_key,
               on_breach=password_change_refused)
def change_password():
    """The organizer changes their own password, giving the current one; their session stays logged in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            organizers.change_password(current_user, form.current_password.data, form.new_password.data)
        except organizers.WrongPassword:
            form.current_password.errors.append(_("The current password is not correct. Type it again."))
        except organizers.PasswordUnchanged:
            form.new_password.errors.append(_("The new password is the same as the current one. Choose a different one."))
        else:
            record(current_user, "password_changed")
            db.session.commit()
            # This session carries on; the organizer's other sessions end at their next request.
            session[PASSWORD_STAMP] = organizers.password_stamp(current_user)
            flash(_("Your password has been changed. Use the new one the next time you log in."), "success")
            return redirect(url_for(".change_password"))
    return render_template("organizer/password.html", form=form), 400 if form.errors else 200


@admin_bp.get("/organizers", endpoint="organizers")
def organizer_list():
    """Every account with its role, state, last login and what it manages."""
    return render_template("organizer/admin/organizers.html", organizers=organizers.all_organizers(), role_names=ROLE_NAMES)


def offer_grants(form: OrganizerForm) -> OrganizerForm:
    """Fill the form's series and event choices."""
    form.offer_grants(organizers.all_series(), organizers.events_by_series(), language_of_locale())
    return form


@admin_bp.route("/organizers/new", methods=["GET", "POST"])
def new_organizer():
    """Create an account with a first password the admin passes on, and what it manages."""
    form = offer_grants(NewOrganizerForm())
    if form.validate_on_submit():
        try:
            organizer = organizers.create_organizer(
                form.email.data, form.name.data, form.password.data, role=form.role.data
            )
            organizers.grant(organizer, form.series.data, form.events.data)
            record(current_user, "organizer_created", organizer_id=organizer.id, email=organizer.email,
                   role=organizer.role)
            db.session.commit()
        except (organizers.EmailTaken, IntegrityError):
            # IntegrityError: another admin created the same email between the check and the insert.
            db.session.rollback()
            form.email.errors.append(email_taken())
        else:
            flash(_("The account of %(name)s was created. Give them the first password in person or by phone.",
                    name=organizer.name), "success")
            return redirect(url_for(".organizers"))
    return render_template("organizer/admin/organizer_form.html", form=form), 400 if form.errors else 200


def email_taken() -> str:
    """Why an address cannot be an organizer's: another account logs in with it."""
    return _("An organizer with this email address already exists. Find them in the list of organizers.")


def organizer_page(form: OrganizerForm, account_error: str | None = None, password_form: SetPasswordForm | None = None,
                   status: int = 200):
    """The edit page of g.organizer."""
    return render_template("organizer/admin/organizer_form.html", form=form, organizer=g.organizer,
                           account_error=account_error, password_form=password_form or SetPasswordForm(formdata=None),
                           own_account=g.organizer.id == current_user.id), status


def edit_form_of(organizer: OrganizerUser, posted: bool = True) -> OrganizerForm:
    """The edit form, showing the organizer's current values unless a POST of this form (posted) sent others."""
    current = {
        "email": organizer.email,
        "name": organizer.name,
        "role": organizer.role,
        "series": [series.id for series in organizer.series],
        "events": [event.id for event in organizer.events],
    }
    form = OrganizerForm(data=current) if posted else OrganizerForm(formdata=None, data=current)
    return offer_grants(form)


def record_account_change(organizer: OrganizerUser, **detail) -> None:
    """Audit an admin's change to an account, naming the account by its id and address."""
    record(current_user, "organizer_changed", organizer_id=organizer.id, email=organizer.email, **detail)


def back_to_account(organizer: OrganizerUser) -> Response:
    """After a change, the organizer's edit page, where the flashed message says what happened."""
    return redirect(url_for(".edit_organizer", organizer_id=organizer.id))


def refusal(error: organizers.AccountRuleRefused, organizer: OrganizerUser) -> str:
    """Why an admin may not take these rights, as a sentence saying what to do instead."""
    if isinstance(error, organizers.OwnAccount):
        return _("You cannot take your own administrator rights or deactivate your own account."
                 " Ask another administrator to do it.")
    return _("%(name)s is the only active administrator. Make another organizer an administrator first.",
             name=organizer.name)


@admin_bp.route("/organizers/<int:organizer_id>", methods=["GET", "POST"])
def edit_organizer():
    """Change an organizer's login address, name, role and the series and events they manage."""
    organizer = g.organizer
    form = edit_form_of(organizer)
    if not form.validate_on_submit():
        return organizer_page(form, status=400 if form.errors else 200)
    previous_email = organizer.email
    try:
        changed = organizers.update_organizer(
            current_user, organizer, form.email.data, form.name.data, form.role.data, form.series.data,
            form.events.data,
        )
        if "email" in changed:
            record_account_change(organizer, changed=changed, previous_email=previous_email)
        elif changed:
            record_account_change(organizer, changed=changed)
        db.session.commit()
    except (organizers.EmailTaken, IntegrityError):
        # IntegrityError: another admin gave the address to someone between the check and the commit.
        db.session.rollback()
        form.email.errors.append(email_taken())
        return organizer_page(form, status=400)
    except (organizers.OwnAccount, organizers.LastActiveAdmin) as error:
        db.session.rollback()
        form.role.errors.append(refusal(error, organizer))
        return organizer_page(form, status=400)
    flash(_("The changes to %(name)s's account were saved.", name=organizer.name), "success")
    return back_to_account(organizer)


@admin_bp.post("/organizers/<int:organizer_id>/deactivate")
def deactivate_organizer():
    """Stop an organizer from logging in; a session they have open ends at its next request."""
    organizer = g.organizer
    try:
        changed = organizers.deactivate(current_user, organizer)
    except (organizers.OwnAccount, organizers.LastActiveAdmin) as error:
        db.session.rollback()
        return organizer_page(edit_form_of(organizer, posted=False), account_error=refusal(error, organizer), status=400)
    if changed:
        record_account_change(organizer, active=False)
        db.session.commit()
    flash(_("%(name)s can no longer log in.", name=organizer.name), "success")
    return back_to_account(organizer)


@admin_bp.post("/organizers/<int:organizer_id>/reactivate")
def reactivate_organizer():
    """Let a deactivated organizer log in again with their password."""
    organizer = g.organizer
    if organizers.reactivate(organizer):
        record_account_change(organizer, active=True)
        db.session.commit()
    flash(_("%(name)s can log in again with their password.", name=organizer.name), "success")
    return back_to_account(organizer)


@admin_bp.post("/organizers/<int:organizer_id>/password")
def set_organizer_password():
    """Set a new password for an organizer who forgot theirs; a session they have open ends at its next request."""
    organizer = g.organizer
    password_form = SetPasswordForm()
    if not password_form.validate_on_submit():
        return organizer_page(edit_form_of(organizer, posted=False), password_form=password_form, status=400)
    try:
        organizers.reset_password(current_user, organizer, password_form.new_password.data)
    except organizers.OwnPassword:
        # Their own edit page links the password page instead of offering this form.
        return organizer_page(edit_form_of(organizer, posted=False), status=400)
    record_account_change(organizer, password="reset")
    db.session.commit()
    flash(_("The new password of %(name)s is set, and the sessions they had open have ended."
            " Give them the password in person or by phone.", name=organizer.name), "success")
    return back_to_account(organizer)


@admin_bp.get("/audit")
def audit_log():
    """Who viewed or exported personal data and who changed events and accounts, newest first, with filters."""
    form = AuditFilterForm(request.args)
    form.offer_choices(organizers.all_organizers(), organizers.events_by_series(), language_of_locale())
    if not form.validate():
        return render_template("organizer/admin/audit_log.html", form=form, page=None,
                               action_labels=AUDIT_ACTION_WORDS, detail_phrases=detail_phrases), 400
    page = audit_page(
        user_id=form.organizer.data, event_id=form.event.data, action=form.action.data or None,
        page=form.page.data or 1,
    )
    # The page links keep the filters.
    filters = {name: value for name, value in request.args.items() if name != "page" and value}
    return render_template("organizer/admin/audit_log.html", form=form, page=page, filters=filters,
                           action_labels=AUDIT_ACTION_WORDS, detail_phrases=detail_phrases)
