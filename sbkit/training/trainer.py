"""``fit``: AdamW with warm-up and cosine decay, mixed precision, accumulation, clipping, gradient caching,
checkpoints and resume, early stopping, and data-parallel training."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sbkit.components import Loss
from sbkit.errors import ConfigError, check
from sbkit.progress import progress_bar
from sbkit.training.best import BestWeights
from sbkit.training.checkpoint import (
    load_checkpoint,
    rng_states,
    save_checkpoint,
    set_rng_states,
    set_transform_state,
    transform_state,
)
from sbkit.training.data import TrainData
from sbkit.training.distributed import (
    Ranks,
    all_objects,
    average_gradients,
    barrier,
    from_main,
    piece_sizes,
    setup,
    teardown,
    wrap,
)
from sbkit.training.gradcache import cached_backward
from sbkit.training.loader import PieceSampler, batch_loader
from sbkit.training.history import plain, write_history
from sbkit.training.model import RetrievalModel
from sbkit.training.options import TrainOptions
from sbkit.training.precision import autocast_dtype, grad_scaler
from sbkit.training.schedule import WarmupCosine
from sbkit.training.step import (
    BOTH,
    EVERY,
    SKETCH_ONLY,
    TEXT_ONLY,
    PairModel,
    StepContext,
    plain_backward,
)

__all__ = ["TrainData", "TrainOptions", "fit", "make_optimizer"]

EpochCallback = Callable[[int, dict[str, Any]], dict[str, Any] | None]
StepCallback = Callable[[int, torch.Tensor], None]
RECORD_KEYS = ("epoch", "step", "loss", "lr", "samples_per_s", "seconds")


def make_optimizer(model: RetrievalModel, loss: nn.Module, options: TrainOptions) -> torch.optim.AdamW:
    """AdamW over the model and the loss (e.g. its temperature). Weight decay applies to matrices only;
    the encoder's ``pretrained_parameters()``, if it has them, get ``lr_pretrained``."""
    pretrained_fn = getattr(model.encoder, "pretrained_parameters", None)
    split = callable(pretrained_fn) and options.lr_pretrained is not None
    pretrained = {id(p) for p in pretrained_fn()} if split else set()
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    for p in [*model.parameters(), *loss.parameters()]:
        if p.requires_grad:
            groups.setdefault((id(p) in pretrained, p.ndim >= 2), []).append(p)
    param_groups = []
    for (is_pretrained, decay), params in sorted(groups.items()):
        lr = options.lr_pretrained if is_pretrained else options.lr
        param_groups.append({"params": params, "lr": lr, "base_lr": lr,
                             "weight_decay": options.weight_decay if decay else 0.0})
    return torch.optim.AdamW(param_groups, lr=options.lr)


@dataclass
class _Plan:
    """How one epoch splits into batches and optimizer steps."""

    items: int
    batch_size: int
    grad_accum: int

    @property
    def batches(self) -> int:
        return math.ceil(self.items / self.batch_size)

    @property
    def steps(self) -> int:
        return math.ceil(self.batches / self.grad_accum)

    def group_size(self, batch: int) -> int:
        """Batches in the accumulation group that ``batch`` belongs to (the last group may be short)."""
        start = batch - batch % self.grad_accum
        return min(self.grad_accum, self.batches - start)


def _draw_epoch(generator: torch.Generator, plan: _Plan, dropout: tuple[float, float]) -> tuple[list, torch.Tensor]:
    """Shuffled rows split into near-equal batches (no item dropped), and each batch's modalities."""
    order = torch.randperm(plan.items, generator=generator)
    u = torch.rand(plan.batches, generator=generator)
    modes = torch.full((plan.batches,), BOTH)
    modes[u < dropout[0] + dropout[1]] = TEXT_ONLY
    modes[u < dropout[0]] = SKETCH_ONLY
    return list(torch.tensor_split(order, plan.batches)), modes


def _optimizer_step(optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler, params: list[nn.Parameter],
                    clip_norm: float, schedule: WarmupCosine, step: int) -> None:
    schedule.apply(optimizer, step)
    if clip_norm > 0:
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(params, clip_norm)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)


@contextlib.contextmanager
def _bar(show: bool, description: str, total: int) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda n=1: None
        return
    with progress_bar(description, total) as advance:
        yield advance


def fit(model: RetrievalModel, loss: Loss, data: TrainData, options: TrainOptions, out_dir: Path | None = None,
        on_epoch_end: EpochCallback | None = None, resume: bool = False, restore_best: bool = False,
        on_step: StepCallback | None = None) -> list[dict[str, Any]]:
    """Train ``model`` so that each fused query lands nearest its own product's photo.

    Args:
        model: encoder + fuser; call ``encoder.prepare(captions)`` before.
        loss: compares query vectors with image vectors, given the product ids as labels.
        data: photos, sketches, captions and product ids.
        options: see :class:`TrainOptions`.
        out_dir: where checkpoints, ``best.safetensors`` and ``history.json``/``.csv`` go; None keeps nothing on disk.
        on_epoch_end: called as ``on_epoch_end(epoch, record)`` (1-based) after each epoch, on rank 0 only; what
            it returns (e.g. validation metrics) is merged into the record on every rank. The model is put back
            in train mode after.
        resume: continue from the checkpoint in ``out_dir`` (if there is one) to the same result as an
            uninterrupted run.
        restore_best: load the weights of the best epoch by ``options.monitor`` before returning.
        on_step: called as ``on_step(step, loss)`` on rank 0 after each optimizer step (and its checkpoint, if
            one is due), ``loss`` being the last batch's loss as a detached tensor on the training device.

    Returns:
        One record per epoch: ``epoch``, ``step``, ``loss``, ``lr``, ``samples_per_s``, ``seconds``, plus what
        ``on_epoch_end`` returned, plus ``best_epoch`` when early stopping or ``restore_best`` is on.
    """
    check(not resume or out_dir is not None, "resume=True needs out_dir, the folder holding the checkpoint",
          ConfigError)
    ranks, device = setup(options.distributed, options.device)
    try:
        history = _fit(model, loss, data, options, Path(out_dir) if out_dir is not None else None, on_epoch_end,
                       resume, restore_best, on_step, ranks, device)
        barrier(ranks)  # no rank tears the group down while another is still in a collective
        return history
    finally:
        teardown(ranks)


def _fit(model: RetrievalModel, loss: Loss, data: TrainData, options: TrainOptions, out: Path | None,
         on_epoch_end: EpochCallback | None, resume: bool, restore_best: bool, on_step: StepCallback | None,
         ranks: Ranks, device: torch.device) -> list[dict[str, Any]]:
    torch.manual_seed(options.seed + ranks.rank)  # dropout differs between ranks; data order does not
    plan = _Plan(len(data), options.batch_size, options.grad_accum)
    check(len(data) // plan.batches >= ranks.world,
          f"batches of {len(data) // plan.batches} items cannot be split over {ranks.world} processes; use a "
          f"batch_size of at least {ranks.world} and at least {ranks.world} items per batch", ConfigError)
    model.to(device)
    loss.to(device)
    state = load_checkpoint(out) if resume and out is not None else None
    if state is not None:
        conflicts = options.resume_conflicts(state["options"])
        check(not conflicts, f"cannot resume from {out}: options changed ({'; '.join(conflicts)}); use the saved "
              f"options or a new out_dir", ConfigError)
        model.load(out)

    schedule = WarmupCosine.from_fraction(plan.steps * options.epochs, options.warmup)
    optimizer = make_optimizer(model, loss, options)
    dtype = autocast_dtype(options.amp, device)
    scaler = grad_scaler(device, dtype)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    loss_params = [p for p in loss.parameters() if p.requires_grad]
    ctx = StepContext(wrap(PairModel(model), ranks, device), loss, device, dtype, scaler, ranks,
                      options.sketch_text_positives)
    generator = torch.Generator().manual_seed(options.seed)
    best = None
    if options.early_stopping or restore_best:
        best = BestWeights(options.monitor, options.higher_is_better, options.early_stopping, out)
        check(on_epoch_end is not None or options.monitor in RECORD_KEYS,
              f"monitor {options.monitor!r} is not in the epoch record (keys: {', '.join(RECORD_KEYS)}); pass an "
              f"on_epoch_end that returns it, or set TrainOptions.monitor to one of the keys", ConfigError)
    history: list[dict[str, Any]] = []
    first_epoch, start_batch, step, loss_sum, seen = 0, 0, 0, 0.0, 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        loss.load_state_dict(state["loss"])
        generator.set_state(state["generator"])
        per_rank = state.get("rank_rng") or []
        set_rng_states(per_rank[ranks.rank] if len(per_rank) == ranks.world else state["rng"])
        set_transform_state(data.sketch_transform, state.get("transform"))
        first_epoch, start_batch, step = state["epoch"], state["batch"], state["step"]
        loss_sum, seen = state["partial"]["loss_sum"], state["partial"]["samples"]
        history = state["history"]
        if best is not None:
            best.replay(history)

    def checkpoint(folder: Path, next_epoch: int, next_batch: int, epoch_generator: torch.Tensor, partial_loss: float,
                   partial_samples: int) -> None:
        per_rank = all_objects(rng_states(), ranks)  # every rank takes part; rank 0 writes
        if not ranks.main:
            return
        save_checkpoint(folder, model, {
            "version": 1, "epoch": next_epoch, "batch": next_batch, "step": step,
            "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(), "loss": loss.state_dict(),
            "scheduler": {"total_steps": schedule.total_steps, "warmup_steps": schedule.warmup_steps},
            "generator": epoch_generator, "rng": per_rank[0], "rank_rng": per_rank if ranks.world > 1 else [],
            "transform": transform_state(data.sketch_transform),
            "partial": {"loss_sum": partial_loss, "samples": partial_samples},
            "history": history, "options": options.to_dict(),
        })

    stopped = best is not None and best.should_stop(first_epoch)
    sampler = PieceSampler(ranks)
    loader = batch_loader(data, sampler, options.workers)
    for epoch in range(first_epoch, options.epochs if not stopped else first_epoch):
        epoch_generator = generator.get_state()
        batches, modes = _draw_epoch(generator, plan, options.modality_dropout)
        sampler.set_epoch(batches, start_batch)
        model.train()
        loss.train()
        running, processed, started = torch.zeros((), device=device), 0, time.perf_counter()
        with _bar(ranks.main, f"epoch {epoch + 1}/{options.epochs}", plan.batches) as advance:
            advance(start_batch)
            for b, read in zip(range(start_batch, plan.batches), loader, strict=True):
                batch = data.finish(read, device)
                weight, mode = 1 / plan.group_size(b), EVERY if options.every_mode else int(modes[b])
                if 0 < options.grad_cache_chunk < piece_sizes(batch.size, ranks.world)[0]:  # the same on every rank
                    value = cached_backward(ctx, batch, mode, weight, options.grad_cache_chunk)
                else:
                    value = plain_backward(ctx, batch, mode, weight)
                running += value * batch.size  # summed on device: no sync per step
                processed += batch.size
                if (b + 1) % plan.grad_accum == 0 or b + 1 == plan.batches:
                    average_gradients(loss_params, ranks)
                    _optimizer_step(optimizer, scaler, params, options.clip_norm, schedule, step)
                    step += 1
                    if out is not None and options.checkpoint_every and step % options.checkpoint_every == 0 \
                            and b + 1 < plan.batches:
                        checkpoint(out, epoch, b + 1, epoch_generator, loss_sum + running.item(), seen + processed)
                    if on_step is not None and ranks.main:
                        on_step(step, value)
                advance(1)
        seconds = time.perf_counter() - started
        record: dict[str, Any] = {"epoch": epoch + 1, "step": step,
                                  "loss": (loss_sum + running.item()) / max(1, seen + processed),
                                  "lr": options.lr * schedule.factor(max(0, step - 1)),
                                  "samples_per_s": processed / seconds, "seconds": seconds}
        if on_epoch_end is not None:
            extra = on_epoch_end(epoch + 1, dict(record)) if ranks.main else None
            record.update(from_main(extra, ranks) or {})
            model.train()
        if best is not None:
            best.update(record, model, write=ranks.main)
        history.append(plain(record))
        start_batch, loss_sum, seen = 0, 0.0, 0
        if out is not None:
            if ranks.main:
                write_history(out, history)
            checkpoint(out, epoch + 1, 0, generator.get_state(), 0.0, 0)
        if best is not None and best.should_stop(epoch + 1):
            break
    if restore_best and best is not None:
        barrier(ranks)
        best.restore(model)
    model.eval()
    return history
