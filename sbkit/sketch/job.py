"""``sketchify_job``: turn a catalogue or a folder of photos into a folder of sketches, in parallel and resumably.

Layout of the job folder ``out``::

    sketches/<id>.png   one sketch per finished item (ids with ``/`` become subfolders)
    manifest.jsonl      one JSON line per finished item, appended as items finish
    skipped.jsonl       every input left out by the latest run, with its reason
    job.json            the settings; a rerun with other settings is refused unless ``force``

Sketches are written atomically, so a killed run leaves only whole files (and temporary ``.part``
files, which the next run removes); a rerun skips every item already in the manifest whose sketch
file exists.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbkit.components import component_config
from sbkit.data.images import MIN_SIDE
from sbkit.errors import ConfigError, DataError, check
from sbkit.io import atomic_write_text, folder_lock
from sbkit.params import resolve_params
from sbkit.progress import progress_bar
from sbkit.sketch.job_source import JobItem, SkippedInput, list_items
from sbkit.sketch.job_state import check_config, manifest_line, resume_state, write_config
from sbkit.sketch.job_worker import (ChunkResult, SketchWorker, SketchWriter, init_worker, run_chunk,
                                    single_threaded)

MAX_CHUNK = 64
CHUNKS_PER_WORKER = 8  # at least; more when MAX_CHUNK binds


@dataclass
class JobSummary:
    """What one run of a sketchify job did."""

    out: Path
    sketchifier: str
    total: int  # items listed from the source
    done: int  # sketched by this run
    resumed: int  # finished by an earlier run and not redone
    skipped: dict[str, int] = field(default_factory=dict)  # inputs left out by this run, by reason
    examples: dict[str, str] = field(default_factory=dict)  # one detail per skip reason
    seconds: float = 0.0  # time spent sketchifying
    workers: int = 1
    removed_partial: int = 0  # temporary files of a killed run that were removed

    @property
    def images_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def finished(self) -> int:
        """Items with a sketch after this run, made now or before."""
        return self.done + self.resumed

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def default_workers() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def chunked(items: list[JobItem], workers: int) -> list[list[JobItem]]:
    """Chunks small enough to balance the workers and keep the bar moving, large enough to cost nothing."""
    size = max(1, min(MAX_CHUNK, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER))))
    return [items[i : i + size] for i in range(0, len(items), size)]


class InProcessResults:
    """Chunk results made in this process, one chunk at a time.

    Ctrl-C stops the item being sketched; :meth:`rest` then gives the items its chunk had finished.
    """

    def __init__(self, worker: SketchWorker, chunks: list[list[JobItem]]) -> None:
        self.worker, self.chunks = worker, chunks
        self._partial: ChunkResult | None = None

    def __iter__(self) -> Iterator[ChunkResult]:
        for chunk in self.chunks:
            self._partial = finished, skipped = [], []
            for item in chunk:
                result = self.worker.run_item(item)
                (skipped if isinstance(result, SkippedInput) else finished).append(result)
            self._partial = None
            yield finished, skipped

    def rest(self) -> list[ChunkResult]:
        """After an interruption: what the interrupted chunk had finished."""
        partial, self._partial = self._partial, None
        return [partial] if partial else []


class PoolResults:
    """Chunk results from a process pool, as they finish.

    After Ctrl-C (the workers ignore it), :meth:`rest` cancels the chunks not yet started and waits for
    the ones the workers are on, so their sketches are kept too.
    """

    def __init__(self, futures: list[Future]) -> None:
        self.futures = futures
        self._taken: set[Future] = set()

    def __iter__(self) -> Iterator[ChunkResult]:
        for future in as_completed(self.futures):
            self._taken.add(future)
            yield future.result()

    def rest(self) -> list[ChunkResult]:
        """After an interruption: the results of the chunks in progress (each waited for)."""
        for future in self.futures:
            future.cancel()
        return [future.result() for future in self.futures if future not in self._taken and not future.cancelled()]


@contextmanager
def chunk_results(chunks: list[list[JobItem]], workers: int,
                  worker_args: tuple[Any, ...]) -> Iterator[InProcessResults | PoolResults]:
    """Results of ``chunks`` as they finish: in this process for one worker, else in a process pool."""
    if workers == 1 or len(chunks) <= 1:
        with single_threaded():
            yield InProcessResults(SketchWorker(*worker_args), chunks)
        return
    # fork starts workers in milliseconds with every plugin already loaded; spawn where fork is missing.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # A child forked while OpenCV's thread pool has threads can deadlock in its first OpenCV call, so the
    # pool is stopped (one thread) while the workers start; they all start at the first submit.
    with single_threaded():
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                   initializer=init_worker, initargs=(os.getpid(), *worker_args))
        futures = [pool.submit(run_chunk, chunk) for chunk in chunks]
    with pool:
        try:
            yield PoolResults(futures)
        except BrokenProcessPool:
            raise DataError("a worker process died while sketchifying (a crash in a decoder or the sketchifier, "
                            "or out of memory); finished sketches are kept: rerun to resume, with fewer "
                            "--workers if memory is short") from None
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends, then raise it; in the main thread only (elsewhere, no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received and callable(previous):
        previous(signal.SIGINT, None)  # Python's own handler raises KeyboardInterrupt
    elif received and previous == signal.SIG_DFL:
        raise KeyboardInterrupt


def _write_skipped(path: Path, skipped: list[SkippedInput]) -> None:
    atomic_write_text(path, "".join(manifest_line(s.as_dict()) for s in skipped))


def sketchify_job(source: str | Path, out: str | Path, sketchifier: str = "canny", params: dict[str, Any] | None = None,
                  workers: int | None = None, size: int | None = None, normalize: bool = False,
                  force: bool = False) -> JobSummary:
    """Sketchify every photo of ``source`` into ``out`` (see the module docstring for the layout).

    Args:
        source: a folder of images (scanned recursively, ids from relative paths), an image, a catalogue
            folder with captions, or a dataset name.
        out: the job folder; created when missing.
        sketchifier: a registered sketchifier name (``sbkit list sketchifier``).
        params: the sketchifier's parameters; strings are coerced to their types.
        workers: worker processes; None uses every CPU core, 1 works in this process.
        size: resize photos so their longest side is this many px before sketchifying; None keeps them.
        normalize: normalise each sketch (crop to the ink, pad to a square, one line width); the square's
            side is ``size``, or the sketch's longest side.
        force: start over in a folder made with other settings (its manifest is emptied, sketches redone).

    Returns:
        A :class:`JobSummary`; inputs that could not be used are counted there and listed in ``skipped.jsonl``.

    Raises:
        ConfigError: bad settings, or ``out`` holds a job with other settings and ``force`` is off.
        DataError: ``source`` is missing or holds no image, or another job is running in ``out``.
    """
    from sbkit.registry import get_registry

    check(size is None or size >= MIN_SIDE, f"size must be at least {MIN_SIDE} px, got {size}", ConfigError)
    workers = default_workers() if workers is None else workers
    check(workers >= 1, f"workers must be at least 1, got {workers}", ConfigError)
    cls = get_registry().get("sketchifier", sketchifier)
    resolved = resolve_params(cls, params or {}, f"sketchifier {sketchifier!r}")
    sketchifier_config = component_config(cls(**resolved))
    config = {"sketchifier": sketchifier, "params": sketchifier_config, "size": size, "normalize": normalize,
              "source": os.path.abspath(source) if os.path.exists(source) else str(source)}

    out = Path(out)
    items, skipped = list_items(source, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"--out {out} is a file; pass a folder for the sketches") from None
    except OSError as exc:
        raise ConfigError(f"cannot create --out {out}: {exc.strerror or exc}") from None
    with folder_lock(out, "sketchify job"):  # a second job on this folder is refused, not interleaved
        check_config(out, config, force)
        finished, removed = resume_state(out, force)
        write_config(out, config)
        pending = [item for item in items if item.id not in finished]
        summary = JobSummary(out, sketchifier, total=len(items), done=0, resumed=len(items) - len(pending),
                             removed_partial=removed)
        chunks = chunked(pending, workers)
        summary.workers = workers = min(workers, max(1, len(chunks)))
        worker_args = (cls, resolved, out, size, normalize, sketchifier_config)
        start = time.perf_counter()
        try:
            with ExitStack() as stack:
                results = stack.enter_context(chunk_results(chunks, workers, worker_args))  # before the bar's thread
                manifest = stack.enter_context((out / "manifest.jsonl").open("a", encoding="utf-8"))
                advance = stack.enter_context(progress_bar(f"sketchify ({sketchifier})", len(pending)))
                writer = SketchWriter()

                def keep(result: ChunkResult) -> None:
                    finished, chunk_skipped = result
                    for path, data, _ in finished:
                        writer.write(path, data)
                    if finished:  # after the files: a line in the manifest means a whole sketch on disk
                        manifest.write("".join(line for _, _, line in finished))
                        manifest.flush()
                    skipped.extend(chunk_skipped)
                    summary.done += len(finished)
                    advance(len(finished) + len(chunk_skipped))

                try:
                    for result in results:
                        with deferred_interrupt():  # a chunk's files and manifest lines go in together
                            keep(result)
                except KeyboardInterrupt:  # keep what the chunks in progress make, then stop
                    for result in results.rest():
                        with deferred_interrupt():
                            keep(result)
                    raise
        finally:
            summary.seconds = time.perf_counter() - start
            _write_skipped(out / "skipped.jsonl", skipped)
        summary.skipped = dict(Counter(s.reason for s in skipped).most_common())
        for entry in skipped:
            summary.examples.setdefault(entry.reason, entry.detail)
        return summary
