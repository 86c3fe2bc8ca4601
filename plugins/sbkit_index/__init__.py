"""sbkit plugin: gallery indexes, exact search in torch and FAISS (flat, IVF, HNSW, IVF-PQ)."""

from __future__ import annotations

from sbkit.hookspecs import hookimpl
from sbkit_index.exact import ExactIndex
from sbkit_index.faiss_index import FaissIndex
from sbkit_index.manifest import load_index

__all__ = ["ExactIndex", "FaissIndex", "load_index"]


@hookimpl
def register_indexes() -> list[type]:
    return [ExactIndex, FaissIndex]
