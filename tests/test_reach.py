"""A series' reach: registered and attended per municipality and event, counted in one query, the same after the purge (rule 9)."""

from datetime import timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Registration
from app.models.types import utcnow
from app.services.municipalities import load_municipalities
from app.services.reach import Count, series_reach
from app.services.retention import purge_expired
from tests.factories import make_event, make_registration, make_series

VANTAA, ESPOO, HELSINKI, ASKOLA, KERAVA, SIPOO = "092", "049", "091", "018", "245", "753"
OTHER = "Digi- ja väestötietovirasto"


@pytest.fixture
def seeded(db):
    """A series with a past and an upcoming published event, a draft and a cancelled event, and another series' event.

    Registrations of every kind: attended or not, waitlisted, cancelled with and without having joined,
    from other organizations, and some in events that must not count.
    """
    load_municipalities()
    series = make_series(slug="kuntatutor", name_fi="Kuntatutor")
    now = utcnow().replace(microsecond=0)
    past = make_event(series=series, title_fi="Mennyt", starts_at=now - timedelta(days=100))
    upcoming = make_event(series=series, title_fi="Tuleva", starts_at=now + timedelta(days=10))
    draft = make_event(series=series, status="draft", starts_at=now + timedelta(days=20))
    cancelled = make_event(series=series, status="cancelled", starts_at=now + timedelta(days=30))
    elsewhere = make_event(series=make_series(), starts_at=now - timedelta(days=100))
    for attended in ("yes", "yes", "no"):
        make_registration(past, municipality_code=VANTAA, attended=attended)
    make_registration(past, municipality_code=ESPOO, status="waitlisted")
    make_registration(past, municipality_code=ESPOO, status="cancelled")
    # Cancelled after getting a seat, and still joined: registered and attended.
    make_registration(past, municipality_code=HELSINKI, status="cancelled", attended="yes")
    make_registration(past, organization=OTHER, attended="yes")
    make_registration(upcoming, municipality_code=ESPOO)
    make_registration(upcoming, municipality_code=ESPOO)
    make_registration(upcoming, organization=OTHER, status="waitlisted")
    make_registration(draft, municipality_code=ASKOLA)
    make_registration(cancelled, municipality_code=KERAVA)
    make_registration(elsewhere, municipality_code=SIPOO, attended="yes")
    db.session.commit()
    return {"series": series, "past": past, "upcoming": upcoming}


def row_of(reach, code):
    """The municipality's row."""
    return next(row for row in reach.municipalities if row.code == code)


def figures(reach) -> dict:
    """Every count of the reach, by row and event, to compare two readings."""
    return {(row.kind, row.code): [(c.registered, c.attended) for c in row.counts] for row in reach.rows}


def test_counts_registered_and_attended_per_municipality_and_published_event(seeded):
    reach = series_reach(seeded["series"], "fi")
    assert [column.event for column in reach.events] == [seeded["past"], seeded["upcoming"]]
    assert [column.upcoming for column in reach.events] == [False, True]
    assert row_of(reach, VANTAA).counts == [Count(3, 2), Count(0, 0)]
    assert row_of(reach, ESPOO).counts == [Count(1, 0), Count(2, 0)]
    assert row_of(reach, HELSINKI).counts == [Count(1, 1), Count(0, 0)]
    assert row_of(reach, VANTAA).total == Count(3, 2)
    assert row_of(reach, ESPOO).total == Count(3, 0)
    assert reach.other_organizations.counts == [Count(1, 1), Count(1, 0)]
    assert reach.totals.counts == [Count(6, 4), Count(3, 0)]
    assert reach.totals.total == Count(9, 4)


def test_lists_all_26_municipalities_and_the_ones_never_reached(seeded):
    reach = series_reach(seeded["series"], "fi")
    assert len(reach.municipalities) == 26
    assert reach.reached_count == 3
    not_reached = [row.code for row in reach.not_reached]
    assert len(not_reached) == 23
    # A draft's, a cancelled event's and another series' registrations reach nobody here.
    assert {ASKOLA, KERAVA, SIPOO} <= set(not_reached)
    assert {VANTAA, ESPOO, HELSINKI}.isdisjoint(not_reached)


def test_other_organizations_count_in_the_totals_but_reach_no_municipality(db):
    load_municipalities()
    event = make_event(series=make_series())
    make_registration(event, organization=OTHER)
    db.session.commit()
    reach = series_reach(event.series, "fi")
    assert reach.other_organizations.total == Count(1, 0)
    assert reach.totals.total == Count(1, 0)
    assert reach.reached_count == 0


def test_municipality_names_in_the_page_language_in_its_alphabetical_order(seeded):
    finnish = [row.name for row in series_reach(seeded["series"], "fi").municipalities]
    swedish = [row.name for row in series_reach(seeded["series"], "sv").municipalities]
    assert finnish[:3] == ["Askola", "Espoo", "Hanko"]
    assert swedish[:3] == ["Askola", "Borgnäs", "Borgå"]
    assert finnish == sorted(finnish) and swedish == sorted(swedish)
    assert row_of(series_reach(seeded["series"], "sv"), ESPOO).name == "Esbo"


def test_a_series_without_published_events_reaches_nobody(db):
    load_municipalities()
    series = make_series()
    make_event(series=series, status="draft")
    db.session.commit()
    reach = series_reach(series, "fi")
    assert reach.events == [] and reach.totals.total == Count(0, 0)
    assert len(reach.not_reached) == 26


def test_the_figures_stay_the_same_after_the_purge_anonymizes_the_old_registrations(seeded, db):
    before = figures(series_reach(seeded["series"], "fi"))
    assert purge_expired() == 8  # the past event's seven registrations and the other series' one
    db.session.commit()
    purged = db.session.execute(
        select(func.count()).where(Registration.event_id == seeded["past"].id, Registration.purged_at.is_not(None),
                                   Registration.email.is_(None))
    ).scalar_one()
    assert purged == 7
    after = series_reach(seeded["series"], "fi")
    assert figures(after) == before
    assert row_of(after, VANTAA).total == Count(3, 2)
    assert after.reached_count == 3


def test_counts_every_event_in_one_query_on_the_registrations(seeded, db):
    more = [make_event(series=seeded["series"]) for _ in range(5)]
    for event in more:
        make_registration(event, municipality_code=KERAVA)
    db.session.commit()
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    series_reach(seeded["series"], "fi")  # the municipality names are cached after the first reading
    sqlalchemy_event.listen(_db.engine, "before_cursor_execute", remember)
    try:
        reach = series_reach(seeded["series"], "fi")
    finally:
        sqlalchemy_event.remove(_db.engine, "before_cursor_execute", remember)
    assert row_of(reach, KERAVA).total == Count(5, 0)
    assert len([s for s in statements if "FROM registration" in s]) == 1
    assert len(statements) == 2
