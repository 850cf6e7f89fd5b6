# Longer than 400 lines: a hand-written landing folder with one clear case and its look-alikes per flag code.
"""A hand-made landing folder with one clear case and honest look-alikes per flag code.

Every scenario lives on its own cadres, numbered by block:

    C201xx proxy_checkin      C204xx gps_spoof         C207xx vote_ring
    C202xx impossible_travel  C205xx scripted_login    C208xx padded_cases
    C203xx photo_reuse        C206xx vote_stuffing     C209xx fabricated_report
                                                       C210xx real vote counts

In each block xx01 is the cadre whose record is padded (the one that must be
flagged; vote_ring also flags its ring mates C20703 and C20704, padded_cases
also C20803 for its second rule), xx02 the honest look-alike that must not be,
and the other numbers are colleagues, extra look-alikes or honest background
the rule needs for its base rate. Nobody else in the folder may be flagged for
the block's code. The output is deterministic (seeded).

C210xx are fabricated_report's look-alikes from real public data: the USA's 2016
primary votes by county (shared/data/real, beside the checkout), one cadre per
state reporting its counties' figures. Real figures nobody made up: no code may
flag them.

Rows are written with plain csv (no demo generator), all timestamps are
Asia/Shanghai wall-clock with "+08:00", September-October 2026. Positions are
written as text with 6 decimals (GPS jitter of a few metres) unless a scenario
says otherwise; photo hashes are empty unless a scenario needs them.

    write_landing(root) -> None    writes root/reference/*.csv and the event folders
"""

from __future__ import annotations

import csv
import itertools
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TZ = timezone(timedelta(hours=8))
EARTH_RADIUS_KM = 6371.0088  # the same mean radius as the haversine_km macro

# ---------------------------------------------------------------------------
# Places and times
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float

    def moved(self, north_km: float = 0.0, east_km: float = 0.0) -> Place:
        """The point north_km / east_km away (great-circle exact enough at these distances)."""
        dlat = math.degrees(north_km / EARTH_RADIUS_KM)
        dlon = math.degrees(east_km / (EARTH_RADIUS_KM * math.cos(math.radians(self.lat))))
        return Place(self.lat + dlat, self.lon + dlon)


def at(day: date | str, clock: str) -> datetime:
    """Local wall-clock time: at("2026-09-08", "08:21:40")."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    h, m, s = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=TZ)


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# Weekdays of September-October 2026 without the National Day week (1-7 Oct).
WORKDAYS = [d for d in days("2026-09-01", "2026-10-30") if d.weekday() < 5 and not date(2026, 10, 1) <= d <= date(2026, 10, 7)]
ALL_DAYS = days("2026-09-01", "2026-10-31")


# ---------------------------------------------------------------------------
# The folder being written
# ---------------------------------------------------------------------------


class Landing:
    def __init__(self, seed: int = 20260901) -> None:
        self.rng = random.Random(seed)
        self.units: list[dict] = []
        self.cadres: list[dict] = []
        self.apps: list[dict] = []
        self.campaigns: list[dict] = []
        self.app_logins: list[dict] = []
        self.checkins: list[dict] = []
        self.votes: list[dict] = []
        self.cases: list[dict] = []
        self.reports: list[dict] = []
        self._serial = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):07d}"

    # reference -----------------------------------------------------------
    def unit(self, unit_id: str, name: str, office: Place) -> None:
        self.units.append(
            {
                "unit_id": unit_id,
                "unit_name": name,
                "county": "Xushui",
                "office_lat": f"{office.lat:.6f}",
                "office_lon": f"{office.lon:.6f}",
            }
        )

    def cadre(self, cadre_id: str, unit_id: str, position: str = "clerk") -> str:
        self.cadres.append(
            {
                "cadre_id": cadre_id,
                "full_name": f"Cadre {cadre_id[1:]}",
                "unit_id": unit_id,
                "position": position,
                "hired_on": "2019-03-01",
                "active": "true",
            }
        )
        return cadre_id

    def app(self, app_id: str, name: str, category: str, mandatory: bool = True) -> None:
        self.apps.append(
            {
                "app_id": app_id,
                "app_name": name,
                "owner_department": "County office",
                "function_category": category,
                "mandatory": str(mandatory).lower(),
            }
        )

    def campaign(self, campaign_id: str, title: str, kind: str, starts_on: str, ends_on: str, mandatory: bool = False) -> None:
        self.campaigns.append(
            {
                "campaign_id": campaign_id,
                "title": title,
                "kind": kind,
                "mandatory": str(mandatory).lower(),
                "starts_on": starts_on,
                "ends_on": ends_on,
            }
        )

    # events --------------------------------------------------------------
    def position(self, where: Place | tuple[str, str], jitter_m: float = 15.0) -> tuple[str, str]:
        """A fix at a place, jittering by metres like a real GPS (6 decimals);
        a (lat_text, lon_text) pair is written exactly as given."""
        if isinstance(where, tuple):
            return where
        fix = where.moved(self.rng.uniform(-jitter_m, jitter_m) / 1000, self.rng.uniform(-jitter_m, jitter_m) / 1000)
        return f"{fix.lat:.6f}", f"{fix.lon:.6f}"

    def checkin(
        self,
        cadre_id: str,
        kind: str,
        when: datetime,
        where: Place | tuple[str, str],
        device: str,
        *,
        accuracy_m: float = 8.0,
        photo: str | None = None,
        app_id: str = "A21",
    ) -> None:
        lat, lon = self.position(where)
        self.checkins.append(
            {
                "checkin_id": self._id("K"),
                "cadre_id": cadre_id,
                "app_id": app_id,
                "kind": kind,
                "checkin_at": iso(when),
                "lat": lat,
                "lon": lon,
                "accuracy_m": f"{accuracy_m:.1f}",
                "device_id": device,
                "photo_hash": photo or "",
            }
        )

    def login(
        self,
        cadre_id: str,
        app_id: str,
        when: datetime,
        device: str,
        *,
        actions: int,
        minutes: float = 3.0,
        ip: str = "58.21.20.1",
    ) -> None:
        self.app_logins.append(
            {
                "login_id": self._id("L"),
                "cadre_id": cadre_id,
                "app_id": app_id,
                "device_id": device,
                "ip": ip,
                "login_at": iso(when),
                "logout_at": iso(when + timedelta(minutes=minutes)),
                "actions": actions,
            }
        )

    def vote(
        self, campaign_id: str, voter_id: str, target_id: str, when: datetime, device: str, ip: str, action: str = "vote"
    ) -> None:
        self.votes.append(
            {
                "vote_id": self._id("V"),
                "campaign_id": campaign_id,
                "voter_id": voter_id,
                "target_id": target_id,
                "action": action,
                "voted_at": iso(when),
                "device_id": device,
                "ip": ip,
            }
        )

    def case(
        self,
        cadre_id: str,
        opened: datetime,
        closed: datetime | None,
        *,
        status: str = "resolved",
        category: str = "consultation",
        field_visit: bool = False,
        location: Place | None = None,
        rating: int | None = 4,
    ) -> None:
        self.cases.append(
            {
                "case_id": self._id("S"),
                "cadre_id": cadre_id,
                "category": category,
                "opened_at": iso(opened),
                "first_reply_at": iso(closed),
                "closed_at": iso(closed),
                "status": status,
                "field_visit_claimed": str(field_visit).lower(),
                "resident_rating": "" if rating is None or closed is None else rating,
                "location_lat": "" if location is None else f"{location.lat:.6f}",
                "location_lon": "" if location is None else f"{location.lon:.6f}",
                "updated_at": iso(closed or opened),
            }
        )

    def report(self, cadre_id: str, period: str, item: str, metric: str, value_text: str) -> None:
        submitted = at("2026-09-30", "17:00:00") if period == "2026-09" else at("2026-10-30", "17:00:00")
        self.reports.append(
            {
                "report_id": self._id("R"),
                "cadre_id": cadre_id,
                "period": period,
                "item": item,
                "metric": metric,
                "value": value_text,
                "submitted_at": iso(submitted),
            }
        )

    def fresh_photo(self) -> str:
        """A photo taken live: a 64-bit hash unrelated to every other one."""
        while True:
            bits = self.rng.getrandbits(64)
            if 16 <= bin(bits).count("1") <= 48:
                return f"{bits:016x}"

    # writing ---------------------------------------------------------------
    def write(self, root: Path) -> None:
        root = Path(root)
        for name in ("units", "cadres", "apps", "campaigns"):
            _write_csv(root / "reference" / f"{name}.csv", getattr(self, name))
        stamp = {
            "app_logins": "login_at",
            "checkins": "checkin_at",
            "votes": "voted_at",
            "cases": "updated_at",
            "reports": "submitted_at",
        }
        for source, column in stamp.items():
            # Two deliveries, one at the end of each month, holding that month's events.
            by_delivery: dict[str, list[dict]] = {}
            for row in getattr(self, source):
                delivery = "2026-09-30" if row[column] < "2026-10-01" else "2026-10-31"
                by_delivery.setdefault(delivery, []).append(row)
            for delivery, rows in sorted(by_delivery.items()):
                _write_csv(root / source / f"dt={delivery}" / "part-0.csv", rows)


def _write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

XUSHUI = Place(39.020000, 115.650000)  # county seat; unit offices around it


def office_day(
    land: Landing,
    cadre_id: str,
    day: date,
    office: Place,
    device: str,
    *,
    photo: str | None = None,
    out_photo: str | None = None,
    spread_s: int = 600,
) -> None:
    """An ordinary day: punch in around 08:20 and out around 17:35 at the office, on one's own phone."""
    land.checkin(
        cadre_id, "punch_in", at(day, "08:20:00") + timedelta(seconds=land.rng.randint(0, spread_s)), office, device, photo=photo
    )
    land.checkin(
        cadre_id,
        "punch_out",
        at(day, "17:35:00") + timedelta(seconds=land.rng.randint(0, spread_s)),
        office,
        device,
        photo=out_photo,
    )


def proxy_checkin(land: Landing) -> None:
    office = XUSHUI.moved(north_km=3, east_km=2)
    land.unit("U201", "Anfu town", office)
    covered, own_phone_colleague, owner, early_bird, flat_battery, hands_down, receives = (
        land.cadre(c, "U201") for c in ("C20101", "C20102", "C20103", "C20104", "C20105", "C20106", "C20107")
    )

    # C20103 punches in and out on its own phone dev-20103 every workday.
    # C20101 is not there on 4 days: C20103's phone punches in for C20101 a
    # few minutes after its owner (a phone handed over at the door), with
    # gaps of 11 m 03 s, 9 m 40 s, 12 m 12 s and 10 m 05 s.
    proxied = {"2026-09-08": 663, "2026-09-10": 580, "2026-09-15": 732, "2026-09-17": 605}
    for day in WORKDAYS:
        owner_in = at(day, "08:21:48") + timedelta(seconds=land.rng.randint(0, 300))
        land.checkin(owner, "punch_in", owner_in, office, "dev-20103")
        land.checkin(owner, "punch_out", at(day, "17:36:10") + timedelta(seconds=land.rng.randint(0, 300)), office, "dev-20103")
        if day.isoformat() in proxied:
            land.checkin(covered, "punch_in", owner_in + timedelta(seconds=proxied[day.isoformat()]), office, "dev-20103")
        else:
            office_day(land, covered, day, office, "dev-20101")

    # C20104 arrives first every day; C20102 walks in with them and punches in
    # 40 s later, on its own phone dev-20102: nothing ties the two phones.
    for day in WORKDAYS:
        first_in = at(day, "08:05:00") + timedelta(seconds=land.rng.randint(0, 600))
        land.checkin(early_bird, "punch_in", first_in, office, "dev-20104")
        land.checkin(own_phone_colleague, "punch_in", first_in + timedelta(seconds=40), office, "dev-20102")
        land.checkin(early_bird, "punch_out", at(day, "17:40:00"), office, "dev-20104")
        land.checkin(own_phone_colleague, "punch_out", at(day, "17:40:35"), office, "dev-20102")

    # C20105's phone battery is flat twice: it borrows C20104's phone, 1 m 10 s
    # after C20104 punched in on it (2 days, not a habit).
    borrowed = {"2026-09-23", "2026-10-14"}
    for day in WORKDAYS:
        if day.isoformat() in borrowed:
            c20104_in = next(
                r
                for r in land.checkins
                if r["cadre_id"] == early_bird and r["kind"] == "punch_in" and r["checkin_at"].startswith(day.isoformat())
            )
            land.checkin(
                flat_battery,
                "punch_in",
                datetime.fromisoformat(c20104_in["checkin_at"]) + timedelta(seconds=70),
                office,
                "dev-20104",
            )
            land.checkin(flat_battery, "punch_out", at(day, "17:31:00"), office, "dev-20105")
        else:
            office_day(land, flat_battery, day, office, "dev-20105")

    # C20106 gets a new phone on 21 Sept and hands the old one (dev-20106a) down
    # to C20107 three weeks later: both punched on it, never on the same day.
    for day in WORKDAYS:
        office_day(land, hands_down, day, office, "dev-20106a" if day < date(2026, 9, 21) else "dev-20106b")
        office_day(land, receives, day, office, "dev-20107" if day < date(2026, 10, 12) else "dev-20106a")


def impossible_travel(land: Landing) -> None:
    office = XUSHUI.moved(north_km=-12, east_km=6)
    land.unit("U202", "Dawangdian town", office)
    jumper, driver, traveller = (land.cadre(c, "U202") for c in ("C20201", "C20202", "C20203"))

    # C20201 punches in at the office, then "visits" a place 50 km east ten
    # minutes later (300 km/h), on 3 days; back at the office for the evening.
    spoofed = office.moved(east_km=50)
    for day in WORKDAYS:
        if day.isoformat() in {"2026-09-09", "2026-09-16", "2026-09-23"}:
            land.checkin(jumper, "punch_in", at(day, "08:29:05"), office, "dev-20201")
            land.checkin(jumper, "field_visit", at(day, "08:39:05"), spoofed, "dev-20201", accuracy_m=15.0)
            land.checkin(jumper, "punch_out", at(day, "17:35:20"), office, "dev-20201")
        else:
            office_day(land, jumper, day, office, "dev-20201")

    # C20202 drives: office -> village 25 km away in 32 min (47 km/h) -> a
    # second village 40 km further in 23 min (104 km/h) -> back for the evening.
    village_a = office.moved(north_km=15, east_km=20)
    village_b = village_a.moved(north_km=24, east_km=32)
    # ... on another day a double punch 5 s apart, and a poor fix: 11 km off the
    # office with a 2,500 m accuracy radius, 2 minutes after the punch
    # (8.5 km after subtracting both radii: under the 10 km that make a speed).
    poor_fix = office.moved(north_km=11)
    for day in WORKDAYS:
        iso_day = day.isoformat()
        if iso_day in {"2026-09-10", "2026-09-24", "2026-10-15"}:
            land.checkin(driver, "punch_in", at(day, "08:30:00"), office, "dev-20202")
            land.checkin(driver, "field_visit", at(day, "09:02:00"), village_a, "dev-20202", accuracy_m=20.0)
            land.checkin(driver, "field_visit", at(day, "09:25:00"), village_b, "dev-20202", accuracy_m=20.0)
            land.checkin(driver, "punch_out", at(day, "17:40:00"), office, "dev-20202")
        elif iso_day == "2026-09-11":
            land.checkin(driver, "punch_in", at(day, "08:25:00"), office, "dev-20202")
            land.checkin(driver, "punch_in", at(day, "08:25:05"), office, "dev-20202")
            land.checkin(driver, "field_visit", at(day, "08:27:00"), poor_fix, "dev-20202", accuracy_m=2500.0)
            land.checkin(driver, "punch_out", at(day, "17:38:00"), office, "dev-20202")
        else:
            office_day(land, driver, day, office, "dev-20202")

    # C20203 takes a high-speed train to a meeting 250 km away (office to
    # meeting hall in 1 h 30 m: 167 km/h, fine for a train beyond 150 km) and,
    # another day, flies 1,800 km in 4 h (450 km/h door to door).
    meeting_hall = office.moved(north_km=-230, east_km=-98)
    far_city = office.moved(north_km=-1700, east_km=-590)
    for day in WORKDAYS:
        iso_day = day.isoformat()
        if iso_day == "2026-09-14":
            land.checkin(traveller, "punch_in", at(day, "07:40:00"), office, "dev-20203")
            land.checkin(traveller, "field_visit", at(day, "09:10:00"), meeting_hall, "dev-20203", accuracy_m=30.0)
        elif iso_day == "2026-10-20":
            land.checkin(traveller, "punch_in", at(day, "07:30:00"), office, "dev-20203")
            land.checkin(traveller, "field_visit", at(day, "11:30:00"), far_city, "dev-20203", accuracy_m=30.0)
        else:
            office_day(land, traveller, day, office, "dev-20203")


def photo_reuse(land: Landing) -> None:
    office = XUSHUI.moved(north_km=8, east_km=-9)
    land.unit("U203", "Suizhuang town", office)
    reuser, careful, colleague = (land.cadre(c, "U203") for c in ("C20301", "C20302", "C20303"))

    # C20301 checks in with one stored photo 9c4e1f00a37b52d8 on three Tuesdays
    # and, on a fourth, with a re-encoded copy 2 bits away.
    stored = "9c4e1f00a37b52d8"
    reencoded = f"{int(stored, 16) ^ 0b101:016x}"  # 2 of 64 bits flipped
    reused_on = {"2026-09-08": stored, "2026-09-15": stored, "2026-09-22": stored, "2026-09-29": reencoded}
    for day in WORKDAYS:
        photo = reused_on.get(day.isoformat()) or land.fresh_photo()
        office_day(land, reuser, day, office, "dev-20301", photo=photo, out_photo=land.fresh_photo())

    # C20302 takes a new photo every day, but: the app re-sends one photo three
    # times on 9 Sept (a retry); one photo is sent again on a second day (a
    # cached picture, once); a covered lens gives dark frames on 3 days; and the
    # same desk photographed afresh on 5 days gives hashes 7+ bits apart.
    retry = land.fresh_photo()
    cached = land.fresh_photo()
    desk = int(land.fresh_photo(), 16)
    desk_days = {"2026-10-12": 0, "2026-10-13": 1, "2026-10-14": 2, "2026-10-15": 3, "2026-10-16": 4}
    dark = {"2026-09-16": "0000000000000000", "2026-09-17": "0000000000000003", "2026-09-18": "0000000000000000"}
    for day in WORKDAYS:
        iso_day = day.isoformat()
        if iso_day == "2026-09-09":
            for second in ("08:25:10", "08:25:24", "08:25:51"):
                land.checkin(careful, "punch_in", at(day, second), office, "dev-20302", photo=retry)
            land.checkin(careful, "punch_out", at(day, "17:33:00"), office, "dev-20302", photo=land.fresh_photo())
        elif iso_day in ("2026-09-21", "2026-09-24"):
            office_day(land, careful, day, office, "dev-20302", photo=cached, out_photo=land.fresh_photo())
        elif iso_day in dark:
            office_day(land, careful, day, office, "dev-20302", photo=dark[iso_day], out_photo=land.fresh_photo())
        elif iso_day in desk_days:
            # the first day's desk photo, then each day 7 other bits of it changed:
            # 7 bits from the first, 14 from each other
            k = desk_days[iso_day]
            flipped = sum(1 << bit for bit in range(7 * (k - 1), 7 * k)) if k else 0
            office_day(land, careful, day, office, "dev-20302", photo=f"{desk ^ flipped:016x}", out_photo=land.fresh_photo())
        else:
            office_day(land, careful, day, office, "dev-20302", photo=land.fresh_photo(), out_photo=land.fresh_photo())

    # C20303 also has dark frames, identical to C20302's (a uniform image, not a shared photo).
    for day in WORKDAYS:
        photo = "0000000000000000" if day.isoformat() in ("2026-09-16", "2026-09-25") else land.fresh_photo()
        office_day(land, colleague, day, office, "dev-20303", photo=photo, out_photo=land.fresh_photo())


def gps_spoof(land: Landing) -> None:
    office = XUSHUI.moved(north_km=-4, east_km=-15)
    land.unit("U204", "Gaolincun town", office)
    spoofer, jittery, coarse = (land.cadre(c, "U204") for c in ("C20401", "C20402", "C20403"))
    exact = office.moved(north_km=0.004)
    replayed = (f"{exact.lat:.6f}", f"{exact.lon:.6f}")

    # C20401 punches in at exactly the same 6-decimal position on 5 days in a
    # row (a location-spoofing app); its other fixes jitter like everyone's.
    for day in WORKDAYS:
        if date(2026, 9, 14) <= day <= date(2026, 9, 18):
            land.checkin(
                spoofer, "punch_in", at(day, "08:27:00") + timedelta(seconds=land.rng.randint(0, 200)), replayed, "dev-20401"
            )
            land.checkin(spoofer, "punch_out", at(day, "17:32:00"), office, "dev-20401")
        else:
            office_day(land, spoofer, day, office, "dev-20401")

    # C20402 stands at the same office every day: fixes jitter in the last
    # decimals; once, a cached fix is re-sent on the next two days (3 days).
    cached_fix = land.position(office)
    for day in WORKDAYS:
        if day.isoformat() in ("2026-09-22", "2026-09-23", "2026-09-24"):
            land.checkin(jittery, "punch_in", at(day, "08:24:00"), cached_fix, "dev-20402")
            land.checkin(jittery, "punch_out", at(day, "17:31:00"), office, "dev-20402")
        else:
            office_day(land, jittery, day, office, "dev-20402")

    # C20403's phone reports positions rounded to 4 decimals (11 m): the same
    # text every day, honestly.
    rounded = (f"{office.lat:.4f}", f"{office.lon:.4f}")
    for day in WORKDAYS:
        land.checkin(coarse, "punch_in", at(day, "08:15:00") + timedelta(seconds=land.rng.randint(0, 900)), rounded, "dev-20403")
        land.checkin(coarse, "punch_out", at(day, "17:30:00") + timedelta(seconds=land.rng.randint(0, 900)), rounded, "dev-20403")


def scripted_login(land: Landing) -> None:
    land.unit("U205", "Cuizhuang town", XUSHUI.moved(north_km=10, east_km=12))
    scripted, on_time, minute_app = (land.cadre(c, "U205") for c in ("C20501", "C20502", "C20503"))

    # C20501's study-app streak is kept by a script: a login with 0 actions at
    # 06:00:17 (+-1 s) on 15 days in a row. C20501 also studies for real in
    # the afternoon, with actions, at human times.
    for n, day in enumerate(days("2026-09-07", "2026-09-21")):
        land.login(scripted, "A25", at(day, "06:00:16") + timedelta(seconds=n % 3), "dev-20501", actions=0, minutes=0.3)
    for day in WORKDAYS:
        land.login(
            scripted,
            "A25",
            at(day, "14:00:00") + timedelta(seconds=land.rng.randint(0, 5400)),
            "dev-20501",
            actions=land.rng.randint(2, 9),
            minutes=25,
        )

    # C20502 must open the study app by 08:30 every day and does so by hand, on
    # all 61 days, with 0 actions: anywhere from 08:27:00 to 08:30:00.
    for day in ALL_DAYS:
        land.login(
            on_time, "A25", at(day, "08:27:00") + timedelta(seconds=land.rng.randint(0, 180)), "dev-20502", actions=0, minutes=1
        )

    # C20503 does the same in app A26, whose server records whole minutes only:
    # 08:30:00 on most of the 61 days.
    for day in ALL_DAYS:
        clock = land.rng.choice(["08:29:00", "08:30:00", "08:30:00", "08:30:00", "08:30:00"])
        land.login(minute_app, "A26", at(day, clock), "dev-20503", actions=0, minutes=1)


def vote_stuffing(land: Landing) -> None:
    land.unit("U206", "Liucun town", XUSHUI.moved(north_km=-8, east_km=-6))
    land.campaign("K21", "Best village cadre 2026", "selection", "2026-09-01", "2026-09-30")
    stuffed, kiosk_favourite, popular = (land.cadre(c, "U206") for c in ("C20601", "C20602", "C20603"))
    candidates = [land.cadre(f"C2060{n}", "U206") for n in range(4, 9)]
    staff = [land.cadre(f"C206{n}", "U206") for n in range(11, 27)]

    # One phone dev-burst-01 casts 20 votes for C20601 between 21:05 and 21:29
    # on 18 Sept, from 20 throwaway public accounts.
    for n in range(20):
        land.vote(
            "K21",
            f"P20601{n:03d}",
            stuffed,
            at("2026-09-18", "21:05:11") + timedelta(seconds=75 * n),
            "dev-burst-01",
            "113.4.22.9",
        )

    # The village tablet dev-kiosk-206 at Sunday's meeting: 45 residents vote
    # one after another within 30 min; C20602 is the favourite with 15 votes
    # (a third), five others share the rest.
    ballot = [
        kiosk_favourite,
        candidates[0],
        kiosk_favourite,
        candidates[1],
        candidates[2],
        kiosk_favourite,
        candidates[3],
        candidates[0],
        candidates[4],
    ]
    for n in range(45):
        land.vote(
            "K21",
            f"P20602{n:03d}",
            ballot[n % len(ballot)],
            at("2026-09-20", "10:00:00") + timedelta(seconds=39 * n),
            "dev-kiosk-206",
            "221.7.3.14",
        )

    # After the unit meeting on 22 Sept the 16 staff of U206 each vote once for
    # C20603 on their own phones, within 12 minutes, all behind the office
    # NAT 58.21.26.1.
    for n, voter in enumerate(staff):
        land.vote(
            "K21", voter, popular, at("2026-09-22", "14:30:00") + timedelta(seconds=45 * n), f"dev-{voter[1:]}", "58.21.26.1"
        )


def vote_ring(land: Landing) -> None:
    land.unit("U207", "Zhengcun town", XUSHUI.moved(north_km=14, east_km=-3))
    land.unit("U207S", "Zhengcun water station", XUSHUI.moved(north_km=15, east_km=-4))
    ring = [land.cadre(c, "U207") for c in ("C20701", "C20703", "C20704")]
    colleagues = [land.cadre(f"C207{n:02d}", "U207") for n in range(5, 14)]  # C20705..C20713
    friends = colleagues[:3]  # C20705, C20706, C20707
    tiny_unit = [land.cadre(c, "U207S") for c in ("C20702", "C20721", "C20722")]
    weekly = [("K31", "2026-09-07"), ("K32", "2026-09-14"), ("K33", "2026-09-21"), ("K34", "2026-09-28"), ("K36", "2026-10-19")]
    for campaign_id, first in weekly:
        land.campaign(
            campaign_id,
            f"Model cadre of the week ({first})",
            "selection",
            first,
            (date.fromisoformat(first) + timedelta(4)).isoformat(),
        )
    land.campaign("K35", "Annual review: rate every colleague", "survey", "2026-10-12", "2026-10-16", mandatory=True)

    def cast(campaign_id: str, first: str, voter: str, targets: list[str], ip: str) -> None:
        for n, target in enumerate(targets):
            land.vote(
                campaign_id,
                voter,
                target,
                at(first, "10:00:00") + timedelta(minutes=land.rng.randint(0, 480), seconds=n),
                f"dev-{voter[1:]}",
                ip,
            )

    for campaign_id, first in weekly:
        # Each weekly campaign, every cadre picks 2 colleagues. U207's nine
        # other cadres vote "round the table" for the next two (nobody mutual).
        for i, voter in enumerate(colleagues):
            picks = [colleagues[(i + 1) % 9], colleagues[(i + 2) % 9]]
            # C20705-C20707 are friends and pick each other now and then (K31, K32).
            if voter in friends and campaign_id in ("K31", "K32"):
                picks = [f for f in friends if f != voter]
            cast(campaign_id, first, voter, picks, "58.21.27.1")
        # C20701, C20703 and C20704 pick each other in the first four weeks
        # (K31-K34): a pool of 11, each choosing 2; by chance a trio closes once
        # in ~165,000 campaigns. In K36 they pick others.
        for i, voter in enumerate(ring):
            picks = [r for r in ring if r != voter] if campaign_id != "K36" else [colleagues[i], colleagues[i + 3]]
            cast(campaign_id, first, voter, picks, "58.21.27.1")
        # The water station has three cadres: each must pick 2 colleagues of the
        # unit, i.e. the other two, every week (the same closed trio, chance 1).
        for voter in tiny_unit:
            cast(campaign_id, first, voter, [t for t in tiny_unit if t != voter], "58.21.27.9")

    # The annual review: every U207 cadre rates every colleague (ring, friends and
    # everyone else closed again: no evidence).
    everyone = ring + colleagues
    for voter in everyone:
        cast("K35", "2026-10-12", voter, [c for c in everyone if c != voter], "58.21.27.1")


def padded_cases(land: Landing) -> None:
    office = XUSHUI.moved(north_km=5, east_km=18)
    land.unit("U208", "Dongshigu town", office)
    bulk, quick, visits_faked, forgetful, no_phone, diligent = (
        land.cadre(c, "U208") for c in ("C20801", "C20802", "C20803", "C20804", "C20805", "C20806")
    )

    def ordinary_cases(cadre_id: str, count: int) -> None:
        for day in land.rng.sample(WORKDAYS, count):
            opened = at(day, "09:00:00") + timedelta(minutes=land.rng.randint(0, 300))
            land.case(cadre_id, opened, opened + timedelta(hours=land.rng.randint(3, 50)))

    # C20801 opens and resolves 8 cases between 10:00 and 10:22 on 15 Sept,
    # each closed 25-46 s after it was opened.
    for n in range(8):
        opened = at("2026-09-15", "10:00:00") + timedelta(minutes=3 * n)
        land.case(bulk, opened, opened + timedelta(seconds=25 + 3 * n), rating=None)
    ordinary_cases(bulk, 6)

    # C20802 closes duplicate requests and phone questions at once now and
    # then: 4, 3 and 4 resolved within a minute on three days (never 5); on
    # 21 Sept 6 duplicates closed at once are transferred, not resolved.
    for day, count in (("2026-09-09", 4), ("2026-09-10", 3), ("2026-09-16", 4), ("2026-09-21", 1)):
        for n in range(count):
            opened = at(day, "09:10:00") + timedelta(minutes=47 * n)
            land.case(quick, opened, opened + timedelta(seconds=20 + n), rating=None)
    for n in range(6):
        opened = at("2026-09-21", "11:00:00") + timedelta(minutes=5 * n)
        land.case(quick, opened, opened + timedelta(seconds=15), status="transferred", rating=None)
    ordinary_cases(quick, 8)

    # Field visits. Every cadre here punches in and out at the office on workdays.
    for cadre_id, device in ((visits_faked, "dev-20803"), (forgetful, "dev-20804"), (diligent, "dev-20806")):
        for day in WORKDAYS:
            office_day(land, cadre_id, day, office, device)

    def claimed_visit(cadre_id: str, day: date, where: Place, *, checked_in: bool, device: str) -> None:
        land.case(cadre_id, at(day, "09:05:00"), at(day, "16:10:00"), category="subsidy", field_visit=True, location=where)
        if checked_in:
            land.checkin(cadre_id, "field_visit", at(day, "11:20:00"), where.moved(north_km=0.2), device, accuracy_m=25.0)

    # C20803 claims 5 field visits to Houzhuang village, 20 km from the office;
    # on 4 of them its phone never left the office that day.
    houzhuang = office.moved(north_km=12, east_km=16)
    for n, day in enumerate(WORKDAYS[10:15]):
        claimed_visit(visits_faked, day, houzhuang, checked_in=(n == 2), device="dev-20803")

    # C20804 makes 20 field visits, checks in at 17 of them and forgets on 3
    # (15 % of its visits).
    for n, day in enumerate(WORKDAYS[5:25]):
        village = office.moved(north_km=4 + n % 5, east_km=-6 + n % 7)
        claimed_visit(forgetful, day, village, checked_in=n not in (3, 9, 16), device="dev-20804")

    # C20806 makes 10 field visits and checks in at every one (the peers' base rate).
    for n, day in enumerate(WORKDAYS[8:18]):
        claimed_visit(diligent, day, office.moved(north_km=-5, east_km=3 + n), checked_in=True, device="dev-20806")

    # C20805 has no punch app at all: 4 claimed visits, no check-in anywhere to judge them by.
    for day in WORKDAYS[20:24]:
        claimed_visit(no_phone, day, houzhuang, checked_in=False, device="dev-20805")


def fabricated_report(land: Landing) -> None:
    land.unit("U209", "Xushui county finance office", XUSHUI)
    invented, narrow, small_counts, flat_rate = (land.cadre(c, "U209") for c in ("C20901", "C20902", "C20903", "C20904"))
    background = [land.cadre(f"C209{n}", "U209") for n in range(11, 21)]  # C20911..C20920
    periods = ("2026-09", "2026-10")

    # Background: 10 cadres x 2 months x 50 villages of funds_disbursed_yuan,
    # 1,000 honest amounts with cents from 10 to 100,000 yuan whose first
    # digits follow Benford (log10 spread evenly over 4 decades), and a few
    # meetings_held (small counts) each.
    logs = [1 + 4 * (k + 0.5) / 1000 for k in range(1000)]
    land.rng.shuffle(logs)
    amounts = iter(f"{10**x:.2f}" for x in logs)
    for cadre_id in background:
        for period in periods:
            for village in range(1, 51):
                land.report(cadre_id, period, f"V{village:02d}", "funds_disbursed_yuan", next(amounts))
            for village in range(1, 11):
                land.report(cadre_id, period, f"V{village:02d}", "meetings_held", str(land.rng.randint(1, 14)))
                # the county's flat hardship subsidy: 300, 500, 800 or 1,200 yuan by policy
                land.report(
                    cadre_id, period, f"V{village:02d}", "hardship_subsidy_yuan", land.rng.choice(["300", "500", "800", "1200"])
                )

    # C20901 invents its 30 amounts: 20 figures with cents that all start with
    # 5-9, 7 round thousands, and 78412.35 copied to 3 villages.
    invented_figures = [f"{land.rng.uniform(5000, 9999):.2f}" for _ in range(20)]
    invented_figures += ["5000", "6000", "7000", "8000", "9000", "60000", "80000"]
    invented_figures += ["78412.35"] * 3
    land.rng.shuffle(invented_figures)
    for n, figure in enumerate(invented_figures):
        land.report(invented, periods[n % 2], f"V{n // 2 + 1:02d}", "funds_disbursed_yuan", figure)

    # C20902 pays a small subsidy whose amounts honestly sit between 500 and
    # 1,000 yuan (first digits 5-9 only: fails Benford badly), with cents;
    # 4 flat 500/600-yuan grants and one amount (812.45) paid to 2 villages.
    narrow_figures = [f"{land.rng.uniform(500, 999):.2f}" for _ in range(24)] + ["500", "500", "600", "600", "812.45", "812.45"]
    narrow_figures = [f if not f.endswith(".00") else f[:-3] + ".10" for f in narrow_figures]
    land.rng.shuffle(narrow_figures)
    for n, figure in enumerate(narrow_figures):
        land.report(narrow, periods[n % 2], f"V{n // 2 + 1:02d}", "funds_disbursed_yuan", figure)

    # C20904 reports the flat hardship subsidy for 10 villages in both months:
    # all 20 figures round, as everyone else's are (policy, not invention).
    for period in periods:
        for village in range(1, 11):
            land.report(
                flat_rate, period, f"V{village:02d}", "hardship_subsidy_yuan", land.rng.choice(["300", "500", "800", "1200"])
            )

    # C20903 reports meetings_held (1-14) for 15 villages in both months:
    # small counts never follow Benford.
    for period in periods:
        for village in range(1, 16):
            land.report(small_counts, period, f"V{village:02d}", "meetings_held", str(land.rng.randint(1, 14)))


# shared/ lies beside the checkout (in CI too): real public data for tests.
REAL_VOTES = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "usa_2016_primary_results.csv"


def real_vote_counts(land: Landing) -> None:
    assert REAL_VOTES.exists(), f"{REAL_VOTES} is missing: shared/ must lie beside the checkout, as in CI"
    with REAL_VOTES.open(newline="", encoding="utf-8") as handle:
        records = [r for r in csv.DictReader(handle) if r["votes"] and float(r["votes"]) > 0]
    land.unit("U210", "Xushui county vote counting office", XUSHUI)
    states = sorted({r["state_abbreviation"] for r in records})
    cadre_of = {state: land.cadre(f"C210{n:02d}", "U210") for n, state in enumerate(states, start=1)}
    # Each state's counter reports its counties' votes per candidate for September, as counted.
    for r in records:
        land.report(cadre_of[r["state_abbreviation"]], "2026-09", f"{r['county']}|{r['candidate']}", "votes_counted", r["votes"])


def write_landing(root: Path) -> None:
    land = Landing()
    land.app("A21", "Punch", "attendance")
    land.app("A25", "Study Strong Nation", "study")
    land.app("A26", "Party News (minute clock)", "study", mandatory=False)
    for scenario in (
        proxy_checkin,
        impossible_travel,
        photo_reuse,
        gps_spoof,
        scripted_login,
        vote_stuffing,
        vote_ring,
        padded_cases,
        fabricated_report,
        real_vote_counts,
    ):
        scenario(land)
    land.write(root)


if __name__ == "__main__":  # write the folder to look at it: python tests/handmade_flags.py /tmp/landing
    import sys

    write_landing(Path(sys.argv[1]))
