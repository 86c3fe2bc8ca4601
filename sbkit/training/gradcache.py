"""Gradient caching: a contrastive step on a large batch with the activation memory of one chunk.

1. Embed the batch chunk by chunk without keeping activations, saving the RNG state before each chunk.
2. Take the loss on all the embeddings and back-propagate it to the embeddings only (and the loss's own
   parameters, e.g. its temperature).
3. Embed each chunk again with gradients, under the same RNG state (so dropout draws the same masks), and
   back-propagate the cached embedding gradients through it.

The parameter gradients equal those of one forward and backward over the same chunks. Without BatchNorm in
train mode that is a plain full-batch step; BatchNorm in train mode normalises each chunk by its own
statistics instead of the batch's. Running statistics are updated once per chunk, as in the plain chunked pass.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

import torch
from torch import nn

from sbkit.training.data import Batch
from sbkit.training.step import StepContext, inputs


def rng_state(device: torch.device) -> tuple[torch.Tensor, Any]:
    """The RNG states that dropout on ``device`` draws from."""
    return torch.get_rng_state(), torch.cuda.get_rng_state(device) if device.type == "cuda" else None


def set_rng_state(state: tuple[torch.Tensor, Any], device: torch.device) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state(state[1], device)


def norm_buffers(module: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(buffer, copy) of every normalisation layer's running statistics, so the no-grad pass can be undone."""
    saved = []
    for layer in module.modules():
        if isinstance(layer, nn.modules.batchnorm._NormBase) and layer.track_running_stats:
            saved.extend((b, b.clone()) for b in (layer.running_mean, layer.running_var, layer.num_batches_tracked)
                         if b is not None)
    return saved


def cached_backward(ctx: StepContext, batch: Batch, mode: int, weight: float, chunk: int) -> torch.Tensor:
    """Gradient-cached forward and backward of ``batch`` in near-equal chunks of at most ``chunk`` rows;
    gradients scaled by ``weight``. Returns the loss, detached."""
    images, sketches, texts = inputs(batch, mode)
    n = len(images)
    count = -(-n // chunk)  # near-equal chunks of at most ``chunk`` rows: no trailing chunk of one row for BatchNorm
    bounds = list(itertools.pairwise(i * n // count for i in range(count + 1)))

    def part(a: int, b: int) -> tuple[torch.Tensor, torch.Tensor | None, list[str] | None]:
        return images[a:b], None if sketches is None else sketches[a:b], None if texts is None else texts[a:b]

    saved = norm_buffers(ctx.net)
    states, queries, targets = [], [], []
    with torch.no_grad():
        for a, b in bounds:
            states.append(rng_state(ctx.device))
            query, target = ctx.embed(*part(a, b))
            queries.append(query)
            targets.append(target)
    for buffer, copy in saved:
        buffer.copy_(copy)

    query = torch.cat(queries).requires_grad_()
    target = torch.cat(targets).requires_grad_()
    value = ctx.contrastive(query, target, batch, mode)
    ctx.scaler.scale(value * weight).backward()
    grads = [torch.zeros_like(x) if x.grad is None else x.grad for x in (query, target)]  # None: loss ignored it

    no_sync = getattr(ctx.net, "no_sync", None)
    for i, (a, b) in enumerate(bounds):
        set_rng_state(states[i], ctx.device)
        last = i == len(bounds) - 1  # DDP all-reduces once, after the last chunk
        with contextlib.nullcontext() if last or no_sync is None else no_sync():
            q, t = ctx.embed(*part(a, b))
            torch.autograd.backward([q, t], [grads[0][a:b], grads[1][a:b]])
    return value.detach()
