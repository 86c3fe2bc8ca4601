"""The Ray engine of a sketchify job (``sbkit sketchify --engine ray``): Ray Data sketchifies, this process writes.

The job's items become a Ray dataset (a list of files rather than ``ray.data.read_images``, so that each
photo goes through the job's own reader and a bad one is skipped with the same reason as on the local
engine, instead of failing the dataset). ``map_batches`` runs :class:`SketchWorker` in CPU tasks on
every node, one sketchifier per worker process; the finished PNG bytes and manifest lines come back in
input order to this process, which writes them exactly as the local engine does. So the sketches, the
manifest and ``skipped.jsonl`` are the same bytes, and a rerun resumes from the manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from sbkit.errors import ConfigError
from sbkit.ray_cluster import RETRIES, cluster_cpus, job_failed, ray_session, remote_args_allowed
from sbkit.sketch.job_source import JobItem, SkippedInput
from sbkit.sketch.job_worker import ChunkResult, SketchWorker, single_thread

_COLUMNS = ("id", "image", "caption", "sketch")
_WORKERS: dict[int, SketchWorker] = {}  # one per worker process and job settings, reused by its later batches


def _worker(worker_args: tuple[Any, ...]) -> SketchWorker:
    key = hash(repr(worker_args))
    if key not in _WORKERS:
        single_thread()  # parallelism comes from Ray's worker processes
        _WORKERS.clear()
        _WORKERS[key] = SketchWorker(*worker_args)
    return _WORKERS[key]


def sketch_batch(batch: dict[str, np.ndarray], worker_args: tuple[Any, ...]) -> dict[str, np.ndarray]:
    """Ray task: sketchify one batch of job items; a column per field of the finished item or of its skip."""
    worker = _worker(worker_args)
    rows: dict[str, list[Any]] = {name: [] for name in ("path", "png", "line", "id", "image", "reason", "detail")}
    for item_id, image, caption, sketch in zip(*(batch[name] for name in _COLUMNS)):
        result = worker.run_item(JobItem(str(item_id), str(image), caption or None, str(sketch)))
        if isinstance(result, SkippedInput):
            values = ("", b"", "", result.id, result.image, result.reason, result.detail)
        else:
            values = (*result, "", "", "", "")
        for name, value in zip(rows, values):
            rows[name].append(value)
    return {name: np.array(values, dtype=object) for name, values in rows.items()}


def _chunk_result(batch: dict[str, np.ndarray]) -> ChunkResult:
    finished, skipped = [], []
    names = ("path", "png", "line", "id", "image", "reason", "detail")
    for path, png, line, item_id, image, reason, detail in zip(*(batch[name] for name in names)):
        if reason:
            skipped.append(SkippedInput(item_id, image, reason, detail))
        else:
            finished.append((path, bytes(png), line))
    return finished, skipped


class RayResults:
    """Chunk results from a Ray Data pipeline, in input order, a batch at a time.

    After Ctrl-C, :meth:`rest` has nothing more: batches in flight are dropped and redone by the next run.
    """

    def __init__(self, batches: Iterator[dict[str, np.ndarray]]) -> None:
        self.batches = batches

    def __iter__(self) -> Iterator[ChunkResult]:
        try:
            for batch in self.batches:
                yield _chunk_result(batch)
        except Exception as exc:  # Ray wraps a failed task in its own errors, after its retries
            raise job_failed(exc, "finished sketches are kept") from None

    def rest(self) -> list[ChunkResult]:
        return []


@contextmanager
def ray_results(items: list[JobItem], worker_args: tuple[Any, ...],
                address: str | None = None) -> Iterator[tuple[RayResults, int]]:
    """Results of sketchifying ``items`` with Ray Data tasks, in input order, and the cluster's CPU count.

    The items go in batches sized as the local engine's chunks for that many workers.
    """
    from sbkit.sketch.job import chunked  # job imports this module

    if any(item.member is not None for item in items):
        raise ConfigError("--engine ray reads photos by file path, and this catalogue keeps them in shards; "
                          "sketchify it with --engine local, or export it as a folder of files")
    with ray_session(address) as ray:
        cpus = cluster_cpus(ray)
        chunks = chunked(items, cpus)
        rows = [{"id": i.id, "image": i.image, "caption": i.caption or "", "sketch": i.sketch} for i in items]
        dataset = ray.data.from_items(rows, override_num_blocks=len(chunks))
        with remote_args_allowed():
            sketched = dataset.map_batches(sketch_batch, batch_size=len(chunks[0]), batch_format="numpy", num_cpus=1,
                                           max_retries=RETRIES, fn_kwargs={"worker_args": worker_args})
        yield RayResults(iter(sketched.iter_batches(batch_size=None, batch_format="numpy"))), cpus
