"""Alert and SMTP settings, checked in one place.

The values arrive as text keyed by their environment variable's name (the
pipeline's AlertConfig resource gathers them), so that every error names the
variable to fix. Nothing here reads the environment itself.

The SMTP password is held in pydantic's `SecretStr`, whose str() and repr()
never show it: whatever logs, prints or stores a settings object cannot leak it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

# Severities in rising order; "at or above" compares these ranks.
SEVERITIES = ("low", "medium", "high")
DEFAULT_MIN_SEVERITY = "medium"
DEFAULT_SENDER = "fingertip@localhost"
# Seconds to wait for the SMTP server: a server that hangs must not hold the
# DuckDB writers' pool for long.
DEFAULT_TIMEOUT_SECONDS = 30
# The variables that configure alerting, by the AlertConfig resource's field names.
VARIABLES = {
    "min_severity": "FINGERTIP_ALERT_MIN_SEVERITY",
    "to": "FINGERTIP_ALERT_TO",
    "routing": "FINGERTIP_ALERT_ROUTING",
    "ops_to": "FINGERTIP_OPS_TO",
    "sender": "FINGERTIP_ALERT_FROM",
    "smtp_host": "FINGERTIP_SMTP_HOST",
    "smtp_port": "FINGERTIP_SMTP_PORT",
    "smtp_user": "FINGERTIP_SMTP_USER",
    "smtp_password": "FINGERTIP_SMTP_PASSWORD",
    "smtp_starttls": "FINGERTIP_SMTP_STARTTLS",
    "smtp_timeout": "FINGERTIP_SMTP_TIMEOUT",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class AlertConfigError(ValueError):
    """An alert setting in the environment is wrong: the message says which and how to fix it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int
    user: str | None
    password: SecretStr = field(repr=False)
    starttls: bool
    sender: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def describe(self) -> str:
        """Where mail goes, for logs and metadata (never the password)."""
        if not self.configured:
            return "not configured (set FINGERTIP_SMTP_HOST)"
        auth = f", login as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({'STARTTLS' if self.starttls else 'plain'}{auth}), from {self.sender}"

    def redact(self, text: str) -> str:
        """`text` with the password replaced by ***: for error messages from the server."""
        secret = self.password.get_secret_value()
        return text.replace(secret, "***") if secret else text

    @classmethod
    def parse(cls, env: Mapping[str, str]) -> SmtpSettings:
        """From the values of the FINGERTIP_SMTP_* variables (and FINGERTIP_ALERT_FROM)."""
        starttls = _flag(env, "FINGERTIP_SMTP_STARTTLS", default=True)
        port_text = env.get("FINGERTIP_SMTP_PORT", "").strip()
        try:
            port = int(port_text) if port_text else (587 if starttls else 25)
        except ValueError:
            raise AlertConfigError(f"FINGERTIP_SMTP_PORT={port_text!r} is not a port number: set it to e.g. 587.") from None
        return cls(
            host=env.get("FINGERTIP_SMTP_HOST", "").strip() or None,
            port=port,
            user=env.get("FINGERTIP_SMTP_USER", "").strip() or None,
            password=SecretStr(env.get("FINGERTIP_SMTP_PASSWORD", "")),
            starttls=starttls,
            sender=env.get("FINGERTIP_ALERT_FROM", "").strip() or DEFAULT_SENDER,
            timeout=float(env.get("FINGERTIP_SMTP_TIMEOUT", "") or DEFAULT_TIMEOUT_SECONDS),
        )


@dataclass(frozen=True)
class AlertSettings:
    smtp: SmtpSettings
    min_severity: str
    to: tuple[str, ...]  # FINGERTIP_ALERT_TO: every flag
    routing_file: Path | None  # FINGERTIP_ALERT_ROUTING: unit_id,email
    ops_to: tuple[str, ...]  # FINGERTIP_OPS_TO: run failures

    @property
    def severities(self) -> tuple[str, ...]:
        """The severities that are alerted: min_severity and above."""
        return SEVERITIES[SEVERITIES.index(self.min_severity) :]

    @classmethod
    def parse(cls, env: Mapping[str, str]) -> AlertSettings:
        """From the values of the variables in VARIABLES, keyed by variable name; unset ones may be absent."""
        severity = env.get("FINGERTIP_ALERT_MIN_SEVERITY", "").strip().lower() or DEFAULT_MIN_SEVERITY
        if severity not in SEVERITIES:
            raise AlertConfigError(
                f"FINGERTIP_ALERT_MIN_SEVERITY={severity!r} is not a severity: use one of {', '.join(SEVERITIES)}."
            )
        routing = env.get("FINGERTIP_ALERT_ROUTING", "").strip()
        return cls(
            smtp=SmtpSettings.parse(env),
            min_severity=severity,
            to=addresses(env.get("FINGERTIP_ALERT_TO", ""), "FINGERTIP_ALERT_TO"),
            routing_file=Path(routing).expanduser().resolve() if routing else None,
            ops_to=addresses(env.get("FINGERTIP_OPS_TO", ""), "FINGERTIP_OPS_TO"),
        )


def addresses(text: str, variable: str) -> tuple[str, ...]:
    """Comma-separated addresses, in order, without blanks or repeats."""
    found: list[str] = []
    for part in text.split(","):
        address = part.strip()
        if not address:
            continue
        if not is_address(address):
            raise AlertConfigError(f"{variable}: {address!r} is not an e-mail address (expected name@domain).")
        if address.lower() not in {a.lower() for a in found}:
            found.append(address)
    return tuple(found)


def is_address(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at and local and domain) and not any(c.isspace() or c in ",;<>" for c in text)


def _flag(env, name: str, default: bool) -> bool:
    text = env.get(name)
    value = (text or "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise AlertConfigError(f"{name}={text!r} is not a yes/no value: use true or false.")
