"""Demo landing data: a landing folder with known fabrication and known bad input.

Why: the pipeline and its padding detectors need data whose truth is known.
`write_demo_landing` writes a folder that follows the landing contract
(docs: /work/shared/contract/landing.md) with honest behaviour that *looks*
like padding (office NAT, mandated login times, GPS jitter, car trips between
villages, small counts) beside planted fabrication that is clearly over the
line, plus invalid rows and files. The truth goes to ``_truth/`` beside the
landing data (the pipeline ignores that folder):

* ``_truth/flags.csv``   flag_code,cadre_id - one row per planted (code, cadre)
* ``_truth/invalid.csv`` source,file_path,row_number,kind - every planted invalid
  row (row_number = 1-based index of the data record in its file: the first CSV
  line after the header is 1, the first JSONL line is 1, parquet row index + 1)
  and every rejected file (row_number empty)
* ``_truth/lookalikes.csv`` kind,cadre_id - honest cadres whose behaviour looks
  like a planted pattern (carpools, phone hand-overs, and at levels 1-3 punctual
  people, desk GPS, Wi-Fi fixes, family phones, small units, popular cadres, round
  subsidies, service days, same-backdrop photos, expressway trips); never planted
* ``_truth/summary.json`` rows per source, invalid rows, rejected files,
  re-deliveries, distinct valid ids, planted flags, the period covered, the
  evasion level.

The evasion dial (``evasion=0..3``, EVASION_DESCRIPTIONS) sets how hard the
padders hide; 0 is the textbook form below, 1-3 live in ``sources/evasion.py``.
Level 0 writes the same files it wrote before the dial existed.

Everything is drawn from one seeded numpy Generator, in a fixed order, so the
same seed writes byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

# --------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------
MINUTE, HOUR, DAY = 60, 3600, 86400
LOCAL_OFFSET_S = 8 * HOUR  # Asia/Shanghai, no DST: local = UTC + 8 h
EPOCH = date(1970, 1, 1)
# Offices close on these days, so weekday activity dips like it does in reality.
PUBLIC_HOLIDAYS = {date(2026, 9, 25)} | {date(2026, 10, d) for d in range(1, 8)}
# Share of rows whose timestamps are written "+08:00", "Z" (UTC) and without
# offset (local): the pipeline must read all three the same way.
STYLE_P = [0.80, 0.12, 0.08]

# --------------------------------------------------------------------------
# Shape of the world
# --------------------------------------------------------------------------
MIN_CADRES = 40  # 9 codes x 2 planted cadres + helpers + look-alikes need room
MIN_DAYS = 14  # scripted logins need >= 10 days, rings >= 3 campaigns
MAX_CADRES = 80_000  # ids stay below C98001, where the planted unknown/invalid ids live
CADRES_PER_UNIT = 10  # a township office / village committee has ~10 cadres
MIN_UNIT_SIZE = 4  # every unit keeps colleagues to vote for and carpool with
# County seats around Baoding, Hebei (lat 38.5-39.1, lon 115.5-116.1).
COUNTIES = [
    ("清苑区", 38.765, 115.492),
    ("安新县", 38.935, 115.935),
    ("高阳县", 38.700, 115.779),
    ("蠡县", 38.488, 115.583),
    ("徐水区", 39.019, 115.656),
    ("容城县", 39.043, 115.862),
    ("雄县", 38.994, 116.108),
]
OFFICE_SPREAD_M = 15_000  # unit offices lie within this distance of the county seat
VILLAGES_PER_UNIT = (8, 16)  # villages a unit serves (numpy integers bounds)
VILLAGE_DISTANCE_M = (2_000, 25_000)  # field visits: 2-25 km from the office, by car
REMOTE_VILLAGE_M = 8_000  # village 1 of a unit is at least this far: padded claims need it
VILLAGE_SPREAD_M = 300  # a visit lands somewhere in the village, not at its centre
INACTIVE_SHARE = 0.02  # cadres on the roster who left: valid ids, no events
PHONE_SWITCH_SHARE = 0.03  # cadres who change phones once in the period
LEAVE_P = 0.04  # chance a cadre is away from the office on a working day
OFFICE_IP_PREFIXES = [58, 60, 61, 106, 121, 124]  # government broadband (office NAT)
MOBILE_IP_PREFIXES = [39, 111, 112, 117, 120, 183, 223]  # carrier NAT
HOME_IP_PREFIXES = [27, 36, 110, 113, 119]  # residential broadband

TOWN_CHARS = "安端圈同赵大留北南东西新王李刘张寨庄河桥口营屯店堡集台坊旧龙辛"
UNIT_SUFFIXES = ["镇人民政府", "乡人民政府", "镇便民服务中心", "街道办事处"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
GIVEN_CHARS = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红梅海燕晓东雪玉春文博子涵浩然宇轩欣怡思远佳琪鹏飞振"
POSITIONS = [
    "党委书记", "乡镇长", "党政办主任", "网格员", "驻村第一书记", "村党支部书记",
    "村委会主任", "民政专干", "文书", "妇联主席", "包村干部", "综治专干",
]

# --------------------------------------------------------------------------
# Apps: id, name, owner, category, mandatory, adoption share, usage weight,
# P(session has 0 actions), median session seconds, mean extra actions.
# Two study apps, two attendance apps (one per unit), two case apps and an
# "other" check-in helper whose sessions are almost all trace-only.
# --------------------------------------------------------------------------
APPS = [
    ("A01", "先锋学习", "县委组织部", "study", True, 1.00, 0.3, 0.60, 900, 1.5),
    ("A02", "干部网络学院", "县委党校", "study", False, 0.50, 0.6, 0.50, 1500, 1.0),
    ("A03", "政务钉考勤", "县政务服务局", "attendance", True, 0.0, 0.5, 0.85, 40, 0.5),
    ("A04", "云考勤", "县人社局", "attendance", True, 0.0, 0.5, 0.85, 40, 0.5),
    ("A05", "民情日志", "县委组织部", "reporting", True, 1.00, 1.0, 0.25, 300, 2.0),
    ("A06", "基层报表通", "县数据局", "reporting", False, 0.60, 0.7, 0.30, 420, 2.0),
    ("A07", "评选投票", "县委宣传部", "voting", False, 0.80, 0.3, 0.50, 120, 1.0),
    ("A08", "民生诉求办理", "县信访局", "case_handling", True, 1.00, 2.0, 0.10, 480, 3.0),
    ("A09", "网格通", "县委政法委", "case_handling", False, 0.60, 1.2, 0.15, 360, 2.5),
    ("A10", "政务微信", "县政府办", "messaging", False, 1.00, 2.5, 0.50, 180, 2.0),
    ("A11", "工作群助手", "县政府办", "messaging", False, 0.40, 0.6, 0.60, 120, 1.0),
    ("A12", "每日签到助手", "县委宣传部", "other", True, 1.00, 0.8, 0.97, 30, 0.3),
]
APP_IDS = np.array([a[0] for a in APPS], dtype=object)
STUDY_APP, TRACE_APP = 0, 11  # A01 (mandated morning study), A12 (trace-only helper)
ATTENDANCE_APPS = [2, 3]  # A03 / A04: each unit mandates one of them

# Honest logins
STUDY_LOGIN_P = 0.95  # the mandated morning study login, on working days
STUDY_MEAN_STD_S = 180  # a person's habitual time differs from 08:00 by minutes
STUDY_DAILY_STD_S = 360  # and varies day to day by minutes (a script does not): std >= 3 min
WEEKEND_STUDY_P = 0.5
SESSIONS_PER_DAY = {"office": 5.0, "leave": 1.2, "off": 0.8}  # Poisson means
EVENING_SHARE = 0.15  # sessions after hours, from home or the phone network
OFFICE_IP_SHARE = 0.85  # office-hours sessions that go through the unit's NAT
LOGOUT_NULL_P = 0.05  # sessions that were never closed
ACTIONS_NULL_P = 0.01

# Honest check-ins
PUNCH_JITTER_M = (5, 20)  # real GPS fixes differ by metres between fixes
ACCURACY_M = (5, 30)
PHOTO_NULL_P = 0.10
DOUBLE_PUNCH_P = 0.03  # a second punch seconds later: jitter, not travel
DOUBLE_PUNCH_GAP_S = (3, 20)
MISSING_PUNCH_OUT_P = 0.03
FIELD_VISITS_P = [0.35, 0.35, 0.20, 0.10]  # 0-3 field visits on an office day
CAR_SPEED_KMH = (30, 60)  # on the road; straight-line speed is lower
ROAD_FACTOR = 1.3  # roads are longer than the straight line
LAST_VISIT_TOD = 16.5 * HOUR  # field visits stop in time to return to the office
CARPOOL_SHARE = 0.01  # pairs who arrive together and punch within a minute
CARPOOL_DAY_P = 0.7

# Honest votes and campaigns
CAMPAIGNS = [
    ("最美基层干部评选", "selection", True),
    ("优秀网格员评选", "selection", False),
    ("为民服务之星排行", "ranking", True),
    ("村级工作满意度调查", "survey", False),
    ("党员先锋岗评选", "selection", True),
    ("便民服务窗口排名", "ranking", False),
    ("乡村振兴带头人评选", "selection", False),
    ("政务服务好差评调查", "survey", True),
]
CAMPAIGN_DAYS = (5, 21)  # voting days inside the period
VOTE_PARTICIPATION = {True: 0.95, False: 0.40}  # mandatory / optional campaigns
SAME_UNIT_VOTE_P = 0.8  # cadres mostly vote for colleagues they know
GATHERED_UNIT_P = 0.5  # units that vote together in a meeting: office NAT look-alike
PUBLIC_ACCOUNTS_PER_CADRE = 4
PUBLIC_VOTES_PER_CADRE_PER_CAMPAIGN = 3
FAMILY_DEVICE_P = 0.05  # public accounts sharing a phone with a relative

# Honest cases
CASE_CATEGORIES = [
    "subsidy", "housing", "dispute", "elderly_care", "medical_insurance",
    "employment", "sanitation", "infrastructure", "social_security", "land",
]
CASE_RATE = (0.25, 0.8)  # cases opened per office day, per cadre
CASE_CLOSE_HOURS = (8 * HOUR, 20 * HOUR)  # cases are closed by people at work, not at 05:00
QUICK_CASE_P = 0.03  # a phone question answered in minutes: padded_cases look-alike
CASE_LOCATION_NULL_P = 0.08
CLAIMED_VISIT_P = 0.12  # field visits that close a case claimed as visited
REPLY_VERSION_P = 0.4  # cases delivered a middle time, when first replied
STATUS_P = {"resolved": 0.78, "unresolved": 0.10, "transferred": 0.12}

# Honest reports
REPORT_FROM_DAY = 24  # monthly reports go in during the month's last week
ITEMS_PER_REPORT = (8, 16)
HONEST_ROUND_P = 0.04  # fixed subsidy amounts are sometimes round

# Delivery
LATE_P = 0.10  # events that land 1-3 days after their event day
REDELIVERED_SHARE = 0.02  # events delivered again, same id and content
FILES_PER_FOLDER = (2, 5)
FORMATS = [".csv", ".jsonl", ".parquet", ".csv.gz", ".jsonl.gz"]
FORMAT_P = [0.30, 0.25, 0.25, 0.10, 0.10]
NATURAL_JSON_COLUMN_P = 0.75  # JSONL columns written as numbers/booleans, not strings
NATURAL_PARQUET_P = 0.6  # parquet files written with typed columns, not strings
GZIP_LEVEL = 6  # level 9 costs seconds at 3,000 cadres for a few percent of bytes

# --------------------------------------------------------------------------
# Fabrication, each far over the line a detector draws
# --------------------------------------------------------------------------
FLAG_CODES = [
    "proxy_checkin", "impossible_travel", "photo_reuse", "gps_spoof", "scripted_login",
    "vote_stuffing", "vote_ring", "fabricated_report", "padded_cases",
]
PLANT_SHARE_PER_CODE = 0.01  # ~1% of cadres per code, ~9% in all, never fewer than 2
PROXY_DAYS = 5  # threshold 3 days
PROXY_GAP_S = (2 * MINUTE + 30, 14 * MINUTE)  # threshold 2-15 minutes after the phone owner
IMPOSSIBLE_DAYS = 2
IMPOSSIBLE_FAST = ((60_000, 250_000), (5 * MINUTE, 20 * MINUTE))  # >= 180 km/h
IMPOSSIBLE_FAR = ((850_000, 1_200_000), (25 * MINUTE, 50 * MINUTE))  # > 800 km in < 1 h
PHOTO_SAME_DAYS = 4  # threshold 3 days
PHOTO_NEAR_DAYS = 5
PHOTO_SHARED_DAYS = 2  # per cadre of the pair
GPS_SPOOF_SHARE = 0.6  # of the cadre's office days; threshold 4 days
GPS_SPOOF_MIN_DAYS = 5
SCRIPT_DAY_P = 0.9  # threshold 10 days; a script runs on weekends too
SCRIPT_MIN_DAYS = 12
SCRIPT_TOD = (6 * HOUR + 30 * MINUTE, 7 * HOUR + 50 * MINUTE)
STUFFING_BURSTS = 2
STUFFING_VOTES = (22, 41)  # threshold 15 votes from one device in 30 minutes
STUFFING_SPAN_S = (8 * MINUTE, 25 * MINUTE)
RING_SIZE = (3, 5)
RING_CAMPAIGNS = 4  # threshold 3 campaigns
FABRICATED_POOL = 4  # distinct invented amounts, copied across items and months
BULK_CASE_DAYS = 2
BULK_CASES = (6, 10)  # threshold 5 cases closed within 60 s on one day
BULK_CASE_SECONDS = (5, 45)
CLAIMED_NO_VISIT_CASES = 5  # threshold 3 claimed visits with no check-in within 2 km
CLAIMED_NO_VISIT_DAYS = 3  # office days the cadre made no field visit, yet claimed some
REMOTE_CLAIM_MIN_M = 5_000

# --------------------------------------------------------------------------
# Evasion dial (the numbers per level live in sources/evasion.py)
# --------------------------------------------------------------------------
EVASION_LEVELS = (0, 1, 2, 3)
EVASION_DESCRIPTIONS = {
    0: "textbook: scripts on the same second, exact position replays, identical photo hashes, "
       "one-phone stuffing bursts, every ring member voting for every other, copied invented amounts",
    1: "mild: scripts jittered by up to 8 s, mock positions off by centimetres, reused photos 0-1 bits apart, "
       "stuffing over 2 phones in 30-60 min, rings of 3-4 with likes, 60% of amounts invented and rounded; "
       "look-alikes: punctual people, desk GPS, Wi-Fi fixes, family phones, small units of 4",
    2: "medium: scripts jittered by up to 25 s on working days only, mock positions off by up to 1.5 m, "
       "photos 1-3 bits apart, stuffing over 3-4 phones in 1-3 h, rings of 3 at 80% through all actions, "
       "45% of amounts invented; look-alikes harder: alarm logins, meeting votes for one candidate, viral votes, "
       "round subsidies, service days, similar photos, expressway trips",
    3: "strong: scripts jittered by up to 50 s with a moved slot, mock positions off by up to 3 m with honest-looking "
       "accuracy, photos 1-5 bits apart, stuffing over 4-6 phones in 2-6 h, rings of 3 at 60%, 30% of amounts "
       "invented and rounded to 10/50/100, padded cases spread over 5 days; look-alikes at their hardest",
}

# --------------------------------------------------------------------------
# Invalid input
# --------------------------------------------------------------------------
INVALID_PER_KIND = 3
INVALID_KINDS = {
    "app_logins": ["missing_required", "bad_timestamp", "bad_number", "negative_number",
                   "logout_before_login", "unknown_cadre", "unknown_app"],
    "checkins": ["missing_required", "bad_timestamp", "bad_number", "lat_out_of_range",
                 "lon_out_of_range", "negative_number", "unknown_enum", "unknown_cadre",
                 "unknown_app"],
    "votes": ["missing_required", "bad_timestamp", "unknown_enum", "unknown_target",
              "unknown_campaign"],
    "cases": ["missing_required", "bad_timestamp", "bad_number", "lat_out_of_range",
              "lon_out_of_range", "rating_out_of_range", "unknown_enum", "bad_boolean",
              "closed_before_opened", "unknown_cadre"],
    "reports": ["missing_required", "bad_timestamp", "bad_number", "negative_number",
                "unknown_enum", "unknown_cadre"],
}
BAD_TIMESTAMPS = ["2026-09-31T08:00:00+08:00", "2026-09-14T25:10:00+08:00", "14/09/2026 08:31",
                  "yesterday", "2026-13-02T09:00:00Z"]
BAD_NUMBERS = ["abc", "1.2.3", "twelve", "--"]
UNKNOWN_ENUMS = {"kind": ["clock_in", "lunch_break"], "action": ["upvote", "dislike"],
                 "status": ["closed", "pending"], "period": ["2026-9", "2026/09", "Sep-2026"]}
REJECTED_FILE_ROWS = 12  # rows inside each rejected file built from rows
REJECTED_FILES = {"app_logins": "truncated_gzip", "votes": "corrupt_file",
                  "checkins": "missing_column:cadre_id"}
FILLER_SOURCES = ("app_logins", "checkins")  # rejected files that hold real-looking rows

# --------------------------------------------------------------------------
# Landing schema: column -> storage kind. Internally ids, timestamps (epoch s),
# micro-degrees, tenths, cents, counts and booleans are int64 with NULL;
# strings are object arrays with None.
# --------------------------------------------------------------------------
NULL = np.iinfo(np.int64).min
SCHEMAS = {
    "app_logins": {"login_id": "id", "cadre_id": "str", "app_id": "str", "device_id": "str",
                   "ip": "str", "login_at": "ts", "logout_at": "ts", "actions": "int"},
    "checkins": {"checkin_id": "id", "cadre_id": "str", "app_id": "str", "kind": "str",
                 "checkin_at": "ts", "lat": "deg", "lon": "deg", "accuracy_m": "dec1",
                 "device_id": "str", "photo_hash": "str"},
    "votes": {"vote_id": "id", "campaign_id": "str", "voter_id": "str", "target_id": "str",
              "action": "str", "voted_at": "ts", "device_id": "str", "ip": "str"},
    "cases": {"case_id": "id", "cadre_id": "str", "category": "str", "opened_at": "ts",
              "first_reply_at": "ts", "closed_at": "ts", "status": "str",
              "field_visit_claimed": "bool", "resident_rating": "int", "location_lat": "deg",
              "location_lon": "deg", "updated_at": "ts"},
    "reports": {"report_id": "id", "cadre_id": "str", "period": "str", "item": "str",
                "metric": "str", "value": "value", "submitted_at": "ts"},
}
SOURCES = list(SCHEMAS)
ID_PREFIX = {"app_logins": "L", "checkins": "K", "votes": "V", "cases": "S", "reports": "R"}
MAIN_TS = {"app_logins": "login_at", "checkins": "checkin_at", "votes": "voted_at",
           "cases": "updated_at", "reports": "submitted_at"}
REQUIRED = {
    "app_logins": ["login_id", "cadre_id", "app_id", "device_id", "ip", "login_at"],
    "checkins": ["checkin_id", "cadre_id", "app_id", "kind", "checkin_at", "lat", "lon",
                 "accuracy_m", "device_id"],
    "votes": ["vote_id", "campaign_id", "voter_id", "target_id", "action", "voted_at",
              "device_id", "ip"],
    "cases": ["case_id", "cadre_id", "category", "opened_at", "status", "field_visit_claimed",
              "updated_at"],
    "reports": ["report_id", "cadre_id", "period", "item", "metric", "value", "submitted_at"],
}
NATURAL_TYPES = {"int": pl.Int64, "deg": pl.Float64, "dec1": pl.Float64, "value": pl.Float64,
                 "bool": pl.Boolean}
META = ["_c", "_tag", "_kind", "_dt", "_copy_of", "_reject", "_style", "_order"]

Table = dict  # column name -> numpy array, all the same length


# ==========================================================================
# Small helpers
# ==========================================================================
def blank(source: str, n: int) -> Table:
    """An all-null table of `source` with the meta columns every step relies on."""
    t: Table = {}
    for name, kind in SCHEMAS[source].items():
        t[name] = np.full(n, None, dtype=object) if kind == "str" else np.full(n, NULL)
    t["_c"] = np.full(n, -1)  # cadre the row is about (target for votes)
    t["_tag"] = np.full(n, None, dtype=object)  # what planted or shaped the row
    t["_kind"] = np.full(n, None, dtype=object)  # invalid kind, None when valid
    t["_dt"] = np.full(n, NULL)  # delivery day index
    t["_copy_of"] = np.full(n, -1)  # row this re-delivers
    t["_reject"] = np.zeros(n, dtype=bool)  # row only lives in a rejected file
    t["_style"] = np.zeros(n, dtype=np.int8)  # timestamp offset style
    t["_order"] = np.zeros(n, dtype=np.int64)  # event time: row order inside a file
    return t


def make(source: str, n: int, **cols) -> Table:
    """A table of `source` with the given columns (scalars broadcast)."""
    t = blank(source, n)
    for name, v in cols.items():
        if name not in t:
            raise KeyError(name)
        dtype = t[name].dtype
        t[name] = np.full(n, v, dtype=dtype) if np.ndim(v) == 0 else np.asarray(v).astype(dtype)
    return t


def take(t: Table, idx) -> Table:
    return {k: v[idx] for k, v in t.items()}


def concat(*tables: Table) -> Table:
    return {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}


def nrows(t: Table) -> int:
    return len(t["_c"])


def hex_strings(rng: np.random.Generator, n: int, nchars: int, prefix: str = "",
                taken: set | None = None) -> np.ndarray:
    """`n` distinct random lowercase hex strings (also distinct from `taken`)."""
    taken = set() if taken is None else taken
    out: list[str] = []
    while len(out) < n:
        vals = rng.integers(0, 2**64, n - len(out), dtype=np.uint64)
        h = np.frombuffer(vals.astype(">u8").tobytes().hex().encode(), dtype="S16")
        for s in h.astype("U16"):
            s = prefix + s[16 - nchars:]
            if s not in taken:
                taken.add(s)
                out.append(s)
    return np.array(out, dtype=object)


def photo_hashes(rng: np.random.Generator, n: int, null_p: float) -> np.ndarray:
    """Random 64-bit perceptual hashes as 16 hex chars; some photos are missing."""
    vals = rng.integers(0, 2**64, n, dtype=np.uint64)
    h = np.frombuffer(vals.astype(">u8").tobytes().hex().encode(), dtype="S16").astype("U16")
    h = h.astype(object)
    h[rng.random(n) < null_p] = None
    return h


def ip_strings(rng: np.random.Generator, n: int, prefixes: list[int]) -> np.ndarray:
    """`n` distinct public IPv4 addresses starting with one of `prefixes`."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        a = rng.choice(prefixes)
        b, c, d = rng.integers(1, 255, 3)
        s = f"{a}.{b}.{c}.{d}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return np.array(out, dtype=object)


EARTH_R = 6_371_000.0


def destination(lat, lon, dist_m, bearing_rad):
    """Point `dist_m` away on a sphere: vectorised great-circle step."""
    p1, l1, dr = np.radians(lat), np.radians(lon), np.asarray(dist_m) / EARTH_R
    p2 = np.arcsin(np.sin(p1) * np.cos(dr) + np.cos(p1) * np.sin(dr) * np.cos(bearing_rad))
    l2 = l1 + np.arctan2(np.sin(bearing_rad) * np.sin(dr) * np.cos(p1),
                         np.cos(dr) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), np.degrees(l2)


def haversine_m(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_R * np.arcsin(np.sqrt(a))


def scatter(rng, lat, lon, lo_m, hi_m):
    """Each point moved a random lo..hi metres in a random direction."""
    shape = np.shape(lat)
    return destination(lat, lon, rng.uniform(lo_m, hi_m, shape), rng.uniform(0, 2 * np.pi, shape))


def micro(deg) -> np.ndarray:
    """Degrees -> int micro-degrees: exactly the 6 decimals written to the files."""
    return np.round(np.asarray(deg) * 1e6).astype(np.int64)


def pick(rng, pool, k: int) -> np.ndarray:
    """k distinct items of `pool` (all of it when shorter), in pool order."""
    pool = np.asarray(pool)
    return np.sort(rng.choice(pool, min(k, len(pool)), replace=False)) if len(pool) else pool


# ==========================================================================
# The world: calendar, units, villages, cadres, devices, campaigns
# ==========================================================================
@dataclass
class World:
    rng: np.random.Generator
    start: date
    days: int
    dates: list
    day_epoch: np.ndarray  # UTC epoch second of each local midnight
    workday: np.ndarray
    # units
    unit_id: np.ndarray
    unit_name: np.ndarray
    unit_county: np.ndarray
    unit_lat: np.ndarray
    unit_lon: np.ndarray
    unit_ips: np.ndarray  # (U, 2): one or two office NAT addresses
    unit_att_app: np.ndarray  # app index of the unit's attendance app
    unit_vil_start: np.ndarray
    unit_vil_count: np.ndarray
    # villages
    vil_lat: np.ndarray
    vil_lon: np.ndarray
    vil_dist: np.ndarray
    # cadres (sorted by unit)
    cadre_id: np.ndarray
    cadre_unit: np.ndarray
    full_name: np.ndarray
    position: np.ndarray
    hired_on: np.ndarray
    active: np.ndarray
    home_ip: np.ndarray
    unit_first: np.ndarray  # first cadre index of each unit
    unit_size: np.ndarray
    mobile_ips: np.ndarray
    # set once roles are known
    present: np.ndarray | None = None  # (C, D) at the office
    dev: np.ndarray | None = None  # (C, D) device index in use
    devices: list = field(default_factory=list)
    camp_id: np.ndarray | None = None
    camp_first: np.ndarray | None = None
    camp_last: np.ndarray | None = None
    camp_mandatory: np.ndarray | None = None
    campaigns: pl.DataFrame | None = None
    level: int = 0  # evasion level (sources/evasion.py); 0 = textbook
    small_units: np.ndarray | None = None  # units shrunk to 3-4 cadres (levels 1-3)

    @property
    def n_cadres(self) -> int:
        return len(self.cadre_id)

    @property
    def period_end(self) -> int:
        return int(self.day_epoch[-1]) + DAY

    def day_of(self, ts) -> np.ndarray:
        """Local day index of UTC epoch seconds."""
        return (np.asarray(ts) - self.day_epoch[0]) // DAY

    def device_names(self, idx) -> np.ndarray:
        key = (id(self.devices), len(self.devices))  # the list only ever grows (or is replaced)
        if self.__dict__.get("_device_key") != key:
            self.__dict__["_device_array"] = np.array(self.devices, dtype=object)
            self.__dict__["_device_key"] = key
        return self.__dict__["_device_array"][idx]

    def new_devices(self, n: int) -> np.ndarray:
        names = hex_strings(self.rng, n, 10, "dev-", set(self.devices))
        first = len(self.devices)
        self.devices.extend(names.tolist())
        return np.arange(first, first + n)


def build_world(rng: np.random.Generator, cadres: int, days: int, start: date, level: int = 0) -> World:
    dates = [start + timedelta(days=i) for i in range(days)]
    day_epoch = np.array([(d - EPOCH).days * DAY - LOCAL_OFFSET_S for d in dates], dtype=np.int64)
    workday = np.array([d.weekday() < 5 and d not in PUBLIC_HOLIDAYS for d in dates])

    n_units = max(3, round(cadres / CADRES_PER_UNIT))
    n_counties = 2 if n_units < 8 else 3 if n_units < 40 else 4
    counties = rng.choice(len(COUNTIES), n_counties, replace=False)
    unit_county_idx = counties[np.arange(n_units) % n_counties]
    seat_lat = np.array([COUNTIES[i][1] for i in unit_county_idx])
    seat_lon = np.array([COUNTIES[i][2] for i in unit_county_idx])
    unit_lat, unit_lon = scatter(rng, seat_lat, seat_lon, 500, OFFICE_SPREAD_M)
    towns = ["".join(rng.choice(list(TOWN_CHARS), 2)) for _ in range(n_units)]
    unit_name = np.array([f"{COUNTIES[c][0]}{t}{rng.choice(UNIT_SUFFIXES)}"
                          for c, t in zip(unit_county_idx, towns)], dtype=object)
    ips = ip_strings(rng, 2 * n_units, OFFICE_IP_PREFIXES).reshape(n_units, 2)
    single = rng.random(n_units) < 0.6  # most units sit behind one address
    ips[single, 1] = ips[single, 0]

    vil_count = rng.integers(*VILLAGES_PER_UNIT, n_units)
    vil_unit = np.repeat(np.arange(n_units), vil_count)
    vil_dist = rng.uniform(*VILLAGE_DISTANCE_M, len(vil_unit))
    vil_start = np.concatenate([[0], np.cumsum(vil_count)[:-1]])
    vil_dist[vil_start] = rng.uniform(REMOTE_VILLAGE_M, VILLAGE_DISTANCE_M[1], n_units)
    vil_lat, vil_lon = destination(unit_lat[vil_unit], unit_lon[vil_unit], vil_dist,
                                   rng.uniform(0, 2 * np.pi, len(vil_unit)))

    base = max(MIN_UNIT_SIZE, int(0.6 * cadres / n_units))
    sizes = base + rng.multinomial(cadres - base * n_units, np.full(n_units, 1 / n_units))
    small = None
    if level:  # small units: 3-4 cadres who have nobody else to vote for
        from sources.evasion import small_unit_sizes
        sizes, small = small_unit_sizes(rng, sizes, level)
    cadre_unit = np.repeat(np.arange(n_units), sizes)
    n = len(cadre_unit)
    full_name = np.array([rng.choice(list(SURNAMES)) + "".join(rng.choice(list(GIVEN_CHARS), rng.integers(1, 3)))
                          for _ in range(n)], dtype=object)
    hired = rng.integers((date(1998, 1, 1) - EPOCH).days, (start - EPOCH).days - 30, n)
    return World(
        level=level, small_units=small,
        rng=rng, start=start, days=days, dates=dates, day_epoch=day_epoch, workday=workday,
        unit_id=np.array([f"U{i + 1:03d}" for i in range(n_units)], dtype=object),
        unit_name=unit_name,
        unit_county=np.array([COUNTIES[i][0] for i in unit_county_idx], dtype=object),
        unit_lat=unit_lat, unit_lon=unit_lon, unit_ips=ips,
        unit_att_app=np.array(ATTENDANCE_APPS)[rng.integers(0, 2, n_units)],
        unit_vil_start=vil_start, unit_vil_count=vil_count,
        vil_lat=vil_lat, vil_lon=vil_lon, vil_dist=vil_dist,
        cadre_id=np.array([f"C{10001 + i}" for i in range(n)], dtype=object),
        cadre_unit=cadre_unit, full_name=full_name,
        position=rng.choice(POSITIONS, n).astype(object),
        hired_on=np.array([(EPOCH + timedelta(days=int(h))).isoformat() for h in hired], dtype=object),
        active=rng.random(n) >= INACTIVE_SHARE,
        home_ip=ip_strings(rng, n, HOME_IP_PREFIXES),
        unit_first=np.concatenate([[0], np.cumsum(sizes)[:-1]]), unit_size=sizes,
        mobile_ips=ip_strings(rng, max(1000, 3 * n), MOBILE_IP_PREFIXES),
    )


@dataclass
class Roles:
    """Who is planted for what, who helps, and who is an honest look-alike."""
    planted: dict = field(default_factory=lambda: {code: [] for code in FLAG_CODES})
    proxy_pairs: list = field(default_factory=list)  # (phone owner A, padded cadre B)
    rings: list = field(default_factory=list)
    photo_variants: list = field(default_factory=list)  # (variant, [cadres])
    carpool_pairs: list = field(default_factory=list)  # honest: punch within a minute
    handover_pairs: list = field(default_factory=list)  # honest: phone passed on weeks later
    desk_days: dict = field(default_factory=dict)  # padded claimer -> days spent at the desk
    family_pairs: list = field(default_factory=list)  # honest (levels 1-3): spouses, both cadres, one phone at times
    lookalikes: dict = field(default_factory=dict)  # honest (levels 1-3): kind -> cadres

    def busy(self) -> set:
        """Every cadre with a role: kept off leave and out of the random noise."""
        out = {c for cs in self.planted.values() for c in cs}
        out |= {c for pair in self.proxy_pairs + self.carpool_pairs + self.handover_pairs + self.family_pairs
                for c in pair}
        return out

    def honest_mask(self, active: np.ndarray) -> np.ndarray:
        """Active cadres nobody planted anything on (helpers count as not honest)."""
        mask = active.copy()
        planted = [c for cs in self.planted.values() for c in cs] + [a for a, _ in self.proxy_pairs]
        mask[planted] = False
        return mask


def assign_roles(w: World) -> Roles:
    """Pick planted cadres, helpers and look-alikes; each cadre gets at most one role."""
    rng = w.rng
    per_code = max(2, round(w.n_cadres * PLANT_SHARE_PER_CODE))
    pool = [int(c) for c in rng.permutation(np.nonzero(w.active)[0])]
    roles = Roles()

    def one() -> int:
        return pool.pop()

    def pair_in_unit() -> tuple[int, int]:
        for i in range(len(pool) - 1, -1, -1):
            a = pool[i]
            mates = [j for j in range(len(pool)) if j != i and w.cadre_unit[pool[j]] == w.cadre_unit[a]]
            if mates:
                b = pool[mates[-1]]
                pool.remove(a)
                pool.remove(b)
                return a, b
        raise ValueError("no two free cadres left in one unit")

    for _ in range(per_code):
        a, b = pair_in_unit()
        roles.proxy_pairs.append((a, b))
        roles.planted["proxy_checkin"].append(b)
    for _ in range(max(2, round(w.n_cadres * CARPOOL_SHARE))):
        roles.carpool_pairs.append(pair_in_unit())
    roles.handover_pairs.append(pair_in_unit())
    members = 0
    while members < max(per_code, RING_SIZE[0]):
        size = int(rng.integers(RING_SIZE[0], RING_SIZE[1] + 1))
        ring = [one() for _ in range(size)]
        roles.rings.append(ring)
        roles.planted["vote_ring"].extend(ring)
        members += size
    for code in FLAG_CODES:
        if code not in ("proxy_checkin", "vote_ring"):
            roles.planted[code] = [one() for _ in range(per_code)]
    # photo_reuse variants: same hash on many days, near-same hashes, one hash two cadres
    photo = roles.planted["photo_reuse"]
    roles.photo_variants = [("same_days", [photo[0]]), ("near_same", [photo[1]])]
    rest = photo[2:]
    while len(rest) >= 2:
        roles.photo_variants.append(("shared", rest[:2]))
        rest = rest[2:]
    roles.photo_variants += [("same_days", [c]) for c in rest]
    return roles


def settle_world(w: World, roles: Roles) -> None:
    """Presence, devices and campaigns: these depend on who has a role."""
    rng = w.rng
    C, D = w.n_cadres, w.days
    busy = roles.busy()
    on_leave = rng.random((C, D)) < LEAVE_P
    on_leave[sorted(busy)] = False  # planted patterns need the cadre at work
    w.present = w.active[:, None] & w.workday[None, :] & ~on_leave

    w.devices = []
    w.dev = np.repeat(w.new_devices(C)[:, None], D, axis=1)
    switchers = [c for c in np.nonzero(w.active & (rng.random(C) < PHONE_SWITCH_SHARE))[0] if c not in busy]
    for c, new in zip(switchers, w.new_devices(len(switchers))):
        w.dev[c, rng.integers(3, D - 3):] = new
    for giver, receiver in roles.handover_pairs:
        # the giver gets a new phone; weeks later the receiver uses the old one
        s = max(1, D // 6)
        gap = int(np.clip((D - s) // 2, 7, 21))
        old = w.dev[giver, 0]
        w.dev[giver, s:] = w.new_devices(1)[0]
        w.dev[receiver, s + gap:] = old
    build_campaigns(w)


def build_campaigns(w: World) -> None:
    rng = w.rng
    D = w.days
    first = rng.integers(0, D - CAMPAIGN_DAYS[0], len(CAMPAIGNS))
    last = np.minimum(D - 1, first + rng.integers(*CAMPAIGN_DAYS, len(CAMPAIGNS)))
    # windows that touch the period edge may have opened before it or close after it
    starts = [w.dates[f] - timedelta(days=int(rng.integers(0, 10)) if f < 3 else 0) for f in first]
    ends = [w.dates[l] + timedelta(days=int(rng.integers(0, 10)) if l == D - 1 else 0) for l in last]
    w.camp_id = np.array([f"K{i + 1:02d}" for i in range(len(CAMPAIGNS))], dtype=object)
    w.camp_first, w.camp_last = first, last
    w.camp_mandatory = np.array([m for _, _, m in CAMPAIGNS])
    w.campaigns = pl.DataFrame({
        "campaign_id": w.camp_id.tolist(),
        "title": [f"{w.start.year}年{t}" for t, _, _ in CAMPAIGNS],
        "kind": [k for _, k, _ in CAMPAIGNS],
        "mandatory": ["true" if m else "false" for _, _, m in CAMPAIGNS],
        "starts_on": [d.isoformat() for d in starts],
        "ends_on": [d.isoformat() for d in ends],
    })


# ==========================================================================
# app_logins
# ==========================================================================
def app_weights(w: World) -> np.ndarray:
    """(C, A) usage weights: each cadre uses the mandatory apps and some optional ones."""
    rng = w.rng
    adopted = rng.random((w.n_cadres, len(APPS))) < np.array([a[5] for a in APPS])[None, :]
    adopted[:, [i for i, a in enumerate(APPS) if a[4]]] = True
    adopted[:, ATTENDANCE_APPS] = False
    adopted[np.arange(w.n_cadres), w.unit_att_app[w.cadre_unit]] = True
    return adopted * np.array([a[6] for a in APPS])[None, :]


def session_rows(w: World, c, d, app, tod, ip) -> Table:
    """Login rows with durations and action counts typical of each app."""
    rng = w.rng
    n = len(c)
    median = np.array([a[8] for a in APPS])[app]
    dur = np.clip(rng.lognormal(np.log(median), 0.7), 20, 3 * HOUR).astype(np.int64)
    zero = rng.random(n) < np.array([a[7] for a in APPS])[app]
    actions = np.where(zero, 0, 1 + rng.poisson(np.array([a[9] for a in APPS])[app]))
    actions[rng.random(n) < ACTIONS_NULL_P] = NULL
    login = w.day_epoch[d] + np.round(tod).astype(np.int64)
    logout = np.where(rng.random(n) < LOGOUT_NULL_P, NULL, login + dur)
    return make("app_logins", n, _c=c, cadre_id=w.cadre_id[c], app_id=APP_IDS[app],
                device_id=w.device_names(w.dev[c, d]), ip=ip, login_at=login,
                logout_at=logout, actions=actions)


def mandated_study_logins(w: World) -> Table:
    """The 08:00 study login people keep by hand: minutes of spread, day to day."""
    rng = w.rng
    habit = rng.normal(0, STUDY_MEAN_STD_S, w.n_cadres)
    c, d = np.nonzero(w.active[:, None] & w.workday[None, :]
                      & (rng.random((w.n_cadres, w.days)) < STUDY_LOGIN_P))
    tod = 8 * HOUR + habit[c] + rng.normal(0, STUDY_DAILY_STD_S, len(c))
    at_office = rng.random(len(c)) < 0.5
    ip = np.where(at_office, w.unit_ips[w.cadre_unit[c], 0], w.mobile_ips[rng.integers(0, len(w.mobile_ips), len(c))])
    t = session_rows(w, c, d, np.full(len(c), STUDY_APP), tod, ip)
    t["_tag"][:] = "mandated_study"
    return t


def weekend_study_logins(w: World) -> Table:
    rng = w.rng
    c, d = np.nonzero(w.active[:, None] & ~w.workday[None, :]
                      & (rng.random((w.n_cadres, w.days)) < WEEKEND_STUDY_P))
    tod = rng.uniform(9 * HOUR, 22 * HOUR, len(c))
    return session_rows(w, c, d, np.full(len(c), STUDY_APP), tod, w.home_ip[c])


def daily_app_sessions(w: World) -> Table:
    """Several sessions a working day across the cadre's apps; fewer off duty."""
    rng = w.rng
    weights = app_weights(w)
    lam = np.where(w.present, SESSIONS_PER_DAY["office"],
                   np.where(w.workday[None, :], SESSIONS_PER_DAY["leave"], SESSIONS_PER_DAY["off"]))
    lam = lam * w.active[:, None]
    counts = rng.poisson(lam)
    c, d = np.nonzero(counts)
    reps = counts[c, d]
    c, d = np.repeat(c, reps), np.repeat(d, reps)
    n = len(c)
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    app = (cum[c] <= rng.random(n)[:, None]).sum(axis=1)
    office_day = w.present[c, d]
    evening = rng.random(n) < EVENING_SHARE
    tod = np.where(office_day & ~evening, rng.uniform(8.5 * HOUR, 17.75 * HOUR, n),
                   np.where(office_day, rng.uniform(18.5 * HOUR, 22.5 * HOUR, n),
                            rng.uniform(9 * HOUR, 22 * HOUR, n)))
    via_office = office_day & ~evening & (rng.random(n) < OFFICE_IP_SHARE)
    unit = w.cadre_unit[c]
    office_ip = w.unit_ips[unit, rng.integers(0, 2, n)]
    mobile = w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]
    ip = np.where(via_office, office_ip, np.where(rng.random(n) < 0.6, w.home_ip[c], mobile))
    return session_rows(w, c, d, app, tod, ip)


def honest_logins(w: World) -> Table:
    return concat(mandated_study_logins(w), weekend_study_logins(w), daily_app_sessions(w))


def plant_scripted_logins(w: World, roles: Roles, t: Table) -> Table:
    """A script logs in at the same second every day and does nothing."""
    rng = w.rng
    rows, replaced = [], []
    for i, c in enumerate(roles.planted["scripted_login"]):
        app = STUDY_APP if i % 2 == 0 else TRACE_APP
        second = int(rng.integers(*SCRIPT_TOD))
        days = np.nonzero(rng.random(w.days) < SCRIPT_DAY_P)[0]
        if len(days) < SCRIPT_MIN_DAYS:
            days = np.arange(SCRIPT_MIN_DAYS)
        n = len(days)
        login = w.day_epoch[days] + second + rng.integers(-1, 2, n)
        rows.append(make("app_logins", n, _c=c, _tag="scripted", cadre_id=w.cadre_id[c],
                         app_id=APP_IDS[app], device_id=w.device_names(w.dev[c, days]),
                         ip=w.home_ip[c], login_at=login, logout_at=login + rng.integers(20, 76, n),
                         actions=0))
        if app == STUDY_APP:  # the script replaces the cadre's own study login
            replaced.append(c)
    t = take(t, ~(np.isin(t["_c"], replaced) & (t["_tag"] == "mandated_study")))
    return concat(t, *rows)


# ==========================================================================
# checkins
# ==========================================================================
def checkin_rows(w: World, c, ts, kind, lat, lon, tag=None) -> Table:
    rng = w.rng
    n = len(c)
    d = w.day_of(ts)
    return make("checkins", n, _c=c, _tag=tag, cadre_id=w.cadre_id[c],
                app_id=APP_IDS[w.unit_att_app[w.cadre_unit[c]]], kind=kind, checkin_at=ts,
                lat=micro(lat), lon=micro(lon),
                accuracy_m=np.round(rng.uniform(*ACCURACY_M, n) * 10).astype(np.int64),
                device_id=w.device_names(w.dev[c, d]),
                photo_hash=photo_hashes(rng, n, PHOTO_NULL_P))


def punch_times(w: World, roles: Roles) -> tuple[np.ndarray, np.ndarray]:
    """(C, D) punch-in and punch-out epochs: personal habits plus daily noise."""
    rng = w.rng
    C, D = w.n_cadres, w.days
    day = w.day_epoch[None, :]
    in_tod = np.clip(rng.uniform(5, 30, C)[:, None] * MINUTE + rng.normal(0, 6 * MINUTE, (C, D)),
                     -10 * MINUTE, 55 * MINUTE) + 8 * HOUR
    out_tod = np.clip(rng.uniform(10, 45, C)[:, None] * MINUTE + rng.normal(0, 10 * MINUTE, (C, D)),
                      -5 * MINUTE, 90 * MINUTE) + 17.5 * HOUR
    t_in = day + np.round(in_tod).astype(np.int64)
    t_out = day + np.round(out_tod).astype(np.int64)
    for x, y in roles.carpool_pairs:  # arrive together, punch within a minute
        days = w.present[x] & w.present[y] & (rng.random(D) < CARPOOL_DAY_P)
        t_in[y, days] = t_in[x, days] + rng.integers(5, 56, days.sum())
    return t_in, t_out


def field_visits(w: World, c, d, t_in):
    """Car trips office -> villages -> office, slow enough for real roads.

    Returns the visit check-ins (cadre, time, lat, lon) and each day's return time.
    """
    rng = w.rng
    n = len(c)
    unit = w.cadre_unit[c]
    k = rng.choice(len(FIELD_VISITS_P), n, p=FIELD_VISITS_P)
    vil = w.unit_vil_start[unit][:, None] + (rng.random((n, 3)) * w.unit_vil_count[unit][:, None]).astype(int)
    vlat, vlon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, VILLAGE_SPREAD_M)
    plat, plon = w.unit_lat[unit], w.unit_lon[unit]
    t = t_in + rng.uniform(20, 90, n) * MINUTE
    keep = np.zeros((n, 3), dtype=bool)
    times = np.zeros((n, 3))
    latest = w.day_epoch[d] + LAST_VISIT_TOD
    for j in range(3):
        speed = rng.uniform(*CAR_SPEED_KMH, n) / 3.6
        arrive = t + haversine_m(plat, plon, vlat[:, j], vlon[:, j]) * ROAD_FACTOR / speed
        ok = (j < k) & (arrive <= latest) & (keep[:, j - 1] if j else True)
        keep[:, j] = ok
        times[:, j] = arrive + rng.uniform(1, 5, n) * MINUTE
        t = np.where(ok, arrive + rng.uniform(20, 70, n) * MINUTE, t)
        plat, plon = np.where(ok, vlat[:, j], plat), np.where(ok, vlon[:, j], plon)
    speed = rng.uniform(*CAR_SPEED_KMH, n) / 3.6
    back = t + haversine_m(plat, plon, w.unit_lat[unit], w.unit_lon[unit]) * ROAD_FACTOR / speed
    back = np.where(keep[:, 0], back, np.nan)
    r, j = np.nonzero(keep)
    return (c[r], np.round(times[r, j]).astype(np.int64), vlat[r, j], vlon[r, j]), back


def make_coordinates_unique(t: Table, rng) -> None:
    """Real fixes never repeat to the last decimal: nudge the rare exact repeats by ~0.1 m."""
    while True:
        key = t["lat"] * 1_000_000_000 + t["lon"]
        _, first = np.unique(key, return_index=True)
        dup = np.ones(len(key), dtype=bool)
        dup[first] = False
        if not dup.any():
            return
        t["lat"][dup] += rng.choice([-3, -2, -1, 1, 2, 3], dup.sum())


def honest_checkins(w: World, roles: Roles) -> Table:
    rng = w.rng
    t_in, t_out = punch_times(w, roles)
    c, d = np.nonzero(w.present)
    unit = w.cadre_unit[c]
    olat, olon = w.unit_lat[unit], w.unit_lon[unit]
    (vc, vt, vlat, vlon), back = field_visits(w, c, d, t_in[c, d])
    out_at = np.where(np.isnan(back), t_out[c, d],
                      np.maximum(t_out[c, d], np.nan_to_num(back) + rng.uniform(5, 20, len(c)) * MINUTE))
    has_out = rng.random(len(c)) >= MISSING_PUNCH_OUT_P
    dbl = rng.random(len(c)) < DOUBLE_PUNCH_P
    parts = [
        checkin_rows(w, c, t_in[c, d], "punch_in", *scatter(rng, olat, olon, *PUNCH_JITTER_M)),
        checkin_rows(w, c[dbl], t_in[c, d][dbl] + rng.integers(*DOUBLE_PUNCH_GAP_S, dbl.sum()),
                     "punch_in", *scatter(rng, olat[dbl], olon[dbl], *PUNCH_JITTER_M), tag="double_punch"),
        checkin_rows(w, c[has_out], np.round(out_at[has_out]).astype(np.int64), "punch_out",
                     *scatter(rng, olat[has_out], olon[has_out], *PUNCH_JITTER_M)),
        checkin_rows(w, vc, vt, "field_visit", vlat, vlon, tag="visit"),
    ]
    t = concat(*parts)
    make_coordinates_unique(t, rng)
    return t


def first_punch_rows(w: World, t: Table, c: int) -> dict:
    """Day index -> row of the cadre's first punch_in that day."""
    rows = np.nonzero((t["_c"] == c) & (t["kind"] == "punch_in"))[0]
    rows = rows[np.argsort(t["checkin_at"][rows], kind="stable")]
    out: dict = {}
    for r, day in zip(rows, w.day_of(t["checkin_at"][rows])):
        out.setdefault(int(day), int(r))
    return out


def plant_proxy_checkins(w: World, roles: Roles, t: Table) -> Table:
    """A's phone punches in for B a few minutes after A's own punch, day after day."""
    rng = w.rng
    drop = np.zeros(nrows(t), dtype=bool)
    rows = []
    for a, b in roles.proxy_pairs:
        a_rows = first_punch_rows(w, t, a)
        days = pick(rng, [d for d in a_rows if w.present[b, d]], PROXY_DAYS)
        drop |= (t["_c"] == b) & (t["kind"] == "punch_in") & np.isin(w.day_of(t["checkin_at"]), days)
        ts = np.array([t["checkin_at"][a_rows[d]] for d in days]) + rng.integers(*PROXY_GAP_S, len(days))
        unit = np.full(len(days), w.cadre_unit[b])
        r = checkin_rows(w, np.full(len(days), b), ts, "punch_in",
                         *scatter(rng, w.unit_lat[unit], w.unit_lon[unit], *PUNCH_JITTER_M), tag="proxy")
        r["device_id"] = w.device_names(w.dev[a, days])
        rows.append(r)
    t = concat(take(t, ~drop), *rows)
    make_coordinates_unique(t, rng)
    return t


def plant_impossible_travel(w: World, roles: Roles, t: Table) -> Table:
    """A check-in hundreds of km from the cadre's punch minutes earlier."""
    rng = w.rng
    rows = []
    for i, c in enumerate(roles.planted["impossible_travel"]):
        (lo_m, hi_m), (lo_s, hi_s) = IMPOSSIBLE_FAST if i % 2 == 0 else IMPOSSIBLE_FAR
        firsts = first_punch_rows(w, t, c)
        days = pick(rng, list(firsts), IMPOSSIBLE_DAYS)
        src = np.array([firsts[d] for d in days])
        n = len(src)
        bearing = rng.uniform(0, 2 * np.pi, n) if i % 2 == 0 else np.radians(rng.uniform(160, 220, n))
        lat, lon = destination(t["lat"][src] / 1e6, t["lon"][src] / 1e6, rng.uniform(lo_m, hi_m, n), bearing)
        ts = t["checkin_at"][src] + rng.integers(lo_s, hi_s, n)
        rows.append(checkin_rows(w, np.full(n, c), ts, "field_visit", lat, lon, tag="impossible"))
    return concat(t, *rows)


def plant_photo_reuse(w: World, roles: Roles, t: Table) -> Table:
    """One photo hash reused across days or cadres, or reused with a few bits flipped."""
    rng = w.rng
    for variant, cadres in roles.photo_variants:
        base = int(rng.integers(0, 2**64, dtype=np.uint64))
        if variant == "shared":
            rows = [r for c in cadres for r in pick(rng, list(first_punch_rows(w, t, c).values()), PHOTO_SHARED_DAYS)]
            hashes = [base] * len(rows)
        else:
            k = PHOTO_SAME_DAYS if variant == "same_days" else PHOTO_NEAR_DAYS
            rows = list(pick(rng, list(first_punch_rows(w, t, cadres[0]).values()), k))
            hashes = [base] * len(rows)
            if variant == "near_same":
                hashes = [base] + [base ^ sum(1 << int(b) for b in rng.choice(64, rng.integers(1, 5), replace=False))
                                   for _ in rows[1:]]
        t["photo_hash"][rows] = [f"{h:016x}" for h in hashes]
        t["_tag"][rows] = "photo_reuse"
    return t


def plant_gps_spoof(w: World, roles: Roles, t: Table) -> Table:
    """A spoofing app replays one position to the last decimal on most office days."""
    rng = w.rng
    for c in roles.planted["gps_spoof"]:
        firsts = first_punch_rows(w, t, c)
        k = max(GPS_SPOOF_MIN_DAYS, round(GPS_SPOOF_SHARE * len(firsts)))
        days = pick(rng, list(firsts), k)
        anchor = firsts[int(days[0])]
        rows = (t["_c"] == c) & np.isin(t["kind"], ["punch_in", "punch_out"]) & np.isin(w.day_of(t["checkin_at"]), days)
        t["lat"][rows], t["lon"][rows] = t["lat"][anchor], t["lon"][anchor]
        t["_tag"][rows] = "gps_spoof"
    return t


# ==========================================================================
# votes
# ==========================================================================
def vote_rows(w: World, camp, voter, target, day, tod, dev, ip, action, tag=None) -> Table:
    n = len(voter)
    return make("votes", n, _c=target, _tag=tag, campaign_id=w.camp_id[camp], voter_id=voter,
                target_id=w.cadre_id[target], action=action,
                voted_at=w.day_epoch[day] + np.round(tod).astype(np.int64),
                device_id=w.device_names(dev), ip=ip)


def window_days(w: World, k: int, n: int) -> np.ndarray:
    return w.rng.integers(w.camp_first[k], w.camp_last[k] + 1, n)


def colleague(w: World, c: np.ndarray) -> np.ndarray:
    """A random other cadre of the same unit."""
    unit = w.cadre_unit[c]
    r = (w.rng.random(len(c)) * (w.unit_size[unit] - 1)).astype(int)
    idx = w.unit_first[unit] + r
    return np.where(idx >= c, idx + 1, idx)


def cadre_votes(w: World, roles: Roles) -> Table:
    """Cadres vote for a few colleagues; some units vote together in a meeting."""
    rng = w.rng
    ring_members = {c for ring in roles.rings for c in ring}
    parts = []
    for k in range(len(w.camp_id)):
        mand = bool(w.camp_mandatory[k])
        voters = np.nonzero(w.active & (rng.random(w.n_cadres) < VOTE_PARTICIPATION[mand]))[0]
        voters = np.array([v for v in voters if v not in ring_members], dtype=np.int64)
        v = np.repeat(voters, rng.integers(1, 4, len(voters)))
        anyone = rng.integers(0, w.n_cadres - 1, len(v))
        anyone = np.where(anyone >= v, anyone + 1, anyone)
        target = np.where(rng.random(len(v)) < SAME_UNIT_VOTE_P, colleague(w, v), anyone)
        v, target = np.unique(np.stack([v, target]), axis=1)
        n = len(v)
        unit = w.cadre_unit[v]
        day = window_days(w, k, n)
        tod = np.where(rng.random(n) < 0.8, rng.uniform(8.5 * HOUR, 17.5 * HOUR, n), rng.uniform(19 * HOUR, 22.5 * HOUR, n))
        ip = np.where((tod < 18 * HOUR) & w.workday[day], w.unit_ips[unit, 0], w.home_ip[v])
        if mand:  # the office NAT look-alike: a unit votes together, each on own phone
            gathered = rng.random(len(w.unit_id)) < GATHERED_UNIT_P
            meet_day = window_days(w, k, len(w.unit_id))
            meet_tod = rng.uniform(9 * HOUR, 16 * HOUR, len(w.unit_id))
            g = gathered[unit]
            day = np.where(g, meet_day[unit], day)
            tod = np.where(g, meet_tod[unit] + rng.uniform(0, 20 * MINUTE, n), tod)
            ip = np.where(g, w.unit_ips[unit, 0], ip)
        action = rng.choice(["vote", "like", "share"], n, p=[0.85, 0.10, 0.05])
        parts.append(vote_rows(w, np.full(n, k), w.cadre_id[v], target, day, tod, w.dev[v, day], ip, action))
    return concat(*parts)


def public_votes(w: World) -> Table:
    """Residents' accounts vote for popular cadres from their own phones."""
    rng = w.rng
    n_acc = w.n_cadres * PUBLIC_ACCOUNTS_PER_CADRE
    accounts = hex_strings(rng, n_acc, 8, "P")
    acc_dev = w.new_devices(n_acc)
    family = rng.random(n_acc) < FAMILY_DEVICE_P
    acc_dev[family] = acc_dev[rng.integers(0, n_acc, family.sum())]
    popularity = rng.lognormal(0, 1, w.n_cadres) * w.active
    popularity /= popularity.sum()
    parts = []
    for k in range(len(w.camp_id)):
        n = w.n_cadres * PUBLIC_VOTES_PER_CADRE_PER_CAMPAIGN
        acc = rng.integers(0, n_acc, n)
        target = rng.choice(w.n_cadres, n, p=popularity)
        ip = w.mobile_ips[rng.integers(0, len(w.mobile_ips), n)]
        action = rng.choice(["vote", "like", "share"], n, p=[0.6, 0.25, 0.15])
        parts.append(vote_rows(w, np.full(n, k), accounts[acc], target, window_days(w, k, n),
                               rng.uniform(7 * HOUR, 23 * HOUR, n), acc_dev[acc], ip, action))
    return concat(*parts)


def plant_vote_stuffing(w: World, roles: Roles) -> list:
    """Bursts of votes for one cadre from one phone, each under a throwaway account."""
    rng = w.rng
    parts = []
    for target in roles.planted["vote_stuffing"]:
        for k in pick(rng, np.arange(len(w.camp_id)), STUFFING_BURSTS):
            n = int(rng.integers(*STUFFING_VOTES))
            span = rng.uniform(*STUFFING_SPAN_S)
            tod = rng.uniform(20.5 * HOUR, 23 * HOUR) + np.sort(rng.uniform(0, span, n))
            day = np.full(n, window_days(w, k, 1)[0])
            dev = np.full(n, w.new_devices(1)[0])
            ip = np.full(n, w.mobile_ips[rng.integers(0, len(w.mobile_ips))])
            parts.append(vote_rows(w, np.full(n, k), hex_strings(rng, n, 8, "P"), np.full(n, target),
                                   day, tod, dev, ip, "vote", tag="stuffing"))
    return parts


def plant_vote_rings(w: World, roles: Roles) -> list:
    """Every member of a closed group votes for every other member, campaign after campaign."""
    rng = w.rng
    parts = []
    for ring in roles.rings:
        for k in pick(rng, np.arange(len(w.camp_id)), RING_CAMPAIGNS):
            voter, target = map(np.array, zip(*[(a, b) for a in ring for b in ring if a != b]))
            n = len(voter)
            day = window_days(w, k, n)
            tod = rng.uniform(8.5 * HOUR, 21 * HOUR, n)
            ip = np.where((tod < 18 * HOUR) & w.workday[day], w.unit_ips[w.cadre_unit[voter], 0], w.home_ip[voter])
            parts.append(vote_rows(w, np.full(n, k), w.cadre_id[voter], target, day, tod,
                                   w.dev[voter, day], ip, "vote", tag="ring"))
    return parts


# ==========================================================================
# cases
# ==========================================================================
def case_fields(w: World, c, opened, dur, reply_after, category=None, claimed=0, lat=None, lon=None, status=None):
    """Case-level arrays (one row per case, before versions)."""
    rng = w.rng
    n = len(c)
    if status is None:
        status = rng.choice(list(STATUS_P), n, p=list(STATUS_P.values()))
    rating = np.where(status == "resolved", rng.choice([5, 4, 3, 2, 1], n, p=[0.45, 0.3, 0.15, 0.06, 0.04]),
                      rng.choice([1, 2, 3, 4, 5], n, p=[0.3, 0.3, 0.25, 0.1, 0.05]))
    rating = np.where(rng.random(n) < np.where(status == "transferred", 0.7, 0.3), NULL, rating)
    opened = np.asarray(opened, dtype=np.int64)
    return {
        "_c": np.asarray(c), "category": rng.choice(CASE_CATEGORIES, n).astype(object) if category is None else category,
        "opened": opened, "closed": opened + np.asarray(dur, dtype=np.int64),
        "reply": np.where(np.isnan(reply_after), NULL, opened + np.nan_to_num(reply_after).astype(np.int64)),
        "status": np.asarray(status, dtype=object), "claimed": np.broadcast_to(claimed, n).astype(np.int64),
        "rating": rating.astype(np.int64),
        "lat": np.full(n, NULL) if lat is None else lat, "lon": np.full(n, NULL) if lon is None else lon,
        "tag": np.full(n, None, dtype=object),
    }


def near_unit_village(w: World, c, max_m, null_p=0.0):
    rng = w.rng
    unit = w.cadre_unit[c]
    vil = w.unit_vil_start[unit] + (rng.random(len(c)) * w.unit_vil_count[unit]).astype(int)
    lat, lon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, max_m)
    none = rng.random(len(c)) < null_p
    return np.where(none, NULL, micro(lat)), np.where(none, NULL, micro(lon))


def within_office_hours(w: World, ts: np.ndarray) -> np.ndarray:
    """Times outside 08:00-20:00 move to the next morning, 08:00-10:00."""
    day = (ts - w.day_epoch[0]) // DAY
    tod = ts - w.day_epoch[0] - day * DAY
    outside = (tod < CASE_CLOSE_HOURS[0]) | (tod > CASE_CLOSE_HOURS[1])
    day = day + (tod > CASE_CLOSE_HOURS[1])
    morning = w.day_epoch[0] + day * DAY + CASE_CLOSE_HOURS[0] + w.rng.integers(0, 2 * HOUR, len(ts))
    return np.where(outside, morning, ts)


def honest_cases(w: World) -> dict:
    """Residents' requests: opened in office hours, replied within hours, closed in hours-days."""
    rng = w.rng
    rate = rng.uniform(*CASE_RATE, w.n_cadres)
    counts = rng.poisson(rate[:, None] * w.present)
    c, d = np.nonzero(counts)
    reps = counts[c, d]
    c, d = np.repeat(c, reps), np.repeat(d, reps)
    n = len(c)
    opened = w.day_epoch[d] + rng.integers(int(8.5 * HOUR), int(17.5 * HOUR), n)
    quick = rng.random(n) < QUICK_CASE_P
    closed = opened + np.clip(rng.lognormal(np.log(20 * HOUR), 1.0, n), 30 * MINUTE, 15 * DAY).astype(np.int64)
    closed = np.where(quick, opened + rng.integers(2 * MINUTE, 8 * MINUTE, n), within_office_hours(w, closed))
    dur = closed - opened
    reply = np.where(quick, rng.uniform(0.2, 0.9, n) * dur,
                     np.minimum(np.clip(rng.lognormal(np.log(90 * MINUTE), 0.8, n), 5 * MINUTE, None), dur))
    reply[rng.random(n) < 0.03] = np.nan
    lat, lon = near_unit_village(w, c, 800, CASE_LOCATION_NULL_P)
    cases = case_fields(w, c, opened, dur, reply, lat=lat, lon=lon)
    cases["tag"][quick] = "quick"
    return cases


def claimed_visit_cases(w: World, checkins: Table) -> dict:
    """Honest claimed field visits: closed on the day of a visit, within 300 m of it."""
    rng = w.rng
    visits = np.nonzero((checkins["_tag"] == "visit") & (rng.random(nrows(checkins)) < CLAIMED_VISIT_P))[0]
    c = checkins["_c"][visits]
    n = len(c)
    closed = checkins["checkin_at"][visits] + rng.integers(10 * MINUTE, 90 * MINUTE, n)
    close_day = w.day_of(closed)
    back = np.minimum(rng.choice([0, 1, 2, 3, 5], n, p=[0.45, 0.25, 0.15, 0.1, 0.05]), close_day)
    close_tod = closed - w.day_epoch[close_day]
    open_tod = np.where(back == 0, 8 * HOUR + rng.random(n) * np.maximum(close_tod - 8 * HOUR - 20 * MINUTE, 0),
                        rng.uniform(8.5 * HOUR, 17.5 * HOUR, n))
    opened = w.day_epoch[close_day - back] + open_tod.astype(np.int64)
    lat, lon = scatter(rng, checkins["lat"][visits] / 1e6, checkins["lon"][visits] / 1e6, 0, VILLAGE_SPREAD_M)
    dur = closed - opened
    status = np.where(rng.random(n) < 0.9, "resolved", "unresolved")
    cases = case_fields(w, c, opened, dur, rng.uniform(0.1, 0.9, n) * dur, claimed=1,
                        lat=micro(lat), lon=micro(lon), status=status)
    cases["tag"][:] = "claimed_visit"
    return cases


def keep_claimers_at_desk(w: World, roles: Roles, checkins: Table) -> Table:
    """The cadres who will claim visits they never made stay in the office on a few days."""
    rng = w.rng
    drop = np.zeros(nrows(checkins), dtype=bool)
    for c in roles.planted["padded_cases"][1::2]:
        days = pick(rng, np.nonzero(w.present[c])[0], CLAIMED_NO_VISIT_DAYS)
        roles.desk_days[c] = days
        drop |= ((checkins["_c"] == c) & (checkins["kind"] == "field_visit")
                 & np.isin(w.day_of(checkins["checkin_at"]), days))
    return take(checkins, ~drop)


def bulk_cases(w: World, c: int) -> dict:
    """Batches of cases opened and closed within seconds, on a couple of days."""
    rng = w.rng
    cs, opened, dur = [], [], []
    for d in pick(rng, np.nonzero(w.present[c])[0], BULK_CASE_DAYS):
        k = int(rng.integers(*BULK_CASES))
        t0 = w.day_epoch[d] + rng.integers(14 * HOUR, 17 * HOUR)
        opened.append(t0 + np.cumsum(rng.integers(20, 90, k)))
        dur.append(rng.integers(*BULK_CASE_SECONDS, k))
        cs.append(np.full(k, c))
    dur = np.concatenate(dur)
    cases = case_fields(w, np.concatenate(cs), np.concatenate(opened), dur, np.maximum(1, dur * 0.5),
                        status=np.full(len(dur), "resolved"))
    cases["tag"][:] = "bulk"
    return cases


def claimed_without_visit(w: World, c: int, days: np.ndarray) -> dict:
    """Field visits claimed on desk days, at villages >= 5 km from the office."""
    rng = w.rng
    days = rng.choice(days, CLAIMED_NO_VISIT_CASES)
    first, count = w.unit_vil_start[w.cadre_unit[c]], w.unit_vil_count[w.cadre_unit[c]]
    remote = first + np.nonzero(w.vil_dist[first:first + count] >= REMOTE_CLAIM_MIN_M)[0]
    vil = rng.choice(remote, len(days))
    lat, lon = scatter(rng, w.vil_lat[vil], w.vil_lon[vil], 0, VILLAGE_SPREAD_M)
    opened = w.day_epoch[days] + rng.integers(int(8.5 * HOUR), 12 * HOUR, len(days))
    dur = rng.integers(1 * HOUR, 4 * HOUR, len(days))
    cases = case_fields(w, np.full(len(days), c), opened, dur, dur * 0.3, claimed=1,
                        lat=micro(lat), lon=micro(lon), status=np.full(len(days), "resolved"))
    cases["tag"][:] = "claimed_no_visit"
    return cases


def plant_padded_cases(w: World, roles: Roles) -> list:
    """Half the padded cadres close cases in bulk within seconds; half claim visits never made."""
    return [bulk_cases(w, c) if i % 2 == 0 else claimed_without_visit(w, c, roles.desk_days[c])
            for i, c in enumerate(roles.planted["padded_cases"])]


def case_versions(w: World, cases: dict) -> Table:
    """Each case delivered as it changes: opened, maybe replied, then closed (if in the period)."""
    rng = w.rng
    n = len(cases["_c"])
    case_no = rng.permutation(n) + 1
    end = w.period_end
    has_reply = cases["reply"] != NULL
    closed_in = cases["closed"] < end
    mid = has_reply & (cases["reply"] < end) & (cases["closed"] - cases["reply"] > 2 * HOUR) & (rng.random(n) < REPLY_VERSION_P)

    def lag(m):
        return np.where(rng.random(m) < LATE_P, rng.integers(1, 4, m), 0)

    def version(mask, updated, reply, closed, status, rating, dt):
        idx = np.nonzero(mask)[0]
        return make("cases", len(idx), _c=cases["_c"][idx], _tag=cases["tag"][idx], _dt=dt[idx],
                    case_id=case_no[idx], cadre_id=w.cadre_id[cases["_c"][idx]],
                    category=cases["category"][idx], opened_at=cases["opened"][idx],
                    first_reply_at=reply[idx], closed_at=closed[idx], status=status[idx],
                    field_visit_claimed=cases["claimed"][idx], resident_rating=rating[idx],
                    location_lat=cases["lat"][idx], location_lon=cases["lon"][idx], updated_at=updated[idx])

    nulls = np.full(n, NULL)
    opens = np.full(n, "open", dtype=object)
    dt1 = w.day_of(cases["opened"]) + lag(n)
    dt2 = np.maximum(dt1, w.day_of(cases["reply"]) + lag(n))
    dt3 = np.maximum(np.where(mid, dt2, dt1), w.day_of(cases["closed"]) + lag(n))
    return concat(
        version(np.ones(n, dtype=bool), cases["opened"], nulls, nulls, opens, nulls, dt1),
        version(mid, cases["reply"], cases["reply"], nulls, opens, nulls, dt2),
        version(closed_in, cases["closed"], np.where(cases["reply"] < end, cases["reply"], NULL),
                cases["closed"], cases["status"], cases["rating"], dt3),
    )


# ==========================================================================
# reports
# ==========================================================================
def report_months(w: World) -> list:
    """(period, candidate submission days): months whose last week lies in the period."""
    out = []
    for y, m in sorted({(d.year, d.month) for d in w.dates}):
        days = [i for i, d in enumerate(w.dates) if (d.year, d.month) == (y, m)
                and d.day >= REPORT_FROM_DAY and w.workday[i]]
        if days:
            out.append((f"{y:04d}-{m:02d}", days))
    if not out:  # a short period without a month end: report the month so far at its end
        last = w.dates[-1]
        out.append((f"{last.year:04d}-{last.month:02d}", list(np.nonzero(w.workday)[0][-3:])))
    return out


def honest_funds_cents(rng, n) -> np.ndarray:
    """Log-uniform over 100..1,000,000 yuan: whole decades, so first digits follow Benford."""
    cents = np.round(10 ** rng.uniform(2, 6, n) * 100).astype(np.int64)
    round_ = rng.random(n) < HONEST_ROUND_P
    cents[round_] = np.maximum(100_00, np.round(cents[round_] / 100_000) * 100_000).astype(np.int64)
    return cents


def honest_reports(w: World) -> Table:
    """Monthly figures per village / household group: four metrics each."""
    rng = w.rng
    pools = [np.array([f"{w.unit_id[u]}-V{v + 1:02d}" + g for v in range(w.unit_vil_count[u]) for g in ("", "-G1", "-G2")],
                      dtype=object) for u in range(len(w.unit_id))]
    cs, periods, items, subs = [], [], [], []
    for period, days in report_months(w):
        for c in np.nonzero(w.active)[0]:
            pool = pools[w.cadre_unit[c]]
            k = int(rng.integers(*ITEMS_PER_REPORT))
            chosen = rng.choice(pool, min(k, len(pool)), replace=False)
            day = int(rng.choice(days))
            sub = w.day_epoch[day] + int(rng.integers(15 * HOUR, int(18.5 * HOUR)))
            cs.append(np.full(len(chosen), c))
            periods.append(np.full(len(chosen), period, dtype=object))
            items.append(chosen)
            subs.append(np.full(len(chosen), sub))
    c, period, item, sub = (np.concatenate(x) for x in (cs, periods, items, subs))
    n = len(c)
    households = np.clip(rng.lognormal(np.log(60), 0.6, n), 5, 600).astype(np.int64)
    values = {
        "funds_disbursed_yuan": honest_funds_cents(rng, n),
        "households_visited": households * 100,
        "people_served": (households * rng.uniform(1.5, 3.5, n)).astype(np.int64) * 100,
        "meetings_held": np.minimum(rng.poisson(4, n), 14) * 100,
    }
    return concat(*[make("reports", n, _c=c, cadre_id=w.cadre_id[c], period=period, item=item,
                         metric=m, value=v, submitted_at=sub) for m, v in values.items()])


def plant_fabricated_reports(w: World, roles: Roles, t: Table) -> Table:
    """Invented amounts: leading 5-9, round, and the same few figures copied everywhere."""
    rng = w.rng
    for c in roles.planted["fabricated_report"]:
        pool: set = set()
        while len(pool) < FABRICATED_POOL:
            lead = int(rng.integers(5, 10))
            if rng.random() < 0.7:
                pool.add(lead * 10 ** int(rng.integers(3, 6)))  # 5000, 80000, 900000
            else:
                pool.add(lead * 10_000 + int(rng.integers(1, 10)) * 1_000 + int(rng.integers(1, 10)) * 100)  # 58800
        rows = np.nonzero((t["_c"] == c) & (t["metric"] == "funds_disbursed_yuan"))[0]
        t["value"][rows] = rng.choice(sorted(pool), len(rows)) * 100
        t["_tag"][rows] = "fabricated"
    return t


# ==========================================================================
# Reference tables
# ==========================================================================
def reference_tables(w: World) -> dict:
    """The four snapshots as string frames, plus the invalid rows to slip into each."""
    units = pl.DataFrame({
        "unit_id": w.unit_id.tolist(), "unit_name": w.unit_name.tolist(), "county": w.unit_county.tolist(),
        "office_lat": [f"{x:.6f}" for x in w.unit_lat], "office_lon": [f"{x:.6f}" for x in w.unit_lon],
    })
    cadres = pl.DataFrame({
        "cadre_id": w.cadre_id.tolist(), "full_name": w.full_name.tolist(),
        "unit_id": w.unit_id[w.cadre_unit].tolist(), "position": w.position.tolist(),
        "hired_on": w.hired_on.tolist(), "active": ["true" if a else "false" for a in w.active],
    })
    apps = pl.DataFrame({
        "app_id": [a[0] for a in APPS], "app_name": [a[1] for a in APPS], "owner_department": [a[2] for a in APPS],
        "function_category": [a[3] for a in APPS], "mandatory": ["true" if a[4] else "false" for a in APPS],
    })
    u0 = w.unit_id[0]
    invalid = {  # ids here are never used by any event
        "units": [({"unit_id": "U900", "unit_name": "测试单位", "county": COUNTIES[0][0],
                    "office_lat": "123.400000", "office_lon": "115.800000"}, "lat_out_of_range"),
                  ({"unit_id": None, "unit_name": "未命名单位", "county": COUNTIES[0][0],
                    "office_lat": "38.900000", "office_lon": "115.800000"}, "missing_required")],
        "cadres": [({"cadre_id": None, "full_name": "王某", "unit_id": u0, "position": "文书",
                     "hired_on": "2015-03-01", "active": "true"}, "missing_required"),
                   ({"cadre_id": "C98001", "full_name": "李某", "unit_id": u0, "position": "网格员",
                     "hired_on": "2019-13-45", "active": "true"}, "bad_date"),
                   ({"cadre_id": "C98002", "full_name": "赵某", "unit_id": u0, "position": "网格员",
                     "hired_on": "2020-05-01", "active": "maybe"}, "bad_boolean")],
        "apps": [({"app_id": "A90", "app_name": "掌上游戏", "owner_department": "县文旅局",
                   "function_category": "gaming", "mandatory": "false"}, "unknown_enum"),
                 ({"app_id": "A91", "app_name": "临时填报", "owner_department": "县数据局",
                   "function_category": "reporting", "mandatory": "sometimes"}, "bad_boolean")],
        "campaigns": [({"campaign_id": "K90", "title": "知识竞赛", "kind": "contest", "mandatory": "false",
                        "starts_on": w.start.isoformat(), "ends_on": w.start.isoformat()}, "unknown_enum"),
                      ({"campaign_id": "K91", "title": "年度评议", "kind": "survey", "mandatory": "true",
                        "starts_on": w.start.isoformat(), "ends_on": "2026-02-30"}, "bad_date")],
    }
    return {"units": (units, invalid["units"]), "cadres": (cadres, invalid["cadres"]),
            "apps": (apps, invalid["apps"]), "campaigns": (w.campaigns, invalid["campaigns"])}


def write_reference(out: Path, w: World) -> tuple[list, dict]:
    """Write reference/*.csv with the invalid rows at random places; return their truth."""
    rng = w.rng
    truth, stats = [], {}
    (out / "reference").mkdir(parents=True, exist_ok=True)
    for name, (frame, bad) in reference_tables(w).items():
        rows = frame.to_dicts()
        positions = sorted(rng.choice(len(rows) + len(bad), len(bad), replace=False).tolist())
        for pos, (row, kind) in zip(positions, bad):
            rows.insert(pos, row)
        for pos, (_, kind) in zip(positions, bad):
            truth.append(("reference", f"reference/{name}.csv", pos + 1, kind))
        pl.from_dicts(rows, schema={c: pl.String for c in frame.columns}).write_csv(out / "reference" / f"{name}.csv")
        stats[name] = {"rows_written": len(rows), "invalid_rows": len(bad)}
    return truth, stats


# ==========================================================================
# Invalid rows, ids, delivery, re-delivery
# ==========================================================================
def freshen(source: str, t: Table, w: World) -> None:
    """Copies that must not repeat a real row's photo, position or amount."""
    rng = w.rng
    n = nrows(t)
    t[next(iter(SCHEMAS[source]))][:] = NULL  # a fresh id comes later
    t["_dt"][:] = NULL
    if source == "checkins":
        t["photo_hash"] = photo_hashes(rng, n, PHOTO_NULL_P)
        t["lat"] = t["lat"] + rng.integers(5, 40, n) * rng.choice([-1, 1], n)
        t["lon"] = t["lon"] + rng.integers(5, 40, n) * rng.choice([-1, 1], n)
    if source == "reports":
        t["value"] = np.where(t["metric"] == "funds_disbursed_yuan", honest_funds_cents(rng, n), t["value"])


def invalid_rows(source: str, t: Table, w: World, honest: np.ndarray) -> Table:
    """Copies of honest rows, each broken in one way (time-order breaks are made here)."""
    rng = w.rng
    kinds = INVALID_KINDS[source]
    base = np.nonzero(honest[t["_c"]] & (t["_tag"] != "fabricated"))[0]
    if source == "cases":  # closed versions carry every field, so each break shows
        base = base[t["status"][base] != "open"]
    inv = take(t, rng.choice(base, len(kinds) * INVALID_PER_KIND, replace=False))
    freshen(source, inv, w)
    inv["_kind"] = np.repeat(np.array(kinds, dtype=object), INVALID_PER_KIND)
    inv["_tag"][:] = None
    if source == "app_logins":
        m = inv["_kind"] == "logout_before_login"
        inv["logout_at"][m] = inv["login_at"][m] - rng.integers(MINUTE, HOUR, m.sum())
    if source == "cases":
        m = inv["_kind"] == "closed_before_opened"
        inv["closed_at"][m] = inv["opened_at"][m] - rng.integers(HOUR, 48 * HOUR, m.sum())
        inv["first_reply_at"][m] = NULL
        inv["updated_at"][m] = inv["opened_at"][m]
    return inv


def rejected_fillers(source: str, t: Table, w: World, honest: np.ndarray) -> Table:
    """Honest-looking rows that only ever live in a rejected file."""
    base = np.nonzero(honest[t["_c"]])[0]
    r = take(t, w.rng.choice(base, REJECTED_FILE_ROWS, replace=False))
    freshen(source, r, w)
    r["_reject"][:] = True
    r["_tag"][:] = None
    return r


def corrupt(row: dict, kind: str, source: str, w: World) -> None:
    """Break one formatted row in the way `kind` names."""
    rng = w.rng
    ts = MAIN_TS[source] if source != "cases" else "opened_at"
    if kind == "missing_required":
        row[str(rng.choice(REQUIRED[source]))] = None
    elif kind == "bad_timestamp":
        row[ts] = str(rng.choice(BAD_TIMESTAMPS))
    elif kind == "bad_number":
        col = {"app_logins": ["actions"], "checkins": ["lat", "lon", "accuracy_m"],
               "cases": ["location_lat", "location_lon", "resident_rating"], "reports": ["value"]}[source]
        row[str(rng.choice(col))] = str(rng.choice(BAD_NUMBERS))
    elif kind == "negative_number":
        col = {"app_logins": "actions", "checkins": "accuracy_m", "reports": "value"}[source]
        row[col] = {"actions": "-3", "accuracy_m": "-12.5", "value": "-2500.00"}[col]
    elif kind in ("lat_out_of_range", "lon_out_of_range"):
        prefix = "location_" if source == "cases" else ""
        if kind == "lat_out_of_range":
            row[prefix + "lat"] = str(rng.choice(["123.456789", "-91.250000"]))
        else:
            row[prefix + "lon"] = str(rng.choice(["200.123456", "-180.500000"]))
    elif kind == "rating_out_of_range":
        row["resident_rating"] = str(rng.choice(["0", "7"]))
    elif kind == "bad_boolean":
        row["field_visit_claimed"] = "maybe"
    elif kind == "unknown_enum":
        col = {"checkins": "kind", "votes": "action", "cases": "status", "reports": "period"}[source]
        row[col] = str(rng.choice(UNKNOWN_ENUMS[col]))
    elif kind == "unknown_cadre":
        row["cadre_id"] = f"C99{rng.integers(0, 1000):03d}"
    elif kind == "unknown_target":
        row["target_id"] = f"C99{rng.integers(0, 1000):03d}"
    elif kind == "unknown_app":
        row["app_id"] = str(rng.choice(["A99", "A77"]))
    elif kind == "unknown_campaign":
        row["campaign_id"] = str(rng.choice(["K99", "K77"]))
    # logout_before_login / closed_before_opened were broken before formatting


def assign_ids(source: str, t: Table, w: World) -> None:
    """Fresh, unique, meaningless ids for every row that has none yet."""
    col = next(iter(SCHEMAS[source]))
    missing = t[col] == NULL
    first = int(t[col][~missing].max()) + 1 if (~missing).any() else 1
    t[col][missing] = first + w.rng.permutation(int(missing.sum()))


def schedule_delivery(source: str, t: Table, w: World) -> None:
    """Delivery day = event day, or 1-3 days later for ~10% of events."""
    rng = w.rng
    todo = t["_dt"] == NULL
    due = w.day_of(t[MAIN_TS[source]][todo])
    t["_dt"][todo] = due + np.where(rng.random(todo.sum()) < LATE_P, rng.integers(1, 4, todo.sum()), 0)


def redeliveries(source: str, t: Table, w: World) -> Table:
    """~2% of valid rows delivered again, same content, within 3 days of the event."""
    rng = w.rng
    valid = np.nonzero((t["_kind"] == None) & ~t["_reject"])[0]  # noqa: E711
    idx = np.sort(rng.choice(valid, round(REDELIVERED_SHARE * len(valid)), replace=False))
    cp = take(t, idx)
    room = w.day_of(t[MAIN_TS[source]][idx]) + 3 - cp["_dt"]
    cp["_dt"] = cp["_dt"] + (rng.random(len(idx)) * (np.maximum(room, 0) + 1)).astype(np.int64)
    cp["_copy_of"] = idx
    return cp


# ==========================================================================
# Formatting: typed table -> strings exactly as written
# ==========================================================================
def fixed(col: pl.Expr, decimals: int) -> pl.Expr:
    """Non-negative scaled integer -> '38.912344' with exactly `decimals` decimals."""
    s = 10**decimals
    return pl.format("{}.{}", col // s, (col % s).cast(pl.String).str.zfill(decimals))


def timestamp(col: pl.Expr, style: pl.Expr) -> pl.Expr:
    """Epoch seconds -> ISO-8601 in the row's style: local "+08:00", UTC "Z", or local without offset."""
    wall = pl.from_epoch(col + pl.when(style == 1).then(0).otherwise(LOCAL_OFFSET_S), time_unit="s")
    suffix = pl.when(style == 0).then(pl.lit("+08:00")).when(style == 1).then(pl.lit("Z")).otherwise(pl.lit(""))
    return wall.dt.strftime("%Y-%m-%dT%H:%M:%S") + suffix


def format_rows(source: str, t: Table, salt: str) -> pl.DataFrame:
    """All landing columns as strings (None = null) plus the meta columns."""
    def series(name):  # object arrays hold str/None, polars wants them as a list
        arr = t[name]
        return pl.Series(name, arr.tolist(), dtype=pl.String) if arr.dtype == object else pl.Series(name, arr)

    df = pl.DataFrame([series(name) for name in [*SCHEMAS[source], *META]]).with_row_index("_row")
    exprs = []
    width = max(7, len(str(int(t[next(iter(SCHEMAS[source]))].max()))))
    for name, kind in SCHEMAS[source].items():
        c = pl.when(pl.col(name) != NULL).then(pl.col(name)) if kind != "str" else pl.col(name)
        if kind == "id":
            e = pl.lit(ID_PREFIX[source] + salt) + c.cast(pl.String).str.zfill(width)
        elif kind == "ts":
            e = timestamp(c, pl.col("_style"))
        elif kind == "int":
            e = c.cast(pl.String)
        elif kind == "deg":
            e = fixed(c, 6)
        elif kind == "dec1":
            e = fixed(c, 1)
        elif kind == "bool":
            e = pl.when(c == 1).then(pl.lit("true")).when(c == 0).then(pl.lit("false"))
        elif kind == "value":
            e = pl.when(pl.col("metric") == "funds_disbursed_yuan").then(fixed(c, 2)).otherwise((c // 100).cast(pl.String))
        else:
            e = c
        exprs.append(e.alias(name))
    return df.with_columns(exprs)


def finalize(source: str, t: Table, w: World, honest: np.ndarray) -> pl.DataFrame:
    """Valid rows + invalid rows + rejected-file fillers + re-deliveries, as strings."""
    rng = w.rng
    parts = [t, invalid_rows(source, t, w, honest)]
    if source in FILLER_SOURCES:
        parts.append(rejected_fillers(source, t, w, honest))
    t = concat(*parts)
    assign_ids(source, t, w)
    t["_style"] = rng.choice(3, nrows(t), p=STYLE_P).astype(np.int8)
    t["_order"] = t[MAIN_TS[source]]
    schedule_delivery(source, t, w)
    t = concat(t, redeliveries(source, t, w))
    salt = hex_strings(rng, 1, 6)[0]
    df = format_rows(source, t, salt)
    at = np.nonzero(df["_kind"].is_not_null().to_numpy())[0]
    rows = df[at].to_dicts()
    for row in rows:
        corrupt(row, row["_kind"], source, w)
    return df.with_columns(df[c].scatter(at, [r[c] for r in rows]) for c in SCHEMAS[source])


# ==========================================================================
# Writing files
# ==========================================================================
def naturalize(s: pl.Series, kind: str) -> pl.Series | None:
    """The column as numbers / booleans, or None when some value does not fit."""
    dtype = NATURAL_TYPES.get(kind)
    if dtype is None:
        return None
    if dtype == pl.Boolean:
        if not s.drop_nulls().is_in(["true", "false"]).all():
            return None
        return s == "true"
    cast = s.cast(dtype, strict=False)
    return cast if cast.null_count() == s.null_count() else None


def encode(df: pl.DataFrame, source: str, fmt: str, rng) -> bytes | pl.DataFrame:
    """A file's content in `fmt`: CSV as strings; JSONL per column and parquet per file typed or strings."""
    if fmt.startswith(".csv"):
        data = df.write_csv().encode()
    elif fmt.startswith(".jsonl"):
        cols = []
        for name, kind in SCHEMAS[source].items():
            nat = naturalize(df[name], kind) if rng.random() < NATURAL_JSON_COLUMN_P else None
            cols.append(df[name] if nat is None else nat.alias(name))
        data = pl.DataFrame(cols).write_ndjson().encode()
    else:
        if rng.random() < NATURAL_PARQUET_P:
            typed = [naturalize(df[name], kind) for name, kind in SCHEMAS[source].items()]
            fits = all(n is not None or k not in NATURAL_TYPES for n, k in zip(typed, SCHEMAS[source].values()))
            if fits:  # every value fits its type; else the whole file stays strings
                df = pl.DataFrame([df[name] if n is None else n.alias(name) for name, n in zip(df.columns, typed)])
        return df
    return gzip.compress(data, GZIP_LEVEL, mtime=0) if fmt.endswith(".gz") else data


def file_name(rng, fmt: str) -> str:
    return f"part-{hex_strings(rng, 1, 8)[0]}{fmt}"


def assign_files(df: pl.DataFrame, rng) -> np.ndarray:
    """2-4 files per delivery folder; a same-folder re-delivery goes to another file."""
    dt = df["_dt"].to_numpy()
    folders, inverse, counts = np.unique(dt, return_inverse=True, return_counts=True)
    nf = np.minimum(rng.integers(*FILES_PER_FOLDER, len(folders)), counts)[inverse]
    f = (rng.random(len(dt)) * nf).astype(np.int64)
    copies = np.nonzero(df["_copy_of"].to_numpy() >= 0)[0]
    orig = np.searchsorted(df["_row"].to_numpy(), df["_copy_of"].to_numpy()[copies])  # rows are sorted by _row
    same = copies[dt[orig] == dt[copies]]
    o = orig[dt[orig] == dt[copies]]
    f[same] = (f[o] + 1 + (rng.random(len(same)) * (nf[same] - 1)).astype(np.int64)) % nf[same]
    return f


def write_source(out: Path, source: str, df: pl.DataFrame, w: World) -> tuple[list, dict]:
    """Write every delivery folder of `source`; return invalid-row truth and file stats."""
    rng = w.rng
    cols = list(SCHEMAS[source])
    df = df.filter(~pl.col("_reject"))
    df = df.with_columns(pl.Series("_file", assign_files(df, rng)))
    truth, files = [], {}
    for (dt, f), part in sorted(df.partition_by(["_dt", "_file"], as_dict=True, maintain_order=True).items()):
        folder = out / source / f"dt={w.start + timedelta(days=int(dt))}"
        folder.mkdir(parents=True, exist_ok=True)
        fmt = str(rng.choice(FORMATS, p=FORMAT_P))
        name = file_name(rng, fmt)
        part = part.sort("_order", maintain_order=True)  # event order, as an export gives them
        rel = f"{source}/{folder.name}/{name}"
        for i in np.nonzero(part["_kind"].is_not_null().to_numpy())[0]:
            truth.append((source, rel, int(i) + 1, part["_kind"][int(i)]))
        content = encode(part.select(cols), source, fmt, rng)
        if isinstance(content, pl.DataFrame):
            content.write_parquet(folder / name)
        else:
            (folder / name).write_bytes(content)
        files[rel] = part.height
    return truth, files


def write_rejected_file(out: Path, source: str, df: pl.DataFrame, w: World) -> list:
    """The source's planted unreadable file, if it has one: [(file_path, reason, rows or None)]."""
    rng = w.rng
    reason = REJECTED_FILES.get(source)
    if reason is None:
        return []
    dts = sorted(p.name for p in (out / source).iterdir())
    folder = out / source / dts[len(dts) // 2]
    fill = df.filter(pl.col("_reject")).select(list(SCHEMAS[source]))
    rows = None
    if reason == "truncated_gzip":  # cut in half: the deflate stream never ends
        path = folder / file_name(rng, ".jsonl.gz")
        gz = gzip.compress(fill.write_ndjson().encode(), GZIP_LEVEL, mtime=0)
        path.write_bytes(gz[: len(gz) // 2])
    elif reason == "corrupt_file":  # garbage bytes under a .parquet name
        path = folder / file_name(rng, ".parquet")
        path.write_bytes(rng.bytes(2048))
    else:  # a CSV export that lost its cadre_id column
        path = folder / file_name(rng, ".csv")
        fill = fill.drop("cadre_id")
        fill.write_csv(path)
        rows = fill.height
    return [(path.relative_to(out).as_posix(), reason, rows)]


# ==========================================================================
# Truth
# ==========================================================================
SUMMARY_DEFINITIONS = {
    "rows_written": "data rows in the source's readable, well-formed files (rejected files excluded)",
    "invalid_rows": "rows in those files that break the contract (listed in invalid.csv)",
    "redelivered_rows": "valid rows whose id and content were already delivered (same id, same content)",
    "case_update_rows": "cases only: valid rows that are a later version of a case (same id, newer updated_at)",
    "distinct_valid_ids": "distinct ids among valid rows",
    "identity": "rows_written = distinct_valid_ids + redelivered_rows + case_update_rows + invalid_rows",
    "rejected_files": "files that cannot be read or lack a required column; rows null when unreadable",
    "planted_flags": "cadres planted per flag code (flags.csv lists them)",
}


def source_summary(source: str, df: pl.DataFrame, files: dict, rejected: list) -> dict:
    written = df.filter(~pl.col("_reject"))
    id_col = next(iter(SCHEMAS[source]))
    valid = written.filter(pl.col("_kind").is_null())
    invalid = written.filter(pl.col("_kind").is_not_null())
    originals = valid.filter(pl.col("_copy_of") < 0)
    distinct = originals[id_col].n_unique()
    out = {
        "files": len(files),
        "rows_written": written.height,
        "invalid_rows": invalid.height,
        "invalid_by_kind": dict(sorted(invalid["_kind"].value_counts().iter_rows())),
        "redelivered_rows": valid.height - originals.height,
        "distinct_valid_ids": distinct,
        "rejected_files": [{"file_path": p, "reason": r, "rows": n} for p, r, n in rejected],
    }
    if source == "cases":  # later versions of a case: same id, newer updated_at
        out["case_update_rows"] = originals.height - distinct
    return out


def write_truth(out: Path, w: World, roles: Roles, invalid: list, summary: dict) -> None:
    d = out / "_truth"
    d.mkdir(parents=True, exist_ok=True)
    flags = sorted(((code, w.cadre_id[c]) for code in FLAG_CODES for c in roles.planted[code]),
                   key=lambda r: (FLAG_CODES.index(r[0]), r[1]))
    pl.DataFrame(flags, schema=["flag_code", "cadre_id"], orient="row").write_csv(d / "flags.csv")
    pl.DataFrame(invalid, schema={"source": pl.String, "file_path": pl.String, "row_number": pl.Int64,
                                  "kind": pl.String}, orient="row").write_csv(d / "invalid.csv")
    (d / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


def lookalike_rows(w: World, roles: Roles) -> list:
    """(kind, cadre_id) of every honest cadre that looks like a planted pattern (never in flags.csv)."""
    from sources.evasion import lookalike_rows as rows
    return rows(w, roles)


def clear(out: Path) -> None:
    """Remove what an earlier run wrote here, and nothing else."""
    for name in ["reference", "_truth", *SOURCES]:
        if (out / name).exists():
            shutil.rmtree(out / name)


# ==========================================================================
# Entry point
# ==========================================================================
def generate_tables(w: World, roles: Roles) -> dict:
    """Honest events of every source with the fabrication planted in them."""
    if w.level:
        return generate_evasive_tables(w, roles)
    logins = plant_scripted_logins(w, roles, honest_logins(w))
    checkins = honest_checkins(w, roles)
    checkins = plant_proxy_checkins(w, roles, checkins)
    checkins = plant_impossible_travel(w, roles, checkins)
    checkins = plant_photo_reuse(w, roles, checkins)
    checkins = plant_gps_spoof(w, roles, checkins)
    checkins = keep_claimers_at_desk(w, roles, checkins)
    votes = concat(cadre_votes(w, roles), public_votes(w), *plant_vote_stuffing(w, roles), *plant_vote_rings(w, roles))
    cases = [honest_cases(w), claimed_visit_cases(w, checkins), *plant_padded_cases(w, roles)]
    cases = case_versions(w, {k: np.concatenate([c[k] for c in cases]) for k in cases[0]})
    reports = plant_fabricated_reports(w, roles, honest_reports(w))
    return {"app_logins": logins, "checkins": checkins, "votes": votes, "cases": cases, "reports": reports}


def generate_evasive_tables(w: World, roles: Roles) -> dict:
    """Levels 1-3: padding that hides and honest look-alikes that get harder (sources/evasion.py)."""
    from sources import evasion as E

    logins = E.logins(w, roles, honest_logins(w))
    checkins = E.checkins(w, roles, honest_checkins(w, roles))
    votes = E.votes(w, roles, public_votes(w))
    cases = [honest_cases(w), claimed_visit_cases(w, checkins), *E.padded_cases(w, roles, checkins)]
    cases = case_versions(w, {k: np.concatenate([c[k] for c in cases]) for k in cases[0]})
    reports = E.reports(w, roles, honest_reports(w))
    return {"app_logins": logins, "checkins": checkins, "votes": votes, "cases": cases, "reports": reports}


def simulate(cadres: int, days: int, start: date, seed: int, evasion: int = 0) -> tuple[World, Roles, dict]:
    """The world, who plays which role, and every source's events (typed, tagged, before delivery)."""
    rng = np.random.default_rng(seed)
    w = build_world(rng, cadres, days, start, evasion)
    if evasion:
        from sources import evasion as E
        roles = E.assign_roles(w)
        settle_world(w, roles)
        E.settle_family(w, roles)
    else:
        roles = assign_roles(w)
        settle_world(w, roles)
    return w, roles, generate_tables(w, roles)


def write_demo_landing(out: Path, cadres: int = 200, days: int = 61, start: date = date(2026, 9, 1),
                       seed: int = 7, evasion: int = 0) -> dict:
    """Write a demo landing folder at `out` (plus `out/_truth/`) and return a short summary.

    The full summary, with definitions, is `out/_truth/summary.json`.

    `evasion` (one of EVASION_LEVELS) sets how hard the padders hide and how much
    the honest look-alikes resemble them (EVASION_DESCRIPTIONS); 0 is the textbook form.

    Deterministic for a seed and level. Raises ValueError when `cadres` or `days` are
    too few to plant every pattern, or the level is unknown.
    """
    if not MIN_CADRES <= cadres <= MAX_CADRES or days < MIN_DAYS:
        raise ValueError(f"need {MIN_CADRES}-{MAX_CADRES} cadres and at least {MIN_DAYS} days")
    if evasion not in EVASION_LEVELS:
        raise ValueError(f"evasion level must be one of {EVASION_LEVELS}, not {evasion!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear(out)
    w, roles, tables = simulate(cadres, days, start, seed, evasion)
    honest = roles.honest_mask(w.active)

    lookalikes = {
        "carpool_pairs": len(roles.carpool_pairs), "phone_handover_pairs": len(roles.handover_pairs),
        "double_punches": int((tables["checkins"]["_tag"] == "double_punch").sum()),
        # every case has exactly one "open" version, so counting those counts cases
        "quick_cases": int(((tables["cases"]["_tag"] == "quick") & (tables["cases"]["status"] == "open")).sum()),
        "claimed_visit_cases": int(((tables["cases"]["_tag"] == "claimed_visit") & (tables["cases"]["status"] == "open")).sum()),
    }
    lookalike_truth = lookalike_rows(w, roles)
    if evasion:
        for kind, _ in lookalike_truth:
            lookalikes[f"cadres:{kind}"] = lookalikes.get(f"cadres:{kind}", 0) + 1
        lookalikes["small_units"] = len(w.small_units)
    invalid, ref_stats = write_reference(out, w)
    sources = {}
    for source in SOURCES:  # one source at a time keeps memory down
        df = finalize(source, tables.pop(source), w, honest)
        truth, files = write_source(out, source, df, w)
        rejected = write_rejected_file(out, source, df, w)
        invalid += truth + [(source, p, None, reason) for p, reason, _ in rejected]
        sources[source] = source_summary(source, df, files, rejected)

    summary = {
        "definitions": SUMMARY_DEFINITIONS,
        "seed": seed,
        "evasion": evasion,
        "evasion_description": EVASION_DESCRIPTIONS[evasion],
        "period": {"start": start.isoformat(), "end": w.dates[-1].isoformat(), "days": days,
                   "months": sorted({d.strftime("%Y-%m") for d in w.dates})},
        "cadres": int(w.n_cadres), "units": len(w.unit_id),
        "reference": ref_stats,
        "sources": sources,
        "planted_flags": {code: len(roles.planted[code]) for code in FLAG_CODES},
        "lookalikes": lookalikes,
    }
    write_truth(out, w, roles, invalid, summary)
    pl.DataFrame(lookalike_truth, schema=["kind", "cadre_id"], orient="row").write_csv(out / "_truth" / "lookalikes.csv")
    return {
        "period": f"{summary['period']['start']}..{summary['period']['end']}",
        "rows": {s: v["rows_written"] for s, v in sources.items()},
        "invalid_rows": {"reference": sum(v["invalid_rows"] for v in ref_stats.values()),
                         **{s: v["invalid_rows"] for s, v in sources.items()}},
        "rejected_files": [f["file_path"] for v in sources.values() for f in v["rejected_files"]],
        "planted_flags": summary["planted_flags"],
        "evasion": evasion,
        "truth": str(out / "_truth"),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Write a demo landing folder with planted fabrication.")
    p.add_argument("out", type=Path)
    p.add_argument("--cadres", type=int, default=200)
    p.add_argument("--days", type=int, default=61)
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 9, 1))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--evasion", type=int, default=0, choices=EVASION_LEVELS)
    a = p.parse_args(argv)
    print(json.dumps(write_demo_landing(a.out, a.cadres, a.days, a.start, a.seed, a.evasion), indent=2))


if __name__ == "__main__":
    main()
