"""One planter per flag code, grouped by the source that holds its evidence (the registry's evidence_relation).

Why: each planter reads its strengths from the evasion dial (`demo.evasion`),
so level 0 and levels 1-3 share one implementation per code. `PLANTERS` names
the planter of every code; the generator refuses a registry code without one.
"""

from __future__ import annotations

from demo.planting.cases import plant_padded_cases
from demo.planting.checkins import plant_gps_spoof, plant_impossible_travel, plant_photo_reuse, plant_proxy_checkins
from demo.planting.logins import plant_scripted_logins
from demo.planting.reports import plant_fabricated_reports
from demo.planting.votes import plant_vote_rings, plant_vote_stuffing

PLANTERS = {
    "proxy_checkin": plant_proxy_checkins,
    "impossible_travel": plant_impossible_travel,
    "photo_reuse": plant_photo_reuse,
    "gps_spoof": plant_gps_spoof,
    "scripted_login": plant_scripted_logins,
    "vote_stuffing": plant_vote_stuffing,
    "vote_ring": plant_vote_rings,
    "fabricated_report": plant_fabricated_reports,
    "padded_cases": plant_padded_cases,
}


def missing_planters(codes) -> list[str]:
    """Registry codes the generator cannot plant yet."""
    return [code for code in codes if code not in PLANTERS]
