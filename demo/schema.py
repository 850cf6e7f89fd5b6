"""The demo's typed tables, with columns derived from the landing contract (sources/contract.py).

Why: the generator must write exactly the columns the contract declares, and
break exactly its required ones. Internally ids, timestamps (epoch s),
micro-degrees, tenths, cents, counts and booleans are int64 with NULL;
strings are object arrays with None.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sources.contract import EVENT_SOURCES, EVENT_SPECS, Column, SourceSpec

NULL = np.iinfo(np.int64).min
# How a contract column kind is stored; kinds not listed are strings.
STORAGE_BY_KIND = {"timestamp": "ts", "latitude": "deg", "longitude": "deg", "integer": "int", "boolean": "bool"}
# The contract's "number" columns, stored as scaled integers: accuracy in tenths of
# a metre; report values in cents, written with decimals only for money (by metric).
NUMBER_STORAGE = {"accuracy_m": "dec1", "value": "value"}


def storage_kind(spec: SourceSpec, column: Column) -> str:
    """The demo's storage kind of one contract column."""
    if column.name == spec.id_column:
        return "id"
    if column.kind == "number":
        return NUMBER_STORAGE[column.name]
    return STORAGE_BY_KIND.get(column.kind, "str")


SCHEMAS = {source: {c.name: storage_kind(spec, c) for c in spec.columns} for source, spec in EVENT_SPECS.items()}
REQUIRED = {source: spec.required_columns for source, spec in EVENT_SPECS.items()}
MAIN_TS = {source: spec.event_time for source, spec in EVENT_SPECS.items()}
ID_COLUMN = {source: spec.id_column for source, spec in EVENT_SPECS.items()}
SOURCES = list(EVENT_SOURCES)
ID_PREFIX = {"app_logins": "L", "checkins": "K", "votes": "V", "cases": "S", "reports": "R"}
NATURAL_TYPES = {"int": pl.Int64, "deg": pl.Float64, "dec1": pl.Float64, "value": pl.Float64, "bool": pl.Boolean}
META = ["_c", "_tag", "_kind", "_dt", "_copy_of", "_reject", "_style", "_order"]

Table = dict  # column name -> numpy array, all the same length


def blank(source: str, n: int) -> Table:
    """An all-null table of `source` with the meta columns every step relies on."""
    t: Table = {}
    for name, kind in SCHEMAS[source].items():
        t[name] = np.full(n, None, dtype=object) if kind == "str" else np.full(n, NULL)
    t["_c"] = np.full(n, -1)  # cadre the row is about (target for votes)
    t["_tag"] = np.full(n, None, dtype=object)  # what planted or shaped the row
    t["_kind"] = np.full(n, None, dtype=object)  # invalid kind, None when valid
    t["_dt"] = np.full(n, NULL)  # delivery day index
    t["_copy_of"] = np.full(n, -1)  # row this re-delivers
    t["_reject"] = np.zeros(n, dtype=bool)  # row only lives in a rejected file
    t["_style"] = np.zeros(n, dtype=np.int8)  # timestamp offset style
    t["_order"] = np.zeros(n, dtype=np.int64)  # event time: row order inside a file
    return t


def make(source: str, n: int, **cols) -> Table:
    """A table of `source` with the given columns (scalars broadcast)."""
    t = blank(source, n)
    for name, v in cols.items():
        if name not in t:
            raise KeyError(name)
        dtype = t[name].dtype
        t[name] = np.full(n, v, dtype=dtype) if np.ndim(v) == 0 else np.asarray(v).astype(dtype)
    return t


def take(t: Table, idx) -> Table:
    return {k: v[idx] for k, v in t.items()}


def concat(*tables: Table) -> Table:
    return {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}


def nrows(t: Table) -> int:
    return len(t["_c"])
