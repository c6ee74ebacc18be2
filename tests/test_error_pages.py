"""Every error is a page in the site's layout and the person's language, never a bare server page."""

import pytest
from flask import abort

from app import create_app


@pytest.fixture(scope="module")
def failing_app():
    """The testing app with views that fail in every way an error page must cover."""
    app = create_app("testing", PROPAGATE_EXCEPTIONS=False)

    @app.get("/fails-with/<int:code>")
    def fails_with(code):
        abort(code)

    @app.get("/crashes")
    def crashes():
        raise RuntimeError("a bug")

    return app


@pytest.mark.parametrize(("path", "status", "swedish_heading"), [
    ("/fails-with/400", 400, "Formuläret kunde inte läsas"),
    ("/fails-with/409", 409, "Det här går inte längre"),
    ("/fails-with/413", 413, "Det du skickade är för stort"),
    ("/fails-with/503", 503, "Tjänsten är tillfälligt otillgänglig"),
    ("/crashes", 500, "Något gick fel"),
    ("/no-such-page", 404, "Sidan hittades inte"),
])
def test_error_pages_are_in_the_layout_and_language(failing_app, path, status, swedish_heading):
    response = failing_app.test_client().get(path, headers={"Accept-Language": "sv"})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"<h1>{swedish_heading}</h1>" in response.text
    assert 'lang="sv"' in response.text
    assert "Kuntatutor – " in response.text


def test_a_body_over_the_limit_gets_the_413_page(failing_app):
    body = "questions=" + "x" * (failing_app.config["MAX_CONTENT_LENGTH"] + 1)
    response = failing_app.test_client().post(
        "/events/any/register", data=body, content_type="application/x-www-form-urlencoded",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 413
    assert "<h1>What you sent is too large</h1>" in response.text


def test_a_redirect_of_the_router_is_not_turned_into_an_error(failing_app):
    response = failing_app.test_client().get("/organizer")
    assert response.status_code == 308
