"""The message log's filters and resend button, and the form that composes a mailing to an event's registrants."""

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SearchField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import PlainTextForm
from app.i18n import LANGUAGES
from app.organizer.attendee_forms import OneOf, choices_of
from app.organizer.words import ATTENDANCE_WORDS, MESSAGE_KIND_WORDS, MESSAGE_STATUS_WORDS, REGISTRATION_STATUS_WORDS
from app.services.mailings import Audience, MailingText
from app.services.message_log import MessageFilters

SUBJECT_LENGTH = 300  # the outbox row's subject column
BODY_LENGTH = 20_000
# What the buttons of the compose page and its confirmation send as "action".
MAILING_ACTIONS = ("preview", "review", "edit", "send")
SUBJECT_LABELS = {"fi": _l("Subject in Finnish"), "sv": _l("Subject in Swedish"), "en": _l("Subject in English")}
BODY_LABELS = {"fi": _l("Message in Finnish"), "sv": _l("Message in Swedish"), "en": _l("Message in English")}
LANGUAGE_WORDS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English")}
MISSING_SUBJECT = {
    "fi": _l("Write the subject in Finnish. Recipients who get the Finnish version: %(count)d."),
    "sv": _l("Write the subject in Swedish. Recipients who get the Swedish version: %(count)d."),
    "en": _l("Write the subject in English. Recipients who get the English version: %(count)d."),
}
MISSING_BODY = {
    "fi": _l("Write the message in Finnish. Recipients who get the Finnish version: %(count)d."),
    "sv": _l("Write the message in Swedish. Recipients who get the Swedish version: %(count)d."),
    "en": _l("Write the message in English. Recipients who get the English version: %(count)d."),
}
TOO_LONG = _l("Use at most %(max)d characters.")


class MessageFilterForm(PlainTextForm):
    """Search and filters of the message log, sent with GET so that a filtered log is a link to keep."""

    class Meta:
        # A GET form changes nothing, and its link must work when shared or bookmarked.
        csrf = False

    q = SearchField(_l("Search by recipient's name or email"), validators=[Length(max=200, message=TOO_LONG)])
    kind = SelectField(_l("Kind"), choices=choices_of(MESSAGE_KIND_WORDS), default="",
                       invalid_choice_message=_l("Choose a kind from the list."))
    status = SelectField(_l("Status"), choices=choices_of(MESSAGE_STATUS_WORDS), default="",
                         invalid_choice_message=_l("Choose a status from the list."))

    field_order = ("q", "kind", "status")

    def filters(self) -> MessageFilters:
        """The validated values as the message log service takes them."""
        return MessageFilters(kind=self.kind.data or "", status=self.status.data or "",
                              search=(self.q.data or "").strip())

    def query_args(self, **changes) -> dict:
        """The form's values as URL query arguments (empty ones left out), with changes."""
        values = {name: self[name].data for name in self.field_order}
        values.update(changes)
        return {name: value for name, value in values.items() if value}


class ResendForm(PlainTextForm):
    """The resend button of one failed message in the log."""

    message = IntegerField(validators=[InputRequired(), NumberRange(min=1)])

    field_order = ("message",)


def choices_for(words: dict) -> list[SelectChoice]:
    """Each value with its word, as checkboxes."""
    return [SelectChoice(value, word) for value, word in words.items()]


def new_mailing_token() -> str:
    """A fresh compose form's token: the mailing sent with it is made once, however often the form is sent."""
    return secrets.token_urlsafe(32)


class MailingForm(PlainTextForm):
    """A message to an event's registrants: whom it is for, and its subject and body in each language they use.

    Its buttons send "action": preview, review (the confirmation that says how many get it), edit
    (back from the confirmation) and send. Which languages need a text depends on the audience, so
    the view checks the texts with require_texts() once it knows how many people use each language.
    """

    token = HiddenField(validators=[Regexp(r"^[A-Za-z0-9_-]{32,64}$", message=_l(
        "This form has expired. Open the page for a new message and write it again."))])
    action = StringField(default="preview", validators=[OneOf(MAILING_ACTIONS, _l("Use the buttons of the form."))])
    # How many people the confirmation page named, so that a change since then is told before sending.
    confirmed_count = IntegerField(validators=[Optional(), NumberRange(min=0)])
    statuses = SelectMultipleField(
        _l("Registration status"), choices=choices_for(REGISTRATION_STATUS_WORDS), default=["confirmed"],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        invalid_choice_message=_l("Choose statuses from the list."),
    )
    attended = SelectMultipleField(
        _l("Attendance"), choices=choices_for(ATTENDANCE_WORDS), default=list(ATTENDANCE_WORDS),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        invalid_choice_message=_l("Choose attendance from the list."),
    )
    subject_fi = StringField(SUBJECT_LABELS["fi"], validators=[Length(max=SUBJECT_LENGTH, message=TOO_LONG)])
    body_fi = TextAreaField(BODY_LABELS["fi"], validators=[Length(max=BODY_LENGTH, message=TOO_LONG)],
                            render_kw={"rows": 10})
    subject_sv = StringField(SUBJECT_LABELS["sv"], validators=[Length(max=SUBJECT_LENGTH, message=TOO_LONG)])
    body_sv = TextAreaField(BODY_LABELS["sv"], validators=[Length(max=BODY_LENGTH, message=TOO_LONG)],
                            render_kw={"rows": 10})
    subject_en = StringField(SUBJECT_LABELS["en"], validators=[Length(max=SUBJECT_LENGTH, message=TOO_LONG)])
    body_en = TextAreaField(BODY_LABELS["en"], validators=[Length(max=BODY_LENGTH, message=TOO_LONG)],
                            render_kw={"rows": 10})

    # A subject and body per language of the service, in this order on the page.
    languages = LANGUAGES
    # The token's error is the page's own (the form expired); these are the fields a person fills in.
    field_order = ("statuses", "attended", "subject_fi", "body_fi", "subject_sv", "body_sv",
                   "subject_en", "body_en")

    def validate_statuses(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one registration status."))

    def validate_attended(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one attendance value."))

    def audience(self) -> Audience:
        """Whom the message is for, as the mailing service takes it; call after validate()."""
        return Audience(statuses=tuple(self.statuses.data), attended=tuple(self.attended.data))

    def subject(self, language: str):
        """The subject field of a language."""
        return self[f"subject_{language}"]

    def body(self, language: str):
        """The body field of a language."""
        return self[f"body_{language}"]

    def require_texts(self, counts: dict[str, int]) -> bool:
        """Check that each language with recipients has a subject and a body; a sentence next to each missing one."""
        complete = True
        if not any(counts.values()):
            self.statuses.errors = [*self.statuses.errors, _l(
                "Nobody matches these choices. Choose other statuses or attendance.")]
            return False
        for language in LANGUAGES:
            if not counts.get(language):
                continue
            if not (self.subject(language).data or "").strip():
                self.subject(language).errors = [*self.subject(language).errors,
                                                 MISSING_SUBJECT[language] % {"count": counts[language]}]
                complete = False
            if not (self.body(language).data or "").strip():
                self.body(language).errors = [*self.body(language).errors,
                                              MISSING_BODY[language] % {"count": counts[language]}]
                complete = False
        return complete

    def texts(self, counts: dict[str, int]) -> dict[str, MailingText]:
        """The subject and body of each language with recipients, stripped; call after require_texts()."""
        return {
            language: MailingText(subject=self.subject(language).data.strip(), body=self.body(language).data.strip())
            for language in LANGUAGES if counts.get(language)
        }
