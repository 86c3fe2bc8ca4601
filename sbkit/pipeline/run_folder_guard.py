"""Keeping run folders whole: one run per folder, nothing written by a refused run, no half-made folder left.

- A new run never writes into a folder that holds another run's results, unless it is told to ``force``
  (that run's result files are deleted first, so nothing is mixed) or to ``resume`` it.
- ``resume`` continues the run in the folder with the folder's ``config.toml``; settings that would change
  what that run computes are refused before anything is written. A run killed before its first checkpoint
  (SIGKILL leaves no ``FAILED`` file) resumes too: its training starts from the beginning.
- The folder is locked (:mod:`sbkit.folder_lock`) for the whole run, so a second run on it is refused.
- A run that fails before its first checkpoint removes what it made (the folder too, if it made it); one
  that fails later keeps its checkpoint for ``--resume`` and says what happened in a ``FAILED`` file.
"""

from __future__ import annotations

import fnmatch
import shutil
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sbkit.config import RunConfig
from sbkit.errors import ConfigError
from sbkit.folder_lock import LOCK_FILE, folder_lock, refuse_if_locked
from sbkit.io import atomic_write_text
from sbkit.paths import check_output
from sbkit.training.history import flatten

FAILED = "FAILED"
CHECKPOINT = "checkpoint"
# Every name a run writes in its folder (docs/architecture.md, "Run folder"); --force deletes these only.
RUN_ENTRIES: tuple[str, ...] = (
    "config.toml", "metrics.json", "model", CHECKPOINT, "index", "report.md", "contact_sheet.png", "recall.png",
    "partial_sketch.png", "training_loss.png", "validation.png", "caption_words.png", "skipped.jsonl", "probe-*.png",
    FAILED,
)
# What a resumed run may change: where and how long it trains (as the trainer allows), and its report.
BUSY_HINT = "wait for that run to finish, or give another --out"
RESUME_MAY_CHANGE = ("out", "device", "epochs", "grad_cache_chunk", "early_stopping", "probes", "sheet_queries",
                     "workers")


def run_entries(folder: Path) -> list[Path]:
    """The files and folders in ``folder`` that a run writes (empty when the folder does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if any(fnmatch.fnmatchcase(p.name, n) for n in RUN_ENTRIES))


def default_run_dir(config: RunConfig) -> Path:
    """``config.out``, or ``runs/<time>-<sketchifier>-<encoder>-<fuser>`` when it is empty."""
    if config.out:
        return Path(config.out)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stamp}-{config.sketchifier.name}-{config.encoder.name}-{config.fuser.name}"


def resume_base(folder: str | Path) -> RunConfig:
    """The saved config of the run in ``folder``, which must hold the config.toml a run writes first."""
    folder = Path(folder)
    if not (folder / "config.toml").is_file():
        raise ConfigError(f"cannot resume: {folder} holds no run to continue (it has no config.toml); start the "
                          "run without --resume")
    return RunConfig.from_toml(folder / "config.toml")


def resume_conflicts(saved: RunConfig, wanted: RunConfig) -> list[str]:
    """``setting: saved -> wanted`` for each setting of ``wanted`` that would change the saved run."""
    old, new = flatten(saved.to_dict()), flatten(wanted.to_dict())
    return [f"{key}: {old.get(key)!r} -> {new.get(key)!r}" for key in sorted(old.keys() | new.keys())
            if key.split(".")[0] not in RESUME_MAY_CHANGE and old.get(key) != new.get(key)]


def refuse_changed_resume(folder: Path, saved: RunConfig, wanted: RunConfig) -> None:
    """Raise when ``wanted`` differs from the run's saved config in more than :data:`RESUME_MAY_CHANGE`."""
    conflicts = resume_conflicts(saved, wanted)
    if conflicts:
        raise ConfigError(f"cannot resume {folder}: these settings differ from its config.toml "
                          f"({'; '.join(conflicts)}); resume without them, or start a new run with another --out")


@contextmanager
def claim_run_folder(folder: Path, resume: bool = False, force: bool = False, command: str = "sbkit run",
                     catalogue: Path | None = None) -> Iterator[Path]:
    """Make (if needed) and lock ``folder`` for one run, and tidy it if the run fails.

    Args:
        folder: the run folder.
        resume: continue the run in it; its files are kept.
        force: delete the result files of a run already in it before this run starts.
        command: the command that continues the run, as a ``FAILED`` file suggests it.
        catalogue: the folder of the catalogue the run reads; the run folder may not lie inside it.

    Raises:
        ConfigError: the folder is a file, lies in the catalogue, holds another run (without ``force`` or
            ``resume``) or files named as a run's that no run wrote, or is locked by another run.
    """
    check_output(folder, folder=True, folders={"the catalogue": catalogue},
                 conflict=lambda _: None)  # what the folder holds is checked below
    # The same checks run before locking, so a refused run does not even touch the lock file.
    refuse_if_locked(folder, "sbkit job", BUSY_HINT)
    if not resume:
        _refuse_a_run_in(folder, force)
    created = _missing_folders(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder, "sbkit job", BUSY_HINT):
        try:
            if not resume:
                _clear(folder, force)
        except BaseException:
            _remove_if_only_lock(folder, created)
            raise
        try:
            yield folder
        except BaseException as exc:
            _after_failure(folder, exc, resume, created, command)
            raise
        (folder / FAILED).unlink(missing_ok=True)


def _refuse_a_run_in(folder: Path, force: bool) -> list[Path]:
    """The run files in ``folder``; a :class:`ConfigError` when there are some and ``force`` is off."""
    existing = run_entries(folder)
    if existing and not any(p.name == "config.toml" for p in existing):
        # A run writes config.toml before anything else, so these are someone else's files of the same names.
        names = ", ".join(p.name for p in existing[:4])
        raise ConfigError(f"run folder {folder} holds {names}, which no sbkit run wrote there (it has no "
                          "config.toml); give another --out")
    if existing and not force:
        names = ", ".join(p.name + ("/" if p.is_dir() else "") for p in existing[:4])
        more = f" and {len(existing) - 4} more" if len(existing) > 4 else ""
        raise ConfigError(f"run folder {folder} already holds a run ({names}{more}); give another --out, continue "
                          f"it with --resume {folder}, or replace it with --force (force=True in Python)")
    return existing


def _clear(folder: Path, force: bool) -> None:
    """Checked again holding the lock: another run may have written the folder since the first look."""
    for path in _refuse_a_run_in(folder, force):
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its parents that do not exist yet, deepest first: what ``mkdir(parents=True)`` makes."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    return missing


def _after_failure(folder: Path, exc: BaseException, resume: bool, created: list[Path], command: str) -> None:
    """Keep a resumed run, or one with a checkpoint, marked FAILED; remove the files of a new one without."""
    checkpoint = folder / CHECKPOINT
    if resume or (checkpoint.is_dir() and any(checkpoint.iterdir())):
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else \
            "".join(traceback.format_exception_only(type(exc), exc)).strip()
        atomic_write_text(folder / FAILED, f"{reason}\ncontinue this run with: {command} --resume {folder}\n")
        return
    for path in run_entries(folder):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    _remove_if_only_lock(folder, created)


def _remove_if_only_lock(folder: Path, created: list[Path]) -> None:
    """Leave ``folder`` as it was before the run when nothing but the lock file is left in it: remove the lock
    file, and the folders the run made (``created``, deepest first). Called holding the lock (see
    :mod:`sbkit.folder_lock`)."""
    if {p.name for p in folder.iterdir()} <= {LOCK_FILE}:
        (folder / LOCK_FILE).unlink(missing_ok=True)
        for path in created:
            try:
                path.rmdir()
            except OSError:
                break  # another process put something in it meanwhile: leave it


def refuse_stale_checkpoint(folder: Path, options: Any) -> None:
    """Raise when the checkpoint in ``folder`` was trained with other options than ``options`` (TrainOptions),
    e.g. after an edit of config.toml; checked before a resumed run reads any data."""
    from sbkit.training.checkpoint import load_checkpoint

    state = load_checkpoint(folder / CHECKPOINT)
    if state is None:
        return  # stopped before its first checkpoint: training starts from the beginning
    conflicts = options.resume_conflicts(state["options"])
    if conflicts:
        raise ConfigError(f"cannot resume {folder}: its config.toml no longer matches its checkpoint "
                          f"({'; '.join(conflicts)}); restore the config.toml the run started with, or start a "
                          "new run with another --out")
