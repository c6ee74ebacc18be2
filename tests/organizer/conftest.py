"""What the organizer pages' tests share: accounts, logging in, reading tables."""

from html.parser import HTMLParser

import pytest

from app.services.organizers import create_organizer

PASSWORD = "correct horse battery staple"
LOGIN_FAILED = "The email address or password is not correct."


def english_client(app):
    """A browser of its own that reads the pages in English, the language these tests assert in."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app):
    """A test client that reads the pages in English."""
    return english_client(app)


@pytest.fixture
def organizer(db):
    """An organizer who manages one series."""
    user = create_organizer("organizer@example.org", "Olli Organizer", PASSWORD)
    db.session.commit()
    return user


@pytest.fixture
def admin(db):
    """An admin, who manages every event."""
    user = create_organizer("admin@example.org", "Anna Admin", PASSWORD, role="admin")
    db.session.commit()
    return user


def log_in(client, email, password=PASSWORD, next_path=None, address="127.0.0.1"):
    """Post the login form, optionally with a `next` target and from a given address."""
    url = "/organizer/login" if next_path is None else f"/organizer/login?next={next_path}"
    return client.post(
        url, data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


class TableReader(HTMLParser):
    """The text of every body row of the page's tables, one list of cells per row."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell, self._in_body = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def table_rows(response) -> list[list[str]]:
    """The body rows of the page's tables as cell texts."""
    reader = TableReader()
    reader.feed(response.get_data(as_text=True))
    return reader.rows


@pytest.fixture
def logged_in_admin(client, admin):
    """The test client with the admin logged in."""
    log_in(client, admin.email)
    return client
