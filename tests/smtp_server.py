"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it receives."""

import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


@dataclass
class ReceivedMail:
    """One accepted message with its envelope and the connection it came over."""

    connection: int
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        """The received bytes parsed as a recipient's mail client would."""
        return BytesParser(policy=policy.default).parsebytes(self.data)


class RecordingHandler:
    """An aiosmtpd handler that keeps every message and can refuse the next ones."""

    def __init__(self):
        # A reply such as "554 5.3.2 Not now" greets every connection instead of 220, and closes it.
        self.greeting_refusal: str | None = None
        self.lock = threading.Lock()
        self.messages: list[ReceivedMail] = []
        self.connections: list[tuple] = []
        self.refused_replies: list[str] = []
        self._refusal: tuple[str, str, int] | None = None
        # Sessions (one per connection) whose current transaction is to be refused.
        self._refusing: set = set()

    def refuse(self, reply: str, *, count: int = 1, at: str = "RCPT") -> None:
        """Answer the next `count` transactions with `reply` at RCPT or DATA, e.g. "550 5.1.1 No such user"."""
        if at not in ("RCPT", "DATA"):
            raise ValueError("Refuse at RCPT or DATA.")
        self._refusal = (reply, at, count)

    def _connection_number(self, session) -> int:
        return next(number for number, (known, _peer) in enumerate(self.connections) if known is session)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Count a new connection; smtplib greets once per connection."""
        session.host_name = hostname
        with self.lock:
            self.connections.append((session, session.peer))
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        """Count a connection from a client that does not speak ESMTP."""
        session.host_name = hostname
        with self.lock:
            self.connections.append((session, session.peer))
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        """Start a transaction, deciding whether it is one of those to refuse."""
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        with self.lock:
            self._refusing.discard(session)
            if self._refusal and self._refusal[2] > 0:
                reply, at, count = self._refusal
                self._refusal = (reply, at, count - 1)
                self._refusing.add(session)
        return "250 OK"

    def _refusal_at(self, session, stage: str) -> str | None:
        with self.lock:
            if session in self._refusing and self._refusal and self._refusal[1] == stage:
                self.refused_replies.append(self._refusal[0])
                return self._refusal[0]
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Accept the recipient unless this transaction is to be refused here."""
        reply = self._refusal_at(session, "RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Keep the message unless this transaction is to be refused here."""
        reply = self._refusal_at(session, "DATA")
        if reply:
            return reply
        with self.lock:
            self.messages.append(
                ReceivedMail(
                    connection=self._connection_number(session),
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    data=bytes(envelope.original_content),
                )
            )
        return "250 Message accepted for delivery"


class FaultySMTP(SMTP):
    """aiosmtpd's server, which can refuse a connection at its greeting, as a server out of service does."""

    async def _handle_client(self) -> None:
        refusal = self.event_handler.greeting_refusal
        if refusal is None:
            await super()._handle_client()
            return
        await self.push(refusal)
        self.transport.close()


class FaultyController(Controller):
    """A controller whose server is FaultySMTP."""

    def factory(self):
        """The server, with the keyword settings the controller was given."""
        return FaultySMTP(self.handler, **self.SMTP_kwargs)


def refuse_every_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    """An authenticator for a server where the password was changed: 535 to every AUTH."""
    return AuthResult(success=False, handled=False)


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPTestServer:
    """An aiosmtpd server in a background thread, collecting what it is sent."""

    host = "127.0.0.1"

    def __init__(self, *, smtputf8: bool = True, refuse_logins: bool = False,
                 starttls: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None,
                 size_limit: int = 33554432):
        """A server offering SMTPUTF8 unless told not to; AUTH that always refuses; STARTTLS or
        TLS from the first byte with the given server contexts; SIZE with the given limit in bytes."""
        self.handler = RecordingHandler()
        self.port = free_loopback_port()
        options = {"enable_SMTPUTF8": smtputf8, "tls_context": starttls, "data_size_limit": size_limit}
        if refuse_logins:
            options.update(authenticator=refuse_every_login, auth_require_tls=False)
        self.controller = FaultyController(self.handler, hostname=self.host, port=self.port,
                                           ssl_context=implicit_tls, **options)

    def start(self) -> "SMTPTestServer":
        """Listen; returns once the server answers."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening and end the server's thread."""
        self.controller.stop()

    def __enter__(self) -> "SMTPTestServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def messages(self) -> list[ReceivedMail]:
        """Every accepted message, in the order received."""
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def connections(self) -> list[tuple]:
        """The peer address of every connection that greeted the server."""
        with self.handler.lock:
            return [peer for _session, peer in self.handler.connections]

    @property
    def refused_replies(self) -> list[str]:
        """Every refusal the server answered, in order."""
        with self.handler.lock:
            return list(self.handler.refused_replies)

    def refuse(self, reply: str, *, count: int = 1, at: str = "RCPT") -> None:
        """Answer the next `count` transactions with `reply` (e.g. "451 4.3.0 Try later") at RCPT or DATA."""
        self.handler.refuse(reply, count=count, at=at)

    def smtp_config(self) -> dict:
        """The SMTP_* settings that point the app's mailer at this server."""
        return {
            "SMTP_HOST": self.host,
            "SMTP_PORT": self.port,
            "SMTP_USER": "",
            "SMTP_PASSWORD": "",
            "SMTP_STARTTLS": False,
            "SMTP_SSL": False,
            "SMTP_CA_FILE": "",
            "SMTP_TIMEOUT": 10,
        }


@dataclass
class CertificateSet:
    """A private CA, a server certificate for 127.0.0.1 it signed, and a self-signed one for the same address."""

    ca_file: Path
    signed: tuple[Path, Path]
    self_signed: tuple[Path, Path]

    def server_context(self, pair: tuple[Path, Path]) -> ssl.SSLContext:
        """A server-side TLS context presenting the certificate and key `pair`."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pair)
        return context


def make_certificates(folder: Path) -> CertificateSet:
    """Write a CA and two server certificates for 127.0.0.1 into `folder`, with the openssl command."""

    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], cwd=folder, check=True, capture_output=True)

    extension = folder / "san.cnf"
    extension.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=Kuntatutor test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", str(extension))
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem",
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
    return CertificateSet(
        ca_file=folder / "ca.pem",
        signed=(folder / "server.pem", folder / "server.key"),
        self_signed=(folder / "self.pem", folder / "self.key"),
    )
