"""Who gets which flags.

Every address in FINGERTIP_ALERT_TO gets every flag; the routing file
(FINGERTIP_ALERT_ROUTING, a CSV with the header `unit_id,email`, one row per
unit and inspector) gives each unit's inspector that unit's flags only. An
address gets one digest per run, whatever the number of its units.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from alerts.flags import Flag
from alerts.settings import AlertConfigError, is_address


def load_routing(path: Path | None) -> dict[str, tuple[str, ...]]:
    """unit_id -> the inspectors' addresses, from the routing CSV (empty without one)."""
    if path is None:
        return {}
    if not path.is_file():
        raise AlertConfigError(f"FINGERTIP_ALERT_ROUTING={path}: no such file (expected a CSV with header unit_id,email).")
    routes: dict[str, list[str]] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if not {"unit_id", "email"} <= set(header):
            raise AlertConfigError(
                f"{path}: the header must name the columns unit_id,email (found {','.join(header) or 'nothing'})."
            )
        reader.fieldnames = header
        for line, row in enumerate(reader, start=2):
            unit = (row.get("unit_id") or "").strip()
            email = (row.get("email") or "").strip()
            if not unit and not email:
                continue
            if not unit or not is_address(email):
                raise AlertConfigError(f"{path} line {line}: expected unit_id,email, got {unit!r},{email!r}.")
            known = routes.setdefault(unit, [])
            if email.lower() not in {a.lower() for a in known}:
                known.append(email)
    return {unit: tuple(emails) for unit, emails in routes.items()}


def flags_by_recipient(
    flags: Iterable[Flag], everything_to: Iterable[str], routing: dict[str, tuple[str, ...]]
) -> dict[str, list[Flag]]:
    """address -> the flags it is to get (addresses compare case-insensitively)."""
    flags = list(flags)
    plan: dict[str, list[Flag]] = {}
    spelled: dict[str, str] = {}  # lower-case address -> first spelling seen
    for address in everything_to:
        key = address.lower()
        spelled.setdefault(key, address)
        plan[key] = list(flags)
    listed = {key: {f.flag_id for f in bucket} for key, bucket in plan.items()}
    for flag in flags:
        for address in routing.get(flag.unit_id, ()):
            key = address.lower()
            spelled.setdefault(key, address)
            if flag.flag_id not in listed.setdefault(key, set()):
                listed[key].add(flag.flag_id)
                plan.setdefault(key, []).append(flag)
    return {spelled[key]: bucket for key, bucket in plan.items() if bucket}


def unrouted(flags: Iterable[Flag], everything_to: Iterable[str], routing: dict[str, tuple[str, ...]]) -> list[Flag]:
    """Flags nobody would get: no FINGERTIP_ALERT_TO and no inspector for their unit."""
    if tuple(everything_to):
        return []
    return [f for f in flags if not routing.get(f.unit_id)]
