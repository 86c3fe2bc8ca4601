"""Training batches through a ``torch.utils.data.DataLoader``: worker processes read each rank's piece of the
coming batches while the current one trains.

:class:`PieceSampler` is the distributed sampler: every rank walks the same shuffled epoch, cut into the same
global batches, and asks only for its own piece of each (:meth:`sbkit.training.distributed.Ranks.piece`). Over
an epoch the ranks together read every item once, and each global batch is the one a single process would
train on, so N processes give one process's result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from sbkit.data.workers import loader_options
from sbkit.training.distributed import Ranks

Request = tuple[torch.Tensor, tuple[int, int]]


class PieceSampler(Sampler):
    """Yields ``(rows, piece)`` for each global batch of the epoch from ``start`` on; see the module docstring."""

    def __init__(self, ranks: Ranks) -> None:
        self.ranks = ranks
        self.batches: list[torch.Tensor] = []
        self.start = 0

    def set_epoch(self, batches: list[torch.Tensor], start: int = 0) -> None:
        """The epoch's global batches (row numbers), and the first one still to train (after a resume)."""
        self.batches, self.start = batches, start

    def __iter__(self) -> Iterator[Request]:
        for rows in self.batches[self.start:]:
            yield rows, self.ranks.piece(len(rows))

    def __len__(self) -> int:
        return max(0, len(self.batches) - self.start)


class _Pieces(Dataset):
    """Reads a request from :class:`PieceSampler` through the training data's ``read``."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitems__(self, request: Request) -> Any:
        rows, piece = request
        return self.data.read(rows, piece)


def _as_is(read: Any) -> Any:
    return read


def batch_loader(data: Any, sampler: PieceSampler, workers: int) -> DataLoader:
    """A loader of ``data.read(rows, piece)`` for each request of ``sampler``, in order; ``workers`` processes
    (kept across epochs) read ahead, or none with 0. ``data.finish`` turns each into a batch on the device."""
    options = loader_options(workers, rows=len(data))
    readable = dataclasses.replace(data, sketch_transform=None) if options["num_workers"] and data.sketch_transform \
        else data
    return DataLoader(_Pieces(readable), batch_sampler=sampler, collate_fn=_as_is,
                      persistent_workers=options["num_workers"] > 0, **options)
