"""Before/after table of the default `sbkit run` on the demo: the previous default model against the current one.

    python benchmarks/default_model.py [--out runs/bench-default] [--table docs/default-model-table.md]
        [--also "LABEL=OPTIONS" ...] [--no-before]

"Before" is the previous default: the `small` encoder trained from scratch with the `concat` fuser and
`canny-clahe` sketches at 96 px, 12 epochs, sketch augmentation 0.5 with no mirroring, one query mode per batch
(`--one-mode`), full captions only (`--caption-augment 0`), each its own item's alone (`--no-caption-positives`),
no held-out check. "After" is plain `sbkit run`. Each runs in a fresh process, one after the other, with the same
seed; the table gives the measures the default model is judged on, from each run's metrics.json, and each run's
wall time.
``--also "heads only=--encoder.raw_mix 0"`` adds a column: plain `sbkit run` with those options (a lever
measured against the default in the same session); ``--no-before`` leaves the previous default out.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BEFORE = ["--encoder", "small", "--fuser", "concat", "--sketchifier", "canny-clahe", "--image-size", "96",
          "--epochs", "12", "--batch-size", "128", "--lr", "0.002", "--augment", "0.5", "--caption-augment", "0",
          "--one-mode", "--holdout", "", "--mirror", "0", "--no-caption-positives"]


def timed_run(options: list[str], out: Path) -> tuple[dict[str, Any], float]:
    command = [sys.executable, "-m", "sbkit", "--quiet", "run", *options, "--out", str(out), "--force"]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return json.loads((out / "metrics.json").read_text()), time.perf_counter() - start


def heldout_text(held: dict[str, Any] | None) -> str:
    if not held:
        return "-"
    value = held["check"]["sketch"]["drawn"]["R@10"]
    return f"{value:.3f} ({value / held['random_R@10']:.1f}x)"


def measures(metrics: dict[str, Any], wall: float) -> dict[str, str]:
    """The judged figures of one run, formatted."""
    m = metrics["metrics"]
    sketch, both, text = m["sketch"], m["sketch+text"], m["text"]["caption"]
    curve = metrics.get("caption_words", {})
    held = metrics.get("heldout")
    row = {
        "drawn sketch-only R@10": f"{sketch['drawn']['R@10']:.3f}",
        "drawn sketch-only R@1": f"{sketch['drawn']['R@1']:.3f}",
        "sketchifier sketch-only R@1": f"{sketch['synthetic']['R@1']:.3f}",
        "drawn R@1 / sketchifier R@1": f"{sketch['drawn']['R@1'] / max(sketch['synthetic']['R@1'], 1e-9):.2f}x",
        "sketch+text R@1 (sketchifier / drawn)": f"{both['synthetic']['R@1']:.3f} / {both['drawn']['R@1']:.3f}",
        "sketch+text R@10 (sketchifier / drawn)": f"{both['synthetic']['R@10']:.3f} / {both['drawn']['R@10']:.3f}",
        "text-only R@1 / R@10": f"{text['R@1']:.3f} / {text['R@10']:.3f}",
        "drawn R@10: no caption / category word / full caption": (
            f"{curve['0']:.3f} / {curve['category']:.3f} / {curve['full']:.3f}" if "category" in curve else "-"),
        "held-out categories, drawn sketch-only R@10 (x random)": heldout_text(held),
        "wall time (s)": f"{wall:.0f}",
        "feature caching (s)": f"{metrics['timings']['features']:.0f}" if "features" in metrics["timings"] else "-",
    }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/bench-default", help="run folder prefix")
    parser.add_argument("--table", default="", help="also write the Markdown table to this file")
    parser.add_argument("--also", action="append", default=[], metavar="LABEL=OPTIONS",
                        help="another column: `sbkit run OPTIONS` (repeatable)")
    parser.add_argument("--no-before", action="store_true", help="leave out the previous default")
    args = parser.parse_args()
    runs: list[tuple[str, str, list[str]]] = [] if args.no_before else [
        ("before (small, from scratch)", "before", BEFORE)]
    runs.append(("after (default)", "after", []))
    for number, spec in enumerate(args.also, 1):
        label, sep, options = spec.partition("=")
        if not sep or not label.strip():
            parser.error(f"--also {spec!r}: give LABEL=OPTIONS, e.g. 'heads only=--encoder.raw_mix 0'")
        runs.append((label.strip(), f"also{number}", shlex.split(options)))
    columns = []
    for label, suffix, options in runs:
        metrics, wall = timed_run(options, Path(f"{args.out}-{suffix}"))
        columns.append((label, measures(metrics, wall)))
    lines = ["| measure | " + " | ".join(label for label, _ in columns) + " |",
             "| --- |" + " ---: |" * len(columns)]
    lines += [f"| {key} | " + " | ".join(row[key] for _, row in columns) + " |" for key in columns[0][1]]
    lines.append("")
    lines.append(f"Random R@10 = {metrics['random_R@10']:.4f} ({metrics['counts']['test']} gallery items; every run "
                 "has the same test split).")
    show_table(lines, args.table)


def show_table(lines: list[str], path: str = "") -> None:
    """Print the Markdown table ``lines``, and write it to ``path`` too when one is given."""
    table = "\n".join(lines) + "\n"
    print(table)
    if path:
        from sbkit.io import atomic_write_text

        atomic_write_text(Path(path), table)


if __name__ == "__main__":
    main()
