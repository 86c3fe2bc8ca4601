"""Open a run folder trained on the demo catalogue, for the benchmarks that ask with its drawn test sketches."""

from __future__ import annotations

import argparse
from typing import NamedTuple

import sbkit
from sbkit.data.catalogue import CatalogueItem


class DemoRun(NamedTuple):
    """A demo run loaded for search, the demo's seed and size (which give each item's hidden spec) and the test
    items that have a drawn sketch, in the index's order."""

    retriever: sbkit.Retriever
    seed: int
    size: int
    items: list[CatalogueItem]


def open_demo_run(parser: argparse.ArgumentParser, run_dir: str) -> DemoRun:
    """Load ``run_dir``; a run on another catalogue, or with no drawn test sketch, is a usage error."""
    retriever = sbkit.Retriever.from_run(run_dir)
    data = retriever.run.config.data
    if data.name != "demo":
        parser.error(f"{run_dir} ran on {data.name!r}; this needs a run on the demo catalogue")
    items = [item for item in (retriever.item(i) for i in retriever.index.ids) if item and item.sketch]
    if not items:
        parser.error(f"{run_dir}: no test item has a drawn sketch")
    return DemoRun(retriever, data.params.get("seed", 0), data.params.get("size", 3000), items)
