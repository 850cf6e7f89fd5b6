"""The entry point: `generate` writes a demo landing folder and its truth (`fingertip demo-data` calls it).

Why one function: the world, the roles, every source's events and their files
are drawn from one seeded Generator in a fixed order, so the same seed and
level write byte-identical files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from demo.delivery import finalize
from demo.encoding import Progress, write_rejected_file, write_source
from demo.evasion import EVASION_DESCRIPTIONS, EVASION_LEVELS
from demo.honest.cases import case_versions, claimed_visit_cases, honest_cases
from demo.honest.checkins import honest_checkins
from demo.honest.logins import honest_logins
from demo.honest.reports import honest_reports
from demo.honest.votes import cadre_votes, public_votes
from demo.lookalikes import (
    desk_gps,
    expressway_trips,
    family_logins,
    family_punches,
    honest_subsidies,
    lookalike_rows,
    photo_backdrop,
    popular_votes,
    punctual_logins,
    service_days,
    viral_votes,
    wifi_positioning,
)
from demo.planting import missing_planters
from demo.planting.cases import keep_claimers_at_desk, plant_padded_cases
from demo.planting.checkins import plant_gps_spoof, plant_impossible_travel, plant_photo_reuse, plant_proxy_checkins
from demo.planting.logins import plant_scripted_logins
from demo.planting.reports import plant_fabricated_reports
from demo.planting.votes import plant_vote_rings, plant_vote_stuffing
from demo.reference import write_reference
from demo.registry import FLAG_CODES
from demo.roles import Roles, assign_roles, settle_family
from demo.schema import SOURCES, concat
from demo.truth import SUMMARY_DEFINITIONS, TRUTH_FOLDER, clear, source_summary, write_truth
from demo.world import World, build_world, settle_world

MIN_CADRES = 40  # 9 codes x 2 planted cadres + helpers + look-alikes need room
MIN_DAYS = 14  # scripted logins need >= 10 days, rings >= 3 campaigns
MAX_CADRES = 80_000  # ids stay below C98001, where the planted unknown/invalid ids live
DEFAULT_START = date(2026, 9, 1)


def no_progress(path: Path, rows: int) -> None:
    """The default `progress`: report nothing."""


def generate_tables(w: World, roles: Roles) -> dict:
    """Honest events of every source with the fabrication planted in them (and the look-alikes beside it)."""
    logins = plant_scripted_logins(w, roles, honest_logins(w))
    logins = family_logins(w, roles, punctual_logins(w, roles, logins))

    checkins = honest_checkins(w, roles.carpool_pairs)
    for plant in (plant_proxy_checkins, plant_impossible_travel, plant_photo_reuse, plant_gps_spoof):
        checkins = plant(w, roles, checkins)
    desk_gps(w, roles, checkins)
    wifi_positioning(w, roles, checkins)
    family_punches(w, roles, checkins)
    photo_backdrop(w, roles, checkins)
    checkins = keep_claimers_at_desk(w, roles, expressway_trips(w, roles, checkins))

    # Levels 1-3 have always drawn the residents' votes before the cadres'; level 0 after.
    public = public_votes(w) if w.dial.public_votes_first else None
    cadres = cadre_votes(w, roles.rings, roles.family_pairs)
    public = public_votes(w) if public is None else public
    votes = concat(
        cadres,
        public,
        *popular_votes(w, roles),
        *viral_votes(w, roles),
        *plant_vote_stuffing(w, roles),
        *plant_vote_rings(w, roles),
    )

    cases = [honest_cases(w), claimed_visit_cases(w, checkins), *plant_padded_cases(w, roles, checkins), *service_days(w, roles)]
    cases = case_versions(w, {k: np.concatenate([c[k] for c in cases]) for k in cases[0]})
    reports = plant_fabricated_reports(w, roles, honest_subsidies(w, roles, honest_reports(w)))
    return {"app_logins": logins, "checkins": checkins, "votes": votes, "cases": cases, "reports": reports}


def simulate(cadres: int, days: int, start: date, seed: int, evasion: int = 0) -> tuple[World, Roles, dict]:
    """The world, who plays which role, and every source's events (typed, tagged, before delivery)."""
    rng = np.random.default_rng(seed)
    w = build_world(rng, cadres, days, start, evasion)
    roles = assign_roles(w)
    settle_world(w, roles.busy(), roles.handover_pairs)
    settle_family(w, roles)
    return w, roles, generate_tables(w, roles)


def check_arguments(cadres: int, days: int, evasion: int) -> None:
    """ValueError when the world is too small to plant every pattern, the level unknown, or a code has no planter."""
    if not MIN_CADRES <= cadres <= MAX_CADRES or days < MIN_DAYS:
        raise ValueError(f"need {MIN_CADRES}-{MAX_CADRES} cadres and at least {MIN_DAYS} days")
    if evasion not in EVASION_LEVELS:
        raise ValueError(f"evasion level must be one of {EVASION_LEVELS}, not {evasion!r}")
    missing = missing_planters(FLAG_CODES)
    if missing:
        raise ValueError(
            f"the flag registry has codes the demo cannot plant: {', '.join(missing)}; "
            "add a planter in demo/planting/ (and its name to PLANTERS)"
        )


def generate(
    out: Path,
    cadres: int = 200,
    days: int = 61,
    start: date = DEFAULT_START,
    seed: int = 7,
    evasion: int = 0,
    progress: Progress = no_progress,
) -> dict:
    """Write a demo landing folder at `out` (plus `out/_truth/`) and return a short summary.

    The full summary, with definitions, is `out/_truth/summary.json`. `evasion`
    (one of EVASION_LEVELS) sets how hard the padders hide and how much the honest
    look-alikes resemble them (EVASION_DESCRIPTIONS); 0 is the textbook form.
    `progress(path, rows)` is called right after each file is written (its data
    rows; 0 for an unreadable file or the summary): the one place to report progress.

    Deterministic for a seed and level. Raises ValueError when `cadres` or `days`
    are too few to plant every pattern, or the level is unknown.
    """
    check_arguments(cadres, days, evasion)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear(out)
    w, roles, tables = simulate(cadres, days, start, seed, evasion)
    honest = roles.honest_mask(w.active)
    lookalikes = lookalike_counts(w, roles, tables)
    invalid, ref_stats = write_reference(out, w, progress)
    sources = {}
    for source in SOURCES:  # one source at a time keeps memory down
        df = finalize(source, tables.pop(source), w, honest)
        truth, files = write_source(out, source, df, w, progress)
        rejected = write_rejected_file(out, source, df, w, progress)
        invalid += truth + [(source, p, None, reason) for p, reason, _ in rejected]
        sources[source] = source_summary(source, df, files, rejected)

    summary = {
        "definitions": SUMMARY_DEFINITIONS,
        "seed": seed,
        "evasion": evasion,
        "evasion_description": EVASION_DESCRIPTIONS[evasion],
        "period": {
            "start": start.isoformat(),
            "end": w.dates[-1].isoformat(),
            "days": days,
            "months": sorted({d.strftime("%Y-%m") for d in w.dates}),
        },
        "cadres": int(w.n_cadres),
        "units": len(w.unit_id),
        "reference": ref_stats,
        "sources": sources,
        "planted_flags": {code: len(roles.planted[code]) for code in FLAG_CODES},
        "lookalikes": lookalikes,
    }
    write_truth(out, w, roles, invalid, summary, progress)
    return {
        "period": f"{summary['period']['start']}..{summary['period']['end']}",
        "rows": {s: v["rows_written"] for s, v in sources.items()},
        "invalid_rows": {
            "reference": sum(v["invalid_rows"] for v in ref_stats.values()),
            **{s: v["invalid_rows"] for s, v in sources.items()},
        },
        "rejected_files": [f["file_path"] for v in sources.values() for f in v["rejected_files"]],
        "planted_flags": summary["planted_flags"],
        "evasion": evasion,
        "truth": str(out / TRUTH_FOLDER),
    }


def lookalike_counts(w: World, roles: Roles, tables: dict) -> dict:
    """How many honest look-alikes of each kind the summary reports."""
    counts = {
        "carpool_pairs": len(roles.carpool_pairs),
        "phone_handover_pairs": len(roles.handover_pairs),
        "double_punches": int((tables["checkins"]["_tag"] == "double_punch").sum()),
        # every case has exactly one "open" version, so counting those counts cases
        "quick_cases": int(((tables["cases"]["_tag"] == "quick") & (tables["cases"]["status"] == "open")).sum()),
        "claimed_visit_cases": int(((tables["cases"]["_tag"] == "claimed_visit") & (tables["cases"]["status"] == "open")).sum()),
    }
    if w.level:
        for kind, _ in lookalike_rows(w, roles):
            counts[f"cadres:{kind}"] = counts.get(f"cadres:{kind}", 0) + 1
        counts["small_units"] = len(w.small_units)
    return counts
