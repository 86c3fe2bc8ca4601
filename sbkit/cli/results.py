"""The test table that ``sbkit run`` and ``sbkit eval`` print: one row per query mode and kind of sketch."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from sbkit.pipeline.report import HEADLINE

SHORT = {"synthetic": "sketchifier", "drawn": "drawn", "caption": "-"}  # fits an 80-column terminal


def results_table(title: str, metrics: dict[str, dict[str, dict[str, Any]]]) -> Table:
    """``metrics`` (``{mode: {source: metrics}}``) as a rich table with how many queries each row asked; where
    every drawing of an item asked, the caption says for how many items."""
    table = Table(title=title)
    for column in ("query", "sketches", "queries", *HEADLINE):
        table.add_column(column, justify="left" if column in ("query", "sketches") else "right")
    several = set()
    for mode, by_source in metrics.items():
        for source, values in by_source.items():
            table.add_row(mode, SHORT.get(source, source), str(values["queries"]),
                          *(f"{values[key]:.3f}" for key in HEADLINE))
            if "items" in values:
                several.add(f"{values['queries']} drawings of {values['items']} items")
    if several:
        table.caption = f"every drawing asks: {', '.join(sorted(several))}"
    return table
