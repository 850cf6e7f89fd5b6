"""The benchmark's peer: cadre_monthly's counts in plain pandas, as a team without fingertip would write them.

    .venv/bin/python benchmarks/peer_pandas.py --landing LANDING --out counts.parquet

Why: issue 8 wants fingertip at least 5x ahead of this from 3,000 cadres up.
Same job as benchmarks/baseline_cadre_monthly.sql: every file of every dt=
folder read (CSV, JSONL, Parquet, gzipped), rows validated by the landing
contract (required values, parseable values in their domain, ids in the
reference tables, event time in the plausible window), then de-duplicated
(first delivery wins; a case's latest updated_at wins), then counted per
cadre and local month. Written the ordinary way: one file at a time into a
DataFrame of strings, checks as boolean masks, concat, drop_duplicates,
groupby. To keep memory in bounds at 20,000 cadres it keeps only the columns
the counts need once a file's rows are validated.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

LOCAL_ZONE = "Asia/Shanghai"  # landing contract: no offset = local time, months are local
WINDOW_DAYS_BEFORE, WINDOW_DAYS_AFTER = 366, 2  # the contract's default plausible window
MAX_SESSION_MINUTES = 480  # warehouse contract: one session counts at most 480 minutes
MAX_ABS_NUMBER = 1e15  # beyond this a number is a typing or overflow error
DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
SHAPE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"  # a date and a time, at least to the minute

# Contract columns per source: required ones, then nullable ones.
REQUIRED = {
    "app_logins": ["login_id", "cadre_id", "app_id", "device_id", "ip", "login_at"],
    "checkins": ["checkin_id", "cadre_id", "app_id", "kind", "checkin_at", "lat", "lon", "accuracy_m", "device_id"],
    "votes": ["vote_id", "campaign_id", "voter_id", "target_id", "action", "voted_at", "device_id", "ip"],
    "cases": ["case_id", "cadre_id", "category", "opened_at", "status", "field_visit_claimed", "updated_at"],
}
NULLABLE = {
    "app_logins": ["logout_at", "actions"],
    "checkins": ["photo_hash"],
    "votes": [],
    "cases": ["first_reply_at", "closed_at", "resident_rating", "location_lat", "location_lon"],
}
EVENT_TIME = {"app_logins": "login_at", "checkins": "checkin_at", "votes": "voted_at", "cases": "updated_at"}
ID = {"app_logins": "login_id", "checkins": "checkin_id", "votes": "vote_id", "cases": "case_id"}
KEEP = {  # the columns the counts need, once a row is known valid
    "app_logins": ["login_id", "cadre_id", "app_id", "login_at", "logout_at", "actions"],
    "checkins": ["checkin_id", "cadre_id", "checkin_at"],
    "votes": ["vote_id", "voter_id", "voted_at"],
    "cases": ["case_id", "cadre_id", "opened_at", "closed_at", "status", "updated_at"],
}
COUNTS = [
    "login_count",
    "distinct_apps",
    "screen_minutes",
    "trace_only_logins",
    "checkin_count",
    "votes_cast",
    "cases_opened",
    "cases_resolved",
]


def read_any(path: Path) -> pd.DataFrame:
    """Any contract format, every column as text (None for missing)."""
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    elif name.endswith((".jsonl", ".jsonl.gz")):
        frame = pd.read_json(path, lines=True, dtype=False)  # dtype=False: ids and times stay text
    elif name.endswith(".parquet"):
        frame = pd.read_parquet(path)
    else:
        raise ValueError(f"not a contract format: {path.name}")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.apply(as_text)


def as_text(column: pd.Series) -> pd.Series:
    """Numbers and booleans from JSON/Parquet as the text a CSV would carry; blank = null."""
    if pd.api.types.is_bool_dtype(column):
        text = column.map({True: "true", False: "false"}).astype("string")
    elif pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        text = column.astype("Int64").astype("string")  # 12.0 (a JSON integer next to nulls) reads "12"
    else:
        text = column.astype("string")
    text = text.str.strip()
    return text.where(text != "")


def local_time(text: pd.Series) -> pd.Series:
    """ISO-8601 text to naive local wall-clock time; an offset or Z is honoured."""
    ok = text.str.contains(SHAPE, na=False)
    has_offset = text.str.contains(OFFSET, na=False)
    parsed = pd.to_datetime(text.where(ok), errors="coerce", utc=True, format="ISO8601")
    local = parsed.dt.tz_convert(LOCAL_ZONE).dt.tz_localize(None)
    naive = parsed.dt.tz_localize(None)  # no offset: the text was already local
    return local.where(has_offset, naive)


def number(text: pd.Series) -> pd.Series:
    value = pd.to_numeric(text, errors="coerce")
    return value.where(value.abs() <= MAX_ABS_NUMBER)


def valid_rows(source: str, frame: pd.DataFrame, dt: pd.Timestamp, refs: dict[str, set[str]]) -> pd.DataFrame:
    """The file's valid rows (only the columns the counts need), typed."""
    ok = pd.Series(True, index=frame.index)
    for column in REQUIRED[source]:
        ok &= frame[column].notna()
    times = {c: local_time(frame[c]) for c in frame.columns if c.endswith("_at")}
    for column, value in times.items():
        ok &= frame[column].isna() | value.notna()
    if source in ("app_logins", "checkins", "cases"):
        ok &= frame["cadre_id"].isin(refs["cadres"])
    if source in ("app_logins", "checkins"):
        ok &= frame["app_id"].isin(refs["apps"])
    if source == "app_logins":
        actions = number(frame["actions"])
        ok &= frame["actions"].isna() | ((actions >= 0) & (actions == actions.round()))
        ok &= ~(times["logout_at"] < times["login_at"])
        frame = frame.assign(actions=actions)
    elif source == "checkins":
        lat, lon, accuracy = number(frame["lat"]), number(frame["lon"]), number(frame["accuracy_m"])
        ok &= lat.between(-90, 90) & lon.between(-180, 180) & (accuracy >= 0)
        ok &= frame["kind"].isin(["punch_in", "punch_out", "field_visit"])
        ok &= frame["photo_hash"].isna() | frame["photo_hash"].str.fullmatch(r"[0-9a-fA-F]{16}", na=False)
    elif source == "votes":
        ok &= frame["campaign_id"].isin(refs["campaigns"]) & frame["target_id"].isin(refs["cadres"])
        ok &= frame["action"].isin(["vote", "like", "share"])
    elif source == "cases":
        rating = number(frame["resident_rating"])
        lat, lon = number(frame["location_lat"]), number(frame["location_lon"])
        ok &= frame["status"].isin(["open", "resolved", "unresolved", "transferred"])
        ok &= frame["field_visit_claimed"].str.lower().isin(["true", "false"])
        ok &= frame["resident_rating"].isna() | (rating.between(1, 5) & (rating == rating.round()))
        ok &= frame["location_lat"].isna() | lat.between(-90, 90)
        ok &= frame["location_lon"].isna() | lon.between(-180, 180)
        ok &= ~(times["closed_at"] < times["opened_at"])
    moment = times[EVENT_TIME[source]]
    start = dt - pd.Timedelta(days=WINDOW_DAYS_BEFORE)
    end = dt + pd.Timedelta(days=WINDOW_DAYS_AFTER + 1)
    ok &= (moment >= start) & (moment < end)
    typed = frame.assign(**{c: v for c, v in times.items() if c in KEEP[source]})
    return typed.loc[ok.fillna(False), KEEP[source]]


def read_source(landing: Path, source: str, refs: dict[str, set[str]]) -> pd.DataFrame:
    """Every file of every dt= folder, validated, then de-duplicated."""
    parts = []
    for folder in sorted((landing / source).glob("dt=*")):
        match = DT_FOLDER.match(folder.name)
        if not (folder.is_dir() and match):
            continue
        dt = pd.Timestamp(match.group(1))
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            try:
                frame = read_any(path)
            except Exception:  # unreadable: the contract rejects the file whole
                continue
            columns = REQUIRED[source] + NULLABLE[source]
            if any(c not in frame.columns for c in REQUIRED[source]):
                continue  # lacks a required column: rejected whole
            frame = frame.reindex(columns=columns)
            rows = valid_rows(source, frame, dt, refs)
            parts.append(rows.assign(dt=dt, file=str(path.relative_to(landing))))
    rows = pd.concat(parts, ignore_index=True)
    key = ID[source]
    if source == "cases":  # the latest updated_at is the case's current state (ties: the later delivery)
        rows = rows.sort_values(["updated_at", "dt", "file"], kind="stable")
        return rows.drop_duplicates(key, keep="last")
    rows = rows.sort_values(["dt", "file"], kind="stable")
    return rows.drop_duplicates(key, keep="first")


def reference(landing: Path) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """The roster (first row per cadre) and the valid ids of cadres, apps, campaigns."""
    cadres = read_any(landing / "reference" / "cadres.csv")
    cadres = cadres[
        cadres[["cadre_id", "full_name", "unit_id", "position", "hired_on", "active"]].notna().all(axis=1)
        & pd.to_datetime(cadres["hired_on"], format="%Y-%m-%d", errors="coerce").notna()
        & cadres["active"].str.lower().isin(["true", "false"])
    ]
    apps = read_any(landing / "reference" / "apps.csv")
    apps = apps[
        apps[["app_id", "app_name", "owner_department"]].notna().all(axis=1)
        & apps["function_category"].isin(["attendance", "study", "reporting", "voting", "case_handling", "messaging", "other"])
        & apps["mandatory"].str.lower().isin(["true", "false"])
    ]
    campaigns = read_any(landing / "reference" / "campaigns.csv")
    campaigns = campaigns[
        campaigns[["campaign_id", "title"]].notna().all(axis=1)
        & campaigns["kind"].isin(["selection", "ranking", "survey"])
        & campaigns["mandatory"].str.lower().isin(["true", "false"])
        & pd.to_datetime(campaigns["starts_on"], format="%Y-%m-%d", errors="coerce").notna()
        & pd.to_datetime(campaigns["ends_on"], format="%Y-%m-%d", errors="coerce").notna()
    ]
    refs = {"cadres": set(cadres["cadre_id"]), "apps": set(apps["app_id"]), "campaigns": set(campaigns["campaign_id"])}
    roster = cadres.drop_duplicates("cadre_id", keep="first")[["cadre_id", "unit_id"]]
    return roster, refs


def month(moment: pd.Series) -> pd.Series:
    return moment.dt.to_period("M").dt.to_timestamp()


def cadre_monthly(landing: Path) -> pd.DataFrame:
    roster, refs = reference(landing)
    logins = read_source(landing, "app_logins", refs)
    checkins = read_source(landing, "checkins", refs)
    votes = read_source(landing, "votes", refs)
    cases = read_source(landing, "cases", refs)

    logins["month"] = month(logins["login_at"])
    minutes = (logins["logout_at"] - logins["login_at"]).dt.total_seconds() / 60
    logins["session_minutes"] = minutes.clip(upper=MAX_SESSION_MINUTES).fillna(0)
    logins["trace_only"] = logins["actions"] == 0
    per_login = logins.groupby(["cadre_id", "month"]).agg(
        login_count=("login_id", "size"),
        distinct_apps=("app_id", "nunique"),
        screen_minutes=("session_minutes", "sum"),
        trace_only_logins=("trace_only", "sum"),
    )
    checkins["month"] = month(checkins["checkin_at"])
    per_checkin = checkins.groupby(["cadre_id", "month"]).size().rename("checkin_count")
    votes["month"] = month(votes["voted_at"])
    per_vote = votes.rename(columns={"voter_id": "cadre_id"}).groupby(["cadre_id", "month"]).size().rename("votes_cast")
    cases["month"] = month(cases["opened_at"])
    opened = cases.groupby(["cadre_id", "month"]).size().rename("cases_opened")
    resolved = cases[(cases["status"] == "resolved") & cases["closed_at"].notna()]
    resolved = resolved.assign(month=month(resolved["closed_at"])).groupby(["cadre_id", "month"]).size().rename("cases_resolved")

    months = pd.concat([logins["month"], checkins["month"], votes["month"], cases["month"]]).dropna().unique()
    grid = roster.merge(pd.DataFrame({"month": months}), how="cross")
    result = grid.set_index(["cadre_id", "month"])
    for part in (per_login, per_checkin, per_vote, opened, resolved):
        result = result.join(part, how="left")
    result[COUNTS] = result[COUNTS].fillna(0)
    result["screen_minutes"] = result["screen_minutes"].round(2)
    for column in COUNTS:
        if column != "screen_minutes":
            result[column] = result[column].astype("int64")
    result = result.reset_index()
    result["month"] = result["month"].dt.date
    return result[["cadre_id", "unit_id", "month", *COUNTS]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="Parquet file for the counts")
    args = parser.parse_args()
    if not (args.landing / "reference" / "cadres.csv").is_file():
        sys.exit(f"no reference/cadres.csv under {args.landing}")
    cadre_monthly(args.landing).to_parquet(args.out, index=False)


if __name__ == "__main__":
    main()
