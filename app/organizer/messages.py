"""An event's message log with resending of failed mail, and mailings to its registrants.

The log shows recipients' addresses, so every showing of it is audited (rule 9), as are a
resend and a mailing.
"""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.types import utcnow
from app.organizer import bp
from app.organizer.message_forms import LANGUAGE_WORDS, MailingForm, MessageFilterForm, ResendForm, new_mailing_token
from app.services.audit import record
from app.services.mailings import TextMissing, mailing_with_token, preview, recipients_by_language, send_mailing
from app.services.message_log import (
    ResendRefused,
    event_message,
    mailing_progress,
    message_page,
    resend,
)


@bp.get("/events/<int:event_id>/messages")
def messages():
    """Every email of the event with its status, filtered, a page at a time, and how far each mailing has got."""
    form = MessageFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("organizer/messages.html", form=form, page=None, mailings=[]), 400
    filters = form.filters()
    page = message_page(g.event.id, filters, request.args.get("page", 1, type=int))
    # Rendered before the commit, which would expire the loaded rows and read each one again.
    html = render_template("organizer/messages.html", form=form, page=page, mailings=mailing_progress(g.event.id))
    record(current_user, "messages_viewed", g.event.id, rows=len(page.messages), total=page.total, page=page.page,
           filters=filters.used())
    db.session.commit()
    return html


@bp.post("/events/<int:event_id>/messages/resend")
def resend_message():
    """Send a failed message again, with the same Message-ID; back to the log."""
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    message = event_message(g.event.id, form.message.data) or abort(404)
    recipient = message.registration.email
    try:
        resend(message, utcnow())
    except ResendRefused as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for(".messages"))
    record(current_user, "message_resent", g.event.id, message=message.id, kind=message.kind)
    db.session.commit()
    # The row was updated, not inserted, so the commit hook that wakes the workers does not see it.
    current_app.extensions["outbox_doorbell"].ring([message.id])
    flash(_("The message to %(email)s is sent again in a moment.", email=recipient), "success")
    return redirect(url_for(".messages"))


def compose_page(form: MailingForm, counts: dict[str, int] | None = None, previews=None, status: int = 200,
                 form_error: str | None = None):
    """The compose page with the people per language of the chosen audience, and the previews if asked for."""
    if counts is None and not form.statuses.errors and not form.attended.errors:
        counts = recipients_by_language(g.event.id, form.audience())
    return render_template("organizer/mailing_new.html", form=form, counts=counts, previews=previews,
                           language_words=LANGUAGE_WORDS, form_error=form_error or token_error(form)), status


def token_error(form: MailingForm) -> str | None:
    """The page's own error when the form's token is missing or broken: it cannot be sent as it is."""
    return form.token.errors[0] if form.token.errors else None


@bp.route("/events/<int:event_id>/mailings/new", methods=["GET", "POST"])
def compose_mailing():
    """Write to the event's registrants, preview each language version, confirm how many get it, send it once."""
    if request.method == "GET":
        return compose_page(MailingForm(token=new_mailing_token()))
    form = MailingForm()
    if not form.validate():
        return compose_page(form, status=400)
    if form.action.data == "send" and mailing_with_token(g.event.id, form.token.data) is not None:
        # The same form again (a double click, a reload): it went out the first time.
        flash(_("This message was already sent. It was not sent again."), "info")
        return redirect(url_for(".messages"))
    counts = recipients_by_language(g.event.id, form.audience())
    if form.action.data == "edit":
        # Back from the confirmation: the texts as they were, the missing ones not yet pointed out.
        return compose_page(form, counts)
    if not form.require_texts(counts):
        return compose_page(form, counts, status=400)
    texts = form.texts(counts)
    if form.action.data == "preview":
        return compose_page(form, counts, previews=preview(g.event, form.audience(), texts))
    if form.action.data == "review" or form.confirmed_count.data != sum(counts.values()):
        # A changed number since the confirmation is told before anything is sent.
        return confirm_page(form, counts, changed=form.action.data == "send")
    return send(form, texts)


def confirm_page(form: MailingForm, counts: dict[str, int], changed: bool):
    """The step before sending: how many get it in which language; status 409 when the numbers changed since."""
    return render_template("organizer/mailing_confirm.html", form=form, counts=counts, total=sum(counts.values()),
                           changed=changed, language_words=LANGUAGE_WORDS), 409 if changed else 200


# A form sent twice at the same moment: the first try may meet the other's mailing in the unique index.
SEND_ATTEMPTS = 2


def send(form: MailingForm, texts):
    """Queue the confirmed mailing, audit it and commit; the same form sent at the same moment finds this one."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            outcome = send_mailing(g.event, current_user, form.token.data, texts, form.audience())
            if outcome.created:
                record(current_user, "mailing_sent", g.event.id, mailing=outcome.mailing.id,
                       recipients=outcome.mailing.recipients, languages=sorted(texts))
            db.session.commit()
            break
        except TextMissing as missing:
            # Someone registered in another language between the count and the send: as for a changed count,
            # nothing goes and the new numbers are told; the form comes back if that language has no text yet.
            db.session.rollback()
            if form.require_texts(missing.counts):
                return confirm_page(form, missing.counts, changed=True)
            return compose_page(form, missing.counts, status=409, form_error=_(
                "Nothing was sent: people registered after you looked, in a language the message has no text"
                " for. Write the message in that language too and send it again."))
        except IntegrityError:
            db.session.rollback()
            if attempt == SEND_ATTEMPTS:
                raise
    if not outcome.created:
        flash(_("This message was already sent. It was not sent again."), "info")
        return redirect(url_for(".messages"))
    flash(ngettext("The message is on its way to %(num)d person. Its progress is shown below.",
                   "The message is on its way to %(num)d people. Its progress is shown below.",
                   outcome.mailing.recipients), "success")
    return redirect(url_for(".messages"))
