"""The results of a sketchify job's chunks, as they finish: made in this process, or in a pool of worker
processes that die with it; and what Ctrl-C keeps (the chunks in progress)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from sbkit.errors import DataError
from sbkit.sketch.job_source import JobItem, SkippedInput
from sbkit.sketch.job_worker import ChunkResult, SketchWorker, init_worker, run_chunk, single_threaded


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
