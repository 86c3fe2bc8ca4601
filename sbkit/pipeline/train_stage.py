"""``sbkit train``: sketchify (streamed, cached) and train on a catalogue's train split, checking on its val split;
the run folder gets the config, the model, the checkpoint and the history. No index, no test evaluation: those
are ``sbkit index build`` and ``sbkit eval``.

Under ``torchrun`` (``WORLD_SIZE`` > 1) it trains data-parallel: rank 0 prepares the data and the feature caches
first, the other ranks then read them; every rank trains its piece of each batch; rank 0 alone writes the run
folder.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from sbkit.config import RunConfig
from sbkit.data.catalogue import Skipped
from sbkit.devices import resolve_device
from sbkit.errors import ConfigError, DataError, check
from sbkit.io import atomic_write_json
from sbkit.pipeline.run import (RunResult, Timer, checked_components, load_catalogue, prepare_splits, train_options,
                                write_skipped)
from sbkit.pipeline.prepare import check_sketchified
from sbkit.pipeline.run_folder_guard import claim_run_folder, resume_base
from sbkit.pipeline.training import make_trainee, train
from sbkit.progress import set_quiet
from sbkit.retrieval.run_folder import save_run_model

TRAIN_SPLITS = ("train", "val")


def world_size() -> int:
    """Processes in this ``torchrun`` job (1 outside one)."""
    value = os.environ.get("WORLD_SIZE", "1")
    return int(value) if value.isdigit() else 1


def train_run(config: RunConfig | None = None, resume: bool = False, force: bool = False,
              **overrides: Any) -> RunResult | None:
    """Train on ``config.data``'s train split into the run folder ``config.out``; see the module docstring.

    ``resume`` and ``force`` work as for :func:`sbkit.pipeline.run.run`. Returns the run's result on rank 0 and
    None on the other ranks.
    """
    from sbkit.training.distributed import Ranks, barrier, setup, teardown

    if resume and force:
        raise ConfigError("resume and force contradict each other: resume continues the run in the folder, force "
                          "replaces it; give one")
    config = RunConfig.given(config, "train()")
    folder = str(overrides.get("out") or (config.out if config else ""))
    if resume and not folder:
        raise ConfigError("cannot resume: say which run folder, e.g. sbkit train --resume DIR")
    saved = resume_base(folder) if resume else None
    config = (config or saved or RunConfig()).updated(overrides, "train()")
    device = resolve_device(config.device)
    distributed = world_size() > 1
    check(not distributed or bool(config.out), "data-parallel training needs --out: every process must know the "
          "same run folder", ConfigError)
    ranks, device = setup(distributed, str(device)) if distributed else (Ranks(), device)
    try:
        if not ranks.main:
            set_quiet(True)  # one progress display, rank 0's
        result = _train(config, saved, resume, force, device, ranks)
        barrier(ranks)  # rank 0 has saved the model before any rank leaves
        return result
    finally:
        teardown(ranks)


def _train(config: RunConfig, saved: RunConfig | None, resume: bool, force: bool, device, ranks) -> RunResult | None:
    import torch

    torch.manual_seed(config.seed)
    options = dataclasses.replace(train_options(config, device), distributed=ranks.active)
    run_dir, sketchifier, encoder, loss = checked_components(config, saved, options, with_index=False)
    if not ranks.main:
        return _follow(config, ranks, device, options, sketchifier, encoder, loss, run_dir, resume)
    timer = Timer()
    ready = False
    try:
        with timer.stage("load catalogue"):
            catalogue = load_catalogue(config)
        check(len(catalogue.split("train")) >= 2, f"catalogue {catalogue.name!r} has "
              f"{len(catalogue.split('train'))} train items; training needs at least 2 (give the folder's captions "
              "file a split column, or more items)", DataError)
        with claim_run_folder(run_dir, resume=resume, force=force, command="sbkit train",
                              catalogue=catalogue.root):
            config.save(run_dir / "config.toml")
            splits, skipped = _prepare(catalogue, config, sketchifier, timer)
            write_skipped(run_dir, skipped)
            check_sketchified(sketchifier, splits, skipped, needed=("train",))
            model, trainee, loss = _trainee(config, splits, encoder, loss, device, timer)
            ready = _tell_followers(True, ranks)
            with timer.stage("train"):
                history = train(trainee, loss, options, device, run_dir / "checkpoint", resume)
            model.eval()
            save_run_model(model, run_dir, trainee.words)
            result = {"stage": "train", "counts": {name: len(split.items) for name, split in splits.items()},
                      "skipped": len(skipped), "processes": ranks.world, "epochs": len(history),
                      "history": history, "timings": timer.seconds}
            if trainee.features is not None:
                result["features_computed"] = trainee.features.computed
            atomic_write_json(run_dir / "metrics.json", result)
    except BaseException:
        if not ready:
            _tell_followers(False, ranks)  # they stop instead of waiting for data that will not come
        raise
    return RunResult(run_dir, result, timer.seconds)


def _tell_followers(go: bool, ranks) -> bool:
    """Rank 0 tells the other ranks whether its data caches are filled (they then read them) or it failed."""
    from sbkit.training.distributed import from_main

    return from_main(go, ranks)


def _follow(config: RunConfig, ranks, device, options, sketchifier, encoder, loss, run_dir: Path,
            resume: bool) -> None:
    """A rank other than 0: wait for rank 0's caches, read them, train its pieces; write nothing in the run folder."""
    from sbkit.training.distributed import from_main

    if not from_main(None, ranks):
        raise SystemExit(1)  # rank 0 failed before training and said why
    catalogue = load_catalogue(config)
    splits, _ = _prepare(catalogue, config, sketchifier, Timer(quiet=True))
    _, trainee, loss = _trainee(config, splits, encoder, loss, device, Timer(quiet=True))
    train(trainee, loss, options, device, run_dir / "checkpoint", resume)
    return None


def _prepare(catalogue, config: RunConfig, sketchifier, timer: Timer) -> tuple[dict, list[Skipped]]:
    with timer.stage("sketchify"):
        return prepare_splits(catalogue, config, sketchifier, TRAIN_SPLITS)


def _trainee(config: RunConfig, splits: dict, encoder, loss, device, timer: Timer):
    """The model, the trainee (features computed or read from the cache) and the loss, on ``device``."""
    from sbkit.training import build_model
    from sbkit.training.features import uses_frozen_features

    with timer.stage("build model"):
        encoder.prepare(splits["train"].captions)
        model = build_model(encoder, config.fuser.name, config.fuser.params).to(device)
        loss = loss.to(device)
    with timer.stage("features" if uses_frozen_features(encoder) else "training data"):
        trainee = make_trainee(config, encoder, model, splits)
    return model, trainee, loss
