"""The SQL an analyst pastes into the warehouse to see the rows behind a flag.

The flag registry (seeds/flag_codes.csv) says, per code, which staging view
holds the evidence and how to narrow it to the flag's cadre, subject and time
window. A code without those falls back to the flag's own row. The SQL is text
for a person to paste, not run here: values go in as quoted literals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from alerts.flags import Flag


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ts(value: datetime | None) -> str:
    return f"timestamp {literal(value.isoformat(sep=' '))}" if value is not None else "null"


def flags_sql(flag_ids: Iterable[str]) -> str:
    """The digest's flags themselves, from marts.padding_flags."""
    ids = ", ".join(literal(i) for i in flag_ids)
    return f"select * from marts.padding_flags where flag_id in ({ids}) order by cadre_id, flag_code, first_seen;"


def evidence_sql(flag: Flag) -> str:
    """The rows behind the flag: the registry's where-clause for its code (reference.flag_codes),
    filled with the flag's cadre, subject and time window."""
    if not (flag.evidence_relation and flag.evidence_filter):
        return f"select * from marts.padding_flags where flag_id = {literal(flag.flag_id)};"
    window = f"between {_ts(flag.first_seen)} and {_ts(flag.last_seen)}"
    where = (
        flag.evidence_filter.replace("{cadre}", literal(flag.cadre_id))
        .replace("{subject}", literal(flag.subject_id or ""))
        .replace("{window}", window)
    )
    order = f" order by {flag.evidence_order}" if flag.evidence_order else ""
    return f"select * from staging.{flag.evidence_relation} where {where}{order};"
