"""Report plots as PNG: grouped bars, Recall@K curves and training curves.

Figures are drawn on matplotlib's Agg canvas without pyplot, so no global backend is changed and
nothing needs a display. Every file is written atomically.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sbkit.errors import DataError, check
from sbkit.io import atomic_write_bytes

DPI = 120


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="0.9", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _save(figure: Figure, path: str | Path) -> Path:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return atomic_write_bytes(path, buffer.getvalue())


def bar_chart(values: dict[str, float] | dict[str, dict[str, float]], path: str | Path, title: str,
              ylabel: str) -> Path:
    """Bars with their values printed on top; grouped when ``values`` is nested.

    Args:
        values: ``{bar: value}``, or ``{group: {series: value}}`` for grouped bars (e.g. query mode ->
            combination -> R@10); a series missing from a group leaves a gap.
        path: Output PNG.
        title: Figure title.
        ylabel: Label of the value axis.

    Returns:
        ``path``.
    """
    check(len(values) > 0, f"bar_chart: no values to plot for {path}", DataError)
    nested = all(isinstance(v, dict) for v in values.values())
    groups: dict[str, dict[str, float]] = (
        values if nested else {name: {"": value} for name, value in values.items()})  # type: ignore[assignment]
    series = list(dict.fromkeys(s for inner in groups.values() for s in inner))
    check(len(series) > 0, f"bar_chart: no values to plot for {path}", DataError)
    width = 0.8 / len(series)
    figure, axes = _figure(max(4.0, 1.0 + len(groups) * (0.4 + 0.45 * len(series))), 3.8)
    top = 0.0
    for s, name in enumerate(series):
        xs, ys = [], []
        for g, inner in enumerate(groups.values()):
            if name in inner and inner[name] is not None and not math.isnan(inner[name]):
                xs.append(g + (s - (len(series) - 1) / 2) * width)
                ys.append(float(inner[name]))
        bars = axes.bar(xs, ys, width=width * 0.92, label=name if nested else None,
                        color=None if nested else "tab:blue")
        axes.bar_label(bars, labels=[f"{y:.3g}" for y in ys], fontsize=7, padding=2)
        top = max([top, *ys])
    crowded = len(groups) > 5
    axes.set_xticks(range(len(groups)), list(groups), rotation=30 if crowded else 0,
                    ha="right" if crowded else "center")
    if nested:
        # Rotated tick labels take more room below the axes; keep the legend clear of them.
        axes.legend(frameon=False, fontsize=8, ncols=min(len(series), 4), loc="upper left",
                    bbox_to_anchor=(0, -0.32 if crowded else -0.12))
    axes.set_ylim(0, top * 1.15 if top > 0 else 1)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    return _save(figure, path)


def recall_curve(curves: dict[str, dict[int, float]], path: str | Path, title: str) -> Path:
    """Recall@K against K, one line per curve; K is on a log scale when it spans a wide range.

    Args:
        curves: ``{name: {K: recall}}``, e.g. ``{"sketch": {1: 0.1, 5: 0.3, 10: 0.4}}``.
        path: Output PNG.
        title: Figure title.

    Returns:
        ``path``.
    """
    check(len(curves) > 0 and all(len(c) for c in curves.values()),
          f"recall_curve: every curve needs at least one (K, recall) point ({path})", DataError)
    figure, axes = _figure(5.5, 3.8)
    ks = sorted({int(k) for c in curves.values() for k in c})
    for name, curve in curves.items():
        points = sorted((int(k), float(v)) for k, v in curve.items())
        axes.plot([k for k, _ in points], [v for _, v in points], marker="o", markersize=4, label=name)
    if ks[-1] / max(ks[0], 1) >= 20:
        axes.set_xscale("log")
    axes.set_xticks(ks, [str(k) for k in ks])
    axes.minorticks_off()
    axes.grid(axis="x", color="0.9", linewidth=0.8)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("K")
    axes.set_ylabel("Recall@K")
    axes.set_title(title)
    axes.legend(frameon=False, fontsize=8)
    return _save(figure, path)


def line_plot(series: dict[str, list[float]], path: str | Path, title: str, xlabel: str, ylabel: str,
              x: Sequence[float] | None = None) -> Path:
    """Lines such as training curves: one per series, against ``x`` (default 1, 2, ...).

    Args:
        series: ``{name: values}``; NaN values leave gaps.
        path: Output PNG.
        title: Figure title.
        xlabel: Label of the x axis (e.g. ``epoch``).
        ylabel: Label of the y axis (e.g. ``loss``).
        x: Shared x values; each series is drawn against its first ``len(values)`` entries.

    Returns:
        ``path``.
    """
    check(len(series) > 0 and all(len(v) for v in series.values()),
          f"line_plot: every series needs at least one value ({path})", DataError)
    longest = max(len(v) for v in series.values())
    check(x is None or len(x) >= longest, f"line_plot: {len(x or [])} x values for a series of {longest}",
          DataError)
    xs = list(x) if x is not None else list(range(1, longest + 1))
    figure, axes = _figure(6.0, 3.8)
    for name, values in series.items():
        axes.plot(xs[:len(values)], values, marker="o" if len(values) <= 30 else None, markersize=3, label=name)
    axes.grid(axis="x", color="0.9", linewidth=0.8)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=8)
    return _save(figure, path)
