"""Mail transport chosen by config: .eml files by default, real SMTP when SMTP_HOST is set."""

import smtplib
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Iterator, Protocol


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
        tmp.write_bytes(message.as_bytes(policy=SMTP))
        # Readers only ever see whole files.
        tmp.replace(path)


class SMTPMailer:
    """Sends over one open SMTP connection."""

    def __init__(self, connection: smtplib.SMTP):
        self.connection = connection

    def send(self, message: EmailMessage) -> None:
        """Send the message; smtplib's exceptions tell transient from permanent failures."""
        self.connection.send_message(message)


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
        except smtplib.SMTPException:
            connection.close()
