"""Mail transport chosen by config: .eml files by default, real SMTP when SMTP_HOST is set."""

import copy
import smtplib
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from email.header import Header
from email.headerregistry import UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from pathlib import Path
from typing import Iterator, Protocol


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


class FolderMailer:
    """Writes each message as an .eml file, for development and the embedded default."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        """Write the message to a new file; names sort by time."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(message.as_bytes(policy=TRANSPORT_POLICY))
        # Readers only ever see whole files.
        tmp.replace(path)


class SMTPMailer:
    """Sends over one open SMTP connection."""

    def __init__(self, connection: smtplib.SMTP):
        self.connection = connection

    def send(self, message: EmailMessage) -> None:
        """Send the message; smtplib's exceptions tell transient from permanent failures."""
        outgoing = copy.copy(message)
        # smtplib serializes with the message's own policy.
        outgoing.policy = TRANSPORT_POLICY
        self.connection.send_message(outgoing)


@contextmanager
def open_mailer(config) -> Iterator[Mailer]:
    """A mailer for a batch of messages; with SMTP, one connection serves the whole batch."""
    if not config["SMTP_HOST"]:
        yield FolderMailer(config["MAIL_FOLDER"])
        return
    connection = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
    try:
        if config["SMTP_STARTTLS"]:
            connection.starttls()
        if config["SMTP_USER"]:
            connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        yield SMTPMailer(connection)
    finally:
        try:
            connection.quit()
        except OSError:  # smtplib's errors included: the batch is done either way
            connection.close()
