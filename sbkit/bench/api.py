"""The Python API of ``sbkit bench``: expand a grid, run it, write ``report.md``, ``report.html`` and ``bench.json``.

``sbkit bench`` on the command line is a thin face over :func:`bench`, so both resolve the same grid and the
same run configs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sbkit.bench.figures import make_figures
from sbkit.bench.grid import check_params, expand_grid, make_axes
from sbkit.bench.report_html import write_html
from sbkit.bench.report_md import write_markdown
from sbkit.bench.runner import BenchResult, BenchRunner, RunFn
from sbkit.config import COMPONENT_FIELDS, RunConfig
from sbkit.console_text import shown
from sbkit.errors import ConfigError
from sbkit.paths import check_output
from sbkit.progress import console


def write_reports(result: BenchResult) -> dict[str, Path]:
    """Plots into ``figures/``, then ``report.md`` and the self-contained ``report.html``, beside ``bench.json``."""
    figures = make_figures(result.records, result.out_dir)
    return {
        "markdown": write_markdown(result.data, result.out_dir, figures),
        "html": write_html(result.data, result.out_dir, figures),
        "json": result.out_dir / "bench.json",
    }


def default_bench_dir() -> Path:
    """``runs/bench-<time>``: where a bench goes when no folder is given."""
    return Path("runs") / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _split_grid(grid: Mapping[str, str | Iterable[Any]] | None,
                settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Component names given as keywords (``fuser="avg,concat"`` or ``fuser=["avg", "concat"]``) join the grid, as
    ``--fuser avg,concat`` does on the command line; a component table (a dict) and every other setting stay
    settings shared by every combination."""
    grid, settings = dict(grid or {}), dict(settings)
    for kind in COMPONENT_FIELDS:
        value = settings.get(kind)
        if value is None or isinstance(value, Mapping):
            continue
        if kind in grid:
            raise ConfigError(f"bench(): {kind} is given twice, in the grid ({grid[kind]!r}) and as {kind}={value!r}; "
                              "keep one")
        grid[kind] = settings.pop(kind)
    return grid, settings


def check_bench_folder(folder: Path) -> None:
    """Refuse a bench folder that is a file, or that holds files an earlier bench did not write (a run's
    report.md would be replaced); a new or empty folder, or an earlier bench's (to resume it), is fine."""
    check_output(folder, folder=True, conflict=lambda _: None)
    if not folder.is_dir() or (folder / "bench.json").is_file():
        return
    foreign = sorted(p.name for p in folder.iterdir() if p.name != "runs")  # runs/ alone: stopped in its first run
    if foreign:
        raise ConfigError(f"--out {folder} holds files an earlier sbkit bench did not write ({', '.join(foreign[:4])}"
                          f"{' ...' if len(foreign) > 4 else ''}); give --out a new or empty folder, or the folder of "
                          "an earlier bench to resume it")


def bench(grid: Mapping[str, str | Iterable[Any]] | None = None, out: str | Path | None = None,
          config: RunConfig | None = None, *, resume: bool = True, queries: int = 200, run_fn: RunFn | None = None,
          **settings: Any) -> BenchResult:
    """Run every combination of a grid and write the reports; mirrors ``sbkit bench``.

    Example: ``sbkit.bench(sketchifier="canny,xdog", fuser=["avg", "concat"], out="bench/a", epochs=2)``, or with
    parameter axes ``sbkit.bench({"sketchifier.sigma": [1.0, 1.5]}, "bench/b")``.

    Args:
        grid: ``{kind: names}`` and ``{"kind.param": values}``; values are comma lists or sequences.
        out: The bench folder (runs go to ``out/runs/<slug>/``); None makes ``runs/bench-<time>``.
        config: Settings shared by every combination; ``settings`` apply on top, as in :func:`sbkit.run`.
        resume: Skip combinations whose run folder holds a complete run of the same resolved config.
        queries: Single queries timed per combination for the search latency (0: none).
        run_fn: What runs one config (:func:`sbkit.pipeline.run.run` unless given).
        settings: ``RunConfig`` settings (``epochs=2``). A component kind given as a name, a comma list or a
            sequence of names (``fuser="avg,concat"``) is a grid axis, as on the command line; given as a table
            (``fuser={"name": "concat", "dim": 64}``) it is shared by every combination.

    Returns:
        The records of every combination, with ``reports`` naming the files written.

    Raises:
        ConfigError: an unknown grid key or setting, or a parameter that none of its kind's components takes.
    """
    grid, settings = _split_grid(grid, settings)
    base = (config or RunConfig()).updated(settings, "bench()")
    axes = make_axes(grid)
    check_params(axes, base)
    combos = expand_grid(base, axes)
    folder = Path(out) if out is not None else default_bench_dir()
    check_bench_folder(folder)
    console.print(f"[bold]sbkit bench[/bold]: {len(combos)} combination{'s' if len(combos) != 1 else ''} "
                  f"into {shown(folder)}/")
    result = BenchRunner(folder, axes, resume=resume, queries=queries, run_fn=run_fn).run(combos)
    result.reports = write_reports(result)
    return result
