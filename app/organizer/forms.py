"""Organizer forms."""

from flask_babel import lazy_gettext
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app.forms import PlainTextForm


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
