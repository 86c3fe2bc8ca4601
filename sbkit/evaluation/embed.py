"""Embedding a split's photos in batches, shared by the run's evaluation and the probes."""

from __future__ import annotations

from collections.abc import Callable

import torch

from sbkit.data.tensors import SplitTensors


@torch.no_grad()
def batched(fn: Callable[[slice], torch.Tensor], count: int, batch_size: int) -> torch.Tensor:
    """Concatenate ``fn(rows)`` over slices of ``batch_size`` rows."""
    parts = [fn(slice(start, start + batch_size)) for start in range(0, count, batch_size)]
    return torch.cat(parts) if parts else torch.zeros(0)


@torch.no_grad()
def embed_gallery(model, split: SplitTensors, batch_size: int, device: torch.device) -> torch.Tensor:
    """(G, D) float32 on the CPU: every photo of ``split`` through ``model.embed_images``, in batches."""
    return batched(lambda s: model.embed_images(split.images[s].to(device)).float().cpu(), len(split.items),
                   batch_size)
