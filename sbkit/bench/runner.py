"""Run every combination of a grid into ``DIR/runs/<slug>/``: skip finished ones, record failures, carry on.

``DIR/bench.json`` is rewritten (atomically) after each combination, so it always shows where the bench stands.
"""

from __future__ import annotations

import functools
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sbkit.bench.figures import probe_figures
from sbkit.bench.grid import Axis, Combination
from sbkit.bench.resume import finished
from sbkit.bench.speed import prepared_snapshot, query_latency, sketchify_figures, train_samples_per_s
from sbkit.bench.summary import ranked
from sbkit.config import RunConfig
from sbkit.errors import SbkitError
from sbkit.io import atomic_write_json, atomic_write_text
from sbkit.console_text import shown
from sbkit.progress import console

RunFn = Callable[[RunConfig], Any]
RESULT_KEYS = ("metrics", "random_R@10", "counts", "skipped", "timings", "probes")


@dataclass
class BenchResult:
    """Where the bench wrote its files and everything ``bench.json`` holds."""

    out_dir: Path
    data: dict[str, Any]
    reports: dict[str, Path] = field(default_factory=dict)

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.data["combinations"]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] == "failed"]


def _error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, SbkitError) else f"{type(exc).__name__}: {exc}"


def _previous(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Records of an earlier ``bench.json`` in ``out_dir`` by slug (to keep the wall time of resumed runs)."""
    try:
        data = json.loads((out_dir / "bench.json").read_text(encoding="utf-8"))
        return {r["slug"]: r for r in data.get("combinations", []) if isinstance(r, dict) and "slug" in r}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _pending(combo: Combination, out_dir: Path) -> dict[str, Any]:
    config = combo.config.updated({"out": str(out_dir / "runs" / combo.slug)}, "bench")
    return {"slug": combo.slug, "values": combo.values, "run_dir": f"runs/{combo.slug}", "status": "pending",
            "resumed": False, "error": None, "reused": [], "config": config.to_dict(), "speed": {}}


def _result_fields(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics[key] for key in RESULT_KEYS if key in metrics}


class BenchRunner:
    """Runs the combinations of one bench folder in order.

    Args:
        out_dir: The bench folder; each combination runs in ``out_dir/runs/<slug>/``.
        axes: The grid axes (recorded in ``bench.json``).
        resume: Skip combinations whose run folder holds a complete run of the same resolved config.
        queries: Single queries timed per combination for the search latency; 0 skips the measurement.
        run_fn: What runs one config; :func:`sbkit.pipeline.run.run` unless given.
    """

    def __init__(self, out_dir: Path, axes: list[Axis], resume: bool = True, queries: int = 200,
                 run_fn: RunFn | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.axes = axes
        self.resume = resume
        self.queries = queries
        if run_fn is None:
            from sbkit.pipeline.run import run

            # A combination's folder belongs to the bench: a rerun replaces what an earlier, failed or stale
            # run of it left there (a complete run of the same config is skipped before this is called).
            run_fn = functools.partial(run, force=True)
        self.run_fn = run_fn

    def run(self, combos: list[Combination]) -> BenchResult:
        """Run (or skip) every combination, writing ``bench.json`` after each; return the final data."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        previous = _previous(self.out_dir)
        records = [_pending(c, self.out_dir) for c in combos]
        data = {
            "bench": {"out": str(self.out_dir), "started": datetime.now().isoformat(timespec="seconds"),
                      "grid": {a.key: list(a.values) for a in self.axes}, "resume": self.resume,
                      "latency_queries": self.queries},
            "combinations": records,
            "ranking": [],
        }
        self._save(data)
        for number, (combo, record) in enumerate(zip(combos, records, strict=True), 1):
            console.print(f"[bold]bench {number}/{len(combos)}[/bold] {shown(combo.slug)}")
            record.update(self._one(combo, previous.get(combo.slug)))
            failed = f"[red]failed[/red]: {shown(record['error'])}"
            status = "[green]ok[/green]" if record["status"] == "ok" else failed
            resumed = " (resumed)" if record["resumed"] else ""
            console.print(f"  {shown(combo.slug)}: {status}{resumed}", highlight=False)
            self._save(data)
        return BenchResult(self.out_dir, data)

    def _save(self, data: dict[str, Any]) -> None:
        data["bench"]["updated"] = datetime.now().isoformat(timespec="seconds")
        data["ranking"] = [r["slug"] for r in ranked(data["combinations"])]
        atomic_write_json(self.out_dir / "bench.json", data)

    def _one(self, combo: Combination, previous: dict[str, Any] | None) -> dict[str, Any]:
        run_dir = self.out_dir / "runs" / combo.slug
        config = combo.config.updated({"out": str(run_dir)}, "bench")
        metrics = finished(run_dir, config) if self.resume else None
        if metrics is not None:
            record = self._resumed(metrics, previous)
        else:
            record = self._fresh(run_dir, config)
            if record["status"] == "failed":
                return record
            metrics = record.pop("_metrics")
        record.update(_result_fields(metrics))
        record["config"] = _saved_config(run_dir, config)
        record["speed"].update(sketchify_figures(metrics, record["speed"].get("sketchify_cached")))
        record["speed"]["train_samples_per_s"] = train_samples_per_s(run_dir)
        if self.queries > 0:
            record["speed"].update(query_latency(run_dir, config.index.name, self.queries))
        record["probe_figures"] = [f"runs/{combo.slug}/{p}" for p in probe_figures(run_dir, metrics.get("probes"))]
        record["finished"] = datetime.now().isoformat(timespec="seconds")
        return record

    def _resumed(self, metrics: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        old = (previous or {}).get("speed", {}) if (previous or {}).get("status") == "ok" else {}
        wall = old.get("wall_s") or round(sum(metrics.get("timings", {}).values()), 2)
        return {"status": "ok", "resumed": True, "error": None, "reused": ["run"],
                "speed": {"wall_s": wall, "sketchify_cached": old.get("sketchify_cached")}}

    def _fresh(self, run_dir: Path, config: RunConfig) -> dict[str, Any]:
        # A stale metrics.json beside a new config.toml would look complete to the next resume.
        (run_dir / "metrics.json").unlink(missing_ok=True)
        (run_dir / "error.txt").unlink(missing_ok=True)
        before = prepared_snapshot()
        start = time.perf_counter()
        try:
            result = self.run_fn(config)
        except Exception as exc:  # noqa: BLE001 - one failing combination must not stop the bench
            run_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(run_dir / "error.txt", "".join(traceback.format_exception(exc)))
            return {"status": "failed", "resumed": False, "error": _error_text(exc), "reused": [],
                    "speed": {"wall_s": round(time.perf_counter() - start, 2)}}
        wall = round(time.perf_counter() - start, 2)
        after = prepared_snapshot()
        metrics = result.metrics
        cached = "sketchify" in metrics.get("timings", {}) and all(before.get(n) == t for n, t in after.items())
        return {"status": "ok", "resumed": False, "error": None, "reused": ["sketchify"] if cached else [],
                "speed": {"wall_s": wall, "sketchify_cached": cached}, "_metrics": metrics}


def _saved_config(run_dir: Path, config: RunConfig) -> dict[str, Any]:
    """The resolved config the run saved (typed params), or the requested one when none was saved."""
    from sbkit.compat import tomllib

    try:
        return tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return config.to_dict()
