"""The dbt docs use the warehouse contract's own words for every mart column.

The contract (shared/contract/warehouse.md) defines cadre_monthly and
padding_flags in tables and app_portfolio and unit_monthly in prose; the dbt
descriptions live in dbt_project/models/marts/*.yml and reach `dbt docs`
through dbt's manifest (written by `dbt parse`, the session's `dbt_manifest`
fixture; `dbt docs generate` adds only the catalog of types).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO

CONTRACT = REPO.parent / "shared" / "contract" / "warehouse.md"
MARTS_YAML = sorted((REPO / "dbt_project" / "models" / "marts").glob("_*.yml"))
FLAG_REGISTRY = REPO / "dbt_project" / "seeds" / "flag_codes.csv"
MARTS = ("cadre_monthly", "padding_flags", "app_portfolio", "unit_monthly")
# padding_flags.flag_code's definition in the contract points at its table of codes.
CODES_BELOW = "one of the codes below"
# unit_monthly's contract says "flags_by_code counts": one flags_<code> column per contract flag code.
FLAGS_BY_CODE = "flags_by_code"
# padding_flags' YAML is another change's to edit: these columns' descriptions do not yet carry the
# contract's words (reported with that change). This list may only shrink; no other mart may appear in it.
KNOWN_GAPS: set[tuple[str, str]] = set()


def normalise(text: str) -> str:
    """Compare words, not layout: no Markdown backticks, one space, one case, no closing full stop."""
    return " ".join(text.replace("`", "").split()).casefold().rstrip(".")


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split at separators outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [part.strip() for part in [*parts, current] if part.strip()]


def contract_sections() -> dict[str, str]:
    """`## marts.<name> — …` heading line plus body, per mart."""
    text = CONTRACT.read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    return {m.group(1): section for section in sections if (m := re.match(r"marts\.(\w+)", section))}


def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Each Markdown table in `text`, keyed by its first header cell, as rows of cells (header and rule left out)."""
    tables: dict[str, list[list[str]]] = {}
    block: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif block:
            tables[block[0][0]] = block[2:]
            block = []
    return tables


def contract_flag_codes() -> dict[str, str]:
    """flag_code -> its meaning, from the contract's table of flag codes."""
    return {code: meaning for code, meaning, *_ in markdown_tables(contract_sections()["padding_flags"])["flag_code"]}


def registry_meanings() -> dict[str, str]:
    """flag_code -> meaning in the flag registry seed, which dbt docs show for the codes (if the project has one)."""
    if not FLAG_REGISTRY.exists():
        return {}
    with FLAG_REGISTRY.open(newline="") as handle:
        return {row["flag_code"]: row["meaning"] for row in csv.DictReader(handle)}


def contract_columns() -> dict[str, dict[str, str | None]]:
    """mart -> column -> the contract's definition of it (None where the contract only names the column)."""
    found: dict[str, dict[str, str | None]] = {}
    for mart, section in contract_sections().items():
        columns: dict[str, str | None] = {}
        heading, _, body = section.partition("\n")
        key = re.search(r"one row per \(([^)]*)\)", heading)
        for name in key.group(1).split(",") if key else []:
            columns[name.strip()] = None
        tables = markdown_tables(body)
        if "column" in tables:
            for names, definition, *_ in tables["column"]:
                for name in names.replace("`", "").split(","):
                    columns[name.strip()] = definition
        else:
            prose = " ".join(body.strip().split("\n\n")[0].split()).rstrip(".")
            prose = re.sub(r"^[A-Z][^:,]*:\s*", "", prose)  # "Burden per unit: cadres, …"
            tail = re.search(r",?\s*and an? (\w+): (.*)$", prose)  # "…, and a verdict: `keep`, …"
            if tail:
                prose = prose[: tail.start()]
            for item in split_top_level(prose):
                match = re.match(r"(\w+)\s*(?:\((.*)\))?", item)
                columns[match.group(1)] = match.group(2)
            if tail:
                columns[tail.group(1)] = tail.group(2)
        if FLAGS_BY_CODE in columns:
            del columns[FLAGS_BY_CODE]
            columns.update({f"flags_{code}": None for code in contract_flag_codes()})
        found[mart] = columns
    return found


def yaml_descriptions() -> dict[str, dict[str, str]]:
    """mart -> column -> description, from the marts' YAML files."""
    found: dict[str, dict[str, str]] = {}
    for path in MARTS_YAML:
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            found[model["name"]] = {c["name"]: c.get("description", "") for c in model.get("columns", [])}
    return found


def gaps(mart: str) -> list[tuple[str, str, str]]:
    """(column, what is wrong, details) for each contract column the YAML does not document in the contract's words."""
    documented = yaml_descriptions().get(mart, {})
    problems = []
    for column, definition in contract_columns()[mart].items():
        description = documented.get(column, "")
        if not description.strip():
            problems.append((column, "not documented", ""))
        elif definition == CODES_BELOW:
            continue  # the codes' meanings are checked one by one below
        elif definition and normalise(definition) not in normalise(description):
            problems.append((column, "contract words missing", f"contract: {definition!r}\n    yaml: {description!r}"))
    if mart == "padding_flags":
        # "one of the codes below": each code's meaning, in the flag_code description or in the registry seed.
        description, registry = normalise(documented.get("flag_code", "")), registry_meanings()
        for code, meaning in contract_flag_codes().items():
            if normalise(meaning) != normalise(registry.get(code, "")) and normalise(f"{code} ({meaning})") not in description:
                problems.append(("flag_code", "contract words missing", f"flag code {code}: {meaning!r}"))
    return problems


def test_the_contract_is_parsed_whole():
    """The parser sees every mart, its key columns and the definitions the contract gives (so a gap cannot hide)."""
    columns = contract_columns()
    assert set(columns) == set(MARTS)
    assert columns["cadre_monthly"]["unit_id"] == "from the roster"
    assert columns["cadre_monthly"]["quadrant"].startswith("one of `busy_and_effective`")
    assert columns["padding_flags"]["last_seen"] == "timestamps of the first and last event in the evidence"
    assert columns["app_portfolio"]["trace_only_share"] == "share of sessions with 0 actions"
    assert columns["app_portfolio"]["verdict"].startswith("`keep`, `merge` (overlaps another app")
    assert columns["app_portfolio"]["mandatory"] is None
    assert {"unit_id", "month", "cadres", "forced_votes", "resolution_rate", "flags_vote_ring"} <= set(columns["unit_monthly"])
    assert columns["unit_monthly"]["forced_votes"] == "votes cast by its cadres in mandatory campaigns"
    assert len(contract_flag_codes()) == 9


@pytest.mark.parametrize("mart", MARTS)
def test_every_contract_column_is_documented_in_the_contract_words(mart):
    problems = [p for p in gaps(mart) if (mart, p[0]) not in KNOWN_GAPS]
    assert not problems, "\n".join(f"{mart}.{column}: {what}\n    {detail}" for column, what, detail in problems)


def test_only_padding_flags_may_have_known_gaps():
    assert {mart for mart, _ in KNOWN_GAPS} <= {"padding_flags"}


def test_dbt_docs_carry_the_yaml_descriptions(dbt_manifest):
    """What `dbt docs` shows comes from the manifest: each mart column's description there is the YAML's."""
    from orchestration.resources import dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    models = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    for mart, columns in yaml_descriptions().items():
        if mart not in MARTS:
            continue
        in_docs = {name: column["description"] for name, column in models[mart]["columns"].items()}
        for name, description in columns.items():
            assert normalise(in_docs.get(name, "")) == normalise(description), f"{mart}.{name} differs in dbt's manifest"
        for column in contract_columns()[mart]:
            assert in_docs.get(column, "").strip(), f"{mart}.{column} has no description in dbt docs"
