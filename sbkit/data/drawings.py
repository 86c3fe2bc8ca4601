"""Every drawing of a split's items, to train on and to ask with: some catalogues have several per item (Sketchy,
QMUL-Shoe-V2)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch

from sbkit.data.rows import Rows, rows_key, take
from sbkit.errors import ShapeError, check


def _starts(extra: torch.Tensor) -> torch.Tensor:
    """Where each item's drawings beyond its first begin in ``more``, given how many each has (``extra``)."""
    return torch.cumsum(extra, 0) - extra


def _owners(extra: torch.Tensor) -> torch.Tensor:
    """The item of each drawing in ``more``, given how many drawings beyond its first each item has."""
    return torch.repeat_interleave(torch.arange(len(extra)), extra)


@dataclass
class Drawings:
    """Item ``i`` has ``count[i]`` drawings (0 or more). ``first`` (N, 1, S, S) holds each item's first (blank
    where it has none) and ``more`` (M, 1, S, S) the others, item after item: item ``i``'s drawing ``j >= 1`` is
    ``more[start[i] + j - 1]``."""

    first: Rows
    count: torch.Tensor
    more: Rows | None = None
    start: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        self.count = self.count.long().reshape(-1)
        extra = (self.count - 1).clamp(min=0)
        self.start = _starts(extra)
        check(len(self.first) == len(self.count), f"{len(self.first)} first drawings for {len(self.count)} items",
              ShapeError)
        stored = len(self.more) if self.more is not None else 0
        check(stored == int(extra.sum()),
              f"the items have {int(extra.sum())} drawings beyond their first, got {stored}", ShapeError)

    @property
    def has(self) -> torch.Tensor:
        """(N,) bool: which items have a drawing."""
        return self.count > 0

    @property
    def most(self) -> int:
        """The most drawings any item has."""
        return int(self.count.max()) if len(self.count) else 0

    def owners(self) -> torch.Tensor:
        """(M,) the item each drawing of ``more`` is of."""
        return _owners((self.count - 1).clamp(min=0))

    def read(self, items: torch.Tensor, number: torch.Tensor) -> torch.Tensor:
        """Drawing ``number % count`` of each of ``items``, which must all have one; only those rows are read."""
        which = number % self.count[items]
        out = self.first[items]
        later = which > 0
        if bool(later.any()):
            out[later] = self.more[self.start[items[later]] + which[later] - 1]
        return out

    def swap_in(self, sketches: torch.Tensor, items: torch.Tensor, use: torch.Tensor,
                number: torch.Tensor) -> torch.Tensor:
        """``sketches`` (of ``items``) with sketch ``k`` replaced by drawing ``number[k]`` of its item where
        ``use[k]``; ``sketches`` itself is left as it is."""
        if not bool(use.any()):
            return sketches
        sketches = sketches.clone()
        sketches[use] = self.read(items[use], number[use])
        return sketches

    def take(self, items: torch.Tensor | slice) -> Drawings:
        """The drawings of some items only, staying on disk where they are."""
        if isinstance(items, slice):
            items = torch.arange(len(self.count))[items]
        more = None
        extra = (self.count[items] - 1).clamp(min=0)
        if self.more is not None and int(extra.sum()):
            owner = _owners(extra)
            within = torch.arange(int(extra.sum())) - _starts(extra)[owner]
            more = take(self.more, self.start[items][owner] + within)
        return Drawings(take(self.first, items), self.count[items], more)

    def key(self) -> str:
        """A short digest of the drawings and of which items have them, for feature cache keys."""
        digest = hashlib.sha256(rows_key(self.first) + self.has.numpy().tobytes())
        if self.more is not None:  # one drawing per item keeps the key it always had
            digest.update(self.count.numpy().tobytes() + rows_key(self.more))
        return digest.hexdigest()[:16]
