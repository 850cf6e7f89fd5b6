# Longer than 400 lines: the evasion dial's four levels, every setting named and explained, read side by side.
"""The evasion dial: how hard each planted pattern hides, and how much honest behaviour resembles it.

Why: one planter per flag code serves every level; the level only changes the
strengths it reads from its `Dial`. Level 0 is the textbook form (far over every
detector's line); levels 1-3 plant each code the way a padder who knows that a
detector exists would, and make the honest look-alikes harder at the same time.
The strengths come from how padders and phones behave in practice (issue 7,
"What evaders do", and the landing contract), not from any detection rule:

* timing jitter    a script fires within seconds (1) to tens of seconds (3) of its slot
* position noise   a mock-location app adds centimetres (1) to a few metres (3) to its fake spot
* near-copies      a reused photo is re-encoded / cropped: 0-1 (1) to 1-5 (3) hash bits flip per reuse
* spreading        stuffing rotates over more phones, accounts and hours; rings shrink to three
                   and interact less often, through likes and shares as well as votes
* partial fabrication  only part of the figures are invented, rounded to 10 / 50 / 100
* mixing           the padder's real activity stays around the padded part

Where the textbook form is another shape rather than a weaker number (one fresh
phone per stuffing burst, a pool of copied amounts, fixed fast/far trips), its
field says so with None or a named form: the planter then draws exactly what
level 0 always drew, so every seed keeps writing the same files at every level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.clock import HOUR, MINUTE

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
LOOKALIKE_KINDS = (
    "punctual",
    "desk_gps",
    "wifi_positioning",
    "round_subsidy",
    "service_day",
    "photo_backdrop",
    "expressway",
    "popular",
)


@dataclass(frozen=True)
class Dial:
    """Strength of every planted pattern and every honest look-alike at one level.

    A field that is None marks the textbook form, which draws nothing for it.
    """

    # roles
    plant_share_factor: float  # planted cadres per code, relative to PLANT_SHARE_PER_CODE
    min_planted_large: int  # at least this many planted per code in a large world
    pairing: str  # "last_cadre": the pool's last cadre and its last colleague; "first_colleagues": first two met
    public_votes_first: bool  # residents' votes are drawn before the cadres' (the evasive generator's order)
    # scripted_login: the script's slot, jitter and habits
    script_jitter_s: float  # login = slot + jitter within +-j seconds
    script_jitter_whole: bool  # jitter drawn as whole seconds (else uniform, rounded)
    script_workdays_only: bool  # the script learns to skip weekends and holidays
    script_day_p: float  # share of its days the script runs (phone off, battery...)
    script_fallback_days: int | None  # too few days drawn: the first N allowed days (None: every allowed day)
    script_slot_move_p: float | None  # share of scripts whose slot is reset once, by 5-20 min
    script_session_s: tuple  # session length, seconds
    script_mobile_ip_p: float | None  # sessions on the phone network instead of home Wi-Fi
    script_replaces_all_study: bool  # the cadre's own study logins go on every day (else only on the script's days)
    # gps_spoof: a mock-location app
    spoof_offset_m: tuple | None  # random offset added to the fake spot, metres (None: an exact replay)
    spoof_accuracy: str | None  # "fixed" per phone, "narrow" 3-12 m, "honest" 5-30 m, None: the real figures kept
    spoof_day_share: float  # share of office days spoofed; the rest are real punches
    spoof_at_office: bool  # fake spot = the office on a map (else a replay of one real fix)
    # photo_reuse
    photo_bits: tuple | None  # bits flipped per reuse, inclusive range (None: exact copies)
    photo_days: int  # days one photo is reused by one cadre
    photo_near_bits: tuple | None  # the same, for the near-copy variant
    photo_near_days: int
    # proxy_checkin
    proxy_days: int
    proxy_gap_s: tuple
    # impossible_travel: fixed (distance m, duration s) legs alternated per cadre, or distance and speed
    travel_legs: tuple | None
    travel_km: tuple | None
    travel_kmh: tuple | None  # implied straight-line speed
    # vote_stuffing
    stuff_bursts: int
    stuff_votes: tuple  # votes per burst
    stuff_devices: tuple | None  # phones per burst, inclusive (None: one fresh phone per burst, in the evening)
    stuff_span_s: tuple  # burst length
    stuff_extra_action_p: float  # a throwaway account also likes / shares
    stuff_other_ip_p: float | None  # votes sent through another carrier address than the phone's
    # vote_ring
    ring_size: tuple
    ring_campaigns: int
    ring_pair_p: float | None  # each member -> member, per campaign (None: every pair, votes only)
    ring_actions: tuple | None  # P(vote, like, share)
    ring_max_actions: int  # distinct actions per pair and campaign
    ring_votes_honestly_too: bool
    # fabricated_report
    invent_form: str  # "copied_pool": every amount from a few invented figures; "partial": some amounts invented
    invent_share: float  # of the cadre's amounts ("partial")
    invent_round: dict | None  # rounding unit (yuan) -> probability ("partial")
    invent_lead_min: int  # invented first digits are lead_min..9
    invent_pool: int  # invented amounts copied from a pool of this size (0: no copies)
    invent_count_round: int  # households on invented items rounded to this (0: untouched)
    # padded_cases
    bulk_days: int
    bulk_per_day: tuple
    bulk_dur_s: tuple
    bulk_gap_s: tuple
    bulk_start_s: tuple  # time of day a batch starts
    claim_form: str  # "any_remote": desk days, any remote village; "unvisited": villages not visited that day
    claim_cases: int
    claim_days: int
    claim_on_visit_days: bool  # the claimer does visit some village that day, and claims others
    # honest look-alikes: shares of cadres (or units) and their strength
    punctual_share: float
    punctual_reaction_s: float  # median seconds from the alarm to the login
    punctual_trace_app: bool  # they open the daily sign-in helper (0 actions) rather than study
    desk_share: float
    desk_accuracy_m: float  # median reported accuracy of the desk's GPS fixes
    wifi_share: float
    wifi_accuracy_m: tuple
    wifi_spots: int  # distinct access-point positions the network fix snaps to
    wifi_fix_p: float  # share of punches fixed by the network rather than GPS
    family_share: float  # pairs of spouses per cadre
    family_punch_days: int  # days one spouse's phone punches for both (both at work)
    family_login_p: float  # weekend study sessions on the spouse's phone
    small_unit_share: float  # of units
    small_unit_size: tuple  # inclusive
    popular_share: float
    viral_votes: tuple  # honest public votes in one viral burst
    viral_span_s: tuple
    viral_shared_device_p: float
    gathered_candidate_p: float | None  # meeting votes that go to the unit's own candidate
    gathered_span_s: int
    subsidy_share: float
    subsidy_rows_share: float
    service_share: float
    service_days: int  # service days per look-alike cadre
    service_cases: tuple
    service_dur_s: tuple
    backdrop_share: float
    backdrop_bits: tuple
    expressway_share: float
    expressway_kmh: tuple


NO_LOOKALIKES = dict(
    punctual_share=0.0,
    punctual_reaction_s=0,
    punctual_trace_app=False,
    desk_share=0.0,
    desk_accuracy_m=0,
    wifi_share=0.0,
    wifi_accuracy_m=(0, 0),
    wifi_spots=0,
    wifi_fix_p=0.0,
    family_share=0.0,
    family_punch_days=0,
    family_login_p=0.0,
    small_unit_share=0.0,
    small_unit_size=(0, 0),
    popular_share=0.0,
    viral_votes=(0, 0),
    viral_span_s=(0, 0),
    viral_shared_device_p=0.0,
    gathered_candidate_p=None,
    gathered_span_s=20 * MINUTE,
    subsidy_share=0.0,
    subsidy_rows_share=0.0,
    service_share=0.0,
    service_days=0,
    service_cases=(0, 0),
    service_dur_s=(0, 0),
    backdrop_share=0.0,
    backdrop_bits=(0, 0),
    expressway_share=0.0,
    expressway_kmh=(0, 0),
)
# The forms levels 1-3 share; each level then sets its strengths.
EVASIVE_FORMS = dict(
    plant_share_factor=1.2,
    min_planted_large=3,
    pairing="first_colleagues",
    public_votes_first=True,
    script_jitter_whole=False,
    script_fallback_days=None,
    script_replaces_all_study=False,
    travel_legs=None,
    stuff_other_ip_p=None,
    invent_form="partial",
    bulk_start_s=(9 * HOUR, 16 * HOUR),
    claim_form="unvisited",
)

DIALS = {
    0: Dial(  # each far over the line a detector draws; thresholds in docs/detection.md
        plant_share_factor=1.0,
        min_planted_large=2,
        pairing="last_cadre",
        public_votes_first=False,
        script_jitter_s=1,
        script_jitter_whole=True,
        script_workdays_only=False,
        script_day_p=0.9,  # threshold 10 days
        script_fallback_days=12,
        script_slot_move_p=None,
        script_session_s=(20, 76),
        script_mobile_ip_p=None,
        script_replaces_all_study=True,
        spoof_offset_m=None,
        spoof_accuracy=None,
        spoof_day_share=0.6,
        spoof_at_office=False,  # threshold 4 days
        photo_bits=None,
        photo_days=4,
        photo_near_bits=(1, 4),
        photo_near_days=5,  # threshold 3 days
        proxy_days=5,
        proxy_gap_s=(2 * MINUTE + 30, 14 * MINUTE),  # thresholds 3 days, 2-15 minutes
        travel_legs=(
            ((60_000, 250_000), (5 * MINUTE, 20 * MINUTE)),  # >= 180 km/h
            ((850_000, 1_200_000), (25 * MINUTE, 50 * MINUTE)),
        ),  # > 800 km in < 1 h
        travel_km=None,
        travel_kmh=None,
        stuff_bursts=2,
        stuff_votes=(22, 41),
        stuff_devices=None,
        stuff_span_s=(8 * MINUTE, 25 * MINUTE),  # 15 in 30 min
        stuff_extra_action_p=0.0,
        stuff_other_ip_p=None,
        ring_size=(3, 5),
        ring_campaigns=4,
        ring_pair_p=None,
        ring_actions=None,
        ring_max_actions=1,  # 3 campaigns
        ring_votes_honestly_too=False,
        invent_form="copied_pool",
        invent_share=1.0,
        invent_round=None,
        invent_lead_min=5,
        invent_pool=4,
        invent_count_round=0,
        bulk_days=2,
        bulk_per_day=(6, 10),
        bulk_dur_s=(5, 45),
        bulk_gap_s=(20, 90),  # 5 cases within 60 s
        bulk_start_s=(14 * HOUR, 17 * HOUR),
        claim_form="any_remote",
        claim_cases=5,
        claim_days=3,
        claim_on_visit_days=False,  # 3 claimed, no visit
        **NO_LOOKALIKES,
    ),
    1: Dial(
        **EVASIVE_FORMS,
        script_jitter_s=8,
        script_workdays_only=False,
        script_day_p=0.9,
        script_slot_move_p=0.0,
        script_session_s=(20, 90),
        script_mobile_ip_p=0.0,
        spoof_offset_m=(0.01, 0.3),
        spoof_accuracy="fixed",
        spoof_day_share=0.6,
        spoof_at_office=False,
        photo_bits=(0, 1),
        photo_days=5,
        photo_near_bits=(0, 1),
        photo_near_days=5,
        proxy_days=5,
        proxy_gap_s=(3 * MINUTE, 15 * MINUTE),
        travel_km=(60, 250),
        travel_kmh=(300, 1000),
        stuff_bursts=2,
        stuff_votes=(20, 36),
        stuff_devices=(2, 2),
        stuff_span_s=(30 * MINUTE, 60 * MINUTE),
        stuff_extra_action_p=0.0,
        ring_size=(3, 4),
        ring_campaigns=4,
        ring_pair_p=1.0,
        ring_actions=(0.7, 0.3, 0.0),
        ring_max_actions=1,
        ring_votes_honestly_too=False,
        invent_share=0.6,
        invent_round={100: 0.5, 1000: 0.5},
        invent_lead_min=5,
        invent_pool=6,
        invent_count_round=0,
        bulk_days=2,
        bulk_per_day=(6, 10),
        bulk_dur_s=(30, 120),
        bulk_gap_s=(20, 90),
        claim_cases=5,
        claim_days=3,
        claim_on_visit_days=False,
        punctual_share=0.02,
        punctual_reaction_s=120,
        punctual_trace_app=False,
        desk_share=0.02,
        desk_accuracy_m=12,
        wifi_share=0.02,
        wifi_accuracy_m=(60, 150),
        wifi_spots=1,
        wifi_fix_p=0.6,
        family_share=0.005,
        family_punch_days=0,
        family_login_p=0.3,
        small_unit_share=0.05,
        small_unit_size=(4, 4),
        popular_share=0.01,
        viral_votes=(0, 0),
        viral_span_s=(0, 0),
        viral_shared_device_p=0.0,
        gathered_candidate_p=0.0,
        gathered_span_s=20 * MINUTE,
        subsidy_share=0.03,
        subsidy_rows_share=0.2,
        service_share=0.0,
        service_days=1,
        service_cases=(0, 0),
        service_dur_s=(0, 0),
        backdrop_share=0.0,
        backdrop_bits=(0, 0),
        expressway_share=0.0,
        expressway_kmh=(0, 0),
    ),
    2: Dial(
        **EVASIVE_FORMS,
        script_jitter_s=25,
        script_workdays_only=True,
        script_day_p=0.9,
        script_slot_move_p=0.0,
        script_session_s=(30, 180),
        script_mobile_ip_p=0.3,
        spoof_offset_m=(0.05, 1.5),
        spoof_accuracy="narrow",
        spoof_day_share=0.5,
        spoof_at_office=True,
        photo_bits=(1, 3),
        photo_days=4,
        photo_near_bits=(1, 3),
        photo_near_days=4,
        proxy_days=4,
        proxy_gap_s=(5 * MINUTE, 25 * MINUTE),
        travel_km=(30, 120),
        travel_kmh=(180, 400),
        stuff_bursts=3,
        stuff_votes=(15, 30),
        stuff_devices=(3, 4),
        stuff_span_s=(1 * HOUR, 3 * HOUR),
        stuff_extra_action_p=0.15,
        ring_size=(3, 3),
        ring_campaigns=3,
        ring_pair_p=0.8,
        ring_actions=(0.5, 0.3, 0.2),
        ring_max_actions=2,
        ring_votes_honestly_too=True,
        invent_share=0.45,
        invent_round={50: 0.3, 100: 0.7},
        invent_lead_min=1,
        invent_pool=0,
        invent_count_round=10,
        bulk_days=3,
        bulk_per_day=(4, 8),
        bulk_dur_s=(20, 150),
        bulk_gap_s=(60, 240),
        claim_cases=4,
        claim_days=3,
        claim_on_visit_days=False,
        punctual_share=0.03,
        punctual_reaction_s=75,
        punctual_trace_app=False,
        desk_share=0.03,
        desk_accuracy_m=7,
        wifi_share=0.03,
        wifi_accuracy_m=(30, 80),
        wifi_spots=2,
        wifi_fix_p=0.7,
        family_share=0.005,
        family_punch_days=1,
        family_login_p=0.5,
        small_unit_share=0.08,
        small_unit_size=(3, 4),
        popular_share=0.01,
        viral_votes=(25, 50),
        viral_span_s=(2 * HOUR, 3 * HOUR),
        viral_shared_device_p=0.05,
        gathered_candidate_p=0.5,
        gathered_span_s=15 * MINUTE,
        subsidy_share=0.04,
        subsidy_rows_share=0.3,
        service_share=0.01,
        service_days=1,
        service_cases=(8, 12),
        service_dur_s=(3 * MINUTE, 12 * MINUTE),
        backdrop_share=0.02,
        backdrop_bits=(10, 20),
        expressway_share=0.01,
        expressway_kmh=(60, 80),
    ),
    3: Dial(
        **{**EVASIVE_FORMS, "stuff_other_ip_p": 0.5},
        script_jitter_s=50,
        script_workdays_only=True,
        script_day_p=0.85,
        script_slot_move_p=0.5,
        script_session_s=(30, 600),
        script_mobile_ip_p=0.5,
        spoof_offset_m=(0.1, 3.0),
        spoof_accuracy="honest",
        spoof_day_share=0.4,
        spoof_at_office=True,
        photo_bits=(1, 5),
        photo_days=4,
        photo_near_bits=(1, 5),
        photo_near_days=4,
        proxy_days=3,
        proxy_gap_s=(8 * MINUTE, 40 * MINUTE),
        travel_km=(20, 60),
        travel_kmh=(140, 250),
        stuff_bursts=3,
        stuff_votes=(12, 25),
        stuff_devices=(4, 6),
        stuff_span_s=(2 * HOUR, 6 * HOUR),
        stuff_extra_action_p=0.3,
        ring_size=(3, 3),
        ring_campaigns=3,
        ring_pair_p=0.6,
        ring_actions=(0.4, 0.35, 0.25),
        ring_max_actions=2,
        ring_votes_honestly_too=True,
        invent_share=0.3,
        invent_round={10: 0.4, 50: 0.3, 100: 0.3},
        invent_lead_min=1,
        invent_pool=0,
        invent_count_round=5,
        bulk_days=5,
        bulk_per_day=(3, 6),
        bulk_dur_s=(40, 240),
        bulk_gap_s=(60, 600),
        claim_cases=4,
        claim_days=4,
        claim_on_visit_days=True,
        punctual_share=0.04,
        punctual_reaction_s=45,
        punctual_trace_app=True,
        desk_share=0.03,
        desk_accuracy_m=4,
        wifi_share=0.03,
        wifi_accuracy_m=(20, 40),
        wifi_spots=3,
        wifi_fix_p=0.8,
        family_share=0.01,
        family_punch_days=2,
        family_login_p=0.7,
        small_unit_share=0.10,
        small_unit_size=(3, 3),
        popular_share=0.015,
        viral_votes=(30, 60),
        viral_span_s=(45 * MINUTE, 90 * MINUTE),
        viral_shared_device_p=0.15,
        gathered_candidate_p=0.9,
        gathered_span_s=10 * MINUTE,
        subsidy_share=0.05,
        subsidy_rows_share=0.4,
        service_share=0.015,
        service_days=2,
        service_cases=(10, 15),
        service_dur_s=(2 * MINUTE, 8 * MINUTE),
        backdrop_share=0.02,
        backdrop_bits=(7, 16),
        expressway_share=0.015,
        expressway_kmh=(75, 95),
    ),
}


def small_unit_sizes(rng, sizes: np.ndarray, P: Dial) -> tuple[np.ndarray, np.ndarray]:
    """Some units shrink to 3-4 cadres; their people join the other units. Returns (sizes, small)."""
    sizes = sizes.copy()
    n = len(sizes)
    k = min(max(1, round(n * P.small_unit_share)), n - 2)
    small = np.sort(rng.choice(n, k, replace=False))
    target = rng.integers(P.small_unit_size[0], P.small_unit_size[1] + 1, k)
    spare = int((sizes[small] - target).sum())
    sizes[small] = target
    others = np.setdiff1d(np.arange(n), small)
    sizes[others] += rng.multinomial(spare, np.full(len(others), 1 / len(others)))
    return sizes, small
