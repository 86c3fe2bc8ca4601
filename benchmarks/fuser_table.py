"""Retrieval quality per fuser: the demo pipeline trained once per fuser, R@1 / R@10 for each query mode.

    python benchmarks/fuser_table.py --fusers avg,concat,mlp --epochs 12 --size 3000 --markdown fusers.md

Each fuser gets one ``sbkit.run`` (the Python API of ``sbkit run``) with everything else at its defaults
(``--epochs`` too, unless given), so the rows differ only in the fuser. Columns: sketch+text and sketch
queries with sketchifier sketches and with drawn sketches, and text queries. Every run folder stays under ``--out``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import sbkit
from sbkit.config import RunConfig
from sbkit.io import atomic_write_json, atomic_write_text
from sbkit.registry import get_registry

COLUMNS = (("sketch+text", "synthetic", "sketch+text, sketchifier"), ("sketch+text", "drawn", "sketch+text, drawn"),
           ("sketch", "synthetic", "sketch, sketchifier"), ("sketch", "drawn", "sketch, drawn"),
           ("text", "caption", "text"))


def cell(metrics: dict[str, Any], mode: str, source: str) -> str:
    values = metrics.get(mode, {}).get(source)
    return "n/a" if values is None else f"{values['R@1']:.3f} / {values['R@10']:.3f}"


def markdown(rows: list[dict[str, Any]], epochs: int, size: int) -> str:
    """One row per fuser; each cell ``R@1 / R@10``."""
    title = (f"R@1 / R@10 on the demo catalogue ({size} products, epochs: {epochs}, other settings at their "
             f"defaults). Random R@10: {rows[0]['random_R@10']:.3f}.")
    lines = [title, "",
             "| fuser | " + " | ".join(title for _, _, title in COLUMNS) + " | train s |",
             "| --- | " + " | ".join("---" for _ in COLUMNS) + " | ---: |"]
    for row in rows:
        cells = [cell(row["metrics"], mode, source) for mode, source, _ in COLUMNS]
        lines.append(f"| {row['fuser']} | " + " | ".join(cells) + f" | {row['train_s']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fusers", default="", help="comma-separated fuser names (default: every registered one)")
    parser.add_argument("--epochs", type=int, default=RunConfig.epochs, help="epochs per run [sbkit run's default]")
    parser.add_argument("--size", type=int, default=3000, help="products in the demo catalogue")
    parser.add_argument("--out", default="runs/fuser-table", help="folder for the run folders and results.json")
    parser.add_argument("--markdown", default="", help="write the table here (default: print it)")
    args = parser.parse_args()

    registry = get_registry()
    fusers = [f for f in args.fusers.split(",") if f] or sorted(registry.names("fuser"))
    for name in fusers:
        registry.get("fuser", name)  # an unknown name fails now, listing the choices
    rows = []
    for name in fusers:
        started = time.perf_counter()
        result = sbkit.run(fuser=name, epochs=args.epochs, data={"size": args.size},
                           out=str(Path(args.out) / name), force=True)  # a rerun replaces the earlier one
        rows.append({"fuser": name, "metrics": result.metrics["metrics"],
                     "random_R@10": result.metrics["random_R@10"], "train_s": result.timings.get("train", 0.0),
                     "wall_s": time.perf_counter() - started, "run_dir": str(result.run_dir)})
    table = markdown(rows, args.epochs, args.size)
    atomic_write_json(Path(args.out) / "results.json",
                      {"epochs": args.epochs, "size": args.size, "load_average": os.getloadavg(), "rows": rows})
    if args.markdown:
        atomic_write_text(args.markdown, table)
        print(f"wrote {args.markdown}")
    else:
        print(table)


if __name__ == "__main__":
    main()
