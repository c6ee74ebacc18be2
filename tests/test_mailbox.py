"""The development mailbox: mail the folder mailer wrote, readable in the browser."""

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from app.services.transport import open_mailer

INVITE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kuntatutor//FI\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:event-7@kuntatutor.example.org\r\nSEQUENCE:2\r\n"
    "DTSTAMP:20261121T120000Z\r\nDTSTART:20261202T070000Z\r\nDTEND:20261202T090000Z\r\n"
    "SUMMARY:Kunnan digituki kuntoon yhteistyöllä\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
SECRET_MAIL = b"Subject: not for the mailbox\r\n\r\nnot for the mailbox\r\n"


def write_invite(app, subject: str = "Kutsu: Kunnan digituki kuntoon yhteistyöllä") -> str:
    """Send an invite through the folder mailer; returns the stored message's name."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address("Kuntatutor", "kuntatutor", "example.org")
    message["To"] = Address("Åsa Öhman", "asa.ohman", "example.org")
    message["Message-ID"] = make_msgid(domain="kuntatutor.example.org")
    message.set_content("Hei Åsa!\nLiittymislinkki on tässä viestissä.\n")
    message.add_alternative("<p>Hei Åsa!</p>\n", subtype="html")
    message.add_alternative(INVITE, subtype="calendar", params={"method": "REQUEST"})
    message.add_attachment(INVITE.encode(), maintype="text", subtype="calendar", filename="invite.ics")
    with open_mailer(app.config) as mailer:
        mailer.send(message)
    [path] = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    return path.stem


def test_mailbox_lists_a_message_the_folder_mailer_wrote(app, client):
    name = write_invite(app)

    page = client.get("/dev/mail/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kutsu: Kunnan digituki kuntoon yhteistyöllä" in html
    assert "Åsa Öhman" in html
    assert f'href="/dev/mail/{name}"' in html


def test_empty_mailbox_says_so(client):
    page = client.get("/dev/mail/?lang=en")

    assert page.status_code == 200
    assert "No mail yet." in page.get_data(as_text=True)


def test_mailbox_shows_a_message_with_its_text_and_its_invite_once(app, client):
    name = write_invite(app)

    page = client.get(f"/dev/mail/{name}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Liittymislinkki on tässä viestissä." in html
    assert "SUMMARY:Kunnan digituki kuntoon yhteistyöllä" in html
    assert "SEQUENCE:2" in html
    assert html.count("BEGIN:VCALENDAR") == 1


def test_mailbox_escapes_markup_in_headers(app, client):
    name = write_invite(app, subject='<script>alert("x")</script>')

    for url in ("/dev/mail/", f"/dev/mail/{name}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html


@pytest.mark.parametrize(
    "name",
    ["..%2Fsecret", "%2E%2E%2Fsecret", "..", ".secret", "mail%2F..%2F..%2Fsecret", "no-such-message"],
)
def test_mailbox_serves_only_files_inside_the_mail_folder(app, client, name):
    write_invite(app)
    mail_folder = Path(app.config["MAIL_FOLDER"])
    # Real .eml files just outside the folder and hidden inside it, so a slip would serve them.
    (mail_folder.parent / "secret.eml").write_bytes(SECRET_MAIL)
    (mail_folder / ".secret.eml").write_bytes(SECRET_MAIL)

    page = client.get(f"/dev/mail/{name}")

    assert page.status_code == 404
    assert "not for the mailbox" not in page.get_data(as_text=True)
