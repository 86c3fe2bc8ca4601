"""A catalogue split as tensors, ready for training and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sbkit.data.catalogue import CatalogueItem


@dataclass
class SplitTensors:
    """One split as tensors; row ``i`` of every field belongs to ``items[i]``."""

    items: list[CatalogueItem]
    images: torch.Tensor  # (N, 3, S, S) uint8
    sketches: torch.Tensor  # (N, 1, S, S) uint8, made by the sketchifier
    drawn: torch.Tensor | None  # (N, 1, S, S) uint8, real or drawn-style sketches where items have one
    has_drawn: torch.Tensor  # (N,) bool
    captions: list[str]
    labels: torch.Tensor  # (N,) int64, equal for pictures of the same product
