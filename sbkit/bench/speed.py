"""Speed figures of one finished run: sketchify rate, training throughput and single-query search latency."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.errors import SbkitError
from sbkit.io import cache_folder


def prepared_snapshot() -> dict[str, int]:
    """Every prepared-sketch cache file with its mtime, to tell afterwards whether a run wrote new ones."""
    folder = cache_folder("prepared")
    if not folder.is_dir():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")}


def sketchify_figures(metrics: dict[str, Any], cached: bool | None) -> dict[str, Any]:
    """Items per second of the ``sketchify`` stage (items prepared over all splits), and whether it was cached."""
    seconds = metrics.get("timings", {}).get("sketchify")
    items = sum(metrics.get("counts", {}).values())
    rate = items / seconds if seconds and items else None
    return {"sketchify_s": seconds, "sketchify_items": items, "sketchify_images_per_s": rate,
            "sketchify_cached": cached}


def train_samples_per_s(run_dir: Path) -> float | None:
    """Median of ``samples_per_s`` over the epochs in ``checkpoint/history.json``; None when it is missing."""
    path = Path(run_dir) / "checkpoint" / "history.json"
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    rates = [float(row["samples_per_s"]) for row in history
             if isinstance(row, dict) and isinstance(row.get("samples_per_s"), (int, float))]
    return statistics.median(rates) if rates else None


def query_latency(run_dir: Path, index_name: str, queries: int = 200, k: int = 10,
                  seed: int = 0) -> dict[str, Any]:
    """Load the run's saved index and time ``search`` for single random unit queries.

    Args:
        run_dir: The run folder; its index is in ``index/``.
        index_name: The registered index class that wrote it.
        queries: How many single queries to time (after 5 untimed warm-up queries).
        k: Results per query.
        seed: Seed of the random queries.

    Returns:
        ``query_p50_ms``, ``query_p95_ms``, ``query_count`` and ``gallery``; on failure, ``latency_error``.
    """
    from sbkit.registry import get_registry

    try:
        index = get_registry().get("index", index_name).load(Path(run_dir) / "index")
    except (SbkitError, OSError, ValueError) as exc:
        return {"query_p50_ms": None, "query_p95_ms": None, "query_count": 0, "latency_error": str(exc)}
    if not index.dim or len(index) == 0 or queries < 1:
        return {"query_p50_ms": None, "query_p95_ms": None, "query_count": 0, "gallery": len(index)}
    generator = torch.Generator().manual_seed(seed)
    vectors = torch.nn.functional.normalize(torch.randn(queries + 5, index.dim, generator=generator), dim=1)
    times = []
    for row in range(len(vectors)):
        query = vectors[row:row + 1]
        start = time.perf_counter()
        index.search(query, k)
        if row >= 5:
            times.append((time.perf_counter() - start) * 1000)
    p50, p95 = np.percentile(times, [50, 95]).tolist()
    return {"query_p50_ms": p50, "query_p95_ms": p95, "query_count": len(times), "gallery": len(index)}
