"""One digest mail for one recipient: subject, plain text and HTML.

Flags are grouped by unit, then flag code; each shows its evidence sentence
and the SQL that lists the rows behind it (see evidence.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from itertools import groupby
from pathlib import Path

from alerts.evidence import evidence_sql, flags_sql, literal
from alerts.flags import Flag
from alerts.settings import SEVERITIES

SEVERITY_COLOUR = {"high": "#b00020", "medium": "#b26a00", "low": "#555555"}


@dataclass(frozen=True)
class Digest:
    alert_id: str
    recipient: str
    flags: tuple[Flag, ...]
    subject: str
    text: str
    html: str

    @property
    def flag_ids(self) -> list[str]:
        return [f.flag_id for f in self.flags]


def alert_id_for(recipient: str, flag_ids: list[str]) -> str:
    """Stable id of a digest: the same recipient and flags give the same id."""
    key = recipient.lower() + "|" + ",".join(sorted(flag_ids))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def highest_severity(flags) -> str:
    return max((f.severity for f in flags), key=lambda s: SEVERITIES.index(s) if s in SEVERITIES else -1)


def _ordered(flags) -> list[Flag]:
    return sorted(
        flags, key=lambda f: (f.unit_id, f.flag_code, -f.severity_rank, f.cadre_id, f.first_seen or datetime.min, f.flag_id)
    )


def _unit_label(flag: Flag) -> str:
    return f"{flag.unit_id} {flag.unit_name}" if flag.unit_name else flag.unit_id


def _when(flag: Flag) -> str:
    first = flag.first_seen.strftime("%Y-%m-%d %H:%M") if flag.first_seen else "?"
    last = flag.last_seen.strftime("%Y-%m-%d %H:%M") if flag.last_seen else "?"
    return first if first == last else f"{first} to {last}"


def render_digest(recipient: str, flags: list[Flag], *, all_units: bool, min_severity: str, warehouse: Path) -> Digest:
    flags = _ordered(flags)
    ids = [f.flag_id for f in flags]
    alert_id = alert_id_for(recipient, ids)
    top = highest_severity(flags)
    units = sorted({f.unit_id for f in flags})
    noun = "flag" if len(flags) == 1 else "flags"
    scope = "" if all_units else f" in {', '.join(units)}"
    subject = f"[fingertip] {len(flags)} new padding {noun}{scope}, highest severity {top}"
    groups = [
        (unit, [(code, list(of_code)) for code, of_code in groupby(of_unit, key=lambda f: f.flag_code)])
        for unit, of_unit in groupby(flags, key=lambda f: f.unit_id)
    ]
    context = {
        "alert_id": alert_id,
        "flags": flags,
        "groups": groups,
        "top": top,
        "min_severity": min_severity,
        "warehouse": warehouse,
        "all_units": all_units,
    }
    return Digest(alert_id, recipient, tuple(flags), subject, _text(**context), _html(**context))


def _intro(flags, top, min_severity, all_units) -> str:
    noun = "flag" if len(flags) == 1 else "flags"
    whose = "" if all_units else " for your unit" + ("" if len({f.unit_id for f in flags}) == 1 else "s")
    return (
        f"fingertip found {len(flags)} new padding {noun}{whose} at or above severity {min_severity} "
        f"(highest: {top}). Each flag is e-mailed once; it stays in marts.padding_flags for as long as the evidence does."
    )


def _footer(alert_id, flags, warehouse) -> list[str]:
    return [
        f"Open the warehouse read-only to run the SQL: duckdb -readonly {warehouse}",
        "All flags of this mail:",
        flags_sql(f.flag_id for f in flags),
        "This mail in the outbox:",
        f"select * from ops.alert_outbox where alert_id = {literal(alert_id)};",
    ]


def _text(*, alert_id, flags, groups, top, min_severity, warehouse, all_units) -> str:
    lines = [_intro(flags, top, min_severity, all_units), ""]
    for _unit, codes in groups:
        unit_flags = [f for _, of_code in codes for f in of_code]
        lines += [f"== Unit {_unit_label(unit_flags[0])}: {len(unit_flags)} flag(s) ==", ""]
        for code, of_code in codes:
            lines += [f"-- {code} ({len(of_code)}): {of_code[0].code_meaning or ''}", ""]
            for flag in of_code:
                subject = f", subject {flag.subject_id}" if flag.subject_id else ""
                lines += [
                    f"  [{flag.severity.upper()}] cadre {flag.cadre_id}{subject}, {_when(flag)} (flag {flag.flag_id})",
                    f"    {flag.evidence}",
                    f"    SQL: {evidence_sql(flag)}",
                    "",
                ]
    lines += _footer(alert_id, flags, warehouse)
    return "\n".join(lines) + "\n"


_CELL = "border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left"


def _html(*, alert_id, flags, groups, top, min_severity, warehouse, all_units) -> str:
    header = "".join(
        f'<th style="{_CELL};background:#eee">{h}</th>'
        for h in ("Severity", "Cadre", "Subject", "Seen", "Evidence", "SQL", "Flag id")
    )
    rows = []
    for _unit, codes in groups:
        unit_flags = [f for _, of_code in codes for f in of_code]
        rows.append(
            f'<tr><th colspan="7" style="{_CELL};background:#dde6f0;font-size:1.05em">'
            f"Unit {escape(_unit_label(unit_flags[0]))}: {len(unit_flags)} flag(s)</th></tr>"
        )
        for code, of_code in codes:
            rows.append(
                f'<tr><th colspan="7" style="{_CELL};background:#f4f4f4">{escape(code)} ({len(of_code)})'
                f'<span style="font-weight:normal">: {escape(of_code[0].code_meaning or "")}</span></th></tr>'
            )
            for flag in of_code:
                colour = SEVERITY_COLOUR.get(flag.severity, "#000")
                rows.append(
                    "<tr>"
                    f'<td style="{_CELL};color:{colour};font-weight:bold">{escape(flag.severity)}</td>'
                    f'<td style="{_CELL}">{escape(flag.cadre_id)}</td>'
                    f'<td style="{_CELL}">{escape(flag.subject_id or "")}</td>'
                    f'<td style="{_CELL};white-space:nowrap">{escape(_when(flag))}</td>'
                    f'<td style="{_CELL}">{escape(flag.evidence)}</td>'
                    f'<td style="{_CELL}"><code style="font-size:0.85em">{escape(evidence_sql(flag))}</code></td>'
                    f'<td style="{_CELL}"><code>{escape(flag.flag_id)}</code></td>'
                    "</tr>"
                )
    footer = _footer(alert_id, flags, warehouse)
    return (
        '<!DOCTYPE html><html><body style="font-family:sans-serif;font-size:14px">'
        f"<p>{escape(_intro(flags, top, min_severity, all_units))}</p>"
        f'<table style="border-collapse:collapse"><tr>{header}</tr>{"".join(rows)}</table>'
        f"<p>{escape(footer[0])}</p>"
        f'<p>{escape(footer[1])}</p><pre style="white-space:pre-wrap">{escape(footer[2])}</pre>'
        f"<p>{escape(footer[3])}</p><pre>{escape(footer[4])}</pre>"
        "</body></html>\n"
    )
