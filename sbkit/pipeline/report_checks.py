"""Report sections for the checks of :mod:`sbkit.pipeline.checks`: the drawn-versus-sketchifier gap, what
training added over untrained features, R@10 by caption length, and the held-out categories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sbkit.evaluation.plots import line_plot
from sbkit.evaluation.tables import markdown_table

CAPTION_CHART = "caption_words.png"


def gap_line(metrics: dict[str, Any]) -> str | None:
    """One line: drawn sketch-only R@1 and R@10 as shares of the sketchifier sketches' (None without drawn ones)."""
    sketch = metrics.get("sketch", {})
    if "drawn" not in sketch or "synthetic" not in sketch:
        return None
    drawn, made = sketch["drawn"], sketch["synthetic"]
    ratio = {k: f"{drawn[k] / made[k]:.2f}x" if made[k] > 0 else "no ratio: the sketchifier's is 0"
             for k in ("R@1", "R@10")}
    return (f"Drawn vs sketchifier sketches, sketch only: R@1 {drawn['R@1']:.3f} vs {made['R@1']:.3f} "
            f"({ratio['R@1']}), R@10 {drawn['R@10']:.3f} vs {made['R@10']:.3f} ({ratio['R@10']})")


def untrained_rows(metrics: dict[str, Any], untrained: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for source, values in untrained.get("sketch", {}).items():
        trained = metrics["sketch"][source]
        rows.append({"query": "sketch", "sketches": source, "untrained R@1": values["R@1"],
                     "trained R@1": trained["R@1"], "untrained R@10": values["R@10"],
                     "trained R@10": trained["R@10"]})
    return rows


def untrained_section(result: dict[str, Any]) -> list[str]:
    if "untrained" not in result:
        return []
    return ["### What training added", "",
            "The same sketch-only queries with the frozen towers' features and no training at all (each "
            "modality centred on its training mean, cosine similarity). Text has no untrained figure: untrained "
            "text and image features share no space.", "",
            markdown_table(untrained_rows(result["metrics"], result["untrained"]),
                           ["query", "sketches", "untrained R@1", "trained R@1", "untrained R@10", "trained R@10"]),
            ""]


def caption_section(result: dict[str, Any], run_dir: Path) -> list[str]:
    curve = result.get("caption_words")
    if not curve:
        return []
    lengths = [k for k in curve if k.isdigit()]
    line_plot({"sketch+text R@10": [curve[k] for k in lengths] + [curve["full"]]}, run_dir / CAPTION_CHART,
              "R@10 by caption words (0 = sketch only; last point = full caption)", "caption words", "R@10",
              x=[int(k) for k in lengths] + [int(lengths[-1]) + 2])
    row = {(f"{k} words" if k.isdigit() else k): v for k, v in curve.items()}
    return ["### Caption length", "",
            "Sketch+text R@10 with each caption cut to N of its words (chosen at random, kept in order; 0 = the "
            "sketch alone), with the full caption, and with the item's category as a one-word caption; drawn "
            "sketches where the split has them. People type three words, not a catalogue caption.", "",
            markdown_table([row], list(row)), "", f"![R@10 by caption words]({CAPTION_CHART})", ""]


def heldout_section(result: dict[str, Any]) -> list[str]:
    held = result.get("heldout")
    if not held:
        return []
    rows = []
    for mode, by_source in held["check"].items():
        for source, values in by_source.items():
            row = {"query": mode, "sketches": source, "queries": values["queries"],
                   "check R@1": values["R@1"], "check R@10": values["R@10"],
                   "run's model R@10": held["main"][mode][source]["R@10"]}
            if "untrained" in held and source in held["untrained"].get(mode, {}):
                row["untrained R@10"] = held["untrained"][mode][source]["R@10"]
            rows.append(row)
    columns = ["query", "sketches", "queries", "check R@1", "check R@10", "run's model R@10"]
    if any("untrained R@10" in row for row in rows):
        columns.append("untrained R@10")
    return ["### Held-out categories", "",
            f"A check model trained like this run's but without any {', '.join(held['categories'])} items, "
            f"queried with the {held['queries']} test items of those categories against the whole test gallery "
            f"(random R@10 = {held['random_R@10']:.4f}). The run's own model saw those categories; the check "
            "model shows what to expect on categories the catalogue never taught.", "",
            markdown_table(rows, columns), ""]


def heldout_line(result: dict[str, Any]) -> str | None:
    """One line: held-out drawn (else sketchifier) sketch-only R@10 of the check model, against random."""
    held = result.get("heldout")
    if not held:
        return None
    source = "drawn" if "drawn" in held["check"]["sketch"] else "synthetic"
    value = held["check"]["sketch"][source]["R@10"]
    return (f"Held-out categories ({', '.join(held['categories'])}): {source} sketch-only R@10 {value:.3f}, "
            f"{value / held['random_R@10']:.1f}x random")
