"""Training data as uint8 rows (in memory or on disk), and one batch of it."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from sbkit.data.drawings import Drawings
from sbkit.data.rows import Rows
from sbkit.errors import DataError, ShapeError, check
from sbkit.training.captions import described_by


@dataclass
class Batch:
    """One training batch on the training device: this rank's piece of it, and the labels of all of it.

    Without a process group the piece is the whole batch.
    """

    images: torch.Tensor  # uint8 (b, 3, S, S), this rank's rows
    sketches: torch.Tensor  # uint8 or float (b, 1, S, S), this rank's rows
    texts: list[str]  # b captions, this rank's rows
    labels: torch.Tensor  # long (B,), every rank's rows in rank order
    # bool (B, B), every rank's rows: row i's caption also describes row j's item (text-only positives), or None
    text_positives: torch.Tensor | None = None

    @property
    def size(self) -> int:
        """Rows in the whole batch (B)."""
        return len(self.labels)


def pick_variants(rows: torch.Tensor, variants: int, seed: int, what: str) -> torch.Tensor:
    """(B,) variant numbers in [0, variants) for a batch of ``rows``, drawn from the rows themselves.

    The draw depends only on ``seed``, ``what`` and the batch's rows in order, so a resumed run, which
    draws the same batches, picks the same variants with no state to keep.
    """
    key = zlib.crc32(rows.cpu().numpy().tobytes(), zlib.crc32(f"{seed}:{what}".encode()))
    return torch.randint(variants, (len(rows),), generator=torch.Generator().manual_seed(key))


DRAWING_PICKS = 720_720  # divisible by every count of drawings up to 16: the pick stays even among them


def with_drawings(sketches: torch.Tensor, rows: torch.Tensor, drawings: Drawings, seed: int) -> torch.Tensor:
    """``sketches`` (the rows ``rows``) with about half of those whose item has a drawing replaced by one of its
    drawings, each of an item's drawings as likely as the others.

    Which rows, and which drawing, are drawn from the rows (:func:`pick_variants`), so a resumed run makes the
    same choice.
    """
    use = drawings.has[rows] & (pick_variants(rows, 2, seed, "drawing") == 1)
    return drawings.swap_in(sketches, rows, use, pick_variants(rows, DRAWING_PICKS, seed, "which drawing"))


def pick_captions(variants: list[list[str]], rows: torch.Tensor, seed: int) -> list[str]:
    """One caption per row of ``rows``, from that item's ``variants`` (see :func:`pick_variants`)."""
    draws = pick_variants(rows, 1 << 20, seed, "caption").tolist()
    return [variants[i][k % len(variants[i])] for i, k in zip(rows.tolist(), draws)]


def to_device(tensor: torch.Tensor | None, device: torch.device) -> torch.Tensor | None:
    """``tensor`` moved to ``device`` without waiting; None stays None."""
    return None if tensor is None else tensor.to(device, non_blocking=True)


def text_positives(texts: list[str], descriptions: list[str] | None, rows: torch.Tensor) -> torch.Tensor | None:
    """(B, B) bool: which of the batch's items (``rows``) each of its B captions describes; None without
    ``descriptions`` (:func:`sbkit.training.captions.described_by`)."""
    return None if descriptions is None else described_by(texts, [descriptions[i] for i in rows.tolist()])


@dataclass
class TrainData:
    """Aligned photos, sketches, captions and product ids; row ``i`` of each is one catalogue item.

    Attributes:
        images: uint8 (N, 3, S, S) photos, a tensor or rows on disk (:class:`sbkit.data.rows.DiskRows`).
        sketches: uint8 (N, 1, S, S) sketches, dark lines on white, already normalised (likewise).
        captions: N captions (an empty string for none).
        labels: long (N,) product ids; rows with equal ids are positives of each other.
        sketch_transform: applied to each batch of uint8 sketches (B, 1, S, S) before encoding, e.g.
            stroke augmentation; must return uint8 or float in [0, 1] of the same shape.
        caption_variants: per item, captions to train with instead of ``captions`` (people-like short
            forms, see :class:`sbkit.training.captions.CaptionAugment`); one is picked per row and batch.
        seed: seeds the caption and drawing picks.
        drawings: the items' drawings by people (or drawn-style): a :class:`~sbkit.data.drawings.Drawings`
            (any number per item), or uint8 (N, 1, S, S) with ``has_drawing`` (N,) bool saying which items have
            one. An item with drawings trains on one of them in about half of its batches.
        descriptions: per item, every word its captions may use
            (:func:`sbkit.training.captions.item_description`); given, a text-only query's positives are also
            the batch's items whose description holds every word of its caption, not only its own.
    """

    images: Rows
    sketches: Rows
    captions: list[str]
    labels: torch.Tensor
    sketch_transform: Callable[[torch.Tensor], torch.Tensor] | None = None
    caption_variants: list[list[str]] | None = None
    seed: int = 0
    drawings: Drawings | Rows | None = None
    has_drawing: torch.Tensor | None = None
    descriptions: list[str] | None = None

    def __post_init__(self) -> None:
        n = len(self.images)
        if self.drawings is not None and not isinstance(self.drawings, Drawings):
            check(self.has_drawing is not None and self.has_drawing.shape == (n,),
                  "train drawings given as pictures need has_drawing (N,) saying which items have one", ShapeError)
            self.drawings = Drawings(self.drawings, self.has_drawing.long())
        check(self.drawings is None or (self.drawings.first.shape == self.sketches.shape
                                        and (self.drawings.more is None
                                             or self.drawings.more.shape[1:] == self.sketches.shape[1:])),
              f"train drawings must be shaped like the sketches {tuple(self.sketches.shape)}", ShapeError)
        check(self.images.ndim == 4 and self.images.shape[1] == 3 and self.images.dtype == torch.uint8,
              f"train images must be uint8 (N, 3, S, S), got {self.images.dtype} {tuple(self.images.shape)}",
              ShapeError)
        check(self.sketches.ndim == 4 and self.sketches.shape[1] == 1 and self.sketches.dtype == torch.uint8,
              f"train sketches must be uint8 (N, 1, S, S), got {self.sketches.dtype} {tuple(self.sketches.shape)}",
              ShapeError)
        check(len(self.sketches) == n and len(self.captions) == n and self.labels.shape == (n,),
              f"train data rows disagree: {n} images, {len(self.sketches)} sketches, {len(self.captions)} captions, "
              f"labels {tuple(self.labels.shape)}; give one of each per item", ShapeError)
        check(n >= 2, f"training needs at least 2 items, got {n}", DataError)
        check(all(isinstance(c, str) for c in self.captions),
              "train captions must all be strings; use '' for an item without a caption", DataError)
        check(self.caption_variants is None or (len(self.caption_variants) == n and all(self.caption_variants)),
              f"caption_variants needs a non-empty list for each of the {n} items", DataError)
        check(self.descriptions is None or len(self.descriptions) == n,
              f"descriptions needs one string for each of the {n} items", DataError)
        self.labels = self.labels.long()

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, rows: torch.Tensor, device: torch.device, piece: tuple[int, int] | None = None) -> Batch:
        """The items at ``rows`` (long (B,)) on ``device``, keeping only ``rows[start:stop]`` for ``piece``.

        The sketch transform sees all B rows, so its random draws do not depend on how the batch is split.
        """
        return self.finish(self.read(rows, piece), device)

    def read(self, rows: torch.Tensor, piece: tuple[int, int] | None = None) -> dict[str, Any]:
        """What :meth:`batch` reads, on the CPU and with no random draws, so a DataLoader worker can read it."""
        start, stop = piece if piece is not None else (0, len(rows))
        mine = rows[start:stop]
        sketches = self.sketches[rows]
        if self.drawings is not None:
            sketches = with_drawings(sketches, rows, self.drawings, self.seed)
        texts = ([self.captions[i] for i in rows.tolist()] if self.caption_variants is None
                 else pick_captions(self.caption_variants, rows, self.seed))
        return {"images": self.images[mine], "sketches": sketches, "piece": (start, stop),
                "texts": texts[start:stop], "labels": self.labels[rows],
                "text_positives": text_positives(texts, self.descriptions, rows)}

    def finish(self, read: dict[str, Any], device: torch.device) -> Batch:
        """The batch from :meth:`read`'s rows: the sketch transform (in this process, in batch order), then
        this rank's piece, on ``device``."""
        start, stop = read["piece"]
        sketches = read["sketches"]
        if self.sketch_transform is not None:
            sketches = self.sketch_transform(sketches)
        return Batch(images=read["images"].to(device, non_blocking=True),
                     sketches=sketches[start:stop].to(device, non_blocking=True), texts=read["texts"],
                     labels=read["labels"].to(device, non_blocking=True),
                     text_positives=to_device(read["text_positives"], device))
