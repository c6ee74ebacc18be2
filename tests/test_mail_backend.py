"""The mail transport: .eml files by default, one real SMTP connection per batch with SMTP_HOST."""

import re
import smtplib
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from app.services.transport import (
    FolderMailer,
    MailServerUnavailable,
    RecipientNotSupported,
    SMTPMailer,
    delete_stored_mail,
    open_mailer,
)
from tests.smtp_server import SMTPTestServer, free_loopback_port, make_certificates

SUBJECT = "Vahvistus: Kunnan digituki kuntoon yhteistyöllä – Järvenpää, Åbo"
SENDER = Address("Kuntatutor, Helsingin seudun yhteistyö", "kuntatutor", "example.org")
RECIPIENT = Address("Åsa Öhman-Mäkelä", "asa.ohman", "example.org")
INVITE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kuntatutor//FI\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:event-1@kuntatutor.example.org\r\nSEQUENCE:0\r\n"
    "DTSTAMP:20261121T120000Z\r\nDTSTART:20261202T070000Z\r\nDTEND:20261202T090000Z\r\n"
    "SUMMARY:Kunnan digituki kuntoon yhteistyöllä\r\n"
    'ATTENDEE;CN="Öhman-Mäkelä, Åsa";RSVP=TRUE:mailto:asa.ohman@example.org\r\n'
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def confirmation(number: int = 1) -> EmailMessage:
    """A confirmation shaped like the real ones: text, HTML and a calendar invite, with ä, ö, å."""
    message = EmailMessage()
    message["Subject"] = f"{SUBJECT} ({number})"
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="kuntatutor.example.org")
    message.set_content("Hei Åsa!\n\nIlmoittautumisesi on vahvistettu.\n")
    message.add_alternative("<p>Hei Åsa!</p><p>Ilmoittautumisesi on vahvistettu.</p>\n", subtype="html")
    message.add_alternative(INVITE, subtype="calendar", params={"method": "REQUEST"})
    return message


def parse(data: bytes) -> EmailMessage:
    """Bytes parsed as a mail client would."""
    return BytesParser(policy=policy.default).parsebytes(data)


def parse_utf8(data: bytes) -> EmailMessage:
    """An SMTPUTF8 message (raw UTF-8 in its headers) parsed as a mail client that speaks it would."""
    return Parser(policy=policy.default).parsestr(data.decode("utf-8"))


@pytest.fixture
def smtp_config(app, smtp_server):
    """The app's config pointed at the test SMTP server."""
    return {**app.config, **smtp_server.smtp_config()}


def test_without_smtp_host_mail_is_an_eml_file_that_reads_back_intact(app):
    with open_mailer(app.config) as mailer:
        assert isinstance(mailer, FolderMailer)
        mailer.send(confirmation())

    folder = Path(app.config["MAIL_FOLDER"])
    [path] = folder.iterdir()
    assert path.suffix == ".eml"
    stored = parse(path.read_bytes())
    assert stored["Subject"] == f"{SUBJECT} (1)"
    assert stored["From"].addresses == (SENDER,)
    assert stored["To"].addresses == (RECIPIENT,)
    assert [part.get_content_type() for part in stored.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert stored.get_body(("plain",)).get_content().splitlines() == [
        "Hei Åsa!",
        "",
        "Ilmoittautumisesi on vahvistettu.",
    ]
    assert "<p>Hei Åsa!</p>" in stored.get_body(("html",)).get_content()
    [calendar] = [part for part in stored.walk() if part.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert 'ATTENDEE;CN="Öhman-Mäkelä, Åsa"' in calendar.get_content()


def test_with_smtp_host_one_batch_sends_every_message_over_one_connection(smtp_config, smtp_server):
    sent = [confirmation(number) for number in (1, 2, 3)]
    with open_mailer(smtp_config) as mailer:
        assert isinstance(mailer, SMTPMailer)
        for message in sent:
            mailer.send(message)

    assert len(smtp_server.connections) == 1
    received = smtp_server.messages
    assert len(received) == 3
    assert {mail.connection for mail in received} == {0}
    for message, mail in zip(sent, received):
        assert mail.mail_from == "kuntatutor@example.org"
        assert mail.rcpt_tos == ["asa.ohman@example.org"]
        parsed = mail.parsed()
        assert parsed["Subject"] == message["Subject"]
        assert parsed["Message-ID"] == message["Message-ID"]
        assert parsed["To"].addresses == (RECIPIENT,)
        assert "Öhman-Mäkelä" in parsed.get_body(("calendar",)).get_content()


def test_refused_messages_raise_to_the_caller_and_the_rest_of_the_batch_still_goes(smtp_config, smtp_server):
    smtp_server.refuse("550 5.1.1 No such user", count=2)
    sent = [confirmation(number) for number in (1, 2, 3)]
    with open_mailer(smtp_config) as mailer:
        for message in sent[:2]:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                mailer.send(message)
            assert refused.value.recipients == {"asa.ohman@example.org": (550, b"5.1.1 No such user")}
        mailer.send(sent[2])

    assert len(smtp_server.connections) == 1
    assert [mail.parsed()["Message-ID"] for mail in smtp_server.messages] == [sent[2]["Message-ID"]]


@pytest.mark.parametrize(
    ("reply", "stage", "error_class", "code"),
    [
        ("550 5.1.1 No such user", "RCPT", smtplib.SMTPRecipientsRefused, 550),
        ("451 4.3.0 Try again later", "RCPT", smtplib.SMTPRecipientsRefused, 451),
        ("554 5.6.0 Message rejected", "DATA", smtplib.SMTPDataError, 554),
        ("451 4.3.0 Try again later", "DATA", smtplib.SMTPDataError, 451),
    ],
)
def test_servers_refusal_reaches_the_caller_with_its_reply_code(
    smtp_config, smtp_server, reply, stage, error_class, code
):
    smtp_server.refuse(reply, at=stage)
    with open_mailer(smtp_config) as mailer, pytest.raises(error_class) as refused:
        mailer.send(confirmation())

    # The code is what tells a transient (4xx) failure from a permanent (5xx) one.
    if isinstance(refused.value, smtplib.SMTPRecipientsRefused):
        assert [reply_code for reply_code, _text in refused.value.recipients.values()] == [code]
    else:
        assert isinstance(refused.value, smtplib.SMTPResponseException)
        assert refused.value.smtp_code == code
    assert smtp_server.refused_replies == [reply]
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "subject",
    [
        "Vahvistus: Kunnan digituki kuntoon yhteistyöllä – Järvenpää, Åbo",
        "Peruttu: Kunnan digituki kuntoon yhteistyöllä – Järvenpään ja Mäntsälän webinaari",
        "Kiitos osallistumisesta! Kerro mielipiteesi: Kunnan digituki kuntoon yhteistyöllä",
    ],
)
def test_long_finnish_subject_keeps_every_space_in_files_and_over_smtp(app, smtp_config, smtp_server, subject):
    # Python 3.11's own folding loses a space in each of these subjects.
    message = confirmation()
    message.replace_header("Subject", subject)
    with open_mailer(app.config) as mailer:
        mailer.send(message)
    with open_mailer(smtp_config) as mailer:
        mailer.send(message)

    [path] = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    for data in (path.read_bytes(), smtp_server.messages[0].data):
        assert parse(data)["Subject"] == subject
        head = data.split(b"\r\n\r\n")[0].decode("ascii")
        assert max(len(line) for line in head.split("\r\n")) <= 78
        assert max(len(word) for word in re.findall(r"=\?.*?\?=", head)) <= 75


def test_unreachable_smtp_server_is_unavailable_when_the_batch_opens(app):
    port = free_loopback_port()
    config = {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TIMEOUT": 5}
    with pytest.raises(MailServerUnavailable, match=f"127.0.0.1:{port}"):
        with open_mailer(config):
            pytest.fail("A mailer was handed out without a connection.")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A private CA with a server certificate for 127.0.0.1, and a self-signed one."""
    return make_certificates(tmp_path_factory.mktemp("tls"))


def server_config(app, server: SMTPTestServer, **settings) -> dict:
    """The app's config pointed at `server`, with these SMTP settings on top."""
    return {**app.config, **server.smtp_config(), **settings}


def test_a_server_refusing_at_its_greeting_is_unavailable_with_its_reply(app):
    with SMTPTestServer() as server:
        server.handler.greeting_refusal = "554 5.3.2 Service not available"
        with pytest.raises(MailServerUnavailable, match="554 5.3.2 Service not available"):
            with open_mailer(server_config(app, server)):
                pytest.fail("A mailer was handed out after a 554 greeting.")


def test_a_refused_login_is_unavailable_with_the_servers_reply(app):
    with SMTPTestServer(refuse_logins=True) as server:
        config = server_config(app, server, SMTP_USER="kuntatutor", SMTP_PASSWORD="old-password")
        with pytest.raises(MailServerUnavailable, match="535"):
            with open_mailer(config):
                pytest.fail("A mailer was handed out after a refused login.")


def test_starttls_that_the_server_does_not_offer_is_unavailable(app):
    with SMTPTestServer() as server:
        with pytest.raises(MailServerUnavailable, match="STARTTLS"):
            with open_mailer(server_config(app, server, SMTP_STARTTLS=True)):
                pytest.fail("A mailer was handed out without TLS.")


def test_starttls_refuses_a_certificate_no_trusted_ca_signed(app, certificates):
    with SMTPTestServer(starttls=certificates.server_context(certificates.self_signed)) as server:
        for ca_file in ("", str(certificates.ca_file)):
            with pytest.raises(MailServerUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
                with open_mailer(server_config(app, server, SMTP_STARTTLS=True, SMTP_CA_FILE=ca_file)):
                    pytest.fail("A mailer was handed out over an unverified connection.")
    assert server.messages == []


def test_starttls_with_a_certificate_from_a_trusted_ca_sends(app, certificates):
    with SMTPTestServer(starttls=certificates.server_context(certificates.signed)) as server:
        config = server_config(app, server, SMTP_STARTTLS=True, SMTP_CA_FILE=str(certificates.ca_file))
        with open_mailer(config) as mailer:
            assert mailer.connection.sock.version().startswith("TLS")
            mailer.send(confirmation())
        assert len(server.messages) == 1


def test_implicit_tls_sends_to_a_trusted_server_and_refuses_an_untrusted_one(app, certificates):
    with SMTPTestServer(implicit_tls=certificates.server_context(certificates.signed)) as server:
        config = server_config(app, server, SMTP_SSL=True, SMTP_CA_FILE=str(certificates.ca_file))
        with open_mailer(config) as mailer:
            mailer.send(confirmation())
        assert len(server.messages) == 1
        with pytest.raises(MailServerUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            with open_mailer({**config, "SMTP_CA_FILE": ""}):
                pytest.fail("A mailer was handed out over an unverified connection.")


def international(number: int = 1) -> EmailMessage:
    """A confirmation to an address with a non-ASCII local part, as email-validator accepts."""
    message = confirmation(number)
    message.replace_header("To", Address("Pää Käyttäjä", "pää", "esimerkki.fi"))
    return message


def test_a_non_ascii_address_goes_with_smtputf8_when_the_server_offers_it(app):
    with SMTPTestServer(smtputf8=True) as server:
        with open_mailer(server_config(app, server)) as mailer:
            mailer.send(international())
        [received] = server.messages
    assert received.rcpt_tos == ["pää@esimerkki.fi"]
    assert parse_utf8(received.data)["To"].addresses[0].addr_spec == "pää@esimerkki.fi"


def test_a_non_ascii_address_without_smtputf8_fails_alone_and_the_connection_goes_on(app):
    with SMTPTestServer(smtputf8=False) as server:
        with open_mailer(server_config(app, server)) as mailer:
            with pytest.raises(RecipientNotSupported, match="SMTPUTF8"):
                mailer.send(international())
            mailer.send(confirmation(2))
        [received] = server.messages
    assert received.rcpt_tos == ["asa.ohman@example.org"]
    assert len(server.connections) == 1


def test_a_non_ascii_address_is_written_to_the_mail_folder_too(app):
    with open_mailer(app.config) as mailer:
        mailer.send(international())
    [path] = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    assert parse_utf8(path.read_bytes())["To"].addresses[0].addr_spec == "pää@esimerkki.fi"


def test_stored_mail_is_found_and_deleted_by_its_message_id(app):
    kept, purged = confirmation(1), confirmation(2)
    with open_mailer(app.config) as mailer:
        mailer.send(kept)
        mailer.send(purged)
        mailer.send(purged)  # a retry writes a second file
    folder = app.config["MAIL_FOLDER"]
    assert delete_stored_mail(folder, [purged["Message-ID"]]) == 2
    [left] = Path(folder).glob("*.eml")
    assert parse(left.read_bytes())["Message-ID"] == kept["Message-ID"]
