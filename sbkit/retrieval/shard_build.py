"""Build an index from embedding shards in bounded memory, and measure its recall against exact search.

The index is trained once on a sample drawn over all shards, then vectors are added a chunk at a time, so
peak memory is the index itself plus one chunk, whatever the catalogue's size.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from sbkit.components import Index
from sbkit.errors import ConfigError, check
from sbkit.retrieval.shards import Shards

CHUNK_ROWS = 65536
TRAIN_PER_LIST = 64  # training rows per IVF list; FAISS advises 39 to 256


def default_train_size(index: Index, count: int) -> int:
    """Rows to train ``index`` on, at most ``count``: TRAIN_PER_LIST per IVF list, and for PQ 40 per code
    (FAISS warns below 39 per centroid); 0 for an index that needs no training."""
    need = index.min_train_size() if hasattr(index, "min_train_size") else 0
    if not need:
        return 0
    codes = 40 * 2 ** index.nbits if getattr(index, "kind", "") == "ivfpq" else 0  # type: ignore[attr-defined]
    return min(count, max(need, TRAIN_PER_LIST * getattr(index, "nlist", 0), codes))


def add_from_shards(index: Index, shards: Shards, chunk_rows: int = CHUNK_ROWS, train_size: int | None = None,
                    seed: int = 0, on_chunk: Any = None) -> Index:
    """Train ``index`` on a sample of ``shards`` (when it needs training), then add every row chunk by chunk.

    Args:
        index: an empty index.
        shards: the vectors and ids.
        chunk_rows: rows read and added at a time; bounds the memory beyond the index itself.
        train_size: rows sampled for training; default :func:`default_train_size`.
        seed: the sample's seed, so a rebuild trains on the same rows.
        on_chunk: called with the number of rows after each chunk (a progress bar's ``advance``).
    """
    check(chunk_rows >= 1, f"chunk rows must be at least 1, got {chunk_rows}", ConfigError)
    check(len(index) == 0, f"index {index.name!r} already holds {len(index)} items; build into an empty one",
          ConfigError)
    size = default_train_size(index, shards.count) if train_size is None else train_size
    if size:
        index.train(torch.from_numpy(shards.sample(size, seed)))
    ids = shards.ids()
    for start, block in shards.chunks(chunk_rows):
        index.add(ids[start:start + len(block)], torch.from_numpy(block))
        if on_chunk is not None:
            on_chunk(len(block))
    return index


def exact_neighbours(shards: Shards, queries: np.ndarray, k: int, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """The true top-k rows (Q, k) by inner product over all shards, streamed a chunk at a time."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    best_scores = np.full((len(queries), 0), -np.inf, np.float32)
    best_rows = np.empty((len(queries), 0), np.int64)
    for start, block in shards.chunks(chunk_rows):
        scores = np.concatenate([best_scores, queries @ block.T], axis=1)
        rows = np.concatenate([best_rows, np.broadcast_to(np.arange(start, start + len(block)), (len(queries),
                                                                                                len(block)))], 1)
        keep = min(k, scores.shape[1])
        top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        best_scores, best_rows = np.take_along_axis(scores, top, 1), np.take_along_axis(rows, top, 1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return np.take_along_axis(best_rows, order, 1)


def recall_at_k(found: list[list[str]], exact: list[list[str]], k: int) -> float:
    """Mean over queries of |found top-k ∩ exact top-k| / k."""
    return float(np.mean([len(set(f[:k]) & set(e[:k])) / k for f, e in zip(found, exact)]))


def recall_table(index: Index, shards: Shards, queries: np.ndarray, k: int = 10,
                 nprobes: tuple[int, ...] = (1, 4, 16, 64)) -> list[dict[str, Any]]:
    """Recall@k of ``index`` against exact search over ``shards`` for held-out ``queries``, per nprobe.

    Returns one row per nprobe (one row in all for an index without ``nprobe``): the index's params, the
    nprobe, ``recall@k`` and the batch search time per query in ms. The index's nprobe is restored after.
    """
    ids = shards.ids()
    exact = [[ids[r] for r in row] for row in exact_neighbours(shards, queries, k)]
    params = {name: getattr(index, name) for name in ("kind", "nlist", "m", "nbits") if hasattr(index, name)}
    settings = [p for p in nprobes if p <= getattr(index, "nlist", 0)] if hasattr(index, "nprobe") else [None]
    before = getattr(index, "nprobe", None)
    rows = []
    try:
        for nprobe in settings:
            if nprobe is not None:
                index.nprobe = nprobe  # type: ignore[attr-defined]
            start = time.perf_counter()
            _, found = index.search(queries, k)
            seconds = time.perf_counter() - start
            rows.append({"index": index.name, **params, "nprobe": nprobe, "queries": len(queries),
                         f"recall@{k}": recall_at_k(found, exact, k), "ms_per_query": seconds / len(queries) * 1e3})
    finally:
        if before is not None:
            index.nprobe = before  # type: ignore[attr-defined]
    return rows
