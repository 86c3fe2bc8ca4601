"""Loss: query vectors (B, D) against target vectors (B, D), optional labels (B,), to a scalar."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from sbkit.components.base import Component
from sbkit.errors import ShapeError, check


class Loss(Component, nn.Module):
    """Base class (template method): :meth:`forward` checks shapes and calls :meth:`compute`.

    Row ``i`` of ``query`` and of ``target`` belong together. Rows with equal ``labels`` (when given)
    are the same product or concept, so they are positives, never negatives. ``positives`` (B, B) bool, when
    given, adds pairs: query ``i`` also fits target ``j`` (a short caption that describes several items). A loss
    that can use them sets ``takes_positives`` and takes them as :meth:`compute`'s ``positives``; any other loss
    trains on the labels alone.
    """

    takes_positives: ClassVar[bool] = False

    def __init__(self) -> None:
        nn.Module.__init__(self)

    def forward(self, query: torch.Tensor, target: torch.Tensor, labels: torch.Tensor | None = None,
                positives: torch.Tensor | None = None) -> torch.Tensor:
        check(query.ndim == 2 and query.shape == target.shape,
              f"loss {self.name!r}: query {tuple(query.shape)} and target {tuple(target.shape)} must both be (B, D)",
              ShapeError)
        if labels is not None:
            check(labels.shape == (query.shape[0],), f"loss {self.name!r}: labels must be (B,), got {tuple(labels.shape)}")
        if positives is not None:
            check(positives.shape == (query.shape[0],) * 2 and positives.dtype == torch.bool,
                  f"loss {self.name!r}: positives must be bool (B, B) with B = {query.shape[0]}, got "
                  f"{positives.dtype} {tuple(positives.shape)}", ShapeError)
            if self.takes_positives:
                return self.compute(query, target, labels, positives=positives)
        return self.compute(query, target, labels)

    def compute(self, query: torch.Tensor, target: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError  # abstract
