"""The flag codes, read from the flag registry seed (dbt_project/seeds/flag_codes.csv).

Why: the registry is the one list of flag codes; the generator plants one
pattern per code and the evaluation scores one row per code, both in its order.
"""

from __future__ import annotations

import csv
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FLAG_REGISTRY = REPO_ROOT / "dbt_project" / "seeds" / "flag_codes.csv"
CODE_COLUMN = "flag_code"


def read_flag_codes(path: Path = FLAG_REGISTRY) -> tuple[str, ...]:
    """The registry's flag codes in its row order (the order roles are drawn in: reordering re-draws them)."""
    if not path.exists():
        raise FileNotFoundError(f"flag registry {path} not found: the demo and its evaluation read the flag codes from it.")
    with path.open(newline="") as handle:
        return tuple(row[CODE_COLUMN] for row in csv.DictReader(handle))


FLAG_CODES = read_flag_codes()
