"""Index: gallery vectors in, top-k search out; saves to and loads from a folder."""

from __future__ import annotations

from pathlib import Path

import torch

from sbkit.components.base import Component
from sbkit.errors import ShapeError, check


class Index(Component):
    """Base class. Vectors are L2-normalised by the caller; scores are inner products (higher is better)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.dim: int | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: list[str], vectors: torch.Tensor) -> None:
        check(vectors.ndim == 2 and len(ids) == len(vectors),
              f"index {self.name!r}: {len(ids)} ids but vectors of shape {tuple(vectors.shape)}", ShapeError)
        check(self.dim is None or vectors.shape[1] == self.dim,
              f"index {self.name!r}: holds {self.dim}-d vectors, got {vectors.shape[1]}-d", ShapeError)
        self.dim = int(vectors.shape[1])
        self._add(vectors.detach().float().cpu())
        self.ids.extend(ids)

    def search(self, queries: torch.Tensor, k: int) -> tuple[torch.Tensor, list[list[str]]]:
        """(Q, D) queries -> scores (Q, k') and ids, best first, with k' = min(k, len(self))."""
        check(queries.ndim == 2 and queries.shape[1] == self.dim,
              f"index {self.name!r}: queries must be (Q, {self.dim}), got {tuple(queries.shape)}", ShapeError)
        k = min(k, len(self))
        scores, rows = self._search(queries.detach().float().cpu(), k)
        # Approximate indexes pad missing results with -1; never map those to an id.
        return scores, [[self.ids[r] for r in row if r >= 0] for row in rows.tolist()]

    def _add(self, vectors: torch.Tensor) -> None:
        raise NotImplementedError  # abstract

    def _search(self, queries: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError  # abstract

    def save(self, folder: Path) -> None:
        raise NotImplementedError  # abstract

    @classmethod
    def load(cls, folder: Path) -> Index:
        raise NotImplementedError  # abstract
