"""FAISS inner-product indexes (flat, IVF, HNSW, IVF-PQ) behind sbkit's Index API.

faiss is imported inside methods, so this plugin loads (and lists its indexes) where faiss is absent.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from sbkit.components import Index
from sbkit.components.index import query_array
from sbkit.errors import ConfigError, DataError, ShapeError, check
from sbkit_index.manifest import open_index, save_index

INDEX_FILE = "index.faiss"
# Batches of at least this many queries go through BLAS in IndexFlat; measured fastest on 2-core CPUs.
BLAS_THRESHOLD = 20
# Kinds whose single queries search on one OpenMP thread. One IVF query gains nothing from the threads but
# pays for waking them, and their spinning afterwards slows the caller: one thread measured 5-15% faster
# on 2 cores. A flat scan splits the gallery over the threads, so it keeps them (one thread: 1.8x slower).
ONE_THREAD_KINDS = ("ivf", "ivfpq")
_CLASSES = {"flat": "IndexFlat", "ivf": "IndexIVFFlat", "hnsw": "IndexHNSWFlat", "ivfpq": "IndexIVFPQ"}


@cache
def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise ConfigError("index 'faiss' needs the faiss package: pip install faiss-cpu (or faiss-gpu), "
                          "or use the 'exact' index") from None
    faiss.cvar.distance_compute_blas_threshold = BLAS_THRESHOLD
    return faiss


class FaissIndex(Index):
    """A FAISS index with the inner-product metric.

    ``flat`` is exact. ``ivf`` and ``ivfpq`` cluster the gallery into ``nlist`` lists and scan ``nprobe`` of
    them per query; they are trained on the vectors of the first :meth:`add`, which must hold at least
    ``nlist`` vectors (``ivfpq``: also at least ``2**nbits``); FAISS advises 39 x nlist or more. ``hnsw``
    needs no training. ``nprobe`` and ``ef_search`` may be changed at any time, also after loading.
    An approximate index can find fewer than k items for a query (IVF with a small ``nprobe``); that
    row then holds fewer ids, and its missing scores are -inf.

    Args:
        kind: Index structure: flat (exact), ivf, hnsw or ivfpq.
        nlist: Number of IVF lists (ivf, ivfpq); about sqrt(N) to 16 x sqrt(N) for N vectors.
        nprobe: IVF lists scanned per query (ivf, ivfpq); higher is slower and more accurate.
        m: HNSW neighbours per node (hnsw), or PQ sub-quantisers (ivfpq; must divide the dimension).
        ef_search: HNSW candidate list size at search time (hnsw); higher is slower and more accurate.
        nbits: Bits per PQ sub-quantiser code (ivfpq).
        mmap: Load the saved index memory-mapped (``faiss.IO_FLAG_MMAP``): the OS pages inverted lists in as
            searches touch them, so an index larger than RAM can be searched. Adding to a mapped index reads
            it into memory first.
    """

    name = "faiss"
    description = "FAISS inner-product index (flat, IVF, HNSW or IVF-PQ) for large galleries."

    def __init__(self, kind: Literal["flat", "ivf", "hnsw", "ivfpq"] = "flat", nlist: int = 1024,
                 nprobe: int = 16, m: int = 32, ef_search: int = 64, nbits: int = 8, mmap: bool = False) -> None:
        super().__init__()
        check(kind in _CLASSES, f"index 'faiss': kind must be one of {', '.join(_CLASSES)}, got {kind!r}",
              ConfigError)
        for param, value, low in (("nlist", nlist, 1), ("nprobe", nprobe, 1), ("m", m, 1),
                                  ("ef_search", ef_search, 1), ("nbits", nbits, 1)):
            check(isinstance(value, int) and value >= low, f"index 'faiss': {param} must be an integer >= {low}, "
                  f"got {value!r}", ConfigError)
        check(nbits <= 16, f"index 'faiss': nbits must be <= 16, got {nbits}", ConfigError)
        check(not mmap or kind in ("ivf", "ivfpq"), f"index 'faiss': mmap applies to kind ivf or ivfpq (FAISS maps "
              f"their inverted lists), not {kind!r}; drop mmap or pick kind ivfpq", ConfigError)
        self.kind = kind
        self.nlist = nlist
        self.nprobe = nprobe
        self.m = m
        self.ef_search = ef_search
        self.nbits = nbits
        self.mmap = mmap
        self.model_hash: str | None = None
        self.faiss_index: Any = None
        self._mapped_from: Path | None = None  # the file a memory-mapped faiss_index reads from

    def factory_string(self) -> str:
        """The ``faiss.index_factory`` description of this index, e.g. ``IVF1024,PQ32x8``."""
        return {"flat": "Flat", "ivf": f"IVF{self.nlist},Flat", "hnsw": f"HNSW{self.m}",
                "ivfpq": f"IVF{self.nlist},PQ{self.m}x{self.nbits}"}[self.kind]

    def min_train_size(self) -> int:
        """Vectors the first :meth:`add` must hold to train this index (0 when it needs no training)."""
        return {"ivf": self.nlist, "ivfpq": max(self.nlist, 2 ** self.nbits)}.get(self.kind, 0)

    def train(self, sample: torch.Tensor | np.ndarray) -> None:
        """Create the FAISS index and train it on ``sample`` (N, D), adding nothing.

        For galleries built in chunks: train once on a representative sample, then :meth:`add` chunk by
        chunk. Without it, the first :meth:`add` trains on its own vectors.
        """
        array = np.ascontiguousarray(query_array(sample))
        check(array.ndim == 2, f"index 'faiss': training sample must be (N, D), got {array.shape}", ShapeError)
        check(self.faiss_index is None, "index 'faiss': already trained (train before the first add)", ConfigError)
        check(self.dim is None or array.shape[1] == self.dim,
              f"index 'faiss': holds {self.dim}-d vectors, got a {array.shape[1]}-d sample", ShapeError)
        self._build(array)
        self.dim = int(array.shape[1])

    def _build(self, vectors: np.ndarray) -> None:
        faiss = _faiss()
        dim = vectors.shape[1]
        if self.kind == "ivfpq":
            check(dim % self.m == 0, f"index 'faiss' (ivfpq): m={self.m} sub-quantisers must divide the dimension "
                  f"{dim}; pick m from {[d for d in range(1, 65) if dim % d == 0]}", ConfigError)
        need = self.min_train_size()
        check(len(vectors) >= need, f"index 'faiss' ({self.kind}) trains on the first add(): got {len(vectors)} "
              f"vectors, needs at least {need} (nlist={self.nlist}, nbits={self.nbits}); add more vectors in the "
              f"first call, or lower nlist (about {max(1, int(len(vectors) ** 0.5))} for {len(vectors)} vectors)",
              ConfigError)
        index = faiss.index_factory(dim, self.factory_string(), faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            index.train(vectors)
        self.faiss_index = index

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        # Search settings go into FAISS when they change, not on every search: a search is only ~0.2 ms.
        if name in ("nprobe", "ef_search", "faiss_index") and getattr(self, "faiss_index", None) is not None:
            self._apply_search_params()

    def _apply_search_params(self) -> None:
        if self.kind in ("ivf", "ivfpq"):
            self.faiss_index.nprobe = self.nprobe
        elif self.kind == "hnsw":
            self.faiss_index.hnsw.efSearch = self.ef_search

    def _add(self, vectors: torch.Tensor) -> None:
        array = np.ascontiguousarray(vectors.numpy())
        if self.faiss_index is None:
            self._build(array)
        else:
            self._unmap()  # FAISS aborts the process when asked to add to mapped (read-only) lists
        self.faiss_index.add(array)

    def _unmap(self) -> None:
        """Read a memory-mapped index into memory: FAISS can neither grow nor re-save mapped lists."""
        if self._mapped_from is not None:
            self.faiss_index = _faiss().read_index(str(self._mapped_from))
            self._mapped_from = None

    def search(self, queries: torch.Tensor | np.ndarray, k: int) -> tuple[torch.Tensor, list[list[str]]]:
        """As :meth:`Index.search`; a contiguous CPU float32 tensor goes to FAISS by its data pointer.

        That skips making a numpy view of the tensor and the generic path's checks: they measured 3-4% of a
        single IVF query on a 20k gallery (``benchmarks/search_speed.py``). Anything else takes the generic path.
        """
        if not (type(queries) is torch.Tensor and queries.dtype is torch.float32 and queries.is_cpu
                and queries.layout is torch.strided and queries.ndim == 2 and queries.shape[1] == self.dim
                and queries.is_contiguous() and self.faiss_index is not None and 0 < k <= len(self.ids)):
            return super().search(queries, k)
        pointer = _faiss().cast_integer_to_float_ptr(queries.data_ptr())
        return self._results(*self._faiss_search(queries.shape[0], pointer, k))

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(queries)
        if k == 0 or self.faiss_index is None:
            return np.empty((n, 0), np.float32), np.empty((n, 0), np.int64)
        queries = np.ascontiguousarray(queries)  # named, so that the copy lives while FAISS reads it
        return self._faiss_search(n, _faiss().swig_ptr(queries), k)

    def _faiss_search(self, n: int, queries: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Search ``n`` queries at the float pointer ``queries``: scores and gallery rows, each (n, k).

        FAISS's own C++ search, not its Python wrapper, whose argument checks and conversions cost a few
        microseconds per call. Index.search has already made the queries float32 of the right width.
        """
        faiss = _faiss()
        scores, rows = np.empty((n, k), np.float32), np.empty((n, k), np.int64)
        # A single IVF query on one thread (ONE_THREAD_KINDS); a process already on one has nothing to switch.
        threads = faiss.omp_get_max_threads() if n == 1 and self.kind in ONE_THREAD_KINDS else 1
        if threads > 1:
            faiss.omp_set_num_threads(1)
        try:
            self.faiss_index.search_c(n, queries, k, faiss.swig_ptr(scores), faiss.swig_ptr(rows))
        finally:
            if threads > 1:
                faiss.omp_set_num_threads(threads)
        return scores, rows

    def save(self, folder: Path) -> None:
        """Write ``index.faiss`` (``faiss.write_index``), ``ids.json`` and the manifest."""
        faiss = _faiss()
        self._unmap()  # mapped lists would be written as a reference to the file they map, not as data
        save_index(folder, self, {INDEX_FILE: lambda path: faiss.write_index(self.faiss_index, str(path))})

    @classmethod
    def load(cls, folder: Path, model_hash: str | None = None) -> FaissIndex:
        """Load a folder written by :meth:`save`, after checking every file against the manifest.

        Args:
            folder: The index folder.
            model_hash: When given, refuse an index built with a different model.
        """
        index, manifest = open_index(folder, cls, [INDEX_FILE], model_hash)
        faiss = _faiss()
        path = Path(folder) / INDEX_FILE
        try:
            loaded = faiss.read_index(str(path), faiss.IO_FLAG_MMAP if index.mmap else 0)
        except RuntimeError as exc:
            raise DataError(f"{path} is not a readable FAISS index ({str(exc).splitlines()[0]}); re-save the "
                            "index") from None
        expected = _CLASSES[index.kind]
        check(type(loaded).__name__.startswith(expected) and loaded.metric_type == faiss.METRIC_INNER_PRODUCT,
              f"{path} holds a {type(loaded).__name__} (metric {loaded.metric_type}), but the manifest says kind "
              f"{index.kind!r} ({expected}, inner product); re-save the index", DataError)
        check(loaded.ntotal == manifest["count"] and loaded.d == manifest["dim"],
              f"{path} holds {loaded.ntotal} vectors of dim {loaded.d}, but the manifest says count="
              f"{manifest['count']}, dim={manifest['dim']}; re-save the index", DataError)
        index.faiss_index = loaded
        index._mapped_from = path if index.mmap else None
        return index
