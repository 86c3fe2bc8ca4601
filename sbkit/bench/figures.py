"""Bench plots (R@10 per combination and query mode, Recall@K curves) and the probe figures of each run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkit.bench.summary import headline_source, metric, mode_label, present_modes, ranked
from sbkit.evaluation.plots import bar_chart, recall_curve

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
RECALL_KS = (1, 5, 10, 50)


@dataclass(frozen=True)
class Figure:
    """A written plot: its file (relative to the bench folder), title and a one-line caption."""

    path: str
    title: str
    caption: str


def _image_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.lower().endswith(IMAGE_SUFFIXES) else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _image_strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _image_strings(v)]
    return []


def probe_figures(run_dir: Path, probes: Any) -> list[str]:
    """Image files of a run's probes, relative to ``run_dir``: the ``probe-*.png`` pictures the probes write
    beside the run report, any image file that ``probes`` names, and images in a ``probes/`` folder.

    Only runs whose metrics.json has a ``probes`` entry have any.
    """
    if probes is None:
        return []
    run_dir = Path(run_dir)
    found: list[str] = []
    for text in _image_strings(probes):
        path = Path(text) if Path(text).is_absolute() else run_dir / text
        if path.is_file() and path.resolve().is_relative_to(run_dir.resolve()):
            found.append(path.resolve().relative_to(run_dir.resolve()).as_posix())
    found += [p.name for p in sorted(run_dir.glob("probe-*")) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
    folder = run_dir / "probes"
    if folder.is_dir():
        found += [p.relative_to(run_dir).as_posix() for p in sorted(folder.rglob("*"))
                  if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
    return list(dict.fromkeys(found))


def make_figures(records: list[dict[str, Any]], out_dir: Path) -> list[Figure]:
    """Write the bench plots into ``out_dir/figures/`` and describe them; none when no combination finished."""
    done = [r for r in ranked(records) if r.get("status") == "ok" and r.get("metrics")]
    if not done:
        return []
    figures = []
    groups = {mode_label(m, s): {r["slug"]: metric(r, m, s, "R@10") for r in done
                                 if metric(r, m, s, "R@10") is not None}
              for m, s in present_modes(done)}
    bar_chart({g: v for g, v in groups.items() if v}, out_dir / "figures" / "r10_by_mode.png",
              "Test R@10 by query mode and combination", "R@10")
    figures.append(Figure("figures/r10_by_mode.png", "R@10 by query mode",
                          "One group per query mode, one bar per combination (best first)."))
    for source in ("drawn", "synthetic"):
        curves = {r["slug"]: {k: v for k in RECALL_KS
                              if (v := metric(r, "sketch+text", source, f"R@{k}")) is not None} for r in done}
        curves = {name: curve for name, curve in curves.items() if curve}
        if not curves:
            continue
        label = "drawn sketches" if source == "drawn" else "sketchifier sketches"
        name = f"figures/recall_at_k_{source}.png"
        recall_curve(curves, out_dir / name, f"Sketch+text Recall@K, {label}")
        headline = any(headline_source(r) == source for r in done)
        figures.append(Figure(name, f"Recall@K, sketch+text with {label}",
                              "One line per combination; K = " + ", ".join(map(str, RECALL_KS))
                              + (" (the ranking uses R@10 of these)." if headline else ".")))
    return figures
