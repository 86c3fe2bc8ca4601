"""Markdown tables for reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _cell(value: Any, floatfmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return format(value, floatfmt)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value):
        return "[" + ", ".join(_cell(float(v), floatfmt) for v in value) + "]"  # e.g. a confidence interval
    return str(value).replace("|", "\\|").replace("\n", " ")


def _numeric(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def markdown_table(rows: list[dict[str, Any]], columns: list[str], floatfmt: str = ".3f") -> str:
    """A GitHub-flavoured Markdown table of ``rows`` restricted to ``columns``, in that order.

    Floats use ``floatfmt``; numeric columns are right-aligned; a missing key or NaN leaves the cell empty;
    a list of numbers (such as a confidence interval) prints as ``[low, high]``.

    Args:
        rows: One dict per table row.
        columns: Keys to show, in order; also the header.
        floatfmt: Format spec for floats, as in ``format(value, floatfmt)``.

    Returns:
        The table as text, ending with a newline.
    """
    header = "| " + " | ".join(_cell(c, floatfmt) for c in columns) + " |"
    rule = "|" + "|".join("---:" if _numeric([r.get(c) for r in rows]) else "---" for c in columns) + "|"
    body = ["| " + " | ".join(_cell(row.get(c), floatfmt) for c in columns) + " |" for row in rows]
    return "\n".join([header, rule, *body]) + "\n"


def print_table(title: str, rows: list[dict[str, Any]], columns: list[str], markdown: Path | None = None,
                left: Sequence[str] = (), floatfmt: str = ".3f") -> None:
    """Print ``rows`` as a rich table under ``title`` (``left`` columns aligned left, the rest right; floats as
    ``floatfmt``) and, with ``markdown``, also write the title and a :func:`markdown_table` there, atomically."""
    from rich.console import Console
    from rich.table import Table

    from sbkit.io import atomic_write_text

    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column in left else "right")
    for row in rows:
        table.add_row(*(format(row[c], floatfmt) if isinstance(row[c], float) else str(row[c]) for c in columns))
    Console().print(table)
    if markdown:
        atomic_write_text(markdown, f"{title}.\n\n{markdown_table(rows, columns, floatfmt)}\n")
