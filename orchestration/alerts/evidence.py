"""The SQL an analyst pastes into the warehouse to see the rows behind a flag.

One query per flag code, on the staging views (the cleaned events), narrowed
to the flag's cadre, subject (see the subject_id docs of marts.padding_flags)
and time window. Unknown codes fall back to the flag's own row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from orchestration.alerts.flags import Flag


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ts(value: datetime | None) -> str:
    return f"timestamp {literal(value.isoformat(sep=' '))}" if value is not None else "null"


def flags_sql(flag_ids: Iterable[str]) -> str:
    """The digest's flags themselves, from marts.padding_flags."""
    ids = ", ".join(literal(i) for i in flag_ids)
    return f"select * from marts.padding_flags where flag_id in ({ids}) order by cadre_id, flag_code, first_seen;"


def evidence_sql(flag: Flag) -> str:
    cadre, subject = literal(flag.cadre_id), literal(flag.subject_id or "")
    window = f"between {_ts(flag.first_seen)} and {_ts(flag.last_seen)}"
    code = flag.flag_code
    if code == "proxy_checkin":  # the phone that punched in for several cadres
        return f"select * from staging.stg_checkins where device_id = {subject} and checkin_at {window} order by checkin_at;"
    if code == "impossible_travel":
        return f"select * from staging.stg_checkins where cadre_id = {cadre} and checkin_at {window} order by checkin_at;"
    if code == "photo_reuse":  # near-same hashes differ in a few bits: the cadre's check-ins, and exact reuses by anyone
        return (
            f"select * from staging.stg_checkins where (cadre_id = {cadre} or photo_hash = {subject}) "
            f"and checkin_at {window} order by checkin_at;"
        )
    if code == "gps_spoof":
        return (
            f"select * from staging.stg_checkins where cadre_id = {cadre} and device_id = {subject} "
            f"and checkin_at {window} order by lat_text, lon_text, checkin_at;"
        )
    if code == "scripted_login":
        return (
            f"select * from staging.stg_app_logins where cadre_id = {cadre} and app_id = {subject} "
            f"and login_at {window} order by login_at;"
        )
    if code == "vote_stuffing":  # cadre_id is the cadre who benefits, subject_id the campaign
        return (
            f"select * from staging.stg_votes where target_id = {cadre} and campaign_id = {subject} "
            f"and voted_at {window} order by device_id, voted_at;"
        )
    if code == "vote_ring":
        return (
            f"select * from staging.stg_votes where (voter_id = {cadre} or target_id = {cadre}) "
            f"and voted_at {window} order by campaign_id, voted_at;"
        )
    if code == "fabricated_report":  # subject_id is the metric
        return f"select * from staging.stg_reports where cadre_id = {cadre} and metric = {subject} order by period, item;"
    if code == "padded_cases":
        return (
            f"select * from staging.stg_cases where cadre_id = {cadre} "
            f"and (opened_at {window} or closed_at {window}) order by opened_at;"
        )
    return f"select * from marts.padding_flags where flag_id = {literal(flag.flag_id)};"
