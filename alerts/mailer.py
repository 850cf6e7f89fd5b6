"""Sending mail over SMTP with the standard library.

`MailSession` connects, upgrades to TLS with STARTTLS when configured, logs in
when a user is set, and sends messages; the password is only ever handed to
smtplib's login. smtplib's debug output (which would show the AUTH exchange)
stays off.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from alerts.settings import SmtpSettings

# The server refused this one message (its sender, a recipient, or its data):
# the session itself is fine and the next message may go through.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class MailSession:
    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> MailSession:
        return self.open()

    def open(self) -> MailSession:
        """Connect, STARTTLS, log in; raises OSError (smtplib's errors included) when any of it fails."""
        client = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout)
        self._client = client
        try:
            client.ehlo()
            if self.smtp.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.smtp.user:
                client.login(self.smtp.user, self.smtp.password.get_secret_value())
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Returns once the server accepted the message for every recipient; raises otherwise."""
        assert self._client is not None, "use MailSession as a context manager"
        refused = self._client.send_message(message)
        if refused:  # accepted for some recipients only: report it as refused
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except Exception:  # the server is gone already: nothing left to close politely
            client.close()


def compose(
    *, sender: str, recipients: list[str], subject: str, text: str, html: str | None = None, message_id: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def describe_error(exc: BaseException, smtp: SmtpSettings) -> str:
    """One line on why sending failed, for logs and the outbox; never contains the password."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{address} refused: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()]
        text = "recipient(s) refused: " + "; ".join(parts)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    where = f" (SMTP {smtp.host}:{smtp.port})" if smtp.host else ""
    return smtp.redact(" ".join((text + where).split()))[:1000]


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
