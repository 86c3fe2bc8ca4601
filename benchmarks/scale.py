"""Per-item cost and peak memory of each catalogue stage at 10k, 100k and 1M items, each stage in its own process.

    python benchmarks/scale.py --sizes 10k,100k,1m --images-up-to 100k --workdir /tmp/sbkit-scale \\
        --out runs/scale.json --table docs/scale.md

For every size it builds a synthetic catalogue in ``--workdir`` (kept, so a rerun reuses it) and runs:

- ``sketchify``: ``sketchify_job`` (what `sbkit sketchify` runs) over N product-like JPEG photos
  (``--photo-size`` px, from benchmarks/sketchify_speed.py), canny, ``--workers`` processes; beyond
  ``--distinct-photos`` the photo files are hard links to the drawn ones (new names, same bytes);
- ``embed``: ``embed_items`` (what `sbkit index build` runs) with the ``small`` encoder (random weights,
  dim 256) over the same photos, at ``--image-size`` px;
- ``train``: ``measure_training`` from benchmarks/scale_train.py, when that file exists;
- ``index``: an IVF-PQ index built from N 256-d float32 vectors in .npy shards on disk, trained on a
  sample and added in chunks (``add_from_shards``, what `sbkit index build --from-shards` runs), saved;
- ``search``: that index loaded memory-mapped: resident memory after loading, single-query latency, and
  recall@10 against exact search on held-out queries at several nprobe.

Photos are made only up to ``--images-up-to`` items; larger sizes get vectors only (sketchify and embed
are not run there). Vectors are clustered (``--centres`` centres plus noise), as embeddings of a catalogue
are; recall on structureless random vectors would be far lower. Each stage runs in a fresh process, so its
peak RSS (VmHWM) is its own; time excludes imports and data generation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DIM = 256
SHARD_ROWS = 100_000
BEGIN, END = "<!-- scale-table:begin -->", "<!-- scale-table:end -->"


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([km]?)", text.strip().lower())
    if not match:
        raise SystemExit(f"--sizes: {text!r} is not a size like 10k, 100k, 1m or 5000")
    return int(match.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(2)]


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; a fresh process starts its own count at exec)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


# ---- data ---------------------------------------------------------------------------------------------------

def photo_folder(workdir: Path, n: int) -> Path:
    return workdir / f"photos-{label(n)}"


def vector_folder(workdir: Path, n: int) -> Path:
    return workdir / f"vectors-{label(n)}"


def make_photos(workdir: Path, n: int, size: int, distinct: int) -> Path:
    """N JPEG photos in subfolders of 1000, written once (a ``.done`` file marks a finished folder).

    Only ``distinct`` photos are drawn (drawing takes longer than sketchifying them); the rest are hard
    links to them, new files with new names, which every stage reads and decodes as it would any photo.
    """
    folder = photo_folder(workdir, n)
    if (folder / ".done").is_file():
        return folder
    if n > distinct:
        pool = make_photos(workdir, distinct, size, distinct)
        originals = sorted(pool.rglob("*.jpg"))
        for i in range(n):
            sub = folder / f"{i // 1000:04d}"
            sub.mkdir(parents=True, exist_ok=True)
            target = sub / f"{i:07d}.jpg"
            if not target.exists():
                os.link(originals[i % distinct], target)
        (folder / ".done").write_text(str(n))
        return folder
    import cv2

    sys.path.insert(0, str(HERE))
    from sketchify_speed import product_photo

    rng = np.random.default_rng(n)
    for i in range(n):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(sub / f"{i:07d}.jpg"), product_photo(rng, size), [cv2.IMWRITE_JPEG_QUALITY, 90])
    (folder / ".done").write_text(str(n))
    return folder


def unit_rows(rng: np.random.Generator, centres: np.ndarray, n: int, noise: float) -> np.ndarray:
    rows = centres[rng.integers(0, len(centres), n)]
    rows += rng.standard_normal(rows.shape, dtype=np.float32) * (noise / np.sqrt(rows.shape[1]))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def vector_centres(count: int) -> np.ndarray:
    centres = np.random.default_rng(12345).standard_normal((count, DIM), dtype=np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def make_vectors(folder: Path, n: int, centres: int, noise: float, queries: int) -> None:
    """N clustered unit vectors in .npy shards of SHARD_ROWS, and held-out queries beside them."""
    if (folder / ".done").is_file():
        return
    folder.mkdir(parents=True, exist_ok=True)
    points = vector_centres(centres)
    for shard, start in enumerate(range(0, n, SHARD_ROWS)):
        rng = np.random.default_rng([n, shard])
        np.save(folder / f"shard-{shard:05d}.npy", unit_rows(rng, points, min(SHARD_ROWS, n - start), noise))
    np.save(folder.parent / f"queries-{label(n)}.npy", unit_rows(np.random.default_rng([n, 999_999]), points, queries,
                                                                  noise))
    (folder / ".done").write_text(str(n))


# ---- stages (each runs in a child process) ------------------------------------------------------------------

def stage_sketchify(args: argparse.Namespace, n: int) -> dict[str, Any]:
    import shutil

    from sbkit.sketch.job import sketchify_job

    out = args.workdir / f"sketches-{label(n)}"
    shutil.rmtree(out, ignore_errors=True)
    start, cpu = time.perf_counter(), time.process_time()
    summary = sketchify_job(photo_folder(args.workdir, n), out, "canny", workers=args.workers)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    shutil.rmtree(out, ignore_errors=True)
    return {"items": summary.done, "seconds": seconds, "cpu_s": cpu, "workers": args.workers}


def stage_embed(args: argparse.Namespace, n: int) -> dict[str, Any]:
    import shutil

    import torch

    from sbkit.data.catalogue import CatalogueItem
    from sbkit.registry import create
    from sbkit.retrieval.embeddings import EmbeddingStore, embed_items
    from sbkit.training.model import build_model

    torch.manual_seed(0)
    encoder = create("encoder", "small", {"dim": DIM})
    model = build_model(encoder, "avg")
    photos = sorted(photo_folder(args.workdir, n).rglob("*.jpg"))
    items = [CatalogueItem(p.stem, p, "") for p in photos]
    out = args.workdir / f"embed-{label(n)}"
    shutil.rmtree(out, ignore_errors=True)
    store = EmbeddingStore(out, "scale-benchmark", DIM, args.image_size)
    start, cpu = time.perf_counter(), time.process_time()
    summary = embed_items(model, items, store, args.image_size, batch_size=256, chunk_size=4096)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    shutil.rmtree(out, ignore_errors=True)
    return {"items": summary.embedded, "seconds": seconds, "cpu_s": cpu,
            "encoder": f"small (dim {DIM}, width 32, random weights)",
            "image_size": args.image_size, "torch_threads": torch.get_num_threads()}


def stage_train(args: argparse.Namespace, n: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from scale_train import measure_training

    return measure_training(n, args.workdir / f"train-{label(n)}")


def stage_index(args: argparse.Namespace, n: int) -> dict[str, Any]:
    from sbkit.retrieval.shard_build import add_from_shards, default_train_size
    from sbkit.retrieval.shards import Shards
    from sbkit_index import FaissIndex

    shards = Shards(vector_folder(args.workdir, n))
    index = FaissIndex(kind="ivfpq", nlist=args.nlist, m=args.pq_m, nbits=args.pq_bits, mmap=True)
    out = args.workdir / f"index-{label(n)}"
    trained_file = args.workdir / f"trained-{index.factory_string().replace(',', '-')}-{args.train_rows}.faiss"
    train_rows = min(n, args.train_rows) if args.train_rows else default_train_size(index, n)
    start, cpu = time.perf_counter(), time.process_time()
    if args.train_once and trained_file.is_file():  # trained at an earlier size: training is a fixed cost
        import faiss

        index.faiss_index, index.dim, train_rows = faiss.read_index(str(trained_file)), DIM, 0
    else:
        index.train(shards.sample(train_rows))
        if args.train_once:
            import faiss

            faiss.write_index(index.faiss_index, str(trained_file))
    trained, train_cpu = time.perf_counter(), time.process_time()
    add_from_shards(index, shards, chunk_rows=65536, train_size=0)
    added = time.perf_counter()
    index.save(out)
    saved = time.perf_counter()
    return {"items": len(index), "seconds": saved - start, "cpu_s": time.process_time() - cpu,
            "add_cpu_s": time.process_time() - train_cpu, "train_rows": train_rows, "train_s": trained - start,
            "add_s": added - trained, "save_s": saved - added, "index_bytes": (out / "index.faiss").stat().st_size,
            "ids_bytes": (out / "ids.json").stat().st_size, "factory": index.factory_string()}


def stage_search(args: argparse.Namespace, n: int) -> dict[str, Any]:
    import faiss
    import torch

    from sbkit.retrieval.shard_build import recall_table
    from sbkit.retrieval.shards import Shards
    from sbkit_index import load_index

    threads = faiss.omp_get_max_threads()
    before = peak_rss_mb()
    start = time.perf_counter()
    index = load_index(args.workdir / f"index-{label(n)}")
    load_s = time.perf_counter() - start
    with open("/proc/self/status") as f:
        rss_loaded = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    queries = np.load(args.workdir / f"queries-{label(n)}.npy")
    table = recall_table(index, Shards(vector_folder(args.workdir, n)), queries, k=10, nprobes=(1, 4, 16, 64))
    single = {}
    for nprobe in (16, 64):
        index.nprobe = nprobe
        times = []
        for q in torch.from_numpy(queries).split(1):
            t = time.perf_counter()
            index.search(q, 10)
            times.append(time.perf_counter() - t)
        single[str(nprobe)] = {"p50_ms": float(np.percentile(times, 50) * 1e3),
                               "p95_ms": float(np.percentile(times, 95) * 1e3)}
    quantizer = faiss.extract_index_ivf(index.faiss_index).quantizer  # the coarse step alone, for the plan
    faiss.omp_set_num_threads(1)  # as sbkit runs a single IVF query
    times = []
    for i in range(len(queries)):
        t = time.perf_counter()
        quantizer.search(queries[i:i + 1], 16)
        times.append(time.perf_counter() - t)
    return {"items": len(index), "mmap": bool(getattr(index, "_mapped_from", None)), "load_s": load_s,
            "coarse_p50_ms": float(np.percentile(times, 50) * 1e3), "nlist": index.nlist,
            "rss_before_load_mb": before, "rss_after_load_mb": rss_loaded, "recall": table, "single_query": single,
            "faiss_threads": threads}


STAGES = {"sketchify": stage_sketchify, "embed": stage_embed, "train": stage_train, "index": stage_index,
          "search": stage_search}


def run_child(args: argparse.Namespace, stage: str, n: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", stage, "--child-size", str(n), "--workdir", str(args.workdir),
               "--workers", str(args.workers), "--image-size", str(args.image_size), "--nlist", str(args.nlist),
               "--pq-m", str(args.pq_m), "--pq-bits", str(args.pq_bits), "--train-rows", str(args.train_rows),
               *(["--train-once"] if args.train_once else [])]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "SBKIT_QUIET": "1"})
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- report -------------------------------------------------------------------------------------------------

def per_item_ms(result: dict[str, Any]) -> float | None:
    return result["seconds"] / result["items"] * 1e3 if result.get("items") else None


def _cells(values: list[float | None], digits: int) -> str:
    got = [v for v in values if v is not None]
    ratio = f"{got[-1] / got[0]:.2f}" if len(got) > 1 else "-"
    return " | ".join("-" if v is None else f"{v:.{digits}f}" for v in values) + f" | {ratio} |"


def markdown(results: dict[str, Any]) -> str:
    sizes = results["sizes"]
    lines = ["| stage | " + " | ".join(label(n) for n in sizes) + " | largest / smallest |",
             "|---|" + "---:|" * (len(sizes) + 1)]
    for stage in ("sketchify", "embed", "train", "index"):
        row = results["stages"].get(stage, {})
        note = f" ({row['note']})" if row.get("note") else ""
        runs = [row.get(str(n), {}) for n in sizes]
        what = " (train + add + save)" if stage == "index" else ""
        lines.append(f"| {stage}{note}{what}: ms / item | " + _cells([per_item_ms(r) for r in runs], 3))
        if any("cpu_s" in r for r in runs):
            lines.append(f"| {stage}: CPU ms / item | " + _cells(
                [r["cpu_s"] / r["items"] * 1e3 if r.get("items") and "cpu_s" in r else None for r in runs], 3))
        lines.append(f"| {stage}: peak RSS MB | " + _cells([r.get("peak_rss_mb") for r in runs], 0))
        if stage == "index":
            lines.append("| index: training s (0: reused) | " + _cells([r.get("train_s") for r in runs], 1)
                         .rsplit(" | ", 1)[0] + " | - |")
            lines.append("| index: add + save, ms / item | " + _cells(
                [(r["add_s"] + r["save_s"]) / r["items"] * 1e3 if r.get("items") else None for r in runs], 4))
            lines.append("| index: add + save, CPU ms / item | " + _cells(
                [r["add_cpu_s"] / r["items"] * 1e3 if "add_cpu_s" in r else None for r in runs], 4))
    return "\n".join(lines)


def recall_markdown(results: dict[str, Any]) -> str:
    lines = ["| items | index | nprobe | recall@10 | batch ms / query | 1 query p50 ms |",
             "|---:|---|---:|---:|---:|---:|"]
    for n in results["sizes"]:
        search = results["stages"].get("search", {}).get(str(n), {})
        for row in search.get("recall", []):
            single = search.get("single_query", {}).get(str(row["nprobe"]), {}).get("p50_ms")
            lines.append(f"| {label(n)} | IVF{row['nlist']},PQ{row['m']}x{row['nbits']} (mmap) | {row['nprobe']} | "
                         f"{row['recall@10']:.3f} | {row['ms_per_query']:.3f} | "
                         f"{'-' if single is None else f'{single:.3f}'} |")
    return "\n".join(lines)


def capacity_markdown(results: dict[str, Any], target: int = 100_000_000, shard_items: int = 25_000_000,
                      shard_nlist: int = 16384) -> str:
    """A plan for ``target`` items from the largest size with index and search figures; the method is printed."""
    search, index = results["stages"].get("search", {}), results["stages"].get("index", {})
    done = [n for n in results["sizes"] if search.get(str(n), {}).get("single_query") and index.get(str(n), {})
            .get("items")]
    if not done:
        return "(no index and search figures yet: run the index and search stages)"
    n = max(done)
    ix, se = index[str(n)], search[str(n)]
    nlist = se["nlist"]
    index_b = ix["index_bytes"] / n
    ids_b = ix["ids_bytes"] / n
    ram_b = max(0.0, se["rss_after_load_mb"] - se["rss_before_load_mb"]) * 2**20 / n
    l16, l64 = se["single_query"]["16"]["p50_ms"], se["single_query"]["64"]["p50_ms"]
    scanned16, scanned64 = 16 * n / nlist, 64 * n / nlist
    per_code = max(0.0, (l64 - l16) / (scanned64 - scanned16))  # ms per scanned code
    coarse_per_list = se["coarse_p50_ms"] / nlist
    fixed = max(0.0, l16 - per_code * scanned16 - se["coarse_p50_ms"])
    shards = -(-target // shard_items)
    rows = []
    for nprobe in (16, 64):
        probe = nprobe * shard_nlist // nlist  # the same fraction of lists as measured
        scanned = probe * shard_items / shard_nlist
        latency = fixed + coarse_per_list * shard_nlist + per_code * scanned
        recall = next((r["recall@10"] for r in se["recall"] if r["nprobe"] == nprobe), None)
        rows.append(f"| {nprobe}/{nlist} -> {probe}/{shard_nlist} | {scanned:,.0f} | {latency:.1f} | "
                    f"{'-' if recall is None else f'{recall:.3f}'} |")
    per_node_gb = shard_items * (index_b + ram_b) / 1e9
    return "\n".join([
        f"From the {label(n)} run ({ix['factory']}, mapped): index file {index_b:.1f} B/item, ids.json "
        f"{ids_b:.1f} B/item, resident memory after a mapped load {ram_b:.0f} B/item (mostly the ids as Python "
        f"strings). Single query on one thread: coarse step {se['coarse_p50_ms']:.3f} ms for {nlist} lists "
        f"({coarse_per_list * 1e3:.2f} µs per list), then {per_code * 1e6:.1f} ns per scanned code (fitted from "
        f"p50 {l16:.3f} ms at nprobe 16 and {l64:.3f} ms at nprobe 64), plus {fixed:.3f} ms fixed.",
        "",
        f"For {target / 1e6:.0f}M items: {shards} shards of {shard_items / 1e6:.0f}M items, one per node, each an "
        f"IVF{shard_nlist},PQ{ix['factory'].split('PQ')[1]} index: {shard_items * index_b / 1e9:.2f} GB of index "
        f"file (page cache, mapped) and {shard_items * ram_b / 1e9:.2f} GB resident for ids, so about "
        f"{per_node_gb:.1f} GB per node and {shards * shard_items * index_b / 1e9:.1f} GB of index in all. A "
        f"query goes to every shard in parallel and the top 10s are merged, so its latency is one shard's "
        f"(latency = fixed + coarse per list x nlist + per code x scanned codes, with nprobe scaled to scan "
        f"the same fraction of lists as measured; network not included):",
        "",
        "| nprobe / nlist, measured -> per shard | codes scanned per shard | est. single-query ms | recall@10 "
        f"measured at {label(n)} |",
        "|---|---:|---:|---:|", *rows])


def write_table(path: Path, results: dict[str, Any]) -> None:
    from sbkit.io import atomic_write

    block = (f"{BEGIN}\n{markdown(results)}\n\nRecall against exact search ({results['queries']} held-out queries), "
             f"memory-mapped index:\n\n{recall_markdown(results)}\n\n{results['note']}\n\n"
             f"#### Capacity plan, computed from these figures\n\n{capacity_markdown(results)}\n{END}")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text + ("\n" if text else "") + block + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def publish(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Write the results JSON (and the page's table with ``--table``), and print the tables."""
    from sbkit.io import atomic_write_json

    results["note"] = _note(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(args.out, results)
    print(markdown(results))
    print(recall_markdown(results))
    print(capacity_markdown(results))
    if args.table:
        write_table(args.table, results)
        print(f"wrote {args.table}")


def merge(args: argparse.Namespace) -> None:
    """Merge results files into one: every stage's sizes, and every run's command."""
    results: dict[str, Any] = {"sizes": [], "stages": {}, "runs": [], "queries": args.queries}
    for path in args.merge:
        part = json.loads(path.read_text(encoding="utf-8"))
        results["sizes"] = sorted(set(results["sizes"]) | set(part["sizes"]))
        results["runs"].extend(part["runs"])
        for stage, rows in part["stages"].items():
            merged = results["stages"].setdefault(stage, {})
            merged.update(rows)
            if len(merged) > 1:  # measured rows replace the note of a file that could not run the stage
                merged.pop("note", None)
    publish(args, results)


def _note(results: dict[str, Any]) -> str:
    return "Measured by " + "; ".join(
        f"`{_env(r)}python benchmarks/scale.py {r['command']}` (load average {r['load_average_at_start'][0]:.1f} at "
        f"start, {r['load_average_at_end'][0]:.1f} at end)" for r in results["runs"]) + \
        f" on {os.cpu_count()} CPUs; each stage in its own process."


def _env(run: dict[str, Any]) -> str:
    return "".join(f"{k}={v} " for k, v in run.get("threads", {}).items() if v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="catalogue sizes, e.g. 10k,100k,1m")
    parser.add_argument("--images-up-to", default="100k", help="make photos (sketchify, embed) up to this size")
    parser.add_argument("--stages", default="sketchify,embed,train,index,search")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sbkit-scale"))
    parser.add_argument("--photo-size", type=int, default=96)
    parser.add_argument("--distinct-photos", type=int, default=10_000, help="photos drawn; the rest link to them")
    parser.add_argument("--image-size", type=int, default=64, help="side the encoder embeds")
    parser.add_argument("--workers", type=int, default=1, help="sketchify processes")
    parser.add_argument("--nlist", type=int, default=1024)
    parser.add_argument("--pq-m", type=int, default=32)
    parser.add_argument("--pq-bits", type=int, default=8)
    parser.add_argument("--train-rows", type=int, default=0, help="index training sample [default: 64 x nlist]")
    parser.add_argument("--train-once", action="store_true", help="train the index at the first size only and "
                        "reuse it (trained on that size's vectors) at the others, so each size times adding alone")
    parser.add_argument("--centres", type=int, default=4096)
    parser.add_argument("--noise", type=float, default=0.6)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("runs/scale.json"))
    parser.add_argument("--table", type=Path, help="write the tables into this markdown page, between markers")
    parser.add_argument("--merge", type=Path, nargs="+", help="only merge these results files into --out (runs "
                        "made in parallel, e.g. one size per process) and write the tables")
    parser.add_argument("--child", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--child-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = STAGES[args.child](args, args.child_size)
        print(json.dumps({"peak_rss_mb": peak_rss_mb(), **result}))
        return

    if args.merge:
        merge(args)
        return
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    images_up_to = parse_size(args.images_up_to)
    stages = args.stages.split(",")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"sizes": [], "stages": {}, "runs": []}
    if args.out.is_file():  # results of earlier runs (other sizes or stages) are kept; rerun ones replaced
        results = json.loads(args.out.read_text(encoding="utf-8"))
        old = results.pop("machine", None)  # the first version of this file kept one run's details here
        if old is not None:
            results["runs"] = [{"command": "--sizes " + results["args"]["sizes"] + " --images-up-to "
                                + results["args"]["images_up_to"] + " --train-rows " + results["args"]["train_rows"],
                                "args": results.pop("args"), **old}]
    results["sizes"] = sorted(set(results["sizes"]) | set(sizes))
    results["queries"] = args.queries
    for stage in stages:
        results["stages"].setdefault(stage, {})
    run = {"command": " ".join(sys.argv[1:]), "args": {k: str(v) for k, v in vars(args).items()},
           "platform": platform.platform(), "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
           "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    try:
        sys.path.insert(0, str(HERE))
        import scale_train  # noqa: F401
    except ImportError:
        stages = [s for s in stages if s != "train"]
        results["stages"]["train"] = {"note": "benchmarks/scale_train.py missing"}
        print("training: benchmarks/scale_train.py missing")
    for n in sizes:
        if n <= images_up_to and {"sketchify", "embed"} & set(stages):
            print(f"{label(n)}: photos", flush=True)
            make_photos(args.workdir, n, args.photo_size, args.distinct_photos)
        if {"index", "search"} & set(stages):
            print(f"{label(n)}: vectors", flush=True)
            make_vectors(vector_folder(args.workdir, n), n, args.centres, args.noise, args.queries)
        for stage in stages:
            if stage in ("sketchify", "embed") and n > images_up_to:
                continue
            print(f"{label(n)}: {stage}", flush=True)
            result = run_child(args, stage, n)
            results["stages"][stage][str(n)] = result
            shown = {k: v for k, v in result.items() if k not in ("recall",)}
            print(f"  {json.dumps(shown)}", flush=True)
    run["load_average_at_end"] = os.getloadavg()
    results["runs"].append(run)
    publish(args, results)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
