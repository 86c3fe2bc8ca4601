"""Data-parallel training through ``torch.distributed``: process group, batch pieces, gathering across ranks.

Every rank draws the same epoch order and batches from the shared seed and embeds its piece of each
batch; the embeddings are gathered (with gradient) so the loss sees the whole batch, as one process would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from sbkit.errors import ConfigError, check

TORCHRUN_VARS = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class Ranks:
    """Where this process stands: ``world`` processes in all, this one is ``rank``; ``created`` when ``fit``
    initialised the process group itself (and so destroys it at the end)."""

    world: int = 1
    rank: int = 0
    created: bool = False

    @property
    def active(self) -> bool:
        return self.world > 1 or (dist.is_available() and dist.is_initialized())

    @property
    def main(self) -> bool:
        """Rank 0: the one that writes checkpoints and history and runs ``on_epoch_end``."""
        return self.rank == 0

    def piece(self, count: int) -> tuple[int, int]:
        """``(start, stop)`` of this rank's rows among ``count`` rows split into near-equal pieces."""
        sizes = piece_sizes(count, self.world)
        start = sum(sizes[: self.rank])
        return start, start + sizes[self.rank]


def piece_sizes(count: int, world: int) -> list[int]:
    """Rows of each rank when ``count`` rows are split into ``world`` near-equal pieces (larger first)."""
    return [count // world + (r < count % world) for r in range(world)]


def setup(distributed: bool, device: str) -> tuple[Ranks, torch.device]:
    """The process group (an existing one, or one made from the ``torchrun`` environment when ``distributed``)
    and this rank's device (``cuda`` becomes ``cuda:LOCAL_RANK``)."""
    created = False
    if distributed and not (dist.is_available() and dist.is_initialized()):
        missing = [v for v in TORCHRUN_VARS if v not in os.environ]
        check(not missing, f"distributed=True needs a process group or the torchrun environment; missing "
              f"{', '.join(missing)}: launch with `torchrun --nproc_per_node N script.py`, or call "
              f"torch.distributed.init_process_group first", ConfigError)
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        dist.init_process_group(backend)
        created = True
    if not (dist.is_available() and dist.is_initialized()):
        return Ranks(), torch.device(device)
    where = torch.device(device)
    if where.type == "cuda" and where.index is None:
        where = torch.device("cuda", int(os.environ.get("LOCAL_RANK", dist.get_rank() % torch.cuda.device_count())))
        torch.cuda.set_device(where)
    return Ranks(dist.get_world_size(), dist.get_rank(), created), where


def wrap(module: nn.Module, ranks: Ranks, device: torch.device) -> nn.Module:
    """``module`` inside DistributedDataParallel when a process group is active.

    Unused parameters are looked for, since a sketch-only or text-only batch leaves part of the model out.
    Buffers are not broadcast at each forward: train-mode BatchNorm uses batch statistics anyway, and ranks may
    run different numbers of gradient-caching chunks, which a per-forward broadcast would not survive.
    """
    if not ranks.active:
        return module
    ids = [device] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids, find_unused_parameters=True,
                                               broadcast_buffers=False)


def gather_rows(rows: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    """Every rank's (n_r, D) rows, concatenated in rank order to (sum n_r, D), keeping the gradient.

    The backward pass sums the gradients all ranks compute for this rank's rows; with DDP averaging the
    parameter gradients after, they equal one process's gradients on the whole batch.
    """
    from torch.distributed import (
        _functional_collectives as collectives,  # all_gather with autograd
    )

    most = max(sizes)
    if len(rows) < most:  # all_gather needs equal shapes: pad, then drop the padding
        rows = torch.cat([rows, rows.new_zeros(most - len(rows), *rows.shape[1:])])
    gathered = collectives.all_gather_single(rows.contiguous(), 0, dist.group.WORLD)
    parts = gathered.view(len(sizes), most, *rows.shape[1:])
    return torch.cat([part[:size] for part, size in zip(parts.unbind(0), sizes, strict=True)])


def average_gradients(params: list[nn.Parameter], ranks: Ranks) -> None:
    """Average gradients that DDP does not manage (e.g. a loss's temperature) over the ranks."""
    if not ranks.active:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad.div_(ranks.world)


def all_objects(obj: Any, ranks: Ranks) -> list[Any]:
    """``obj`` from every rank, in rank order (a list of one without a process group)."""
    if not ranks.active:
        return [obj]
    out: list[Any] = [None] * ranks.world
    dist.all_gather_object(out, obj)
    return out


def from_main(obj: Any, ranks: Ranks) -> Any:
    """Rank 0's ``obj`` on every rank."""
    if not ranks.active:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier(ranks: Ranks) -> None:
    if ranks.active:
        dist.barrier()


def teardown(ranks: Ranks) -> None:
    """Destroy the process group if ``setup`` created it."""
    if ranks.created and dist.is_initialized():
        dist.destroy_process_group()
