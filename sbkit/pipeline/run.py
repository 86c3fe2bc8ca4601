"""``sbkit run``: sketchify, train, index the test gallery, evaluate and write a report, in one run folder."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import torch

from sbkit.config import COMPONENT_FIELDS, RunConfig
from sbkit.data.catalogue import Catalogue, Skipped
from sbkit.errors import ConfigError, DataError
from sbkit.io import atomic_write_json, atomic_write_text, file_sha256
from sbkit.pipeline.evaluate import embed_gallery, evaluate_split
from sbkit.pipeline.partial import evaluate_partial
from sbkit.pipeline.prepare import SplitTensors, prepare_split
from sbkit.params import resolve_params
from sbkit.progress import console
from sbkit.registry import get_registry


@dataclass
class RunResult:
    """Where a run wrote its files, and its headline metrics."""

    run_dir: Path
    metrics: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"device {name!r} is not a torch device; use auto, cpu or cuda[:N]") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} was asked for but CUDA is not available here; use --device cpu")
    return device


def make_run_dir(config: RunConfig) -> Path:
    if config.out:
        run_dir = Path(config.out)
    else:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        run_dir = Path("runs") / f"{stamp}-{config.sketchifier.name}-{config.encoder.name}-{config.fuser.name}"
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


class Timer:
    """Wall time per stage, printed as each stage ends."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 2)
        console.print(f"[dim]{name}: {self.seconds[name]:.1f} s[/dim]")


def typed_params(config: RunConfig, registry) -> None:
    """Check and convert every component's params in place (CLI strings become ints, floats, ...)."""
    for kind in COMPONENT_FIELDS:
        spec = getattr(config, kind)
        if kind == "data" and spec.name not in registry.names("dataset"):
            continue  # a path: its layout, and so its parameters, are known only when it is read
        registry_kind = "dataset" if kind == "data" else kind
        spec.params = resolve_params(registry.get(registry_kind, spec.name), spec.params, f"{kind} {spec.name!r}")


def load_catalogue(config: RunConfig) -> Catalogue:
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.data.validate import load_valid

    return load_valid(resolve_catalogue(config.data.name, config.data.params))


def run(config: RunConfig | None = None, resume: bool = False, **overrides: Any) -> RunResult:
    """Run the whole pipeline; ``sbkit.run(fuser="avg", epochs=2)`` mirrors ``sbkit run --fuser avg --epochs 2``.

    With ``resume=True`` training continues from the checkpoint in the run folder (``config.out``) to the
    same result as an uninterrupted run; the other stages are cached or cheap and simply run again.
    """
    config = (config or RunConfig()).updated(overrides, "run()")
    if resume and not (Path(config.out) / "checkpoint").is_dir():
        raise ConfigError(f"cannot resume: {config.out or '(no --out)'} holds no checkpoint/ folder; "
                          "start the run without --resume")
    torch.manual_seed(config.seed)
    device = resolve_device(config.device)
    registry = get_registry()
    typed_params(config, registry)
    # Build every component before any slow work, so a bad name or parameter fails at once.
    sketchifier = registry.create("sketchifier", config.sketchifier.name, config.sketchifier.params)
    encoder = registry.create("encoder", config.encoder.name, config.encoder.params)
    loss = registry.create("loss", config.loss.name, config.loss.params)
    registry.get("index", config.index.name)
    registry.get("fuser", config.fuser.name)

    from sbkit.pipeline.report import write_report
    from sbkit.sketch.augment import SketchAugment
    from sbkit.training import TrainData, TrainOptions, build_model, fit

    run_dir = make_run_dir(config)
    config.save(run_dir / "config.toml")
    timer = Timer()

    with timer.stage("load catalogue"):
        catalogue = load_catalogue(config)
    train_items, val_items, test_items = (catalogue.split(s) for s in ("train", "val", "test"))
    if not train_items or not test_items:
        raise DataError(f"catalogue {catalogue.name!r} needs train and test items; it has {catalogue.counts()}")

    skipped: list[Skipped] = list(catalogue.skipped)
    with timer.stage("sketchify"):
        splits: dict[str, SplitTensors] = {}
        for name, items in (("train", train_items), ("val", val_items), ("test", test_items)):
            if items:
                splits[name], bad = prepare_split(items, sketchifier, config.image_size, config.line_width,
                                                  f"sketchify {name}")
                skipped.extend(bad)
    _write_skipped(run_dir, skipped)

    with timer.stage("build model"):
        encoder.prepare(splits["train"].captions)
        model = build_model(encoder, config.fuser.name, config.fuser.params).to(device)
        loss = loss.to(device)

    train = splits["train"]
    data = TrainData(images=train.images, sketches=train.sketches, captions=train.captions, labels=train.labels,
                     sketch_transform=SketchAugment(config.augment, seed=config.seed) if config.augment > 0 else None)
    options = TrainOptions(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, device=str(device),
                           seed=config.seed, modality_dropout=(config.modality_dropout, config.modality_dropout),
                           grad_cache_chunk=config.grad_cache_chunk, early_stopping=config.early_stopping)
    validation = splits.get("val")

    def on_epoch_end(epoch: int, row: dict) -> dict | None:
        if validation is None:
            return None
        metrics = evaluate_split(model, validation, 256, device, modes=("sketch+text",))
        model.train()
        return {"val_R@10": metrics["sketch+text"]["synthetic"]["R@10"]}

    with timer.stage("train"):
        history = fit(model, loss, data, options, out_dir=run_dir / "checkpoint", on_epoch_end=on_epoch_end,
                      resume=resume, restore_best=config.early_stopping > 0)
        model.save(run_dir / "model")

    test = splits["test"]
    with timer.stage("index and evaluate"):
        model.eval()
        gallery = embed_gallery(model, test, 256, device)
        index = registry.create("index", config.index.name, config.index.params)
        index.add([item.id for item in test.items], gallery)
        index.model_hash = file_sha256(run_dir / "model" / "model.safetensors")
        index.save(run_dir / "index")
        metrics = evaluate_split(model, test, 256, device, gallery=gallery)
    with timer.stage("partial sketches"):
        partial = evaluate_partial(model, test, gallery, config.image_size, config.line_width, device)
    result = {
        "metrics": metrics,
        **({"partial": partial} if partial is not None else {}),
        "random_R@10": min(1.0, 10 / len(test.items)),
        "counts": {name: len(split.items) for name, split in splits.items()},
        "skipped": len(skipped),
        "timings": timer.seconds,
    }
    probes = None
    if config.probes:
        from sbkit.evaluation.probes import run_probes

        with timer.stage("probes"):
            probes = run_probes(model, test, None, config, device, run_dir)
        result["probes"] = probes.numbers
    atomic_write_json(run_dir / "metrics.json", result)
    with timer.stage("report"):
        write_report(run_dir, config, result, history, model, test, index, device,
                     probes=probes.markdown if probes else None)
    result["timings"] = timer.seconds
    atomic_write_json(run_dir / "metrics.json", result)
    return RunResult(run_dir, result, timer.seconds)


def _write_skipped(run_dir: Path, skipped: list[Skipped]) -> None:
    lines = "".join(json.dumps({"item": s.source, "reason": s.reason}, ensure_ascii=False) + "\n" for s in skipped)
    atomic_write_text(run_dir / "skipped.jsonl", lines)
