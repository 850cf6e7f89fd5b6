"""The mail to the data engineers (FINGERTIP_OPS_TO) when a run fails: which step, and its error."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from alerts.mailer import compose

# A stack trace longer than this is cut: the full one is in the Dagster UI.
MAX_ERROR_CHARS = 6000


@dataclass(frozen=True)
class StepFailure:
    step_key: str
    error: str  # first line: what went wrong
    details: str  # the error with its causes and stack trace


def failure_mail(
    *,
    sender: str,
    to: list[str],
    job_name: str,
    run_id: str,
    partition: str | None,
    steps: list[StepFailure],
    run_error: str | None,
) -> EmailMessage:
    first = steps[0] if steps else None
    what = f"step {first.step_key} failed: {first.error}" if first else (run_error or "the run failed")
    subject = f"[fingertip] run of {job_name} failed: {what}"
    if len(subject) > 200:
        subject = subject[:197] + "..."
    lines = [
        f"The Dagster run {run_id} of job {job_name} failed" + (f" (delivery days {partition})." if partition else "."),
        "",
    ]
    for step in steps:
        lines.append(f"Failed step {step.step_key}: {step.error}")
    for step in steps:
        details = step.details if len(step.details) <= MAX_ERROR_CHARS else step.details[:MAX_ERROR_CHARS] + "\n[...]"
        lines += ["", f"Full error of {step.step_key}:", details.rstrip()]
    if not steps and run_error:
        lines += [run_error]
    lines += [
        "",
        f"Full log: `make dev` (Dagster UI) -> Runs -> {run_id}.",
        "Re-run the failed steps from there, or the whole build with `fingertip run`.",
    ]
    return compose(sender=sender, recipients=to, subject=subject, text="\n".join(lines) + "\n")
