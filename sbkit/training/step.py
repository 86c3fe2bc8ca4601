"""One batch's forward and backward pass: embed the piece, gather across ranks, take the loss, back-propagate."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sbkit.components import Loss
from sbkit.training.data import Batch
from sbkit.training.distributed import Ranks, gather_rows, piece_sizes
from sbkit.training.model import RetrievalModel
from sbkit.training.precision import autocast

SKETCH_ONLY, TEXT_ONLY, BOTH, EVERY = 0, 1, 2, 3  # EVERY: sketch+text, sketch-only and text-only in one batch
EVERY_ORDER = (BOTH, SKETCH_ONLY, TEXT_ONLY)  # the modes of an EVERY batch, in the order its queries are stacked


class PairModel(nn.Module):
    """``forward(images, sketches, texts) -> (query, target)``, both (b, D): the one entry point DDP wraps."""

    def __init__(self, model: RetrievalModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor, sketches: torch.Tensor | None, texts: list[str] | None,
                every: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """``every=True`` returns queries (3, b, D): sketch+text, sketch only and text only, for one target."""
        target = self.model.embed_images(images)
        if every:
            query = torch.stack([self.model.embed_queries(None if mode == TEXT_ONLY else sketches,
                                                          None if mode == SKETCH_ONLY else texts)
                                 for mode in EVERY_ORDER])
        else:
            query = self.model.embed_queries(sketches, texts)
        return query, target


@dataclass
class StepContext:
    """What every step shares: the (possibly DDP-wrapped) pair model, the loss, precision and ranks, and the share
    of a sketch+text query's loss that counts the items its caption describes as positives
    (:attr:`~sbkit.training.options.TrainOptions.sketch_text_positives`)."""

    net: nn.Module
    loss: Loss
    device: torch.device
    dtype: torch.dtype | None
    scaler: torch.amp.GradScaler
    ranks: Ranks
    sketch_text_positives: float = 0.0

    def embed(self, images: torch.Tensor, sketches: torch.Tensor | None, texts: list[str] | None,
              every: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(query, target), each (b, D) float32, under the run's autocast."""
        with autocast(self.device, self.dtype):
            query, target = self.net(images, sketches, texts, every=every)
        return query.float(), target.float()

    def contrastive(self, query: torch.Tensor, target: torch.Tensor, batch: Batch, mode: int) -> torch.Tensor:
        """The loss of the whole batch: each rank's (b_r, D) rows are gathered first when training on several.

        Queries (3, b, D) of :data:`EVERY` mode (sketch+text, sketch only, text only) give the mean of their
        three losses against the one target. Text-only queries also count the items their caption describes
        as positives, where the batch says which (``Batch.text_positives``); sketch+text queries count them in
        ``sketch_text_positives`` of their loss, their own item alone in the rest.
        """
        if mode == EVERY:
            return torch.stack([self.contrastive(q, target, batch, m)
                                for q, m in zip(query, EVERY_ORDER, strict=True)]).mean()
        if self.ranks.world > 1:
            sizes = piece_sizes(batch.size, self.ranks.world)
            query, target = gather_rows(query, sizes), gather_rows(target, sizes)
        share = self.sketch_text_positives
        if mode == BOTH and share > 0 and batch.text_positives is not None and self.loss.takes_positives:
            return ((1 - share) * self.loss(query, target, batch.labels)
                    + share * self.loss(query, target, batch.labels, batch.text_positives))
        return self.loss(query, target, batch.labels, batch.text_positives if mode == TEXT_ONLY else None)


def inputs(batch: Batch, mode: int) -> tuple[torch.Tensor, torch.Tensor | None, list[str] | None]:
    """Photos, and the sketches and captions that ``mode`` keeps."""
    return (batch.images, batch.sketches if mode != TEXT_ONLY else None,
            batch.texts if mode != SKETCH_ONLY else None)


def plain_backward(ctx: StepContext, batch: Batch, mode: int, weight: float) -> torch.Tensor:
    """Forward and backward of one batch at once; gradients are scaled by ``weight``. Returns the loss, detached."""
    query, target = ctx.embed(*inputs(batch, mode), every=mode == EVERY)
    value = ctx.contrastive(query, target, batch, mode)
    ctx.scaler.scale(value * weight).backward()
    return value.detach()
