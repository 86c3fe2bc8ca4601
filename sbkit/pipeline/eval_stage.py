"""``sbkit eval``: test a trained run folder's model on a catalogue split, writing metrics.json and report.md.

The split is sketchified with the run's own sketchifier, image size and line width, streamed through the
prepared-rows cache (:mod:`sbkit.pipeline.prepare`), so the catalogue never has to fit in memory; the gallery
is every item of the split, each item's sketchifier sketch and every drawing of it (with its caption) its
queries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkit.errors import DataError, check
from sbkit.io import atomic_write_json, atomic_write_text
from sbkit.paths import check_output

EVAL_SPLITS = ("train", "val", "test")


@dataclass
class EvalResult:
    """Where ``sbkit eval`` wrote its files, and what it measured."""

    out: Path
    metrics: dict[str, Any]


def default_eval_dir(run_dir: Path, data: str, split: str) -> Path:
    """``RUN_DIR/eval/<data name>-<split>``."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(data).name or "data").strip("-.") or "data"
    return Path(run_dir) / "eval" / f"{name}-{split}"


EVAL_FILES = ("metrics.json", "report.md", "skipped.jsonl")  # what an evaluation writes in its folder


def _held_results(folder: Path, run_dir: Path, data: str, split: str) -> str | None:
    """Why the results in ``folder`` may not be replaced without ``--force``, or None when it holds none, or
    those of this same evaluation (run, data and split), which a rerun replaces."""
    if (folder / "config.toml").is_file():
        return "holds a run, whose metrics.json and report.md would be replaced"
    present = [name for name in EVAL_FILES if (folder / name).exists()]
    if not present:
        return None
    try:
        found = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        found = None
    if not isinstance(found, dict) or found.get("stage") != "eval":
        return f"holds {', '.join(present)} that sbkit eval did not write"
    if (found.get("run"), found.get("data"), found.get("split")) != (str(run_dir), data, split):
        return (f"holds the results of another evaluation (run {found.get('run')}, data {found.get('data')}, "
                f"split {found.get('split')})")
    return None


def evaluate_run(run_dir: str | Path, data: str, data_params: dict[str, Any] | None = None, split: str = "test",
                 out: str | Path | None = None, device: str = "auto", batch_size: int = 256,
                 workers: int | None = None, force: bool = False) -> EvalResult:
    """Evaluate the model of ``run_dir`` on ``split`` of the catalogue ``data`` (a dataset name or a folder).

    ``out`` (default ``RUN_DIR/eval/<data name>-<split>``) may not be a file or lie inside the catalogue; its
    metrics.json, report.md and skipped.jsonl are replaced only when they are this same evaluation's, or with
    ``force`` (:func:`sbkit.paths.check_output`).
    """
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.devices import resolve_device
    from sbkit.data.validate import load_valid
    from sbkit.pipeline.evaluate import evaluate_split
    from sbkit.pipeline.prepare import check_sketchified, prepare_split
    from sbkit.pipeline.run import write_skipped
    from sbkit.registry import get_registry
    from sbkit.retrieval.run_folder import load_run

    check(split in EVAL_SPLITS, f"--split {split!r} is not a split; use one of {', '.join(EVAL_SPLITS)}", DataError)
    target = resolve_device(device)
    run = load_run(run_dir, target)
    config = run.config
    catalogue = resolve_catalogue(data, data_params or {})
    folder = Path(out) if out is not None else default_eval_dir(run.run_dir, data, split)
    check_output(folder, folders={"the catalogue": catalogue.root}, folder=True, force=force,
                 conflict=lambda path: _held_results(path, run.run_dir, data, split))
    catalogue = load_valid(catalogue)
    items = catalogue.split(split)
    counts = ", ".join(f"{s} {len(catalogue.split(s))}" for s in EVAL_SPLITS)
    check(len(items) >= 2, f"catalogue {data!r} has {len(items)} {split} items ({counts}); evaluation needs at "
          f"least 2: pick another --split", DataError)
    sketchifier = get_registry().create("sketchifier", config.sketchifier.name, config.sketchifier.params)
    workers = config.workers if workers is None else workers
    test, skipped = prepare_split(items, sketchifier, config.image_size, config.line_width, f"sketchify {split}",
                                  workers=workers, all_drawings=True)
    check_sketchified(sketchifier, {"test": test}, skipped)
    check(len(test.items) >= 2, f"only {len(test.items)} {split} items of {data!r} could be read; see the skipped "
          "items in the eval folder", DataError)
    metrics = evaluate_split(run.model, test, batch_size, target)
    result = {"stage": "eval", "run": str(run.run_dir), "data": data, "split": split, "metrics": metrics,
              "random_R@10": min(1.0, 10 / len(test.items)), "counts": {split: len(test.items)},
              "skipped": len(skipped)}
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / "metrics.json", result)
    write_skipped(folder, skipped)
    atomic_write_text(folder / "report.md", _report(result))
    return EvalResult(folder, result)


def _report(result: dict[str, Any]) -> str:
    from sbkit.evaluation.tables import markdown_table
    from sbkit.pipeline.report import HEADLINE, NO_CAPTIONS, metrics_rows

    split = result["split"]
    lines = [f"# Evaluation of {result['run']}", "",
             f"Data: `{result['data']}`, split `{split}`: {result['counts'][split]} gallery items, each its own "
             f"query's target ({result['skipped']} skipped). Random R@10 = {result['random_R@10']:.3f}.", "",
             markdown_table(metrics_rows(result["metrics"]), ["query", "sketches", "queries", *HEADLINE,
                                                               "R@10 95% CI"])]
    if "text" not in result["metrics"]:
        lines += ["", NO_CAPTIONS]
    return "\n".join(lines)
