"""The flag rules' dbt `unit_tests:` (clear case, evaded case, honest look-alikes per rule) pass.

dbt unit tests read the column types of each rule's parents from the warehouse,
so they run inside a `dbt build`, which builds the parents first: the session's
one `dbt build` of the project on its own (conftest `dbt_on_its_own`, over the
hand-made build's lake). Its run_results.json says which unit tests ran and passed.
"""

from __future__ import annotations

import json

import yaml
from conftest import REPO

DBT_PROJECT = REPO / "dbt_project"


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []) or []:
            names.add(test["name"])
    return names


def test_every_flag_rule_has_a_unit_test_and_all_of_them_pass(dbt_on_its_own):
    result, workdir = dbt_on_its_own
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    # unit_test.<project>.<model>.<test name>
    unit = [r["unique_id"].split(".")[2:] + [r["status"]] for r in results if r["unique_id"].startswith("unit_test.")]
    passed = {name for _, name, status in unit if status == "pass"}
    declared = declared_unit_tests()
    assert passed == declared, f"declared but not passed: {declared - passed}; failed: {[u for u in unit if u[2] != 'pass']}"
    tested_rules = {model for model, _, status in unit if status == "pass" and model.startswith("int_flags__")}
    rules = {path.stem for path in (DBT_PROJECT / "models/intermediate/flags").glob("int_flags__*.sql")}
    evasion_rules = {f"int_flags__{code}" for code in ("gps_spoof", "scripted_login", "photo_reuse")}
    assert evasion_rules <= tested_rules, f"rules without a unit test: {sorted(evasion_rules - tested_rules)}"
    assert tested_rules <= rules
