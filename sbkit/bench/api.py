"""The Python API of ``sbkit bench``: expand a grid, run it, write ``report.md``, ``report.html`` and ``bench.json``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sbkit.bench.figures import make_figures
from sbkit.bench.grid import check_params, expand_grid, make_axes
from sbkit.bench.report_html import write_html
from sbkit.bench.report_md import write_markdown
from sbkit.bench.runner import BenchResult, BenchRunner, RunFn
from sbkit.config import RunConfig


def write_reports(result: BenchResult) -> dict[str, Path]:
    """Plots into ``figures/``, then ``report.md`` and the self-contained ``report.html``, beside ``bench.json``."""
    figures = make_figures(result.records, result.out_dir)
    return {
        "markdown": write_markdown(result.data, result.out_dir, figures),
        "html": write_html(result.data, result.out_dir, figures),
        "json": result.out_dir / "bench.json",
    }


def bench(grid: Mapping[str, str | Iterable[Any]], out: str | Path, config: RunConfig | None = None, *,
          resume: bool = True, queries: int = 200, run_fn: RunFn | None = None, **overrides: Any) -> BenchResult:
    """Run every combination of ``grid`` and write the reports; mirrors ``sbkit bench``.

    Example: ``bench({"sketchifier": "canny,xdog", "fuser": ["avg", "concat"]}, "bench/out", epochs=2)``.

    Args:
        grid: ``{kind: names}`` and ``{"kind.param": values}``; values are comma lists or sequences.
        out: The bench folder (runs go to ``out/runs/<slug>/``).
        config: Settings shared by every combination; ``overrides`` apply on top, as in :func:`sbkit.run`.
        resume: Skip combinations whose run folder holds a complete run of the same resolved config.
        queries: Single queries timed per combination for the search latency (0: none).
        run_fn: What runs one config (:func:`sbkit.pipeline.run.run` unless given).

    Raises:
        ConfigError: an unknown grid key or a parameter that none of its kind's components takes.
    """
    base = (config or RunConfig()).updated(overrides, "bench()")
    axes = make_axes(grid)
    check_params(axes, base)
    result = BenchRunner(Path(out), axes, resume=resume, queries=queries, run_fn=run_fn).run(expand_grid(base, axes))
    result.reports = write_reports(result)
    return result
