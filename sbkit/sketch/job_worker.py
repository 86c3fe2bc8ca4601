"""The per-item work of a sketchify job: read, resize, sketchify, normalise, encode (in-process or in a
worker), and the atomic writes of the finished sketches (always in the job's main process)."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from sbkit.data import skip_reasons as why
from sbkit.errors import DataError
from sbkit.io import encode_png
from sbkit.sketch.job_read import read_photo, resize_longest
from sbkit.sketch.job_source import JobItem, SkippedInput
from sbkit.sketch.normalize import normalize_sketch

# A finished item: the path its sketch goes to, the sketch as PNG bytes, and its manifest line (JSON).
Finished = tuple[str, bytes, str]
# What one chunk gives back: its finished items and the inputs it skipped.
ChunkResult = tuple[list[Finished], list[SkippedInput]]
# json.dumps(..., ensure_ascii=False) builds this encoder on every call; one made once writes the same text.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)


class SketchWorker:
    """Builds the sketchifier once, then turns :class:`JobItem` chunks into sketch files and manifest lines.

    Args:
        cls: the sketchifier class.
        params: its checked parameters (``cls(**params)`` builds it).
        out: the job folder.
        size: longest side in px to resize photos to before sketchifying; None keeps their size.
        normalize: run :func:`sbkit.sketch.normalize_sketch` on each sketch.
        config: the sketchifier's ``component_config``, copied into every manifest line.
    """

    def __init__(self, cls: type, params: dict[str, Any], out: Path, size: int | None, normalize: bool,
                 config: dict[str, Any]) -> None:
        self.sketchifier = cls(**params)
        self.gray = bool(getattr(cls, "gray_input", False))  # decode straight to grey when that is all it reads
        self.out, self.size, self.normalize = out, size, normalize
        self.triggered = getattr(self.sketchifier, "triggered", None)
        if not callable(self.triggered):
            self.triggered = None
        # Every line shares these fields; serialise them once.
        self._tail = json.dumps({"sketchifier": cls.name, "params": config, "size": size, "normalize": normalize},
                                ensure_ascii=False, default=str)[1:]

    def sketch(self, image: np.ndarray, caption: str | None) -> tuple[np.ndarray, dict[str, bool]]:
        """Sketch of one photo (resized and normalised as configured), and which branch it took.

        The branch is the sketchifier's own ``last_branch`` record of this call when it keeps one (built-in
        ``canny-clahe`` and ``outline``: ``triggered`` and ``enhanced``), else ``triggered`` from its
        ``triggered(image, caption)`` method when it has one, else empty.
        """
        if self.size:
            image = resize_longest(image, self.size)
        sketch = self.sketchifier(image, caption)
        branch = getattr(self.sketchifier, "last_branch", None)
        if isinstance(branch, dict):
            branch = {key: bool(value) for key, value in branch.items()}
        else:
            branch = {"triggered": bool(self.triggered(image, caption))} if self.triggered else {}
        if self.normalize:
            sketch = normalize_sketch(sketch, size=self.size or max(sketch.shape))
        return sketch, branch

    def run_item(self, item: JobItem) -> Finished | SkippedInput:
        """``item``'s sketch as PNG bytes, with where it goes and its manifest line; or why it was skipped."""
        try:
            image = read_photo(item.member or item.image, gray=self.gray)
        except DataError as exc:
            return SkippedInput(item.id, item.image, why.reason_of(exc), str(exc))
        try:
            sketch, branch = self.sketch(image, item.caption)
        except Exception as exc:  # noqa: BLE001 - one bad photo or sketchifier bug must not end the job
            return SkippedInput(item.id, item.image, why.SKETCHIFY_FAILED,
                                why.sketchify_failed(item.image, self.sketchifier.name, exc))
        head = {"id": item.id, "image": item.image, "sketch": item.sketch, "caption": item.caption,
                "shape": list(sketch.shape), **branch}
        line = _LINE_ENCODER.encode(head)[:-1] + ", " + self._tail + "\n"
        return os.path.join(self.out, item.sketch), encode_png(sketch), line

    def run_chunk(self, chunk: list[JobItem]) -> ChunkResult:
        finished: list[Finished] = []
        skipped: list[SkippedInput] = []
        for item in chunk:
            result = self.run_item(item)
            if isinstance(result, SkippedInput):
                skipped.append(result)
            else:
                finished.append(result)
        return finished, skipped


class SketchWriter:
    """Writes finished sketches atomically, in the job's main process.

    One process writes every file: renames into one folder from several processes do not run in
    parallel on common file systems (measured on ext4: two processes renamed no faster than one),
    while the main process has little else to do.
    """

    def __init__(self) -> None:
        self._folders: set[str] = set()

    def write(self, path: str, data: bytes) -> None:
        """Write ``path`` atomically: a temporary ``.<name>.<pid>.part`` beside it, renamed into place.

        The same guarantee as :func:`sbkit.io.atomic_write_bytes`, for a fraction of its cost per file
        (no ``mkstemp`` and no ``mkdir`` per call): one process writes one file at a time, so its pid
        makes the temporary name unique, and folders are made once.
        """
        folder, name = os.path.split(path)
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.part")
        try:
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            with open(tmp, "wb") as file:
                file.write(data)
            os.replace(tmp, path)
        except BaseException as exc:
            with suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise DataError(f"cannot write {path}: {exc.strerror or exc}; check the --out folder") from None
            raise


_WORKER: SketchWorker | None = None


def init_worker(parent: int, *args: Any) -> None:
    """Pool initializer: die with the ``parent`` process, one thread, Ctrl-C left to the parent, and one
    :class:`SketchWorker` built from ``args``."""
    global _WORKER
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_thread()
    _WORKER = SketchWorker(*args)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """End this worker as soon as the process ``parent`` ends, however it ends (SIGKILL included).

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a
    daemon thread notices that the parent has changed. Either way a killed ``sbkit sketchify`` leaves no
    orphaned worker holding hundreds of MB; the parent writes every file, so a worker has nothing to finish.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the request took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="sbkit-parent-watch", daemon=True).start()


def run_chunk(chunk: list[JobItem]) -> ChunkResult:
    """Pool task: run one chunk on this process's worker (made by :func:`init_worker`)."""
    return _WORKER.run_chunk(chunk)


def _torch() -> Any:
    """torch when the sketchifier has loaded it (its class is imported before the workers start), else None."""
    return sys.modules.get("torch")


def single_thread() -> None:
    """Parallelism comes from processes: keep OpenCV and torch to one thread each."""
    cv2.setNumThreads(1)
    if (torch := _torch()) is not None:
        torch.set_num_threads(1)


@contextmanager
def single_threaded() -> Iterator[None]:
    """:func:`single_thread` for the length of a ``with`` block, then the thread counts as they were."""
    torch = _torch()
    previous = cv2.getNumThreads(), torch.get_num_threads() if torch is not None else None
    single_thread()
    try:
        yield
    finally:
        cv2.setNumThreads(previous[0])
        if torch is not None:
            torch.set_num_threads(previous[1])
