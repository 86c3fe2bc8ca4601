"""The Ray engine of gallery embedding (``sbkit index build --engine ray``): an actor pool embeds, this process
writes the chunk files that the index is then built from.

Each row of the Ray dataset is one forward batch of the local engine (the same items: a chunk's items cut
into ``batch_size`` pieces), because a batch's other items change a vector's last bits on common kernels;
so each vector is the local engine's, to the byte, on the same kind of device. ``map_batches`` runs
:class:`BatchEmbedder` in an actor pool: each actor loads the run's model once (the run folder must be
readable at the same path on every node), on a GPU of its own where the cluster has them. Batches come
back in input order; this process writes a chunk file (a shard) as soon as all of a chunk's batches are in,
so a rerun after an interruption embeds only the chunks that are missing, as on the local engine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.data.catalogue import CatalogueItem, Skipped
from sbkit.data.skip_reasons import reason_of
from sbkit.errors import ConfigError, DataError
from sbkit.progress import progress_bar
from sbkit.ray_cluster import job_failed
from sbkit.retrieval.embeddings import EmbeddingStore, EmbedSummary, _batches
from sbkit.retrieval.gallery import gallery_photo


class BatchEmbedder:
    """Ray actor: loads a run's model once, then embeds rows that each hold one forward batch of photos.

    Args:
        run_dir: the run folder (same path on every node).
        device: ``auto``, ``cpu`` or ``cuda[:N]``.
        image_size: side of the square photos the model embeds.
        model_hash: the SHA-256 of the weights the driver opened; another model here is refused.
        threads: torch's CPU threads: the driver's count where a node has that many cores (on a CPU, the
            thread count also changes a vector's last bits).
    """

    def __init__(self, run_dir: str, device: str, image_size: int, model_hash: str, threads: int) -> None:
        from sbkit.retrieval.run_folder import load_run_model

        torch.set_num_threads(threads)
        self.model, found = load_run_model(run_dir, device)
        if found != model_hash:
            raise DataError(f"{run_dir} on this node holds another model (weights {found[:12]}, the driver's "
                            f"{model_hash[:12]}); give every node the same run folder")
        self.image_size = image_size
        self.device = next(self.model.parameters()).device

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out: dict[str, list[Any]] = {"chunk": [], "ids": [], "vectors": [], "skipped": []}
        for chunk, ids, images in zip(batch["chunk"], batch["ids"], batch["images"]):
            kept, arrays, skipped = [], [], []
            for item_id, image in zip(json.loads(ids), json.loads(images)):
                try:
                    arrays.append(gallery_photo(image, self.image_size))
                    kept.append(item_id)
                except DataError as exc:
                    skipped.append([item_id, str(exc), reason_of(exc)])
            vectors = np.zeros((0, 0), np.float32)
            if arrays:
                images_t = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).to(self.device)
                with torch.no_grad():
                    vectors = self.model.embed_images(images_t).float().cpu().numpy()
            out["chunk"].append(int(chunk))
            out["ids"].append(json.dumps(kept))
            out["vectors"].append(vectors.tobytes())
            out["skipped"].append(json.dumps(skipped))
        return {"chunk": np.array(out["chunk"], np.int64),
                **{name: np.array(values, dtype=object) for name, values in out.items() if name != "chunk"}}


def batch_rows(items: list[CatalogueItem], batch_size: int, chunk_size: int) -> list[dict[str, Any]]:
    """The local engine's forward batches, in order, one row each: chunk number, ids and image paths (JSON)."""
    if not all(isinstance(item.image, Path) for item in items):
        raise ConfigError("--engine ray reads photos by file path, and this catalogue keeps them in shards; build "
                          "the index with --engine local")
    rows = []
    for chunk, chunk_items in enumerate(_batches(items, chunk_size)):
        for batch in _batches(chunk_items, batch_size):
            rows.append({"chunk": chunk, "ids": json.dumps([i.id for i in batch]),
                         "images": json.dumps([str(i.image) for i in batch])})
    return rows


def _actors(ray: Any, gpus: int, threads: int, rows: int) -> tuple[int, float, float]:
    """(actors, CPUs per actor, GPUs per actor): one actor per GPU where the cluster has them; else actors of
    ``threads`` cores each (at most a node's cores), as many as the cluster holds."""
    from sbkit.ray_cluster import cluster_cpus, node_cpus

    if gpus:
        return max(1, min(gpus, rows)), 1.0, 1.0
    cpus = max(1, min(threads, node_cpus(ray)))
    return max(1, min(cluster_cpus(ray) // cpus, rows)), float(cpus), 0.0


def embed_items_ray(run: Any, items: list[CatalogueItem], store: EmbeddingStore, image_size: int,
                    batch_size: int = 256, chunk_size: int = 1024, device: str = "auto", address: str | None = None,
                    description: str = "embed") -> EmbedSummary:
    """:func:`sbkit.retrieval.embeddings.embed_items` on a Ray cluster: the same chunk files and vectors.

    Args:
        run: the opened run folder (:class:`sbkit.retrieval.run_folder.LoadedRun`).
        device: where actors run the model: ``auto`` uses a GPU per actor when the cluster has GPUs.
        address: the Ray cluster to join; None starts a local Ray instance (or joins ``RAY_ADDRESS``).
    """
    from sbkit.errors import check
    from sbkit.ray_cluster import RETRIES, cluster_gpus, ray_session, remote_args_allowed

    check(batch_size >= 1 and chunk_size >= 1, f"batch size ({batch_size}) and chunk size ({chunk_size}) must be "
          "at least 1", DataError)
    done = store.done_ids()
    todo = [item for item in items if item.id not in done]
    summary = EmbedSummary(resumed=len(items) - len(todo))
    if not todo:
        return summary
    rows = batch_rows(todo, batch_size, chunk_size)
    with ray_session(address) as ray:
        gpus = cluster_gpus(ray) if device != "cpu" else 0
        check(gpus or device in ("auto", "cpu"), f"--device {device}, but the Ray cluster has no GPU; pass "
              "--device cpu, or add GPU nodes", DataError)
        actors, cpus, gpus_each = _actors(ray, gpus, torch.get_num_threads(), len(rows))
        dataset = ray.data.from_items(rows, override_num_blocks=min(len(rows), actors * 4))
        with remote_args_allowed():
            embedded = dataset.map_batches(
                BatchEmbedder, batch_size=1, batch_format="numpy", concurrency=actors, num_cpus=cpus,
                num_gpus=gpus_each, max_restarts=RETRIES, max_task_retries=RETRIES,
                fn_constructor_kwargs={"run_dir": str(run.run_dir), "device": "cuda" if gpus else "cpu",  # its own GPU
                                       "image_size": image_size, "model_hash": run.model_hash, "threads": int(cpus)})
        start = time.perf_counter()
        with progress_bar(description, len(todo)) as advance:
            _write_chunks(embedded.iter_batches(batch_size=None, batch_format="numpy"), store, summary, advance,
                          run.model.dim)
        summary.seconds = time.perf_counter() - start
    return summary


def _write_chunks(batches: Iterator[dict[str, np.ndarray]], store: EmbeddingStore, summary: EmbedSummary,
                  advance: Any, dim: int) -> None:
    """Gather the batches of each chunk (they come in order) and write the chunk once all of them are in."""
    current, ids, parts = None, [], []

    def flush() -> None:
        if ids:
            store.write_chunk(list(ids), torch.from_numpy(np.concatenate(parts)))
            summary.embedded += len(ids)
        ids.clear()
        parts.clear()

    try:
        for batch in batches:
            for chunk, kept, vectors, skipped in zip(batch["chunk"], batch["ids"], batch["vectors"], batch["skipped"]):
                if chunk != current:
                    flush()
                    current = chunk
                kept, skipped = json.loads(kept), json.loads(skipped)
                if kept:
                    ids.extend(kept)
                    parts.append(np.frombuffer(vectors, np.float32).reshape(len(kept), dim))
                summary.skipped.extend(Skipped(*entry) for entry in skipped)
                advance(len(kept) + len(skipped))
    except Exception as exc:  # Ray wraps a failed actor or task in its own errors, after its retries
        if isinstance(exc, DataError):
            raise
        raise job_failed(exc, "finished chunks are kept") from None
    flush()
