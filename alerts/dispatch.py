"""Send what the outbox holds, and record each result in it.

Every mail not yet `sent` is tried, oldest first. A mail becomes `sent` only
after the server accepted it; a refused mail becomes `failed` with the
server's answer, and the rest are still tried. When the server cannot be
reached (or refuses the login, or drops the connection), the remaining mails
of this run are marked `failed` with that error without waiting for the
server again. Without SMTP settings nothing is tried: mails stay `pending`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts import outbox
from alerts.mailer import MESSAGE_ERRORS, MailSession, compose, describe_error
from alerts.settings import SmtpSettings


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    not_tried: int = 0  # SMTP not configured
    errors: list[str] = field(default_factory=list)


def dispatch(connect: outbox.Connect, smtp: SmtpSettings, log, run_id: str | None = None) -> DispatchResult:
    result = DispatchResult()
    with outbox.opened(connect) as con:
        mails = outbox.unsent(con)
    if not mails:
        return result
    if not smtp.configured:
        result.not_tried = len(mails)
        return result

    session: MailSession | None = None
    try:
        for position, mail in enumerate(mails):
            try:
                message = compose(
                    sender=smtp.sender,
                    recipients=mail.recipients,
                    subject=mail.subject,
                    text=mail.body_text,
                    html=mail.body_html,
                    message_id=mail.message_id,
                )
            except (ValueError, TypeError) as exc:  # a stored address or header that no mail can carry
                _failed(connect, [mail], describe_error(exc, smtp), result, log)
                continue
            try:
                if session is None:
                    session = MailSession(smtp).open()
                session.send(message)
            except MESSAGE_ERRORS as exc:
                _failed(connect, [mail], describe_error(exc, smtp), result, log)
                continue
            except Exception as exc:  # noqa: BLE001 - unreachable, login refused, connection dropped, TLS
                if session is not None:
                    session.close()
                    session = None
                _failed(connect, mails[position:], describe_error(exc, smtp), result, log)
                break
            with outbox.opened(connect) as con:
                outbox.mark_sent(con, mail.alert_id, run_id)
            result.sent += 1
            log.info(f"sent alert {mail.alert_id} to {', '.join(mail.recipients)}: {mail.subject}")
    finally:
        if session is not None:
            session.close()
    return result


def _failed(connect: outbox.Connect, mails, error: str, result: DispatchResult, log) -> None:
    with outbox.opened(connect) as con:
        for mail in mails:
            outbox.mark_failed(con, mail.alert_id, error)
    result.failed += len(mails)
    result.errors.append(error)
    log.warning(f"{len(mails)} alert mail(s) not sent, kept in {outbox.OUTBOX_TABLE} for the next run: {error}")
