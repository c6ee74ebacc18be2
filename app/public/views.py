"""Public pages."""

from flask import abort, render_template
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Series
from app.models.types import utcnow
from app.public import bp


@bp.get("/")
def home():
    """The series with its upcoming and past published events."""
    now = utcnow()
    events = db.session.execute(
        select(Event).where(Event.status != "draft").order_by(Event.starts_at)
    ).scalars().all()
    upcoming = [event for event in events if event.ends_at >= now]
    past = [event for event in reversed(events) if event.ends_at < now]
    series = db.session.execute(select(Series).order_by(Series.id)).scalars().first()
    return render_template(
        "public/home.html", series=series, upcoming=upcoming, past=past
    )


@bp.get("/events/<slug>")
def event(slug: str):
    """An event's page: what, when, who hosts, the programme and the contacts."""
    found = db.session.execute(
        select(Event).where(Event.slug == slug, Event.status != "draft")
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    return render_template("public/event.html", event=found)
