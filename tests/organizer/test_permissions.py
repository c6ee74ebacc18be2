"""Per-event permission over the whole URL map: every organizer page, including ones added later, is
behind the login, and another organizer's series, event or registration, or an account to a non-admin, is a 404 (rule 10)."""

import pytest

from app import create_app
from app.models import Registration
from app.organizer.access import OPEN_ENDPOINTS, PLAIN_URL_VALUES
from app.services.feedback_forms import add_default_form
from app.services.organizers import create_organizer
from tests.factories import make_event, make_registration, make_series
from tests.organizer.conftest import log_in

ORGANIZER_RULES = sorted(
    (rule for rule in create_app("testing").url_map.iter_rules()
     if rule.endpoint.startswith("organizer.") and rule.endpoint not in OPEN_ENDPOINTS),
    key=lambda rule: rule.rule,
)
# A value for each URL value that names no record.
PLAIN_VALUES = {"file_format": "csv"}


def names_a_record(rule) -> bool:
    """Whether the rule's URL names a series, an event, a registration or an organizer account."""
    return bool(set(rule.arguments) - PLAIN_URL_VALUES)


@pytest.fixture
def world(db, organizer, admin):
    """The organizer's own series and event, and another series' event, registration and organizer."""
    own_series = make_series()
    organizer.series.append(own_series)
    own_event = make_event(series=own_series)
    # Every event made in the editor has a survey; the factory's get theirs here.
    add_default_form(own_event)
    own_registration = make_registration(own_event)
    other_series = make_series()
    other_event = make_event(series=other_series)
    add_default_form(other_event)
    other_registration = make_registration(other_event)
    other_organizer = create_organizer("other@example.org", "Toinen Järjestäjä", "another long password")
    other_organizer.series.append(other_series)
    db.session.commit()
    return {
        "own": {"series_id": own_series.id, "event_id": own_event.id, "registration_id": own_registration.id},
        "other": {"series_id": other_series.id, "event_id": other_event.id,
                  "registration_id": other_registration.id, "organizer_id": other_organizer.id},
    }


def path_of(rule, values: dict) -> str:
    """The rule's path with every URL value filled in from `values`."""
    unknown = set(rule.arguments) - set(values) - set(PLAIN_VALUES)
    assert not unknown, f"{rule.endpoint} takes {unknown}: teach app/organizer/access.py and this test what they name"
    arguments = {name: values.get(name, PLAIN_VALUES.get(name)) for name in rule.arguments}
    return rule.build(arguments, append_unknown=False)[1]


def request(client, rule, path):
    """A GET when the rule answers one, else a POST without form data."""
    if "GET" in rule.methods:
        return client.get(path)
    return client.post(path, data={})


def test_the_url_map_has_organizer_pages_about_events():
    endpoints = {rule.endpoint for rule in ORGANIZER_RULES}
    assert {"organizer.dashboard", "organizer.event"} <= endpoints


@pytest.mark.parametrize("rule", ORGANIZER_RULES, ids=lambda rule: rule.endpoint)
def test_anonymous_visitor_is_sent_to_the_login(client, world, rule):
    response = request(client, rule, path_of(rule, world["other"]))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organizer/login")


@pytest.mark.parametrize("rule", [rule for rule in ORGANIZER_RULES
                                  if names_a_record(rule) or rule.endpoint.startswith("organizer.admin.")],
                         ids=lambda rule: rule.endpoint)
def test_another_series_records_and_admin_pages_do_not_exist_for_an_organizer(client, world, organizer, rule):
    log_in(client, organizer.email)
    response = request(client, rule, path_of(rule, world["other"]))
    assert response.status_code == 404


@pytest.mark.parametrize("rule", [rule for rule in ORGANIZER_RULES if "GET" in rule.methods],
                         ids=lambda rule: rule.endpoint)
def test_admin_reaches_every_page(client, world, admin, rule):
    log_in(client, admin.email)
    response = client.get(path_of(rule, world["other"]))
    assert response.status_code == 200


@pytest.mark.parametrize("rule", [rule for rule in ORGANIZER_RULES
                                  if "GET" in rule.methods and not rule.endpoint.startswith("organizer.admin.")
                                  and "organizer_id" not in rule.arguments],
                         ids=lambda rule: rule.endpoint)
def test_organizer_reaches_the_pages_of_their_own_series(client, world, organizer, rule):
    log_in(client, organizer.email)
    response = client.get(path_of(rule, world["own"]))
    assert response.status_code == 200


@pytest.mark.parametrize("rule", [rule for rule in ORGANIZER_RULES if "registration_id" in rule.arguments],
                         ids=lambda rule: rule.endpoint)
def test_a_registration_is_reached_only_through_its_own_event(client, db, world, admin, rule):
    log_in(client, admin.email)
    own, other = world["own"], world["other"]
    mixed = {"event_id": own["event_id"], "registration_id": other["registration_id"]}
    assert request(client, rule, path_of(rule, mixed)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Registration, other["registration_id"]).status == "confirmed"
