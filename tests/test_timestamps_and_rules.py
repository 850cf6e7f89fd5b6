"""The landing contract's parsing rules, one behaviour per test."""

from datetime import datetime

import polars as pl
import pytest

from sources.contract import EVENT_SPECS
from sources.validation import parse_timestamp, validate


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-09-14T08:21:40+08:00", datetime(2026, 9, 14, 8, 21, 40)),
        ("2026-09-14T02:05:13Z", datetime(2026, 9, 14, 10, 5, 13)),  # Z is UTC
        ("2026-09-14T17:38:09", datetime(2026, 9, 14, 17, 38, 9)),  # no offset = local
        ("2026-09-13T20:00:00-04:00", datetime(2026, 9, 14, 8, 0, 0)),
        ("2026-09-14 08:21:40.5+0800", datetime(2026, 9, 14, 8, 21, 40, 500000)),
        ("2026-09-14T09:21:40+09", datetime(2026, 9, 14, 8, 21, 40)),
        ("2026-09-14T05:51:40-0230", datetime(2026, 9, 14, 16, 21, 40)),
        ("2026-09-14T00:21z", datetime(2026, 9, 14, 8, 21)),  # no seconds; a lower-case z
        # Whole seconds are read by a faster format first; the others still fall through to theirs.
        ("2026-09-14T08:21:40.123456", datetime(2026, 9, 14, 8, 21, 40, 123456)),
        ("2026-09-14T00:21:40.000001Z", datetime(2026, 9, 14, 8, 21, 40, 1)),
        ("2026-09-14T8:21:40", datetime(2026, 9, 14, 8, 21, 40)),
        ("2026-09-14T08:21:40+08:0", None),  # half an offset is not an offset
        ("2026-09-14T08:21:40+٠٨:00", None),  # nor are other scripts' digits
    ],
)
def test_timestamps_become_asia_shanghai_wall_clock(text, local):
    parsed = pl.select(parse_timestamp(pl.lit(text))).item()
    assert parsed == local


def _checkin(**changes):
    row = {
        "checkin_id": "K1",
        "cadre_id": "C1",
        "app_id": "A1",
        "kind": "punch_in",
        "checkin_at": "2026-09-14T08:21:40+08:00",
        "lat": "38.912344",
        "lon": "115.871209",
        "accuracy_m": "12.5",
        "device_id": "dev-1",
        "photo_hash": "9c4e1f00a37b52d8",
    }
    row.update(changes)
    return pl.DataFrame([row]).with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))


KNOWN = {"cadres": {"C1"}, "apps": {"A1"}}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"cadre_id": ""}, "missing required value: cadre_id"),
        ({"checkin_at": "14/09/2026"}, "unparseable timestamp"),
        ({"lat": "123.4"}, "latitude out of range"),
        ({"lon": "-181"}, "longitude out of range"),
        ({"accuracy_m": "-3"}, "negative number: accuracy_m"),
        ({"accuracy_m": "twelve"}, "unparseable number"),
        ({"kind": "punch"}, "unknown enum value: kind='punch'"),
        ({"cadre_id": "C404"}, "unknown cadre_id"),
        ({"app_id": "A404"}, "unknown app_id"),
        ({"photo_hash": "xyz"}, "photo_hash is not 16 hex characters"),
    ],
)
def test_each_invalid_value_is_quarantined_with_its_reason(changes, reason):
    checked = validate(_checkin(**changes), EVENT_SPECS["checkins"], "checkins/dt=2026-09-14/a.csv", KNOWN)
    assert checked.valid.height == 0
    assert reason in checked.quarantine["reason"][0]


def test_a_valid_row_passes_with_nullable_values_empty():
    checked = validate(_checkin(photo_hash=""), EVENT_SPECS["checkins"], "checkins/dt=2026-09-14/a.csv", KNOWN)
    assert checked.quarantine.height == 0
    assert checked.valid["photo_hash"][0] is None
    assert checked.valid["lat_text"][0] == "38.912344"
