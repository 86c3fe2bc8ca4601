"""A catalogue split as tensors (or rows read from disk), ready for training and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sbkit.data.catalogue import CatalogueItem
from sbkit.data.drawings import Drawings
from sbkit.data.rows import Rows


@dataclass
class SplitTensors:
    """One split; row ``i`` of every field belongs to ``items[i]``. The pictures are tensors, or rows read from
    disk on demand (:class:`~sbkit.data.rows.DiskRows`); index them by rows, or use ``sbkit.data.rows.whole``."""

    items: list[CatalogueItem]
    images: Rows  # (N, 3, S, S) uint8
    sketches: Rows  # (N, 1, S, S) uint8, made by the sketchifier
    drawn: Rows | None  # (N, 1, S, S) uint8, real or drawn-style sketches where items have one
    has_drawn: torch.Tensor  # (N,) bool
    captions: list[str]
    labels: torch.Tensor  # (N,) int64, equal for pictures of the same product
    # the items' drawings beyond ``drawn`` (M, 1, S, S), item after item, and how many drawings each item has
    # in all; read where a run trains on or asks with every drawing (see sbkit.data.drawings)
    more_drawn: Rows | None = None
    drawn_count: torch.Tensor | None = None

    def drawings(self) -> Drawings | None:
        """Every drawing of the items, or None when no item has one."""
        if self.drawn is None or not bool(self.has_drawn.any()):
            return None
        count = self.drawn_count if self.drawn_count is not None else self.has_drawn.long()
        return Drawings(self.drawn, count, self.more_drawn)
