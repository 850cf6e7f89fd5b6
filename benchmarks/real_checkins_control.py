# Longer than 400 lines: loading a public check-in dataset as a landing folder, building it and reading the flags, in one script.
"""Real-data control for gps_spoof: public LBSN check-ins loaded as field visits.

    .venv/bin/python benchmarks/real_checkins_control.py \\
        --checkins /path/to/gowalla_events_nyc.csv.gz --format snap --timezone America/New_York \\
        --users 48 --workdir /tmp/real-checkins --accuracy both

People on a location-based social network check in at venues, and every
check-in at a venue carries the venue's coordinates: the same position, to the
last decimal, each time the person returns. That is what Wi-Fi/cell positioning
or a fix snapped to a known place delivers, and gps_spoof must stay silent on
it. This script takes the N people with the most check-ins (within a span of at
most --max-span-days local days), makes each one a cadre of one unit, and writes
a landing folder that follows the landing contract (shared/contract/landing.md):

- reference/units.csv, cadres.csv, apps.csv (one attendance app A01, mandatory),
  campaigns.csv (one row);
- checkins/dt=YYYY-MM-DD/part-0.csv: kind field_visit, the position exactly as
  the file gives it (the text, not a re-printed float; no noise), one device per
  person, no photo, checkin_at in the check-in's local time with its offset.
  Dates are shifted by whole weeks (weekdays and local times of day kept) so that
  the span ends on or before --end-before - 1 day; dt is the event's local day.
- accuracy_m: `network` draws 30-150 m (network positioning, what such a
  position honestly is); `gps` draws 5-19.9 m (GPS-grade: as if the phone
  claimed GPS accuracy while repeating venue coordinates, the hardest case for
  the rule); `both` writes and builds the two variants.

Each variant is built with the real CLI in its own process
(`fingertip run --landing DIR/landing-<variant> --warehouse DIR/<variant>.duckdb`)
and the script prints users, check-ins, days spanned, how many users got a
gps_spoof flag, and every flag code's count. It also prints how often each
person's positions repeat exactly (the reason an exact-repeat rule fires).

Input formats (tab-separated, optionally gzipped; a header row is skipped):
- tsmc: Foursquare TSMC2014 (Yang et al.): userId, venueId, venueCategoryId,
  venueCategory, latitude, longitude, timezoneOffset (minutes), utcTimestamp
  ("Tue Apr 03 18:00:09 +0000 2012"). A comma-separated copy with a header is
  read too.
- snap: SNAP Gowalla/Brightkite: user, check-in time (UTC, ISO-8601 with Z or
  +0000), latitude, longitude, location id. The file has no time zone: pass
  --timezone (an IANA name such as America/New_York), or `lon` for a fixed offset
  of round(longitude / 15) hours per check-in.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
CHECKIN_COLUMNS = [
    "checkin_id",
    "cadre_id",
    "app_id",
    "kind",
    "checkin_at",
    "lat",
    "lon",
    "accuracy_m",
    "device_id",
    "photo_hash",
]
ACCURACY_RANGES = {"network": (30.0, 150.0), "gps": (5.0, 19.9)}


@dataclass(frozen=True)
class Checkin:
    line: int  # 1-based line number in the source file: the check-in's identity
    user: str
    place: str  # venue / location id
    lat: str  # as given in the file
    lon: str
    local: datetime  # aware, in the check-in's local time

    @property
    def day(self) -> date:
        return self.local.date()


def open_text(path: Path) -> io.TextIOBase:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def split_rows(handle: io.TextIOBase):
    first = handle.readline()
    delimiter = "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(first), delimiter=delimiter)
    yield 1, next(reader, [])
    yield from enumerate(csv.reader(handle, delimiter=delimiter), start=2)


def valid_position(lat: str, lon: str) -> bool:
    try:
        return -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180
    except ValueError:
        return False


def parse_utc(text: str) -> datetime:
    text = text.strip()
    if text[:3].isalpha():  # TSMC: "Tue Apr 03 18:00:09 +0000 2012"
        return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
    text = text.replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_checkins(path: Path, fmt: str, tz_name: str) -> tuple[list[Checkin], int]:
    zone = None if tz_name == "lon" else ZoneInfo(tz_name)
    out: list[Checkin] = []
    skipped = 0
    with open_text(path) as handle:
        for number, row in split_rows(handle):
            try:
                if fmt == "tsmc":
                    user, place, _cat_id, _cat, lat, lon, offset, utc_text = (v.strip() for v in row[:8])
                    moment = parse_utc(utc_text)
                    local = moment.astimezone(timezone(timedelta(minutes=int(offset))))
                else:
                    user, utc_text, lat, lon, place = (v.strip() for v in row[:5])
                    moment = parse_utc(utc_text)
                    if zone is not None:
                        local = moment.astimezone(zone)
                    else:
                        local = moment.astimezone(timezone(timedelta(hours=round(float(lon) / 15))))
            except (ValueError, TypeError, OverflowError):
                skipped += 1  # the header row, or a row that cannot be read
                continue
            if not user or not valid_position(lat, lon):
                skipped += 1
                continue
            out.append(Checkin(number, user, place, lat, lon, local))
    return out, skipped


def select(checkins: list[Checkin], users: int, max_span_days: int) -> tuple[list[Checkin], date, date]:
    """The `users` people with most check-ins in the last `max_span_days` local days of the file."""
    last_day = max(c.day for c in checkins)
    first_day = last_day - timedelta(days=max_span_days - 1)
    window = [c for c in checkins if c.day >= first_day]
    counts = Counter(c.user for c in window)
    chosen = {u for u, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:users]}
    picked = sorted((c for c in window if c.user in chosen), key=lambda c: (c.user, c.local, c.line))
    return picked, first_day, last_day


def shift_local(moment: datetime, days: int, zone: ZoneInfo | None) -> datetime:
    """Same local wall-clock time `days` later; the offset re-derived where the zone is known."""
    wall = moment.replace(tzinfo=None) + timedelta(days=days)
    if zone is not None:
        return wall.replace(tzinfo=zone)
    return wall.replace(tzinfo=moment.tzinfo)


def stable_hex(*parts: str, n: int = 10) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:n]


def repeat_stats(picked: list[Checkin]) -> list[dict]:
    """Per person: how many check-ins repeat a position (exact text) they report more than once."""
    places_of_position = defaultdict(set)
    users_of_position = defaultdict(set)
    by_user: dict[str, list[Checkin]] = defaultdict(list)
    for c in picked:
        by_user[c.user].append(c)
        places_of_position[(c.lat, c.lon)].add(c.place)
        users_of_position[(c.lat, c.lon)].add(c.user)
    stats = []
    for user, rows in by_user.items():
        per_pos = Counter((c.lat, c.lon) for c in rows)
        days_per_pos: dict[tuple[str, str], set] = defaultdict(set)
        for c in rows:
            days_per_pos[(c.lat, c.lon)].add(c.day)
        repeated = sum(n for n in per_pos.values() if n > 1)
        own = {p: n for p, n in per_pos.items() if len(users_of_position[p]) == 1}
        top_pos, top_n = per_pos.most_common(1)[0]
        stats.append(
            {
                "user": user,
                "checkins": len(rows),
                "positions": len(per_pos),
                "repeated": repeated,
                "top_repeats": top_n,
                "top_days": len(days_per_pos[top_pos]),
                "own_repeated": sum(n for n in own.values() if n > 1),
                "own_top_days": max((len(days_per_pos[p]) for p in own), default=0),
            }
        )
    return stats


def write_landing(
    landing: Path,
    picked: list[Checkin],
    shift_days: int,
    zone: ZoneInfo | None,
    variant: str,
    seed: int,
    cadre_of: dict[str, str],
) -> dict[str, int]:
    if landing.exists():
        sys.exit(f"{landing} exists: pass an empty --workdir (the script never overwrites a landing folder)")
    ref = landing / "reference"
    ref.mkdir(parents=True)
    lat_mid = statistics.median(float(c.lat) for c in picked)
    lon_mid = statistics.median(float(c.lon) for c in picked)

    def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write_csv(
        ref / "units.csv",
        ["unit_id", "unit_name", "county", "office_lat", "office_lon"],
        [["U001", "LBSN control unit", "control", f"{lat_mid:.6f}", f"{lon_mid:.6f}"]],
    )
    write_csv(
        ref / "cadres.csv",
        ["cadre_id", "full_name", "unit_id", "position", "hired_on", "active"],
        [
            [cid, f"LBSN user {user}", "U001", "field officer", "2015-01-01", "true"]
            for user, cid in sorted(cadre_of.items(), key=lambda kv: kv[1])
        ],
    )
    write_csv(
        ref / "apps.csv",
        ["app_id", "app_name", "owner_department", "function_category", "mandatory"],
        [["A01", "Field attendance", "control", "attendance", "true"]],
    )
    write_csv(
        ref / "campaigns.csv",
        ["campaign_id", "title", "kind", "mandatory", "starts_on", "ends_on"],
        [["K01", "Control survey (no votes)", "survey", "false", "2026-01-01", "2026-01-07"]],
    )

    low, high = ACCURACY_RANGES[variant]
    rng = random.Random(f"{seed}-{variant}")
    by_day: dict[date, list[list]] = defaultdict(list)
    for c in picked:
        local = shift_local(c.local, shift_days, zone)
        by_day[local.date()].append(
            [
                f"K{stable_hex(str(c.line), c.user, n=12)}{c.line:08d}",
                cadre_of[c.user],
                "A01",
                "field_visit",
                local.isoformat(timespec="seconds"),
                c.lat,
                c.lon,
                f"{rng.uniform(low, high):.1f}",
                f"dev-{stable_hex('device', c.user)}",
                "",
            ]
        )
    for day, rows in sorted(by_day.items()):
        write_csv(landing / "checkins" / f"dt={day.isoformat()}" / "part-0.csv", CHECKIN_COLUMNS, rows)
    return {"delivery_days": len(by_day), "rows": sum(len(r) for r in by_day.values())}


def build(workdir: Path, variant: str) -> tuple[Path, float, str]:
    landing = workdir / f"landing-{variant}"
    warehouse = workdir / f"{variant}.duckdb"
    cmd = [
        str(BIN / "fingertip"),
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        "--lake",
        str(workdir / f"lake-{variant}"),
        "--publish",
        str(workdir / f"{variant}-analytics.duckdb"),
    ]
    began = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        sys.exit(f"build failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return warehouse, elapsed, " ".join(cmd)


def report(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        flagged = con.execute(
            "select count(distinct cadre_id) from marts.padding_flags where flag_code = ?", ["gps_spoof"]
        ).fetchone()[0]
        codes = con.execute(
            "select flag_code, count(*), count(distinct cadre_id) from marts.padding_flags group by 1 order by 1"
        ).fetchall()
        loaded = con.execute(
            "select sum(coalesce(rows_read, 0)), sum(rows_loaded), sum(rows_duplicate), sum(coalesce(rows_quarantined, 0))"
            " from ops.load_audit where source = ?",
            ["checkins"],
        ).fetchone()
        gps_rows = con.execute(
            "select cadre_id, severity from marts.padding_flags where flag_code = ? order by cadre_id", ["gps_spoof"]
        ).fetchall()
    return {"gps_spoof_users": flagged, "codes": codes, "checkins_audit": loaded, "gps_rows": gps_rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkins", required=True, type=Path, help="check-in file (tab-separated, may be .gz)")
    parser.add_argument("--format", required=True, choices=["tsmc", "snap"])
    parser.add_argument("--users", type=int, default=48)
    parser.add_argument("--workdir", required=True, type=Path, help="an empty folder for landing folders and warehouses")
    parser.add_argument("--accuracy", choices=["gps", "network", "both"], default="both")
    parser.add_argument(
        "--timezone", default="lon", help="snap only: IANA zone of the check-ins, or `lon` (offset from longitude); default lon"
    )
    parser.add_argument("--max-span-days", type=int, default=401, help="local days the selection may span (default 401)")
    parser.add_argument(
        "--end-before",
        type=date.fromisoformat,
        default=date(2026, 11, 30),
        help="shifted data ends before this day (default 2026-11-30)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the accuracy draw")
    args = parser.parse_args(argv)

    if not args.checkins.is_file():
        sys.exit(f"no such file: {args.checkins}")
    zone = None
    if args.format == "snap" and args.timezone != "lon":
        zone = ZoneInfo(args.timezone)
    checkins, skipped = read_checkins(args.checkins, args.format, args.timezone if args.format == "snap" else "lon")
    if not checkins:
        sys.exit(f"no readable check-ins in {args.checkins} (is --format right?)")
    picked, window_first, window_last = select(checkins, args.users, args.max_span_days)
    counts = Counter(c.user for c in picked)
    users = sorted(counts, key=lambda u: (-counts[u], u))
    cadre_of = {u: f"C{10001 + i}" for i, u in enumerate(users)}

    last_day = max(c.day for c in picked)
    first_day = min(c.day for c in picked)
    target_last = args.end_before - timedelta(days=1)
    shift_days = ((target_last - last_day).days // 7) * 7
    span_days = (last_day - first_day).days + 1

    print(
        f"source: {args.checkins} ({args.format}), {len(checkins)} check-ins read, {skipped} lines skipped "
        f"(header or unreadable), {len({c.user for c in checkins})} people"
    )
    print(
        f"window: local days {window_first} to {window_last} (at most {args.max_span_days} days); "
        f"picked the {len(users)} people with most check-ins in it"
    )
    print(
        f"selected: {len(users)} people, {len(picked)} check-ins, {span_days} days spanned "
        f"({first_day} to {last_day}), shifted by {shift_days} days "
        f"({first_day + timedelta(days=shift_days)} to {last_day + timedelta(days=shift_days)})"
    )
    per_user = sorted(counts.values())
    print(f"check-ins per person: min {per_user[0]}, median {statistics.median(per_user):g}, max {per_user[-1]}")

    stats = repeat_stats(picked)
    share = sorted(s["repeated"] / s["checkins"] for s in stats)
    top_days = sorted(s["top_days"] for s in stats)
    own_days = sorted(s["own_top_days"] for s in stats)
    print("exact repeats (same lat/lon text as another check-in of the same person):")
    print(
        f"  share of a person's check-ins at a repeated position: min {share[0]:.0%}, "
        f"median {statistics.median(share):.0%}, max {share[-1]:.0%}; "
        f"people with >= 1 repeat: {sum(1 for s in stats if s['repeated'])}/{len(stats)}"
    )
    print(
        f"  days at the person's most repeated position: min {top_days[0]}, median {statistics.median(top_days):g}, "
        f"max {top_days[-1]}; people with >= 5 days there: {sum(1 for d in top_days if d >= 5)}/{len(stats)}"
    )
    print(
        f"  same, counting only positions no other selected person reports: min {own_days[0]}, "
        f"median {statistics.median(own_days):g}, max {own_days[-1]}; "
        f"people with >= 5 days: {sum(1 for d in own_days if d >= 5)}/{len(stats)}"
    )
    print(
        f"  {'cadre':<7} {'user':>8} {'checkins':>8} {'positions':>9} {'repeated':>8} {'top_n':>6} "
        f"{'top_days':>8} {'own_top_days':>12}"
    )
    for s in sorted(stats, key=lambda s: cadre_of[s["user"]]):
        print(
            f"  {cadre_of[s['user']]:<7} {s['user']:>8} {s['checkins']:>8} {s['positions']:>9} {s['repeated']:>8} "
            f"{s['top_repeats']:>6} {s['top_days']:>8} {s['own_top_days']:>12}"
        )

    args.workdir.mkdir(parents=True, exist_ok=True)
    variants = ["network", "gps"] if args.accuracy == "both" else [args.accuracy]
    for variant in variants:
        landing = args.workdir / f"landing-{variant}"
        written = write_landing(landing, picked, shift_days, zone, variant, args.seed, cadre_of)
        warehouse, elapsed, cmd = build(args.workdir, variant)
        result = report(warehouse)
        read, loaded, duplicate, quarantined = result["checkins_audit"]
        low, high = ACCURACY_RANGES[variant]
        print(f"\nvariant {variant} (accuracy_m {low:g}-{high:g} m): {landing}")
        print(f"  command: {cmd}  [{elapsed:.0f} s]")
        print(
            f"  users {len(users)}, check-ins {written['rows']} in {written['delivery_days']} delivery days, "
            f"days spanned {span_days}"
        )
        print(f"  checkins audit: read {read}, loaded {loaded}, duplicate {duplicate}, quarantined {quarantined}")
        print(f"  users with a gps_spoof flag: {result['gps_spoof_users']} of {len(users)}")
        if result["gps_rows"]:
            print("  gps_spoof: " + ", ".join(f"{cid} ({sev})" for cid, sev in result["gps_rows"]))
        print("  flags by code (flags, cadres):" + ("" if result["codes"] else " none"))
        for code, n, cadres in result["codes"]:
            print(f"    {code:<18} {n:>6} {cadres:>6}")


if __name__ == "__main__":
    main()
