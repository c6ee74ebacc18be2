"""The base of every form on the site: text fields that refuse control characters."""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, StringField, TextAreaField
from wtforms.validators import ValidationError


class NoControlCharacters:
    """Refuses control characters (NUL, escape, line breaks…) other than those `allowed`."""

    def __init__(self, allowed: str, message):
        self.allowed = allowed
        self.message = message

    def __call__(self, form, field: Field):
        if any(unicodedata.category(character) == "Cc" and character not in self.allowed
               for character in field.data or ""):
            raise ValidationError(self.message)


# A one-line value (a name, an email) may end up in a mail header or a calendar line.
ONE_LINE = NoControlCharacters("", _l("Use only letters, numbers and punctuation, on one line."))
MULTI_LINE = NoControlCharacters(
    "\t\r\n", _l("The text contains characters that cannot be saved. Type it again, or paste it as plain text.")
)


class RefusesControlCharacters:
    """Form mixin: every text field refuses control characters; a multi-line one keeps tabs and line breaks.

    Checked here for all fields at once, so a new field cannot forget it: a NUL byte never
    reaches the database (PostgreSQL refuses it) and a line break never reaches a mail header.
    A form inside a FormField or FieldList must have it too, as it checks only its own fields.
    """

    def validate(self, extra_validators=None) -> bool:
        checks = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField):
                checks.setdefault(name, []).append(MULTI_LINE if isinstance(field, TextAreaField) else ONE_LINE)
        return super().validate(extra_validators=checks)


class PlainTextForm(RefusesControlCharacters, FlaskForm):
    """The base of every form on the site: text fields that refuse control characters."""


class PlainTextSubform(RefusesControlCharacters, Form):
    """The base of every form nested in another (FormField, FieldList): no CSRF token of its own, same text rules."""
