"""The flags due for an alert: at or above the minimum severity, never alerted before, not dismissed.

A flag counts as alerted as soon as its flag_id is in any row of
ops.alert_outbox (whatever that row's status): the outbox is the one record of
what was, or is to be, e-mailed. A flag an inspector dismissed (review_status
'dismissed' in marts.padding_flags: the evidence is the one the inspector saw)
is not e-mailed at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from alerts.settings import SEVERITIES

NO_UNIT = "(no unit)"


@dataclass(frozen=True)
class Flag:
    flag_id: str
    flag_code: str
    cadre_id: str
    subject_id: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    severity: str
    evidence: str
    unit_id: str  # the cadre's unit in staging.stg_cadres, or NO_UNIT
    unit_name: str | None
    # From the flag registry (reference.flag_codes): what the code means and where its evidence lives.
    code_meaning: str | None = None
    evidence_relation: str | None = None
    evidence_filter: str | None = None
    evidence_order: str | None = None

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else -1


def due_flags(con: duckdb.DuckDBPyConnection, severities: tuple[str, ...], outbox_table: str) -> list[Flag]:
    """Flags of the given severities whose flag_id is in no outbox row yet."""
    placeholders = ", ".join("?" for _ in severities)
    rows = con.execute(
        f"""
        select f.flag_id, f.flag_code, f.cadre_id, f.subject_id, f.first_seen, f.last_seen, f.severity, f.evidence,
               coalesce(c.unit_id, ?) as unit_id, u.unit_name,
               r.meaning, r.evidence_relation, r.evidence_filter, r.evidence_order
        from marts.padding_flags as f
        left join reference.flag_codes as r on r.flag_code = f.flag_code
        left join staging.stg_cadres as c on c.cadre_id = f.cadre_id
        left join staging.stg_units as u on u.unit_id = c.unit_id
        left join (select distinct unnest(flag_ids) as flag_id from {outbox_table}) as alerted
            on alerted.flag_id = f.flag_id
        where f.severity in ({placeholders})
          and alerted.flag_id is null
          and f.review_status <> 'dismissed'
        order by f.flag_id
        """,
        [NO_UNIT, *severities],
    ).fetchall()
    return [Flag(*row) for row in rows]
