"""sbkit plugin: gallery indexes, exact search in torch and FAISS (flat, IVF, HNSW, IVF-PQ).

FAISS needs the ``faiss`` extra (``pip install sbkit[faiss]``); ``exact`` needs nothing beyond the core.
"""

from __future__ import annotations

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

INDEXES = [
    ComponentSpec("exact", "sbkit_index.exact:ExactIndex",
                  "Exact inner-product search (matmul + top-k on CPU), chunked so memory stays bounded."),
    ComponentSpec("faiss", "sbkit_index.faiss_index:FaissIndex",
                  "FAISS inner-product index (flat, IVF, HNSW or IVF-PQ) for large galleries.",
                  requires=("faiss",), install="sbkit[faiss]"),
]

__all__ = ["ExactIndex", "FaissIndex", "load_index"]
__getattr__ = lazy_exports(__name__, INDEXES, {"load_index": "sbkit_index.manifest:load_index"})


@hookimpl
def register_indexes() -> list[ComponentSpec]:
    return INDEXES
