"""How DataLoader workers start: from a fresh forkserver process, never by re-running the caller's script.

A fork taken while another thread holds a lock (a progress bar's, a thread pool's) can leave the child waiting
on it for ever, so workers start from a forkserver. Plain forkserver (like spawn) re-runs the caller's
``__main__`` in every worker to find what it defined: a script that calls ``sbkit.run`` without an
``if __name__ == "__main__":`` guard, or code piped to ``python -``, would start the run again in each worker.
sbkit's workers run only sbkit's code, so they are started with ``__main__`` hidden and never re-run it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import context as mp_context
from typing import Any, Callable

# Fewer rows than this are read in the calling process: starting workers (each imports torch) costs more.
WORKERS_FROM_ROWS = 512


@contextmanager
def _main_hidden() -> Iterator[None]:
    """While a worker starts, ``__main__`` has no file and no spec, so multiprocessing does not re-import it."""
    main = sys.modules["__main__"]
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class _WorkerProcess(mp_context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with _main_hidden():
            return mp_context.ForkServerProcess._Popen(process_obj)


class _WorkerContext(mp_context.ForkServerContext):
    Process = _WorkerProcess


WORKER_START = _WorkerContext()  # pass as a DataLoader's multiprocessing_context


def loader_options(workers: int, rows: int | None = None,
                   init: Callable[[int], None] | None = None) -> dict[str, Any]:
    """A DataLoader's worker settings: ``workers`` processes started as above, reading two batches ahead, each
    first running ``init``; none (this process reads) for 0, or when ``rows`` is fewer than
    :data:`WORKERS_FROM_ROWS`. The loader gets its own generator, so the global RNG stays as it was. (PyTorch
    already gives each worker one torch thread.)"""
    import torch

    if rows is not None and rows < WORKERS_FROM_ROWS:
        workers = 0
    return {"num_workers": workers, "prefetch_factor": 2 if workers else None,
            "multiprocessing_context": WORKER_START if workers else None,
            "worker_init_fn": init if workers else None, "generator": torch.Generator()}
