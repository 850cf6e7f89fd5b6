"""Markdown tables for Dagster metadata (the UI renders MetadataValue.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Significant digits of a float shown in a table cell.
FLOAT_DIGITS = 4


def cell(value) -> str:
    """One table cell: pipes escaped, line breaks flattened, floats shortened."""
    if value is None:
        return ""
    text = f"{value:.{FLOAT_DIGITS}g}" if isinstance(value, float) else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
