"""The flag registry (dbt_project/seeds/flag_codes.csv) is the one home of the flag codes.

A new code is one registry row, one rule model with its YAML and unit tests,
its thresholds in dbt_project.yml, and a planter in the demo generator. These
tests fail when a code is added in one of those places and not the others, or
when a code's name creeps into any other source file.
"""

import csv
import re
import subprocess
from pathlib import Path

import yaml

from demo.planting import PLANTERS

REPO = Path(__file__).resolve().parent.parent
DBT = REPO / "dbt_project"
REGISTRY = DBT / "seeds" / "flag_codes.csv"
RULES = DBT / "models" / "intermediate" / "flags"
SOURCE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".toml")


def registry_codes() -> list[str]:
    with REGISTRY.open(newline="") as handle:
        return [row["flag_code"] for row in csv.DictReader(handle)]


def places_allowed(code: str) -> set[str]:
    return {
        "dbt_project/seeds/flag_codes.csv",
        f"dbt_project/models/intermediate/flags/int_flags__{code}.sql",
        "dbt_project/models/intermediate/flags/_flags__models.yml",
        f"dbt_project/models/intermediate/flags/_int_flags__{code}__unit_tests.yml",
        "dbt_project/dbt_project.yml",
        # marts.unit_monthly has one flags_<code> column per code, and its enforced
        # contract lists every column: the one place beyond the five (README, issue 10 note).
        "dbt_project/models/marts/_marts__models.yml",
        # The contract's own definition of padding_flags.cadre_id names vote_stuffing; its docs quote it.
        *({"dbt_project/models/marts/_padding_flags__models.yml"} if code == "vote_stuffing" else set()),
    }


def test_every_registry_code_has_a_rule_a_unit_test_a_planter_and_a_unit_monthly_column():
    codes = registry_codes()
    assert len(codes) == len(set(codes))
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text())
    assert project["vars"]["flag_rules"] == codes
    assert {p.stem.removeprefix("int_flags__") for p in RULES.glob("int_flags__*.sql")} == set(codes)
    assert {p.name for p in RULES.glob("_int_flags__*__unit_tests.yml")} == {f"_int_flags__{c}__unit_tests.yml" for c in codes}
    assert set(PLANTERS) == set(codes)
    marts = yaml.safe_load((DBT / "models" / "marts" / "_marts__models.yml").read_text())
    [unit_monthly] = [m for m in marts["models"] if m["name"] == "unit_monthly"]
    flag_columns = {c["name"] for c in unit_monthly["columns"] if c["name"].startswith("flags_") and c["name"] != "flags_total"}
    assert flag_columns == {f"flags_{c}" for c in codes}


def test_a_flag_codes_name_is_written_only_where_the_registry_allows():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    sources = [
        p for p in tracked if p.endswith(SOURCE_SUFFIXES) and not p.startswith(("tests/", "docs/", "demo/", "benchmarks/"))
    ]
    strays = {}
    for code in registry_codes():
        # As a word: `int_flags__<code>` names the rule model, not the code.
        word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])")
        found = {p for p in sources if (REPO / p).is_file() and word.search((REPO / p).read_text(errors="ignore"))}
        extra = found - places_allowed(code)
        if extra:
            strays[code] = sorted(extra)
    assert not strays, f"flag codes written outside the registry's places: {strays}"
