"""The simulated world: calendar, units, villages, cadres, devices and campaigns.

Why: honest behaviour and every planted pattern are drawn against one shared
world (who works where, which phone each cadre carries on which day), so the
sources agree with each other the way real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from demo.clock import DAY, EPOCH, LOCAL_OFFSET_S, PUBLIC_HOLIDAYS
from demo.draw import destination, hex_strings, ip_strings, scatter
from demo.evasion import DIALS, Dial, small_unit_sizes

CADRES_PER_UNIT = 10  # a township office / village committee has ~10 cadres
MIN_UNITS = 3
MIN_UNIT_SIZE = 4  # every unit keeps colleagues to vote for and carpool with
BASE_UNIT_SHARE = 0.6  # of the cadres spread evenly over units; the rest at random
COUNTIES_BY_UNITS = ((8, 2), (40, 3))  # fewer than N units -> this many counties; else 4
MAX_COUNTIES = 4
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
OFFICE_SPREAD_M = (500, 15_000)  # unit offices lie this far from the county seat
SINGLE_OFFICE_IP_P = 0.6  # most units sit behind one NAT address, the rest behind two
VILLAGES_PER_UNIT = (8, 16)  # villages a unit serves (numpy integers bounds)
VILLAGE_DISTANCE_M = (2_000, 25_000)  # field visits: 2-25 km from the office, by car
REMOTE_VILLAGE_M = 8_000  # village 1 of a unit is at least this far: padded claims need it
INACTIVE_SHARE = 0.02  # cadres on the roster who left: valid ids, no events
PHONE_SWITCH_SHARE = 0.03  # cadres who change phones once in the period
PHONE_SWITCH_MARGIN_DAYS = 3  # a switch happens at least this far from the period's ends
LEAVE_P = 0.04  # chance a cadre is away from the office on a working day
HANDOVER_AFTER = 6  # the giver of a handed-over phone gets a new one after 1/6 of the period
HANDOVER_GAP_DAYS = (7, 21)  # ... and the receiver uses the old one this many days later
FIRST_HIRE = date(1998, 1, 1)
MIN_SERVICE_DAYS = 30  # everyone was hired at least a month before the period
NAME_GIVEN_CHARS = (1, 3)  # given names of 1-2 characters (numpy bounds)
MOBILE_IPS_MIN, MOBILE_IPS_PER_CADRE = 1000, 3  # carrier NAT addresses to draw from
OFFICE_IP_PREFIXES = [58, 60, 61, 106, 121, 124]  # government broadband (office NAT)
MOBILE_IP_PREFIXES = [39, 111, 112, 117, 120, 183, 223]  # carrier NAT
HOME_IP_PREFIXES = [27, 36, 110, 113, 119]  # residential broadband
DEVICE_ID_CHARS = 10

TOWN_CHARS = "安端圈同赵大留北南东西新王李刘张寨庄河桥口营屯店堡集台坊旧龙辛"
TOWN_NAME_CHARS = 2
UNIT_SUFFIXES = ["镇人民政府", "乡人民政府", "镇便民服务中心", "街道办事处"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
GIVEN_CHARS = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红梅海燕晓东雪玉春文博子涵浩然宇轩欣怡思远佳琪鹏飞振"
POSITIONS = [
    "党委书记",
    "乡镇长",
    "党政办主任",
    "网格员",
    "驻村第一书记",
    "村党支部书记",
    "村委会主任",
    "民政专干",
    "文书",
    "妇联主席",
    "包村干部",
    "综治专干",
]

# Apps: id, name, owner, category, mandatory, adoption share, usage weight,
# P(session has 0 actions), median session seconds, mean extra actions.
# Two study apps, two attendance apps (one per unit), two case apps and an
# "other" check-in helper whose sessions are almost all trace-only.
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
EDGE_DAYS = 3  # a campaign starting this close to the period's start may have opened before it
OUTSIDE_DAYS = (0, 10)  # ... by this many days (numpy bounds); likewise closing after the end


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
    level: int = 0  # evasion level (demo/evasion.py); 0 = textbook
    small_units: np.ndarray | None = None  # units shrunk to 3-4 cadres (levels 1-3)

    @property
    def dial(self) -> Dial:
        return DIALS[self.level]

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
        names = hex_strings(self.rng, n, DEVICE_ID_CHARS, "dev-", set(self.devices))
        first = len(self.devices)
        self.devices.extend(names.tolist())
        return np.arange(first, first + n)


def build_world(rng: np.random.Generator, cadres: int, days: int, start: date, level: int = 0) -> World:
    """Units, villages and cadres; presence, devices and campaigns come later (`settle_world`)."""
    dates = [start + timedelta(days=i) for i in range(days)]
    day_epoch = np.array([(d - EPOCH).days * DAY - LOCAL_OFFSET_S for d in dates], dtype=np.int64)
    workday = np.array([d.weekday() < 5 and d not in PUBLIC_HOLIDAYS for d in dates])

    n_units = max(MIN_UNITS, round(cadres / CADRES_PER_UNIT))
    n_counties = next((k for below, k in COUNTIES_BY_UNITS if n_units < below), MAX_COUNTIES)
    counties = rng.choice(len(COUNTIES), n_counties, replace=False)
    unit_county_idx = counties[np.arange(n_units) % n_counties]
    seat_lat = np.array([COUNTIES[i][1] for i in unit_county_idx])
    seat_lon = np.array([COUNTIES[i][2] for i in unit_county_idx])
    unit_lat, unit_lon = scatter(rng, seat_lat, seat_lon, *OFFICE_SPREAD_M)
    towns = ["".join(rng.choice(list(TOWN_CHARS), TOWN_NAME_CHARS)) for _ in range(n_units)]
    unit_name = np.array(
        [f"{COUNTIES[c][0]}{t}{rng.choice(UNIT_SUFFIXES)}" for c, t in zip(unit_county_idx, towns)], dtype=object
    )
    ips = ip_strings(rng, 2 * n_units, OFFICE_IP_PREFIXES).reshape(n_units, 2)
    single = rng.random(n_units) < SINGLE_OFFICE_IP_P
    ips[single, 1] = ips[single, 0]

    vil_count = rng.integers(*VILLAGES_PER_UNIT, n_units)
    vil_unit = np.repeat(np.arange(n_units), vil_count)
    vil_dist = rng.uniform(*VILLAGE_DISTANCE_M, len(vil_unit))
    vil_start = np.concatenate([[0], np.cumsum(vil_count)[:-1]])
    vil_dist[vil_start] = rng.uniform(REMOTE_VILLAGE_M, VILLAGE_DISTANCE_M[1], n_units)
    vil_lat, vil_lon = destination(unit_lat[vil_unit], unit_lon[vil_unit], vil_dist, rng.uniform(0, 2 * np.pi, len(vil_unit)))

    base = max(MIN_UNIT_SIZE, int(BASE_UNIT_SHARE * cadres / n_units))
    sizes = base + rng.multinomial(cadres - base * n_units, np.full(n_units, 1 / n_units))
    small = None
    if DIALS[level].small_unit_share:  # small units: 3-4 cadres who have nobody else to vote for
        sizes, small = small_unit_sizes(rng, sizes, DIALS[level])
    cadre_unit = np.repeat(np.arange(n_units), sizes)
    n = len(cadre_unit)
    full_name = np.array(
        [rng.choice(list(SURNAMES)) + "".join(rng.choice(list(GIVEN_CHARS), rng.integers(*NAME_GIVEN_CHARS))) for _ in range(n)],
        dtype=object,
    )
    hired = rng.integers((FIRST_HIRE - EPOCH).days, (start - EPOCH).days - MIN_SERVICE_DAYS, n)
    return World(
        level=level,
        small_units=small,
        rng=rng,
        start=start,
        days=days,
        dates=dates,
        day_epoch=day_epoch,
        workday=workday,
        unit_id=np.array([f"U{i + 1:03d}" for i in range(n_units)], dtype=object),
        unit_name=unit_name,
        unit_county=np.array([COUNTIES[i][0] for i in unit_county_idx], dtype=object),
        unit_lat=unit_lat,
        unit_lon=unit_lon,
        unit_ips=ips,
        unit_att_app=np.array(ATTENDANCE_APPS)[rng.integers(0, len(ATTENDANCE_APPS), n_units)],
        unit_vil_start=vil_start,
        unit_vil_count=vil_count,
        vil_lat=vil_lat,
        vil_lon=vil_lon,
        vil_dist=vil_dist,
        cadre_id=np.array([f"C{10001 + i}" for i in range(n)], dtype=object),
        cadre_unit=cadre_unit,
        full_name=full_name,
        position=rng.choice(POSITIONS, n).astype(object),
        hired_on=np.array([(EPOCH + timedelta(days=int(h))).isoformat() for h in hired], dtype=object),
        active=rng.random(n) >= INACTIVE_SHARE,
        home_ip=ip_strings(rng, n, HOME_IP_PREFIXES),
        unit_first=np.concatenate([[0], np.cumsum(sizes)[:-1]]),
        unit_size=sizes,
        mobile_ips=ip_strings(rng, max(MOBILE_IPS_MIN, MOBILE_IPS_PER_CADRE * n), MOBILE_IP_PREFIXES),
    )


def settle_world(w: World, busy: set, handover_pairs: list) -> None:
    """Presence, devices and campaigns: these depend on who has a role (`busy`)."""
    rng = w.rng
    C, D = w.n_cadres, w.days
    on_leave = rng.random((C, D)) < LEAVE_P
    on_leave[sorted(busy)] = False  # planted patterns need the cadre at work
    w.present = w.active[:, None] & w.workday[None, :] & ~on_leave

    w.devices = []
    w.dev = np.repeat(w.new_devices(C)[:, None], D, axis=1)
    switchers = [c for c in np.nonzero(w.active & (rng.random(C) < PHONE_SWITCH_SHARE))[0] if c not in busy]
    for c, new in zip(switchers, w.new_devices(len(switchers))):
        w.dev[c, rng.integers(PHONE_SWITCH_MARGIN_DAYS, D - PHONE_SWITCH_MARGIN_DAYS) :] = new
    for giver, receiver in handover_pairs:
        # the giver gets a new phone; weeks later the receiver uses the old one
        s = max(1, D // HANDOVER_AFTER)
        gap = int(np.clip((D - s) // 2, *HANDOVER_GAP_DAYS))
        old = w.dev[giver, 0]
        w.dev[giver, s:] = w.new_devices(1)[0]
        w.dev[receiver, s + gap :] = old
    build_campaigns(w)


def build_campaigns(w: World) -> None:
    """Voting campaigns with windows inside the period (those at its edges may reach past it)."""
    rng = w.rng
    D = w.days
    first = rng.integers(0, D - CAMPAIGN_DAYS[0], len(CAMPAIGNS))
    last = np.minimum(D - 1, first + rng.integers(*CAMPAIGN_DAYS, len(CAMPAIGNS)))
    starts = [w.dates[f] - timedelta(days=int(rng.integers(*OUTSIDE_DAYS)) if f < EDGE_DAYS else 0) for f in first]
    ends = [w.dates[last_day] + timedelta(days=int(rng.integers(*OUTSIDE_DAYS)) if last_day == D - 1 else 0) for last_day in last]
    w.camp_id = np.array([f"K{i + 1:02d}" for i in range(len(CAMPAIGNS))], dtype=object)
    w.camp_first, w.camp_last = first, last
    w.camp_mandatory = np.array([m for _, _, m in CAMPAIGNS])
    w.campaigns = pl.DataFrame(
        {
            "campaign_id": w.camp_id.tolist(),
            "title": [f"{w.start.year}年{t}" for t, _, _ in CAMPAIGNS],
            "kind": [k for _, k, _ in CAMPAIGNS],
            "mandatory": ["true" if m else "false" for _, _, m in CAMPAIGNS],
            "starts_on": [d.isoformat() for d in starts],
            "ends_on": [d.isoformat() for d in ends],
        }
    )
