"""Organizer forms."""

from flask_babel import lazy_gettext
from wtforms import (
    EmailField, IntegerField, PasswordField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from app.forms import PlainTextForm
from app.organizer.words import AUDIT_ACTION_WORDS
from app.public.forms import EmailAddress
from app.services.organizers import MIN_PASSWORD_LENGTH

NEW_PASSWORD_TOO_SHORT = lazy_gettext(
    "The password must be at least %(min)d characters long. A few words in a row make a good one."
)
ROLE_NAMES = {"admin": lazy_gettext("Administrator"), "organizer": lazy_gettext("Organizer")}
ROLE_CHOICES = [
    SelectChoice("organizer", lazy_gettext("Organizer: manages the series and events given below")),
    SelectChoice("admin", lazy_gettext("Administrator: manages every event, the accounts and the audit log")),
]


def optional_id(value) -> int | None:
    """A record id from a filter, or None for "all"."""
    return None if value in (None, "") else int(value)


def event_choices(events_by_series: list, language: str) -> list[SelectChoice]:
    """Events as choices grouped under their series' names."""
    return [
        SelectChoice(event.id, event.localized("title", language), optgroup=series.localized("name", language))
        for series, events in events_by_series
        for event in events
    ]


class LoginForm(PlainTextForm):
    """An organizer's email and password."""

    email = EmailField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your email address.")),
            Length(max=320, message=lazy_gettext("The email address is too long.")),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[DataRequired(message=lazy_gettext("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field(description) -> PasswordField:
    """A new password of at least MIN_PASSWORD_LENGTH characters."""
    return PasswordField(
        lazy_gettext("New password"),
        description=description,
        validators=[
            DataRequired(message=lazy_gettext("Enter a new password.")),
            Length(min=MIN_PASSWORD_LENGTH, message=NEW_PASSWORD_TOO_SHORT),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def repeat_password_field() -> PasswordField:
    """The new password typed a second time, which must be the same."""
    return PasswordField(
        lazy_gettext("New password again"),
        validators=[
            DataRequired(message=lazy_gettext("Type the new password again.")),
            EqualTo("new_password", message=lazy_gettext(
                "The two new passwords are different. Type the same password in both fields."
            )),
        ],
        render_kw={"autocomplete": "new-password"},
    )


# Said wherever an admin chooses a password for someone else.
PASS_IT_ON = lazy_gettext(
    "At least %(min)d characters. Give it to the organizer in person or by phone, not by email;"
    " they can change it after logging in.", min=MIN_PASSWORD_LENGTH,
)


class ChangePasswordForm(PlainTextForm):
    """An organizer's own password change: the current one, and the new one twice."""

    current_password = PasswordField(
        lazy_gettext("Current password"),
        validators=[DataRequired(message=lazy_gettext("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(lazy_gettext("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH))
    repeat_password = repeat_password_field()

    field_order = ("current_password", "new_password", "repeat_password")


class SetPasswordForm(PlainTextForm):
    """A new password an admin sets for an organizer who forgot theirs, typed twice."""

    new_password = new_password_field(PASS_IT_ON)
    repeat_password = repeat_password_field()

    field_order = ("new_password", "repeat_password")


class OrganizerForm(PlainTextForm):
    """What an admin decides about an account: its login address, name, role and the series and events it manages."""

    email = EmailField(
        lazy_gettext("Email address"),
        description=lazy_gettext("The organizer logs in with this address."),
        validators=[
            DataRequired(message=lazy_gettext("Enter the organizer's email address.")),
            Length(max=320, message=lazy_gettext("The email address is too long.")),
            EmailAddress(),
        ],
        render_kw={"autocomplete": "off"},
    )
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            DataRequired(message=lazy_gettext("Enter the organizer's name.")),
            Length(max=200, message=lazy_gettext("Shorten the name to at most 200 characters.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    role = RadioField(
        lazy_gettext("Role"),
        choices=ROLE_CHOICES,
        default="organizer",
        validators=[DataRequired(message=lazy_gettext("Choose a role."))],
    )
    series = SelectMultipleField(
        lazy_gettext("Series"),
        description=lazy_gettext("The organizer manages every event of these series, later ones too."),
        coerce=int,
        invalid_choice_message=lazy_gettext("One of the series no longer exists. Reload the page and choose again."),
    )
    events = SelectMultipleField(
        lazy_gettext("Single events"),
        description=lazy_gettext("Events of other series that the organizer manages too."),
        coerce=int,
        invalid_choice_message=lazy_gettext("One of the events no longer exists. Reload the page and choose again."),
    )

    field_order = ("email", "name", "role", "series", "events")

    def offer_grants(self, series: list, events_by_series: list, language: str) -> None:
        """Offer every series, and every event grouped by its series, named in the page's language."""
        self.series.choices = [SelectChoice(s.id, s.localized("name", language)) for s in series]
        self.events.choices = event_choices(events_by_series, language)


class NewOrganizerForm(OrganizerForm):
    """A new account: also the first password, which the admin passes on."""

    password = PasswordField(
        lazy_gettext("First password"),
        description=PASS_IT_ON,
        validators=[
            DataRequired(message=lazy_gettext("Enter a first password for the organizer.")),
            Length(min=MIN_PASSWORD_LENGTH, message=NEW_PASSWORD_TOO_SHORT),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    field_order = ("email", "name", "role", "password", "series", "events")


class AccountActionForm(PlainTextForm):
    """The CSRF token of the deactivate and reactivate buttons."""


class AuditFilterForm(PlainTextForm):
    """The audit log's filters, read from the query string."""

    class Meta:
        # A GET form changes nothing; its links can be bookmarked and shared.
        csrf = False

    organizer = SelectField(
        lazy_gettext("Who"), coerce=optional_id,
        invalid_choice_message=lazy_gettext("Choose an organizer from the list."),
    )
    event = SelectField(
        lazy_gettext("Event"), coerce=optional_id,
        invalid_choice_message=lazy_gettext("Choose an event from the list."),
    )
    action = SelectField(
        lazy_gettext("Action"),
        default="",
        choices=[SelectChoice("", lazy_gettext("All actions"))]
        + [SelectChoice(action, label) for action, label in AUDIT_ACTION_WORDS.items()],
        invalid_choice_message=lazy_gettext("Choose an action from the list."),
    )
    page = IntegerField(
        lazy_gettext("Page"),
        validators=[Optional(), NumberRange(min=1, message=lazy_gettext("The page number must be 1 or more."))],
    )

    field_order = ("organizer", "event", "action", "page")

    def offer_choices(self, organizers: list, events_by_series: list, language: str) -> None:
        """Offer every account and every event, each with an "all" choice first."""
        self.organizer.choices = [SelectChoice("", lazy_gettext("Everyone"))] + [
            SelectChoice(o.id, f"{o.name} ({o.email})") for o in organizers
        ]
        self.event.choices = [SelectChoice("", lazy_gettext("All events"))] + event_choices(events_by_series, language)
