"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, in a thread.

It requires a login with the given user and password (over plain SMTP, so the
client's password really crosses the wire), keeps every message it accepts,
and answers 550 to the recipients it is told to refuse.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A port nobody listens on (right now): also what a 'down' SMTP server looks like."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None and body.get_content_subtype() == subtype else ""


@dataclass
class _Handler:
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """with SmtpServer(user, password) as server: ... server.received, server.env()"""

    def __init__(self, user: str, password: str, refuse: set[str] | None = None) -> None:
        self.user, self.password = user, password
        self.port = free_port()
        self.handler = _Handler(refuse={a.lower() for a in refuse or ()})
        self.logins: list[tuple[str, bool]] = []
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=False,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        )
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def env(self, **extra: str) -> dict[str, str]:
        """The FINGERTIP_SMTP_* settings that point at this server."""
        return {
            "FINGERTIP_SMTP_HOST": "127.0.0.1",
            "FINGERTIP_SMTP_PORT": str(self.port),
            "FINGERTIP_SMTP_USER": self.user,
            "FINGERTIP_SMTP_PASSWORD": self.password,
            "FINGERTIP_SMTP_STARTTLS": "false",
            "FINGERTIP_ALERT_FROM": "fingertip@alerts.test",
            **extra,
        }

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
