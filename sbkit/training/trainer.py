"""``fit``: AdamW with warm-up and cosine decay, mixed precision, accumulation, clipping, checkpoints and resume."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sbkit.components import Loss
from sbkit.errors import ConfigError, check
from sbkit.progress import progress_bar
from sbkit.training.checkpoint import (
    load_checkpoint,
    rng_states,
    save_checkpoint,
    set_rng_states,
    set_transform_state,
    transform_state,
)
from sbkit.training.data import Batch, TrainData
from sbkit.training.history import plain, write_history
from sbkit.training.model import RetrievalModel
from sbkit.training.options import TrainOptions
from sbkit.training.precision import autocast, autocast_dtype, grad_scaler
from sbkit.training.schedule import WarmupCosine

__all__ = ["TrainData", "TrainOptions", "fit", "make_optimizer"]

EpochCallback = Callable[[int, dict[str, Any]], dict[str, Any] | None]
SKETCH_ONLY, TEXT_ONLY, BOTH = 0, 1, 2


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


def _forward(model: RetrievalModel, loss: Loss, batch: Batch, mode: int, device: torch.device,
             dtype: torch.dtype | None) -> torch.Tensor:
    """The batch's loss: its queries (with the modalities ``mode`` keeps) against its photos."""
    with autocast(device, dtype):
        target = model.embed_images(batch.images)
        query = model.embed_queries(batch.sketches if mode != TEXT_ONLY else None,
                                    batch.texts if mode != SKETCH_ONLY else None)
    return loss(query.float(), target.float(), batch.labels)


def _optimizer_step(optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler, params: list[nn.Parameter],
                    clip_norm: float, schedule: WarmupCosine, step: int) -> None:
    schedule.apply(optimizer, step)
    if clip_norm > 0:
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(params, clip_norm)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)


def fit(model: RetrievalModel, loss: Loss, data: TrainData, options: TrainOptions, out_dir: Path | None = None,
        on_epoch_end: EpochCallback | None = None, resume: bool = False) -> list[dict[str, Any]]:
    """Train ``model`` so that each fused query lands nearest its own product's photo.

    Args:
        model: encoder + fuser; call ``encoder.prepare(captions)`` before.
        loss: compares query vectors with image vectors, given the product ids as labels.
        data: photos, sketches, captions and product ids.
        options: see :class:`TrainOptions`.
        out_dir: where checkpoints and ``history.json``/``.csv`` go; None keeps nothing on disk.
        on_epoch_end: called as ``on_epoch_end(epoch, record)`` (1-based) after each epoch; what it
            returns (e.g. validation metrics) is merged into the record. The model is put back in train mode after.
        resume: continue from the checkpoint in ``out_dir`` (if there is one) to the same result as an
            uninterrupted run.

    Returns:
        One record per epoch: ``epoch``, ``step``, ``loss``, ``lr``, ``samples_per_s``, ``seconds``, plus what
        ``on_epoch_end`` returned.
    """
    check(not resume or out_dir is not None, "resume=True needs out_dir, the folder holding the checkpoint",
          ConfigError)
    device = torch.device(options.device)
    out = Path(out_dir) if out_dir is not None else None
    torch.manual_seed(options.seed)
    model.to(device)
    loss.to(device)
    state = load_checkpoint(out) if resume and out is not None else None
    if state is not None:
        conflicts = options.resume_conflicts(state["options"])
        check(not conflicts, f"cannot resume from {out}: options changed ({'; '.join(conflicts)}); use the saved "
              f"options or a new out_dir", ConfigError)
        model.load(out)

    plan = _Plan(len(data), options.batch_size, options.grad_accum)
    schedule = WarmupCosine.from_fraction(plan.steps * options.epochs, options.warmup)
    optimizer = make_optimizer(model, loss, options)
    dtype = autocast_dtype(options.amp, device)
    scaler = grad_scaler(device, dtype)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    generator = torch.Generator().manual_seed(options.seed)
    history: list[dict[str, Any]] = []
    first_epoch, start_batch, step, loss_sum, seen = 0, 0, 0, 0.0, 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        loss.load_state_dict(state["loss"])
        generator.set_state(state["generator"])
        set_rng_states(state["rng"])
        set_transform_state(data.sketch_transform, state.get("transform"))
        first_epoch, start_batch, step = state["epoch"], state["batch"], state["step"]
        loss_sum, seen = state["partial"]["loss_sum"], state["partial"]["samples"]
        history = state["history"]

    def checkpoint(folder: Path, next_epoch: int, next_batch: int, epoch_generator: torch.Tensor, partial_loss: float,
                   partial_samples: int) -> None:
        save_checkpoint(folder, model, {
            "version": 1, "epoch": next_epoch, "batch": next_batch, "step": step,
            "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(), "loss": loss.state_dict(),
            "scheduler": {"total_steps": schedule.total_steps, "warmup_steps": schedule.warmup_steps},
            "generator": epoch_generator, "rng": rng_states(),
            "transform": transform_state(data.sketch_transform),
            "partial": {"loss_sum": partial_loss, "samples": partial_samples},
            "history": history, "options": options.to_dict(),
        })

    for epoch in range(first_epoch, options.epochs):
        epoch_generator = generator.get_state()
        batches, modes = _draw_epoch(generator, plan, options.modality_dropout)
        model.train()
        loss.train()
        running, processed, started = torch.zeros((), device=device), 0, time.perf_counter()
        with progress_bar(f"epoch {epoch + 1}/{options.epochs}", plan.batches) as advance:
            advance(start_batch)
            for b in range(start_batch, plan.batches):
                batch = data.batch(batches[b], device)
                value = _forward(model, loss, batch, int(modes[b]), device, dtype)
                scaler.scale(value / plan.group_size(b)).backward()
                running += value.detach() * len(batch.texts)  # summed on device: no sync per step
                processed += len(batch.texts)
                if (b + 1) % plan.grad_accum == 0 or b + 1 == plan.batches:
                    _optimizer_step(optimizer, scaler, params, options.clip_norm, schedule, step)
                    step += 1
                    if out is not None and options.checkpoint_every and step % options.checkpoint_every == 0 \
                            and b + 1 < plan.batches:
                        checkpoint(out, epoch, b + 1, epoch_generator, loss_sum + running.item(), seen + processed)
                advance(1)
        seconds = time.perf_counter() - started
        record: dict[str, Any] = {"epoch": epoch + 1, "step": step,
                                  "loss": (loss_sum + running.item()) / max(1, seen + processed),
                                  "lr": options.lr * schedule.factor(max(0, step - 1)),
                                  "samples_per_s": processed / seconds, "seconds": seconds}
        if on_epoch_end is not None:
            record.update(on_epoch_end(epoch + 1, dict(record)) or {})
        history.append(plain(record))
        start_batch, loss_sum, seen = 0, 0.0, 0
        if out is not None:
            write_history(out, history)
            checkpoint(out, epoch + 1, 0, generator.get_state(), 0.0, 0)
    model.eval()
    return history
