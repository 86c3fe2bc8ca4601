"""Exact inner-product search: blocks of gallery vectors, matmul and top-k per block, merged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from sbkit.components import Index
from sbkit.errors import ConfigError, DataError, check
from sbkit_index.manifest import open_index, save_index

VECTORS = "vectors.f32"
_MAX_SCORES = 1 << 24  # query rows x gallery rows scored at once (64 MiB of float32)


class ExactIndex(Index):
    """Exact search: scores every gallery vector, so results are the true top-k.

    Vectors live in blocks of ``chunk`` rows (float32, contiguous), filled in place as vectors arrive, so
    nothing is ever copied to grow and peak memory stays near the vectors' own size. Search scores one block
    at a time, so no (Q, G) matrix is ever built. Among equal scores the order is unspecified.

    Args:
        chunk: Gallery rows per stored block and per matmul; bounds the scores held at once.
    """

    name = "exact"
    description = "Exact inner-product search (matmul + top-k on CPU), chunked so memory stays bounded."

    def __init__(self, chunk: int = 65536) -> None:
        super().__init__()
        check(chunk >= 1, f"index 'exact': chunk must be >= 1, got {chunk}", ConfigError)
        self.chunk = chunk
        self.model_hash: str | None = None
        self._blocks: list[torch.Tensor] = []  # full blocks of `chunk` rows
        self._tail: torch.Tensor | None = None  # the block being filled, `chunk` rows of capacity
        self._tail_rows = 0

    def _add(self, vectors: torch.Tensor) -> None:
        start = 0
        while start < len(vectors):
            if self._tail is None or self._tail_rows == self.chunk:
                if self._tail is not None:
                    self._blocks.append(self._tail)
                # Allocated whole but never initialised: the OS commits pages only as rows are written.
                self._tail, self._tail_rows = torch.empty(self.chunk, self.dim or 0), 0
            take = min(len(vectors) - start, self.chunk - self._tail_rows)
            self._tail[self._tail_rows:self._tail_rows + take] = vectors[start:start + take]
            self._tail_rows += take
            start += take

    def blocks(self) -> Iterator[tuple[int, torch.Tensor]]:
        """(first row, block (B, D)) for every stored block, in row order; the blocks are views, not copies."""
        offset = 0
        for block in self._blocks:
            yield offset, block
            offset += len(block)
        if self._tail_rows:
            yield offset, self._tail[:self._tail_rows]  # type: ignore[index]

    def vectors(self) -> torch.Tensor:
        """All stored vectors as one new (N, D) tensor (a copy)."""
        parts = [block for _, block in self.blocks()]
        return torch.cat(parts) if parts else torch.empty(0, self.dim or 0)

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k == 0:
            return np.empty((len(queries), 0), np.float32), np.empty((len(queries), 0), np.int64)
        query_chunk = max(1, _MAX_SCORES // self.chunk)
        all_scores, all_rows = [], []
        with torch.inference_mode():
            for q0 in range(0, len(queries), query_chunk):
                q = queries[q0:q0 + query_chunk]
                best_scores = best_rows = None
                for offset, block in self.blocks():
                    # numpy's BLAS ran this product 1.3-2x faster than torch's on a 2-core CPU, and torch's
                    # topk beat numpy's argpartition
                    scores, rows = torch.from_numpy(q @ block.numpy().T).topk(min(k, len(block)), dim=1)
                    rows += offset
                    if best_scores is None:
                        best_scores, best_rows = scores, rows
                    else:
                        merged = torch.cat([best_scores, scores], 1)
                        best_scores, pick = merged.topk(min(k, merged.shape[1]), dim=1)
                        best_rows = torch.cat([best_rows, rows], 1).gather(1, pick)
                all_scores.append(best_scores)
                all_rows.append(best_rows)
        if len(all_scores) == 1:
            return all_scores[0].numpy(), all_rows[0].numpy()
        return torch.cat(all_scores).numpy(), torch.cat(all_rows).numpy()

    def save(self, folder: Path) -> None:
        """Write ``vectors.f32`` (raw little-endian float32, (N, D) row-major), ``ids.json`` and the manifest."""

        def write(path: Path) -> None:
            with open(path, "wb") as f:
                for _, block in self.blocks():
                    f.write(memoryview(block.contiguous().numpy()).cast("B"))

        save_index(folder, self, {VECTORS: write})

    @classmethod
    def load(cls, folder: Path, model_hash: str | None = None) -> ExactIndex:
        """Load a folder written by :meth:`save`, after checking every file against the manifest.

        Args:
            folder: The index folder.
            model_hash: When given, refuse an index built with a different model.
        """
        index, manifest = open_index(folder, cls, [VECTORS], model_hash)
        path = Path(folder) / VECTORS
        count, dim = manifest["count"], manifest["dim"]
        check(path.stat().st_size == count * dim * 4, f"{path} is {path.stat().st_size} bytes, but count={count} "
              f"x dim={dim} float32 vectors need {count * dim * 4}; re-save the index", DataError)
        with open(path, "rb") as f:
            for start in range(0, count, index.chunk):
                rows = min(index.chunk, count - start)
                block = torch.empty(index.chunk, dim)
                f.readinto(memoryview(block[:rows].numpy()).cast("B"))
                if index._tail is not None:
                    index._blocks.append(index._tail)
                index._tail, index._tail_rows = block, rows
        return index
