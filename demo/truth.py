"""The ground truth beside the landing data (the pipeline ignores `_truth/`).

* ``flags.csv``   flag_code,cadre_id - one row per planted (code, cadre), in the registry's order
* ``invalid.csv`` source,file_path,row_number,kind - every planted invalid row (row_number =
  1-based index of the data record in its file: the first CSV line after the header is 1, the
  first JSONL line is 1, parquet row index + 1) and every rejected file (row_number empty)
* ``lookalikes.csv`` kind,cadre_id - honest cadres whose behaviour looks like a planted pattern
* ``summary.json`` rows per source, invalid rows, rejected files, re-deliveries, distinct valid
  ids, planted flags, the period covered, the evasion level
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl

from demo.encoding import Progress
from demo.lookalikes import lookalike_rows
from demo.registry import FLAG_CODES
from demo.roles import Roles
from demo.schema import ID_COLUMN, SOURCES
from demo.world import World

TRUTH_FOLDER = "_truth"
SUMMARY_DEFINITIONS = {
    "rows_written": "data rows in the source's readable, well-formed files (rejected files excluded)",
    "invalid_rows": "rows in those files that break the contract (listed in invalid.csv)",
    "redelivered_rows": "valid rows whose id and content were already delivered (same id, same content)",
    "case_update_rows": "cases only: valid rows that are a later version of a case (same id, newer updated_at)",
    "distinct_valid_ids": "distinct ids among valid rows",
    "identity": "rows_written = distinct_valid_ids + redelivered_rows + case_update_rows + invalid_rows",
    "rejected_files": "files that cannot be read or lack a required column; rows null when unreadable",
    "planted_flags": "cadres planted per flag code (flags.csv lists them)",
}


def source_summary(source: str, df: pl.DataFrame, files: dict, rejected: list) -> dict:
    written = df.filter(~pl.col("_reject"))
    id_col = ID_COLUMN[source]
    valid = written.filter(pl.col("_kind").is_null())
    invalid = written.filter(pl.col("_kind").is_not_null())
    originals = valid.filter(pl.col("_copy_of") < 0)
    distinct = originals[id_col].n_unique()
    out = {
        "files": len(files),
        "rows_written": written.height,
        "invalid_rows": invalid.height,
        "invalid_by_kind": dict(sorted(invalid["_kind"].value_counts().iter_rows())),
        "redelivered_rows": valid.height - originals.height,
        "distinct_valid_ids": distinct,
        "rejected_files": [{"file_path": p, "reason": r, "rows": n} for p, r, n in rejected],
    }
    if source == "cases":  # later versions of a case: same id, newer updated_at
        out["case_update_rows"] = originals.height - distinct
    return out


def write_truth(out: Path, w: World, roles: Roles, invalid: list, summary: dict, progress: Progress) -> None:
    """flags.csv, invalid.csv, lookalikes.csv and summary.json in `out/_truth/`."""
    d = out / TRUTH_FOLDER
    d.mkdir(parents=True, exist_ok=True)
    flags = sorted(
        ((code, w.cadre_id[c]) for code in FLAG_CODES for c in roles.planted[code]), key=lambda r: (FLAG_CODES.index(r[0]), r[1])
    )
    pl.DataFrame(flags, schema=["flag_code", "cadre_id"], orient="row").write_csv(d / "flags.csv")
    pl.DataFrame(
        invalid, schema={"source": pl.String, "file_path": pl.String, "row_number": pl.Int64, "kind": pl.String}, orient="row"
    ).write_csv(d / "invalid.csv")
    lookalikes = lookalike_rows(w, roles)
    pl.DataFrame(lookalikes, schema=["kind", "cadre_id"], orient="row").write_csv(d / "lookalikes.csv")
    (d / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    for name, rows in (
        ("flags.csv", len(flags)),
        ("invalid.csv", len(invalid)),
        ("lookalikes.csv", len(lookalikes)),
        ("summary.json", 0),
    ):
        progress(d / name, rows)


def clear(out: Path) -> None:
    """Remove what an earlier run wrote here, and nothing else."""
    for name in ["reference", TRUTH_FOLDER, *SOURCES]:
        if (out / name).exists():
            shutil.rmtree(out / name)
