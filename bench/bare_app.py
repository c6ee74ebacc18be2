"""The floor the registration page is measured against: Flask, Flask-WTF and Flask-SQLAlchemy, nothing else.

One page renders a form with a CSRF token; a valid POST inserts one row and redirects. Served by
bench/registration.py under gunicorn the same way as the real app:
`gunicorn "bench.bare_app:create_app()"` with DATABASE_URL and SECRET_KEY in the environment.
"""

import os
from datetime import datetime, timezone

from flask import Flask, redirect, render_template_string, url_for
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy import DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Email, Length


class Base(DeclarativeBase):
    """Declarative base of the bare app's one table."""


db = SQLAlchemy(model_class=Base)


class Signup(db.Model):
    """One sign-up: the row the bare app inserts per valid POST."""

    __tablename__ = "bare_signup"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))


class SignupForm(FlaskForm):
    """Name, email and consent, validated the usual WTForms way."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = StringField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    privacy_consent = BooleanField("I agree", validators=[DataRequired()])


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register</title></head>
<body><h1>Register</h1>
<form method="post" action="{{ url_for('register') }}">
  {{ form.hidden_tag() }}
  {% for field in [form.first_name, form.last_name, form.email, form.privacy_consent] %}
  <p>{{ field.label }} {{ field() }}{% for error in field.errors %} <span>{{ error }}</span>{% endfor %}</p>
  {% endfor %}
  <button type="submit">Register</button>
</form></body></html>
"""


def create_app(database_url: str | None = None) -> Flask:
    """The bare app on DATABASE_URL (or the given URL), signing sessions with SECRET_KEY."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "bare-app-bench-only"),
        SQLALCHEMY_DATABASE_URI=database_url or os.environ["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        WTF_CSRF_TIME_LIMIT=None,
    )
    db.init_app(app)

    @app.route("/register", methods=["GET", "POST"])
    def register():
        form = SignupForm()
        if form.validate_on_submit():
            db.session.add(Signup(email=form.email.data.strip().lower(), first_name=form.first_name.data,
                                  last_name=form.last_name.data))
            db.session.commit()
            return redirect(url_for("registered"))
        return render_template_string(PAGE, form=form), 400 if form.is_submitted() else 200

    @app.get("/registered")
    def registered():
        return "Check your email."

    return app
