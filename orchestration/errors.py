"""What went wrong in a failed Dagster step, in one line for a person."""

from __future__ import annotations

# A message longer than this is cut: the full error is in the run's log.
MAX_MESSAGE_CHARS = 300


def root_cause_message(error) -> str:
    """The user's exception behind a step failure (a SerializableErrorInfo), not Dagster's
    wrapper of it: its message on one line, without the exception's class-path prefix."""
    root = error
    while root is not None and root.cause is not None:
        root = root.cause
    if root is None or not root.message.strip():
        return "unknown error"
    message = " ".join(root.message.split())
    prefix, _, rest = message.partition(": ")
    if rest and root.cls_name and prefix.endswith(root.cls_name):
        message = rest
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    return message
