"""Bench test helpers: a stand-in for ``sbkit.pipeline.run.run`` that writes a run folder in milliseconds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from sbkit.io import atomic_write_json, atomic_write_png, cache_folder
from sbkit.pipeline.run import RunResult, typed_params
from sbkit.registry import get_registry

# Made-up scores: sketchifier sketches rank canny above xdog, drawn sketches the other way round.
SYNTHETIC = {"canny": 0.6, "xdog": 0.4}
DRAWN = {"canny": 0.3, "xdog": 0.5}
FUSER_BONUS = {"avg": 0.0, "concat": 0.1}
COUNTS = {"train": 40, "val": 5, "test": 15}
RATES = [30.0, 10.0, 20.0]


def scores(r10: float) -> dict[str, float]:
    return {"R@1": r10 / 4, "R@5": r10 / 2, "R@10": r10, "R@50": min(1.0, r10 * 1.5), "mAP": r10 / 3,
            "MRR": r10 / 3, "queries": 15}


class FakeRun:
    """Writes config.toml, metrics.json, checkpoint/history.json and an exact index, like ``run``.

    Args:
        fail_once: Sketchifier names whose first run raises (a flaky failure that a rerun fixes).
        probes: Fuser names whose runs report probes, with a ``probe-*.png`` picture.
    """

    def __init__(self, fail_once: set[str] = frozenset(), probes: set[str] = frozenset()) -> None:
        self.calls: list[str] = []
        self.fail_once = set(fail_once)
        self.probes = probes

    def __call__(self, config) -> RunResult:
        run_dir = Path(config.out)
        run_dir.mkdir(parents=True, exist_ok=True)
        config = config.updated({}, "fake run")
        typed_params(config, get_registry())  # unknown names and bad parameters fail here, as in run()
        config.save(run_dir / "config.toml")
        self.calls.append(run_dir.name)
        sketchifier, fuser = config.sketchifier.name, config.fuser.name
        if sketchifier in self.fail_once:
            self.fail_once.discard(sketchifier)
            raise RuntimeError(f"flaky failure of {sketchifier}")
        cache = cache_folder("prepared") / f"fake-{sketchifier}.npz"
        if not cache.exists():  # the first run of a sketchifier fills the sketch cache
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(b"sketches")
        bonus = FUSER_BONUS.get(fuser, 0.0)
        metrics = {
            "sketch+text": {"synthetic": scores(SYNTHETIC[sketchifier] + bonus),
                            "drawn": scores(DRAWN[sketchifier] + bonus)},
            "sketch": {"synthetic": scores(SYNTHETIC[sketchifier]), "drawn": scores(DRAWN[sketchifier])},
            "text": {"caption": scores(0.2 + bonus)},
        }
        result = {"metrics": metrics, "random_R@10": 10 / COUNTS["test"], "counts": COUNTS, "skipped": 0,
                  "timings": {"load catalogue": 0.01, "sketchify": 0.5, "build model": 0.1, "train": 1.0,
                              "index and evaluate": 0.2, "report": 0.1}}
        if fuser in self.probes:
            result["probes"] = {"top1": {"top1_sketch+text": 0.4}}
            atomic_write_png(run_dir / "probe-top1.png", np.full((8, 8), 200, np.uint8))
        atomic_write_json(run_dir / "checkpoint" / "history.json",
                          [{"epoch": i + 1, "samples_per_s": rate} for i, rate in enumerate(RATES)])
        index = get_registry().create("index", config.index.name, config.index.params)
        index.add([f"item{i}" for i in range(COUNTS["test"])],
                  torch.nn.functional.normalize(torch.randn(COUNTS["test"], 8), dim=1))
        index.save(run_dir / "index")
        atomic_write_json(run_dir / "metrics.json", result)
        return RunResult(run_dir, result, result["timings"])


def load_bench(out: Path) -> dict:
    return json.loads((out / "bench.json").read_text())
