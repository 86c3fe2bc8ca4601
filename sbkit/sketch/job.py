"""``sketchify_job``: turn a catalogue or a folder of photos into a folder of sketches, in parallel and resumably.

Layout of the job folder ``out``::

    sketches/<id>.png   one sketch per finished item (ids with ``/`` become subfolders)
    manifest.jsonl      one JSON line per finished item, appended as items finish
    skipped.jsonl       every input left out by the latest run, with its reason
    job.json            the settings; a rerun with other settings is refused unless ``force``
    job.lock            locked while a job runs, so a second job on the folder is refused

Sketches are written atomically, so a killed run leaves only whole files (and temporary ``.part``
files, which the next run removes); a rerun skips every item already in the manifest whose sketch
file exists.
"""

from __future__ import annotations

import math
import numbers
import os
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbkit.components import component_config
from sbkit.data.images import MIN_SIDE
from sbkit.errors import ConfigError, check
from sbkit.folder_lock import folder_lock
from sbkit.io import atomic_write_text
from sbkit.params import resolve_params
from sbkit.paths import check_output
from sbkit.progress import progress_bar
from sbkit.sketch.job_results import chunk_results, deferred_interrupt
from sbkit.sketch.job_source import SKETCH_DIR, JobItem, SkippedInput, list_items
from sbkit.sketch.job_state import check_config, manifest_line, resume_state, write_config
from sbkit.sketch.job_worker import ChunkResult, SketchWriter

JOB_LOCK = "job.lock"  # held (flock) while a job runs in its --out folder

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


def _write_skipped(path: Path, skipped: list[SkippedInput]) -> None:
    atomic_write_text(path, "".join(manifest_line(s.as_dict()) for s in skipped))


def _foreign_job_files(out: Path) -> str | None:
    """Job files in ``out`` with no ``job.json`` beside them were not written by a sketchify job."""
    if (out / "job.json").exists():
        return None  # a job folder: check_config compares its settings
    found = [name for name in ("manifest.jsonl", "skipped.jsonl", SKETCH_DIR) if (out / name).exists()]
    return f"holds {', '.join(found)} that sbkit sketchify did not write" if found else None


def _int_option(name: str, value: Any, example: int) -> int | None:
    """``value`` as an int (None stays None); a str, float or bool is a ConfigError naming the option."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an int or None, got {type(value).__name__} {value!r}; "
                          f"pass a whole number, e.g. {name}={example}")
    return int(value)


def sketchify_job(source: str | Path, out: str | Path, sketchifier: str = "canny", params: dict[str, Any] | None = None,
                  workers: int | None = None, size: int | None = None, normalize: bool = False,
                  force: bool = False, engine: str = "local", address: str | None = None) -> JobSummary:
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
        engine: "local" (a process pool on this machine) or "ray" (Ray Data tasks on a Ray cluster; the
            same files, see :mod:`sbkit.sketch.ray_engine`); ``workers`` is then the cluster's CPU count.
        address: with ``engine="ray"``, the cluster to join (``ray start --head`` prints it); None starts a
            local Ray instance, or joins ``RAY_ADDRESS`` when set.

    Returns:
        A :class:`JobSummary`; inputs that could not be used are counted there and listed in ``skipped.jsonl``.

    Raises:
        ConfigError: bad settings, or ``out`` holds a job with other settings and ``force`` is off.
        DataError: ``source`` is missing or holds no image, or another job is running in ``out``.
    """
    from sbkit.ray_cluster import check_engine
    from sbkit.registry import get_registry

    check_engine(engine, address)
    size, workers = _int_option("size", size, 256), _int_option("workers", workers, 2)
    check(isinstance(normalize, bool), f"normalize must be True or False, got {normalize!r}; pass a bool", ConfigError)
    check(isinstance(force, bool), f"force must be True or False, got {force!r}; pass a bool", ConfigError)
    check(size is None or size >= MIN_SIDE, f"size must be at least {MIN_SIDE} px, got {size}", ConfigError)
    workers = default_workers() if workers is None else workers
    check(workers >= 1, f"workers must be at least 1, got {workers}", ConfigError)
    entry = get_registry().entry("sketchifier", sketchifier)
    cls = entry.cls
    resolved = resolve_params(cls, {} if params is None else params, f"sketchifier {sketchifier!r}")
    sketchifier_config = component_config(entry.build(resolved))
    config = {"sketchifier": sketchifier, "params": sketchifier_config, "size": size, "normalize": normalize,
              "source": os.path.abspath(source) if os.path.exists(source) else str(source)}

    out = Path(out)
    # Sketches written inside SOURCE would be read back as photos by the next run.
    check_output(out, inputs={"SOURCE": source}, folders={"SOURCE": source}, folder=True, force=force,
                 conflict=_foreign_job_files)
    items, skipped = list_items(source, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"--out {out} is a file; pass a folder for the sketches") from None
    except OSError as exc:
        raise ConfigError(f"cannot create --out {out}: {exc.strerror or exc}") from None
    # A second job on this folder is refused, not interleaved.
    with folder_lock(out, "sketchify job", "wait for it to finish, or pass another --out folder", JOB_LOCK):
        check_config(out, config, force)
        finished, removed = resume_state(out, force)
        write_config(out, config)
        pending = [item for item in items if item.id not in finished]
        summary = JobSummary(out, sketchifier, total=len(items), done=0, resumed=len(items) - len(pending),
                             removed_partial=removed)
        worker_args = (cls, resolved, out, size, normalize, sketchifier_config)
        if normalize and pending:
            import skimage.morphology  # noqa: F401 - imported once here, before the workers fork, not in each
        start = time.perf_counter()
        try:
            with ExitStack() as stack:
                if engine == "ray" and pending:  # nothing to do needs no cluster
                    from sbkit.sketch.ray_engine import ray_results

                    results, summary.workers = stack.enter_context(ray_results(pending, worker_args, address))
                    start = time.perf_counter()  # joining or starting Ray is not sketchifying
                else:
                    chunks = chunked(pending, workers)
                    summary.workers = workers = min(workers, max(1, len(chunks)))
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
