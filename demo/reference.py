"""The reference snapshots (units, cadres, apps, campaigns), each with a few invalid rows slipped in.

Why: events point into these tables; the contract quarantines a bad reference
row without losing the rest of the snapshot.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from demo.encoding import Progress
from demo.world import APPS, COUNTIES, World


def reference_tables(w: World) -> dict:
    """The four snapshots as string frames, plus the invalid rows to slip into each."""
    units = pl.DataFrame(
        {
            "unit_id": w.unit_id.tolist(),
            "unit_name": w.unit_name.tolist(),
            "county": w.unit_county.tolist(),
            "office_lat": [f"{x:.6f}" for x in w.unit_lat],
            "office_lon": [f"{x:.6f}" for x in w.unit_lon],
        }
    )
    cadres = pl.DataFrame(
        {
            "cadre_id": w.cadre_id.tolist(),
            "full_name": w.full_name.tolist(),
            "unit_id": w.unit_id[w.cadre_unit].tolist(),
            "position": w.position.tolist(),
            "hired_on": w.hired_on.tolist(),
            "active": ["true" if a else "false" for a in w.active],
        }
    )
    apps = pl.DataFrame(
        {
            "app_id": [a[0] for a in APPS],
            "app_name": [a[1] for a in APPS],
            "owner_department": [a[2] for a in APPS],
            "function_category": [a[3] for a in APPS],
            "mandatory": ["true" if a[4] else "false" for a in APPS],
        }
    )
    u0 = w.unit_id[0]
    invalid = {  # ids here are never used by any event
        "units": [
            (
                {
                    "unit_id": "U900",
                    "unit_name": "测试单位",
                    "county": COUNTIES[0][0],
                    "office_lat": "123.400000",
                    "office_lon": "115.800000",
                },
                "lat_out_of_range",
            ),
            (
                {
                    "unit_id": None,
                    "unit_name": "未命名单位",
                    "county": COUNTIES[0][0],
                    "office_lat": "38.900000",
                    "office_lon": "115.800000",
                },
                "missing_required",
            ),
        ],
        "cadres": [
            (
                {
                    "cadre_id": None,
                    "full_name": "王某",
                    "unit_id": u0,
                    "position": "文书",
                    "hired_on": "2015-03-01",
                    "active": "true",
                },
                "missing_required",
            ),
            (
                {
                    "cadre_id": "C98001",
                    "full_name": "李某",
                    "unit_id": u0,
                    "position": "网格员",
                    "hired_on": "2019-13-45",
                    "active": "true",
                },
                "bad_date",
            ),
            (
                {
                    "cadre_id": "C98002",
                    "full_name": "赵某",
                    "unit_id": u0,
                    "position": "网格员",
                    "hired_on": "2020-05-01",
                    "active": "maybe",
                },
                "bad_boolean",
            ),
        ],
        "apps": [
            (
                {
                    "app_id": "A90",
                    "app_name": "掌上游戏",
                    "owner_department": "县文旅局",
                    "function_category": "gaming",
                    "mandatory": "false",
                },
                "unknown_enum",
            ),
            (
                {
                    "app_id": "A91",
                    "app_name": "临时填报",
                    "owner_department": "县数据局",
                    "function_category": "reporting",
                    "mandatory": "sometimes",
                },
                "bad_boolean",
            ),
        ],
        "campaigns": [
            (
                {
                    "campaign_id": "K90",
                    "title": "知识竞赛",
                    "kind": "contest",
                    "mandatory": "false",
                    "starts_on": w.start.isoformat(),
                    "ends_on": w.start.isoformat(),
                },
                "unknown_enum",
            ),
            (
                {
                    "campaign_id": "K91",
                    "title": "年度评议",
                    "kind": "survey",
                    "mandatory": "true",
                    "starts_on": w.start.isoformat(),
                    "ends_on": "2026-02-30",
                },
                "bad_date",
            ),
        ],
    }
    return {
        "units": (units, invalid["units"]),
        "cadres": (cadres, invalid["cadres"]),
        "apps": (apps, invalid["apps"]),
        "campaigns": (w.campaigns, invalid["campaigns"]),
    }


def write_reference(out: Path, w: World, progress: Progress) -> tuple[list, dict]:
    """Write reference/*.csv with the invalid rows at random places; return their truth."""
    rng = w.rng
    truth, stats = [], {}
    (out / "reference").mkdir(parents=True, exist_ok=True)
    for name, (frame, bad) in reference_tables(w).items():
        rows = frame.to_dicts()
        positions = sorted(rng.choice(len(rows) + len(bad), len(bad), replace=False).tolist())
        for pos, (row, _kind) in zip(positions, bad):
            rows.insert(pos, row)
        for pos, (_, kind) in zip(positions, bad):
            truth.append(("reference", f"reference/{name}.csv", pos + 1, kind))
        path = out / "reference" / f"{name}.csv"
        pl.from_dicts(rows, schema={c: pl.String for c in frame.columns}).write_csv(path)
        progress(path, len(rows))
        stats[name] = {"rows_written": len(rows), "invalid_rows": len(bad)}
    return truth, stats
