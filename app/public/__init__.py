"""What participants see: the series, event pages, registration and their own registration."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import survey, views  # noqa: E402,F401
