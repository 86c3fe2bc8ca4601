"""Query vectors through a loaded run's model, and whether its index finds each query's item: for the benchmarks
that search many queries at once instead of one `sbkit search` at a time."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

import sbkit
from sbkit.retrieval.query import prepare_query

TOP = 10


@torch.inference_mode()
def sketch_vectors(retriever: sbkit.Retriever, pictures: Iterable[np.ndarray]) -> torch.Tensor:
    """(N, D) sketch vectors of drawings of any size, each prepared as `sbkit search` prepares it, 64 at a time."""
    config = retriever.run.config
    prepared = torch.from_numpy(np.stack([prepare_query(picture, config.image_size, config.line_width)
                                          for picture in pictures]))[:, None]
    return torch.cat([retriever.run.model.encode_sketches(part) for part in prepared.split(64)])


@torch.inference_mode()
def found_in_top(retriever: sbkit.Retriever, queries: torch.Tensor, ids: list[str]) -> np.ndarray:
    """(Q,) bool: whether each query's item (``ids``) is among its first :data:`TOP` results."""
    _, hits = retriever.index.search(queries, TOP)
    return np.array([item_id in row for item_id, row in zip(ids, hits)])
