"""One response per registration, and one per browser through the public link, under simultaneous
submits over HTTP to gunicorn on PostgreSQL."""

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import FeedbackAnswer, FeedbackResponse, ProgrammeItem
from app.models.types import utcnow
from app.services.municipalities import load_municipalities
from app.services.tokens import manage_token
from tests.conftest import scratch_postgres_database
from tests.factories import make_event, make_feedback_form, make_registration
from tests.gunicorn_server import GunicornServer

pytestmark = pytest.mark.postgres

SUBMITS = 12
# Within the public link's limit per address, which is not what these tests are about.
PUBLIC_SUBMITS = 8


@pytest.fixture(scope="module")
def site(postgres_server):
    """A migrated scratch database served by the real app under gunicorn, and an app to inspect it."""
    with scratch_postgres_database(postgres_server) as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            load_municipalities()
            db.session.commit()
        try:
            with GunicornServer("app:create_app('testing')", {"TEST_DATABASE_URL": url},
                                workers=2, threads=8) as server:
                yield app, server
        finally:
            with app.app_context():
                db.engine.dispose()


def survey_setup(app, public_token: str | None = None):
    """An ended webinar with a talk, its open form and a participant; returns the link, the form and the answers."""
    with app.app_context():
        starts_at = utcnow().replace(microsecond=0) - timedelta(hours=4)
        event = make_event(starts_at=starts_at)
        talk = ProgrammeItem(event=event, position=0, kind="talk", title_fi="Puhe", starts_at=starts_at)
        db.session.add(talk)
        form = make_feedback_form(event, public_token=public_token)
        registration = make_registration(event, municipality_code="092")
        db.session.commit()
        fields = {}
        for question in form.questions:
            name = f"q{question.id}"
            fields[question.kind] = f"{name}-{talk.id}" if question.kind == "programme_rating" else name
        return manage_token(registration), form.id, registration.id, fields


def answers(fields: dict, n: int) -> str:
    """A valid submission whose rating and text tell which of the submits it was."""
    return urlencode([
        (fields["rating"], str(1 + n % 5)), (fields["nps"], "8"), (fields["programme_rating"], "4"),
        (fields["single_choice"], "0"), (fields["multiple_choice"], "1"), (fields["multiple_choice"], "2"),
        (fields["text"], f"Vastaus {n}"),
    ])


def post_all_at_once(server, path: str, bodies: list[str], cookie: str | None = None) -> list[int]:
    """POST each body to the path, all released together by a barrier; the statuses."""
    barrier = threading.Barrier(len(bodies))

    def post(body: str) -> int:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        try:
            connection.connect()
            barrier.wait(timeout=30)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (http.client.HTTPException, ConnectionError):
            return 0
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_simultaneous_submits_for_one_registration_end_with_one_response(site):
    app, server = site
    token, form_id, registration_id, fields = survey_setup(app)

    statuses = post_all_at_once(server, f"/feedback/{token}", [answers(fields, n) for n in range(SUBMITS)])

    assert statuses == [302] * SUBMITS, (statuses, server.log())
    with app.app_context():
        [response] = db.session.execute(select(FeedbackResponse).where(FeedbackResponse.form_id == form_id)).scalars()
        assert response.registration_id == registration_id
        # One submit's answers whole, not a mixture of several.
        texts = [answer.value_text for answer in response.answers if answer.value_text]
        ratings = [answer.value_int for answer in response.answers
                   if answer.question.kind == "rating"]
        assert len(response.answers) == 6 and len(texts) == 1 and len(ratings) == 1
        n = int(texts[0].split()[1])
        assert ratings == [1 + n % 5]


def test_simultaneous_submits_from_one_browser_through_the_public_link_end_with_one_response(site):
    app, server = site
    _token, form_id, _registration_id, fields = survey_setup(app, public_token="samanaikaiset")
    path = "/feedback/public/samanaikaiset"

    statuses = post_all_at_once(server, path, [answers(fields, n) for n in range(PUBLIC_SUBMITS)],
                                cookie="survey_key=yksi-selain")

    assert sorted(statuses) == [302] + [409] * (PUBLIC_SUBMITS - 1), (statuses, server.log())
    with app.app_context():
        count = db.session.execute(
            select(func.count(FeedbackResponse.id)).where(FeedbackResponse.form_id == form_id)
        ).scalar()
        assert count == 1
        answered = db.session.execute(
            select(func.count(FeedbackAnswer.id)).join(FeedbackResponse).where(FeedbackResponse.form_id == form_id)
        ).scalar()
        assert answered == 6
