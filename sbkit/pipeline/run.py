"""``sbkit run``: sketchify, train, index the test gallery, evaluate and write a report, in one run folder."""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from sbkit.config import COMPONENT_FIELDS, ComponentSpec, RunConfig
from sbkit.data.catalogue import Catalogue, Skipped
from sbkit.data.validate import run_shortfall
from sbkit.devices import resolve_device
from sbkit.errors import ConfigError, DataError
from sbkit.io import atomic_write_json, atomic_write_text, file_sha256
from sbkit.pipeline.checks import choose_holdout
from sbkit.pipeline.evaluate import embed_gallery, evaluate_split
from sbkit.pipeline.partial import evaluate_partial
from sbkit.pipeline.training import evaluation_extras, heldout_check, make_trainee, train
from sbkit.training.features import uses_frozen_features
from sbkit.pipeline.prepare import SplitTensors, check_sketchified, prepare_split
from sbkit.pipeline.run_folder_guard import (
    claim_run_folder,
    default_run_dir,
    refuse_changed_resume,
    refuse_stale_checkpoint,
    resume_base,
)
from sbkit.params import resolve_params, with_defaults
from sbkit.progress import console
from sbkit.registry import get_registry

if TYPE_CHECKING:
    from sbkit.components import Encoder, Loss, Sketchifier
    from sbkit.training import TrainOptions


@dataclass
class RunResult:
    """Where a run wrote its files, and its headline metrics."""

    run_dir: Path
    metrics: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


class Timer:
    """Wall time per stage, printed as each stage ends."""

    def __init__(self, quiet: bool = False) -> None:
        self.seconds: dict[str, float] = {}
        self.quiet = quiet

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 2)
        if not self.quiet:
            console.print(f"[dim]{name}: {self.seconds[name]:.1f} s[/dim]")


def typed_params(config: RunConfig, registry) -> None:
    """Check and convert every component's params in place (CLI strings become ints, floats, ...), and write out
    every default beside them, so that the run's config.toml repeats it even after a default changes."""
    for kind in COMPONENT_FIELDS:
        spec = getattr(config, kind)
        if kind == "data" and spec.name not in registry.names("dataset"):
            continue  # a path: its layout, and so its parameters, are known only when it is read
        registry_kind = "dataset" if kind == "data" else kind
        cls = registry.get(registry_kind, spec.name)
        spec.params = with_defaults(cls, resolve_params(cls, spec.params, f"{kind} {spec.name!r}"))


def checked_components(config: RunConfig, saved: RunConfig | None, options: TrainOptions,
                       with_index: bool) -> tuple[Path, Sketchifier, Encoder, Loss]:
    """The run folder and the components a run trains with, built (and a resume checked against its folder)
    before any slow work, so that a bad name, parameter or resume fails at once."""
    registry = get_registry()
    use_job_sketchifier(config)
    typed_params(config, registry)
    run_dir = default_run_dir(config)
    if saved is not None:
        typed_params(saved, registry)
        refuse_changed_resume(run_dir, saved, config)
        refuse_stale_checkpoint(run_dir, options)
    sketchifier = registry.create("sketchifier", config.sketchifier.name, config.sketchifier.params)
    encoder = registry.create("encoder", config.encoder.name, config.encoder.params)
    loss = registry.create("loss", config.loss.name, config.loss.params)
    if with_index:
        registry.get("index", config.index.name)
    registry.get("fuser", config.fuser.name)
    return run_dir, sketchifier, encoder, loss


def use_job_sketchifier(config: RunConfig) -> None:
    """With ``--sketches JOB``, the run's sketchifier is the job's, so config.toml says how its sketches were made."""
    if config.sketches:
        from sbkit.sketch.job_use import open_job

        job = open_job(config.sketches, config.image_size)
        config.sketches = str(job.folder)
        # TOML has no null: a parameter the job recorded as None is left at its default, which is None
        config.sketchifier = ComponentSpec(job.sketchifier, {k: v for k, v in job.params.items() if v is not None})


def job_sketch_paths(config: RunConfig, catalogue: Catalogue) -> dict[str, Path] | None:
    """The job folder's sketch of each catalogue item it has (``--sketches``), or None without one."""
    if not config.sketches:
        return None
    from sbkit.sketch.job_use import open_job, sketch_paths

    return sketch_paths(open_job(config.sketches, config.image_size), catalogue.items, config.data.name)


def load_catalogue(config: RunConfig) -> Catalogue:
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.data.validate import load_valid

    return load_valid(resolve_catalogue(config.data.name, config.data.params))


def train_options(config: RunConfig, device: torch.device) -> TrainOptions:
    """The trainer's options for ``config``."""
    from sbkit.training import TrainOptions

    return TrainOptions(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
                        lr_pretrained=config.lr_pretrained, device=str(device),
                        seed=config.seed, modality_dropout=(config.modality_dropout, config.modality_dropout),
                        every_mode=config.every_mode and config.grad_cache_chunk == 0,
                        grad_cache_chunk=config.grad_cache_chunk, early_stopping=config.early_stopping,
                        workers=config.workers,
                        sketch_text_positives=config.sketch_text_positives if config.caption_positives else 0.0)


def run(config: RunConfig | None = None, resume: bool = False, force: bool = False, **overrides: Any) -> RunResult:
    """Run the whole pipeline; ``sbkit.run(fuser="avg", epochs=2)`` mirrors ``sbkit run --fuser avg --epochs 2``.

    With ``resume=True`` training continues from the checkpoint in the run folder (``config.out``) to the
    same result as an uninterrupted run; the other stages are cached or cheap and simply run again. The
    folder's config.toml is the config; ``config`` and ``overrides`` may change only what a resume allows
    (:data:`~sbkit.pipeline.run_folder_guard.RESUME_MAY_CHANGE`, e.g. more epochs or another device).
    ``force=True`` replaces a run already in the folder; without it such a folder is refused.

    Every setting, component and the catalogue are checked before the run folder is made or touched
    (:mod:`sbkit.pipeline.run_folder_guard`).
    """
    if resume and force:
        raise ConfigError("resume and force contradict each other: resume continues the run in the folder, force "
                          "replaces it; give one")
    refuse_data_parallel()
    config = RunConfig.given(config, "run()")
    saved = resume_base(_resume_folder(config, overrides)) if resume else None
    config = (config or saved or RunConfig()).updated(overrides, "run()")
    torch.manual_seed(config.seed)
    device = resolve_device(config.device)
    options = train_options(config, device)
    run_dir, sketchifier, encoder, loss = checked_components(config, saved, options, with_index=True)

    timer = Timer()
    with timer.stage("load catalogue"):
        catalogue = load_catalogue(config)
    shortfall = run_shortfall(catalogue.items)
    if shortfall:
        raise DataError(f"catalogue {catalogue.name!r}: {shortfall}")

    holdout = choose_holdout(config.holdout, [item.category for item in catalogue.split("train")], config.seed,
                             uses_frozen_features(encoder))
    with claim_run_folder(run_dir, resume=resume, force=force, catalogue=catalogue.root):
        config.save(run_dir / "config.toml")
        return _run_stages(config, run_dir, resume, catalogue, timer, device, options, get_registry(), sketchifier,
                           encoder, loss, holdout)


def refuse_data_parallel() -> None:
    """``sbkit run`` is one process; under ``torchrun`` every rank would run the whole pipeline, so say what to use."""
    world = os.environ.get("WORLD_SIZE", "1")
    if world.isdigit() and int(world) > 1:
        raise ConfigError(f"sbkit run does not train data-parallel (this is one of {world} torchrun processes); "
                          "train with `torchrun --nproc_per_node N -m sbkit train ...` or `sbkit train --nproc N`, "
                          "then `sbkit eval RUN_DIR --data DATA`")


def _resume_folder(config: RunConfig | None, overrides: dict[str, Any]) -> str:
    folder = str(overrides.get("out") or (config.out if config else ""))
    if not folder:
        raise ConfigError("cannot resume: say which run folder, e.g. sbkit.run(out=DIR, resume=True)")
    return folder


def _run_stages(config: RunConfig, run_dir: Path, resume: bool, catalogue: Catalogue, timer: Timer,
                device: torch.device, options: TrainOptions, registry, sketchifier, encoder, loss,
                holdout: frozenset[str]) -> RunResult:
    """Sketchify, train, index, evaluate and report into ``run_dir``, which :func:`run` has claimed."""
    from sbkit.pipeline.report import write_report
    from sbkit.retrieval.run_folder import save_run_model
    from sbkit.training import build_model

    with timer.stage("sketchify"):
        splits, skipped = prepare_splits(catalogue, config, sketchifier, ("train", "val", "test"))
    write_skipped(run_dir, skipped)
    check_sketchified(sketchifier, splits, skipped)

    with timer.stage("build model"):
        encoder.prepare(splits["train"].captions)
        model = build_model(encoder, config.fuser.name, config.fuser.params).to(device)
        loss = loss.to(device)
    frozen = uses_frozen_features(encoder)
    with timer.stage("features" if frozen else "training data"):
        trainee = make_trainee(config, encoder, model, splits)
    with timer.stage("train"):
        history = train(trainee, loss, options, device, run_dir / "checkpoint", resume)
        save_run_model(model, run_dir, trainee.words)

    test = splits["test"]
    with timer.stage("index and evaluate"):
        model.eval()
        trainee.model.eval()
        gallery = embed_gallery(trainee.model, trainee.test, 256, device)
        index = registry.create("index", config.index.name, config.index.params)
        index.add([item.id for item in test.items], gallery)
        index.model_hash = file_sha256(run_dir / "model" / "model.safetensors")
        index.save(run_dir / "index")
        metrics = evaluate_split(trainee.model, trainee.test, 256, device, gallery=gallery)
        extra = evaluation_extras(trainee, config, device, gallery)
    with timer.stage("partial sketches"):
        # the whole model (encoder included): partial drawings are pictures, whatever the trainee evaluated on
        partial = evaluate_partial(model, test, gallery, config.image_size, config.line_width, device)
    if partial is not None:
        extra["partial"] = partial
    if holdout:
        with timer.stage("held-out check"):
            extra["heldout"] = heldout_check(config, options, registry, splits, holdout, device, trainee)
    result = {
        "metrics": metrics,
        "random_R@10": min(1.0, 10 / len(test.items)),
        "counts": {name: len(split.items) for name, split in splits.items()},
        "skipped": len(skipped),
        **training_drawings(splits["train"], config),
        **extra,
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


def prepare_splits(catalogue: Catalogue, config: RunConfig, sketchifier: Sketchifier,
                   names: tuple[str, ...]) -> tuple[dict[str, SplitTensors], list[Skipped]]:
    """The named splits that have items, prepared as the run trains on them (every drawing of a training item
    under ``--train-drawings``) and tests them (every drawing of a test item is a query), and every input left
    out, the catalogue's own included."""
    skipped: list[Skipped] = list(catalogue.skipped)
    made = job_sketch_paths(config, catalogue)
    splits: dict[str, SplitTensors] = {}
    for name in names:
        items = catalogue.split(name)
        if items:
            splits[name], bad = prepare_split(items, sketchifier, config.image_size, config.line_width,
                                              f"sketchify {name}", workers=config.workers, made=made,
                                              all_drawings=name == "test" or (name == "train" and config.train_drawings))
            skipped.extend(bad)
    return splits, skipped


def training_drawings(train: SplitTensors, config: RunConfig) -> dict[str, dict[str, int]]:
    """``{"train_drawings": {"items": ..., "drawings": ...}}`` when the run trained on drawings of its items."""
    drawings = train.drawings() if config.train_drawings else None
    if drawings is None:
        return {}
    return {"train_drawings": {"items": int(drawings.has.sum()), "drawings": int(drawings.count.sum())}}


def write_skipped(folder: Path, skipped: list[Skipped]) -> None:
    """``skipped.jsonl``: one JSON line per input left out, with its reason."""
    lines = "".join(json.dumps(s.record(), ensure_ascii=False) + "\n" for s in skipped)
    atomic_write_text(folder / "skipped.jsonl", lines)
