"""Mail transport chosen by config: .eml files by default, real SMTP when SMTP_HOST is set."""

import copy
import re
import smtplib
import ssl
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from email.header import Header
from email.headerregistry import UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from pathlib import Path
from typing import Iterable, Iterator, Protocol


class TransportPolicy(EmailPolicy):
    """The SMTP policy, except that non-ASCII free text (the Subject) folds as whole encoded words."""

    def _fold(self, name, value, refold_binary=False):
        # Python 3.11's folder can drop the space between two encoded words (CPython
        # gh-144156): "yhteistyöllä – Vantaa" would reach every mail client as "yhteistyöllä– Vantaa".
        # The legacy encoder keeps every space inside the encoded words; 76 columns keep each
        # word within RFC 2047's 75 characters after the folding space.
        text = str(value)
        if isinstance(value, UnstructuredHeader) and not self.utf8 and not text.isascii() and encodes(text):
            encoded = Header(text, "utf-8", maxlinelen=76, header_name=name)
            return f"{name}: {encoded.encode(linesep=self.linesep)}{self.linesep}"
        return super()._fold(name, value, refold_binary)


def encodes(text: str) -> bool:
    """Whether the text is real Unicode, not undecodable bytes smuggled in as surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


TRANSPORT_POLICY = TransportPolicy(linesep="\r\n")


class Mailer(Protocol):
    """Something that sends a composed message."""

    def send(self, message: EmailMessage) -> None:
        """Hand the message on, raising on failure."""


class MailServerUnavailable(Exception):
    """The mail server could not be reached or would not take mail from us: no message's fault."""


class RecipientNotSupported(Exception):
    """The recipient's address needs SMTPUTF8 and the server does not offer it: this message cannot go."""


def has_international_address(message: EmailMessage) -> bool:
    """Whether an address of the message needs SMTPUTF8 (a non-ASCII local part or domain)."""
    return any(
        not address.addr_spec.isascii()
        for name in ("From", "To", "Cc", "Bcc", "Reply-To")
        for address in getattr(message[name], "addresses", ())
    )


def stored_mail_tag(message_id: str) -> str:
    """The part of an .eml file's name that says which outbox row it came from (its Message-ID's letters)."""
    return re.sub(r"[^0-9A-Za-z]", "", message_id.strip("<>").split("@")[0])


class FolderMailer:
    """Writes each message as an .eml file, for development and the embedded default."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        """Write the message to a new file; names sort by time and end with the Message-ID's tag."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        tag = stored_mail_tag(message["Message-ID"] or "") or uuid.uuid4().hex[:8]
        path = self.folder / f"{stamp}-{tag}.eml"
        tmp = path.with_suffix(".tmp")
        policy = TRANSPORT_POLICY.clone(utf8=True) if has_international_address(message) else TRANSPORT_POLICY
        tmp.write_bytes(message.as_bytes(policy=policy))
        # Readers only ever see whole files.
        tmp.replace(path)


def delete_stored_mail(folder: str, message_ids: Iterable[str]) -> int:
    """Delete the .eml files written for these Message-IDs (a purge); returns how many went."""
    tags = {stored_mail_tag(message_id) for message_id in message_ids}
    deleted = 0
    if not tags or not Path(folder).is_dir():
        return deleted
    for path in Path(folder).glob("*.eml"):
        if path.stem.rsplit("-", 1)[-1] in tags:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


MESSAGE_TOO_LARGE = 552


class SMTPMailer:
    """Sends over one open SMTP connection."""

    def __init__(self, connection: smtplib.SMTP, server: str):
        self.connection = connection
        self.server = server

    def send(self, message: EmailMessage) -> None:
        """Send the message; smtplib's exceptions tell transient from permanent failures.

        A non-ASCII address goes with SMTPUTF8 (smtplib adds it) when the server offers it;
        otherwise RecipientNotSupported, before anything is sent, and the connection stays usable.
        """
        if has_international_address(message) and not self.connection.has_extn("smtputf8"):
            raise RecipientNotSupported("The address is not ASCII and the mail server does not offer SMTPUTF8.")
        outgoing = copy.copy(message)
        # smtplib serializes with the message's own policy.
        outgoing.policy = TRANSPORT_POLICY
        try:
            self.connection.send_message(outgoing)
        except smtplib.SMTPSenderRefused as error:
            # 552 answers the SIZE smtplib declares with MAIL FROM: this message is too large.
            if error.smtp_code == MESSAGE_TOO_LARGE:
                raise
            # Otherwise MAIL FROM is the same for every message: a refusal is the server's setup, not this message.
            raise MailServerUnavailable(f"{self.server} refused the sender: {reply_text(error)}") from error


def reply_text(error: Exception) -> str:
    """A server's reply as "554 5.7.1 text", or the error's own words when there was no reply."""
    code = getattr(error, "smtp_code", None)
    if code is None:
        return f"{type(error).__name__}: {error}"
    detail = error.smtp_error
    detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return f"{code} {detail}"


def tls_context(config) -> ssl.SSLContext:
    """Certificate-verifying TLS, trusting the system's CAs (or SMTP_CA_FILE's, for a private CA)."""
    return ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)


def server_address(config) -> str:
    """host:port of the configured mail server, for logs and errors."""
    return f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"


def connect(config) -> smtplib.SMTP:
    """An SMTP connection ready to send: greeted, encrypted and logged in as configured.

    Any failure on the way is MailServerUnavailable, naming the server and its reply.
    """
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    connection = None
    try:
        if config["SMTP_SSL"]:
            connection = smtplib.SMTP_SSL(host, port, timeout=config["SMTP_TIMEOUT"], context=tls_context(config))
        else:
            connection = smtplib.SMTP(host, port, timeout=config["SMTP_TIMEOUT"])
            if config["SMTP_STARTTLS"]:
                connection.starttls(context=tls_context(config))
        if config["SMTP_USER"]:
            connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        else:
            connection.ehlo_or_helo_if_needed()
    # smtplib's and ssl's errors are OSErrors; a password with ä cannot be sent (AUTH is ASCII): ValueError.
    except (OSError, ValueError) as error:
        if connection is not None:
            connection.close()
        raise MailServerUnavailable(f"{server_address(config)}: {reply_text(error)}") from error
    return connection


@contextmanager
def open_mailer(config) -> Iterator[Mailer]:
    """A mailer for a batch of messages; with SMTP, one connection serves the whole batch.

    Opening raises MailServerUnavailable when the server cannot be reached, greets with a
    refusal, fails STARTTLS or certificate checks, or refuses the login.
    """
    if not config["SMTP_HOST"]:
        yield FolderMailer(config["MAIL_FOLDER"])
        return
    connection = connect(config)
    try:
        yield SMTPMailer(connection, server_address(config))
    finally:
        try:
            connection.quit()
        except OSError:  # smtplib's errors included: the batch is done either way
            connection.close()
