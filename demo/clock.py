"""Time units and the local calendar the demo's cadres live by."""

from __future__ import annotations

from datetime import date

MINUTE, HOUR, DAY = 60, 3600, 86400
LOCAL_OFFSET_S = 8 * HOUR  # Asia/Shanghai, no DST: local = UTC + 8 h
EPOCH = date(1970, 1, 1)
# Offices close on these days, so weekday activity dips like it does in reality.
PUBLIC_HOLIDAYS = {date(2026, 9, 25)} | {date(2026, 10, d) for d in range(1, 8)}
