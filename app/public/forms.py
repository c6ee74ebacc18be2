"""Participants' forms; every message is a sentence in the page's language."""

from email_validator import EmailNotValidError
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import PlainTextForm
from app.i18n import LANGUAGE_NAMES, LANGUAGES
from app.services.addresses import normalized_email

OTHER_ORGANIZATION = "other"


class EmailAddress:
    """Checks an email address with email-validator, with our own message."""

    def __call__(self, form, field):
        try:
            normalized_email(field.data or "")
        except EmailNotValidError:
            raise ValidationError(_l("Enter an email address in the form name@example.fi.")) from None


class ParticipantDetailsForm(PlainTextForm):
    """The details a participant can give and later change."""

    first_name = StringField(
        _l("First name"),
        validators=[
            DataRequired(_l("Enter your first name.")),
            Length(max=100, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Last name"),
        validators=[
            DataRequired(_l("Enter your last name.")),
            Length(max=100, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"autocomplete": "family-name"},
    )
    municipality = SelectField(
        _l("Municipality"),
        validators=[InputRequired(_l("Choose your municipality, or “Other organization”."))],
        validate_choice=True,
    )
    organization = StringField(
        _l("Name of your organization"),
        description=_l("Only if you chose “Other organization”."),
        # No Optional(): it would stop validate_organization from requiring a name.
        validators=[Length(max=200, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": "organization"},
    )
    job_title = StringField(
        _l("Job title (optional)"),
        validators=[Optional(), Length(max=200, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": "organization-title"},
    )
    language = RadioField(
        _l("Language of the emails"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        validators=[InputRequired(_l("Choose the language of your emails."))],
    )
    questions = TextAreaField(
        _l("Questions for the speakers (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("Use at most %(max)d characters."))],
    )
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"),
        description=_l("For example captions or an interpreter."),
        validators=[Optional(), Length(max=1000, message=_l("Use at most %(max)d characters."))],
    )
    future_events_consent = BooleanField(_l("You may tell me about future Kuntatutor webinars."))

    def set_municipality_choices(self, municipality_names: list[tuple[str, str]]) -> None:
        """Offer the municipalities (code, name) alphabetically, then “Other organization”."""
        names = sorted((SelectChoice(code, name) for code, name in municipality_names), key=lambda c: c.label)
        self.municipality.choices = [
            SelectChoice("", _l("Choose…")), *names, SelectChoice(OTHER_ORGANIZATION, _l("Other organization"))
        ]

    def validate_municipality(self, field):
        if field.data == "":
            raise ValidationError(_l("Choose your municipality, or “Other organization”."))

    def validate_organization(self, field):
        if self.municipality.data == OTHER_ORGANIZATION and not (field.data or "").strip():
            raise ValidationError(_l("Enter the name of your organization."))

    def details(self) -> dict:
        """The cleaned values, as the registration stores them."""
        other = self.municipality.data == OTHER_ORGANIZATION
        return {
            "first_name": self.first_name.data.strip(),
            "last_name": self.last_name.data.strip(),
            "municipality_code": None if other else self.municipality.data,
            "organization": self.organization.data.strip() if other else None,
            "job_title": (self.job_title.data or "").strip() or None,
            "language": self.language.data,
            "questions": (self.questions.data or "").strip() or None,
            "accessibility_needs": (self.accessibility_needs.data or "").strip() or None,
            "future_events_consent": bool(self.future_events_consent.data),
        }


class RegistrationForm(ParticipantDetailsForm):
    """Sign-up for an event."""

    email = StringField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), EmailAddress()],
        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"},
    )
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree that my details are used to organize this webinar."),
        validators=[DataRequired(_l("To register, accept the privacy notice."))],
    )
    submit = SubmitField(_l("Register"))

    # The order people fill it in: name, email, where they work, then the rest.
    field_order = (
        "first_name", "last_name", "email", "municipality", "organization", "job_title", "language",
        "questions", "accessibility_needs", "future_events_consent", "privacy_consent",
    )


class ManageDetailsForm(ParticipantDetailsForm):
    """Changing one's own registration."""

    submit = SubmitField(_l("Save changes"))
    field_order = (
        "first_name", "last_name", "municipality", "organization", "job_title", "language",
        "questions", "accessibility_needs", "future_events_consent",
    )


class CancelForm(PlainTextForm):
    """The confirmation step of a cancellation."""

    submit = SubmitField(_l("Yes, cancel my registration"))
