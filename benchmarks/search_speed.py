"""Search speed of sbkit's indexes beside bare numpy and bare FAISS, measured in the same run.

For each gallery size: build time, query latency p50/p95 (one query at a time, and per query in a batch),
the ratio sbkit / bare for each, recall@k of each approximate index against exact search, and the peak
memory of the ``exact`` index (in a child process) against the size of the vectors it stores.

    python benchmarks/search_speed.py --sizes 100000,1000000 --queries 100 --data random --out search.json

Bare and sbkit calls are interleaved query by query, so load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from sbkit.io import atomic_write_json
from sbkit_index import ExactIndex, FaissIndex
from sbkit_index.faiss_index import ONE_THREAD_KINDS

BLOCK = 16384  # rows generated at a time, so data generation adds little to peak memory
KINDS = ("flat", "ivf", "hnsw", "ivfpq")


def unit_rows(rng: np.random.Generator, n: int, dim: int, centres: np.ndarray | None, noise: float) -> np.ndarray:
    """(n, dim) float32 unit vectors: Gaussian, or ``centres`` plus Gaussian noise of norm about ``noise``."""
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, BLOCK):
        rows = min(BLOCK, n - start)
        block = rng.standard_normal((rows, dim), dtype=np.float32)
        if centres is not None:
            block *= noise / np.sqrt(dim)
            block += centres[rng.integers(0, len(centres), rows)]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:start + rows] = block
    return out


def make_data(size: int, queries: int, dim: int, kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = None
    if kind == "clustered":
        centres = unit_rows(rng, max(10, size // 100), dim, None, 0.0)
    return unit_rows(rng, size, dim, centres, 0.6), unit_rows(rng, queries, dim, centres, 0.6)


def percentiles(seconds: list[float], scale: float = 1e3) -> dict[str, float]:
    return {"p50": float(np.percentile(seconds, 50) * scale), "p95": float(np.percentile(seconds, 95) * scale)}


def interleaved_latency(fns: list[Callable[[int], Any]], n: int, warmup: int = 1) -> list[list[float]]:
    """Time ``fn(i)`` for each of ``fns`` in turn for i < n, the order rotating every round.

    Each fn first runs untimed for i < ``warmup``: one pass over the queries takes the first touch of each
    inverted list (after a build, or after the other pass) out of the steady-state figures, on both sides.
    """
    for i in range(warmup):
        for fn in fns:
            fn(i)
    times: list[list[float]] = [[] for _ in fns]
    for i in range(n):
        for j in range(len(fns)):
            slot = (i + j) % len(fns)
            start = time.perf_counter()
            fns[slot](i)
            times[slot].append(time.perf_counter() - start)
    return times


def one_thread(search: Callable[[Any, np.ndarray], Any]) -> Callable[[Any, np.ndarray], Any]:
    """``search`` run with FAISS on one OpenMP thread, as sbkit runs single queries."""
    def run(index: Any, q: np.ndarray) -> Any:
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return search(index, q)
        finally:
            faiss.omp_set_num_threads(threads)
    return run


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def numpy_search(gallery: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Bare exact top-k: one matmul, argpartition, then sort the k."""
    scores = queries @ gallery.T
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def recall(found: list[list[str]] | np.ndarray, exact: np.ndarray, k: int) -> float:
    rows = [[int(i) for i in row] for row in found]
    return float(np.mean([len(set(r[:k]) & set(e.tolist())) / k for r, e in zip(rows, exact)]))


def measure_pair(name: str, baseline: str, size: int, build_bare: Callable[[], Any], build_ours: Callable[[], Any],
                 search_bare: Callable[[Any, np.ndarray], Any], search_ours: Callable[[Any, torch.Tensor], Any],
                 queries: np.ndarray, repeats: int, rounds: int, faiss_bare: bool = False,
                 inner: Callable[[Any], Any] | None = None) -> tuple[dict[str, Any], Any]:
    """Build both, then time single-query and batch search, interleaved; returns the row and sbkit's results.

    With ``faiss_bare``, single queries are also timed on bare FAISS held to one OpenMP thread, the setting
    sbkit uses for them: the ratio to that is the cost of sbkit's own code.

    Where a large index lies in memory changes its scan speed by up to 15%: of two equal indexes, the one built
    first was measured faster, whichever it was. With ``inner`` (sbkit's index -> the FAISS index inside it),
    bare FAISS searches that very index, so both sides scan the same memory; the separately built bare index
    then only gives the build time and recall.
    """
    bare_index, bare_build = timed(build_bare)
    our_index, our_build = timed(build_ours)
    searched = inner(our_index) if inner is not None else bare_index
    q_torch = torch.from_numpy(queries)
    n = len(queries)
    # Each query is sliced before timing starts (callers hold their query already). The two sides of a pair
    # ask different queries, half the set apart, so neither runs on lists the other has just pulled into
    # cache; over the rounds both ask every query.
    one_bare = [queries[i:i + 1] for i in range(n)]
    one_ours = [q_torch[i:i + 1] for i in range(n)]

    def ours(i: int) -> Any:
        return search_ours(our_index, one_ours[(i + n // 2) % n])

    single_bare, single_ours = interleaved_latency([lambda i: search_bare(searched, one_bare[i % n]), ours],
                                                   n * rounds, warmup=n)
    if faiss_bare:  # its own pass: a call after a multi-threaded one runs slower, which would skew a 3-way mix
        bare_1t = one_thread(search_bare)
        single_1t = interleaved_latency([lambda i: bare_1t(searched, one_bare[i % n]), ours], n * rounds, warmup=n)
    batch_bare, batch_ours = interleaved_latency([lambda i: search_bare(searched, queries),
                                                  lambda i: search_ours(our_index, q_torch)], repeats)
    row = {
        "size": size, "method": name, "baseline": baseline,
        "build_s": our_build, "bare_build_s": bare_build,
        "single_ms": percentiles(single_ours), "bare_single_ms": percentiles(single_bare),
        "batch_ms_per_query": percentiles([t / n for t in batch_ours]),
        "bare_batch_ms_per_query": percentiles([t / n for t in batch_bare]),
    }
    row["ratio_single_p50"] = row["single_ms"]["p50"] / row["bare_single_ms"]["p50"]
    if faiss_bare:
        row["bare_one_thread_single_ms"] = percentiles(single_1t[0])
        row["ratio_single_one_thread_p50"] = float(np.median(single_1t[1]) / np.median(single_1t[0]))
    row["ratio_batch_p50"] = row["batch_ms_per_query"]["p50"] / row["bare_batch_ms_per_query"]["p50"]
    row["ratio_build"] = our_build / bare_build if bare_build > 0 else float("nan")
    return row, (search_ours(our_index, q_torch), search_bare(bare_index, queries))


def run_size(size: int, args: argparse.Namespace, console: Console) -> list[dict[str, Any]]:
    gallery, queries = make_data(size, args.queries, args.dim, args.data, args.seed)
    ids = [str(i) for i in range(size)]
    k = args.k
    rows = []
    exact_rows = numpy_search(gallery, queries, k)

    def build_exact() -> ExactIndex:
        index = ExactIndex()
        index.add(ids, torch.from_numpy(gallery))
        return index

    console.log(f"{size:,}: exact")
    row, (ours, _) = measure_pair("sbkit exact", "numpy matmul + argpartition", size, lambda: gallery, build_exact,
                                  lambda g, q: numpy_search(g, q, k), lambda index, q: index.search(q, k)[1],
                                  queries, args.repeats, args.rounds)
    row["recall@k"] = recall(ours, exact_rows, k)
    row["bare_build_s"] = row["ratio_build"] = None  # numpy search needs no build step
    rows.append(row)

    params = {"nlist": args.nlist, "nprobe": args.nprobe, "m": args.m, "ef_search": args.ef_search,
              "nbits": args.nbits}
    for kind in [name for name in args.kinds.split(",") if name and name != "exact"]:
        console.log(f"{size:,}: faiss {kind}")
        ours_index = FaissIndex(kind=kind, **params)  # type: ignore[arg-type]
        factory = ours_index.factory_string()

        def build_bare(factory: str = factory, kind: str = kind) -> Any:
            faiss.cvar.distance_compute_blas_threshold = 20
            index = faiss.index_factory(args.dim, factory, faiss.METRIC_INNER_PRODUCT)
            if not index.is_trained:
                index.train(gallery)
            index.add(gallery)
            if kind in ("ivf", "ivfpq"):
                index.nprobe = args.nprobe
            elif kind == "hnsw":
                index.hnsw.efSearch = args.ef_search
            return index

        def build_ours(kind: str = kind) -> FaissIndex:
            index = FaissIndex(kind=kind, **params)  # type: ignore[arg-type]
            index.add(ids, torch.from_numpy(gallery))
            return index

        row, (ours, bare) = measure_pair(f"sbkit faiss {kind}", f"bare faiss {factory}", size, build_bare,
                                         build_ours, lambda index, q: index.search(q, k)[1],
                                         lambda index, q: index.search(q, k)[1], queries, args.repeats, args.rounds,
                                         faiss_bare=kind in ONE_THREAD_KINDS, inner=lambda ours: ours.faiss_index)
        row["recall@k"] = recall(ours, exact_rows, k)
        row["bare_recall@k"] = recall(bare, exact_rows, k)
        rows.append(row)
    return rows


def _proc_status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
    except (OSError, StopIteration):
        return None


def memory_child(size: int, dim: int, queries: int) -> None:
    """Run in a fresh process: build an exact index block by block, search, print peak memory figures.

    ``ru_maxrss`` also counts the parent's peak, which Linux carries into a child at exec; so the peak is
    also read from ``VmHWM`` after resetting it (``/proc/self/clear_refs``), which counts this process only.
    """
    generator = torch.Generator().manual_seed(0)
    buffer = torch.empty(4096, dim)  # refilled in place: the index copies what it is given

    def unit(rows: int) -> torch.Tensor:
        x = buffer[:rows].normal_(generator=generator)
        return x.div_(x.norm(dim=1, keepdim=True))

    q = unit(queries).clone()
    unit(4096)
    index = ExactIndex()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    baseline_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    baseline_rss = _proc_status_kib("VmRSS")
    for start in range(0, size, 4096):  # small batches, as an embedding job would add them
        rows = min(4096, size - start)
        index.add([str(i) for i in range(start, start + rows)], unit(rows))
    index.search(q, 10)
    index.search(q[:1], 10)
    print(json.dumps({"baseline_maxrss_kib": baseline_maxrss,
                      "peak_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "baseline_rss_kib": baseline_rss, "peak_hwm_kib": _proc_status_kib("VmHWM"),
                      "vectors_bytes": size * dim * 4}))


def measure_memory(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Peak memory increase of building and searching an exact index, over the bytes of its vectors."""
    out = subprocess.run([sys.executable, __file__, "--memory-child", str(size), "--dim", str(args.dim),
                          "--queries", str(args.queries)], capture_output=True, text=True, check=True)
    child = json.loads(out.stdout.strip().splitlines()[-1])
    by_maxrss = (child["peak_maxrss_kib"] - child["baseline_maxrss_kib"]) * 1024
    by_hwm = None if child["peak_hwm_kib"] is None else (child["peak_hwm_kib"] - child["baseline_rss_kib"]) * 1024
    increase = by_hwm if by_hwm is not None else by_maxrss
    return {"size": size, "vectors_mib": child["vectors_bytes"] / 2**20, "peak_increase_mib": increase / 2**20,
            "ratio": increase / child["vectors_bytes"], "maxrss_increase_mib": by_maxrss / 2**20,
            "note": "increase includes the ids list and one query batch's scores", "child": child}


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def show(rows: list[dict[str, Any]], memory: list[dict[str, Any]], console: Console, k: int) -> None:
    table = Table(title="search latency: sbkit vs bare (ms; ratio = sbkit / bare at p50)")
    for column in ("size", "method", "build s", "ratio", "1 query p50", "p95", "ratio", "x 1 thread", "batch ms/q p50",
                   "p95", "ratio", f"recall@{k}"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for r in rows:
        table.add_row(f"{r['size']:,}", f"{r['method']}\n[dim]{r['baseline']}[/dim]",
                      f"{r['build_s']:.2f}\n[dim]{_num(r['bare_build_s'])}[/dim]", _num(r["ratio_build"]),
                      f"{r['single_ms']['p50']:.3f}\n[dim]{r['bare_single_ms']['p50']:.3f}[/dim]",
                      f"{r['single_ms']['p95']:.3f}\n[dim]{r['bare_single_ms']['p95']:.3f}[/dim]",
                      f"{r['ratio_single_p50']:.2f}", _num(r.get("ratio_single_one_thread_p50")),
                      f"{r['batch_ms_per_query']['p50']:.3f}\n[dim]{r['bare_batch_ms_per_query']['p50']:.3f}[/dim]",
                      f"{r['batch_ms_per_query']['p95']:.3f}\n[dim]{r['bare_batch_ms_per_query']['p95']:.3f}[/dim]",
                      f"{r['ratio_batch_p50']:.2f}", f"{r['recall@k']:.3f}")
    console.print(table)
    console.print("x 1 thread: sbkit's single-query p50 / bare FAISS's on one OpenMP thread, the setting sbkit uses "
                  "for single queries (the cost of sbkit's own code).")
    if memory:
        mem = Table(title="exact index peak memory (child process: peak RSS increase while adding and searching, "
                          "vs the stored vectors)")
        for column in ("size", "vectors MiB", "peak increase MiB", "ratio"):
            mem.add_column(column, justify="right")
        for m in memory:
            mem.add_row(f"{m['size']:,}", f"{m['vectors_mib']:.0f}", f"{m['peak_increase_mib']:.0f}",
                        f"{m['ratio']:.2f}")
        console.print(mem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="gallery sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--data", choices=("random", "clustered"), default="random")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of the whole query batch")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the queries for single-query latency")
    parser.add_argument("--kinds", default=",".join(KINDS), help="faiss kinds to run, comma-separated")
    parser.add_argument("--nlist", type=int, default=1024)
    parser.add_argument("--nprobe", type=int, default=16)
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef-search", type=int, default=64)
    parser.add_argument("--nbits", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory child process")
    parser.add_argument("--out", type=Path, default=Path("search_speed.json"))
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.dim, args.queries)
        return
    console = Console(width=max(Console().width, 150))
    sizes = [int(s) for s in args.sizes.split(",")]
    machine = {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
               "torch_threads": torch.get_num_threads(), "faiss_threads": faiss.omp_get_max_threads(),
               "load_average_at_start": os.getloadavg(), "torch": torch.__version__, "faiss": faiss.__version__,
               "numpy": np.__version__, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")}
    rows: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    if not args.no_memory:  # first, while this process is small: a child inherits its peak in ru_maxrss
        for size in sizes:
            console.log(f"{size:,}: exact index peak memory")
            memory.append(measure_memory(size, args))
    for size in sizes:
        rows.extend(run_size(size, args, console))
    machine["load_average_at_end"] = os.getloadavg()
    show(rows, memory, console, args.k)
    atomic_write_json(args.out, {"args": {k: v for k, v in vars(args).items() if k != "memory_child"},
                                 "machine": machine, "results": rows, "memory": memory})
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
