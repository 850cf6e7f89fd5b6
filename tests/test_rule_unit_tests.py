"""The flag rules' dbt `unit_tests:` (clear case, evaded case, honest look-alikes per rule) pass.

dbt unit tests read the column types of each rule's parents from a warehouse,
so they run against a copy of the hand-made build that other tests share.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO

DBT_PROJECT = REPO / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []) or []:
            names.add(test["name"])
    return names


def test_every_flag_rule_has_a_unit_test_and_all_of_them_pass(handmade_build, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_build / "warehouse.duckdb", warehouse)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINGERTIP_")}
    env.update(FINGERTIP_WAREHOUSE=str(warehouse), FINGERTIP_LAKE=str(handmade_build / "lake"))
    result = subprocess.run(
        [
            DBT,
            "--no-use-colors",
            "test",
            "--select",
            "test_type:unit",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]

    declared = declared_unit_tests()
    passed = set(re.findall(r"PASS \S+::(\S+)", result.stdout))
    assert passed == declared, f"declared but not passed: {declared - passed}"
    tested_rules = set(re.findall(r"PASS (int_flags__\w+)::", result.stdout))
    rules = {path.stem for path in (DBT_PROJECT / "models/intermediate/flags").glob("int_flags__*.sql")}
    evasion_rules = {f"int_flags__{code}" for code in ("gps_spoof", "scripted_login", "photo_reuse")}
    assert evasion_rules <= tested_rules, f"rules without a unit test: {sorted(evasion_rules - tested_rules)}"
    assert tested_rules <= rules
