"""What sbkit keeps in its cache folder, how large each part is, and clearing it (``sbkit cache``).

Everything in the cache can be made again: clearing a part costs the time to remake it on next use, never a
result. Each part is a set of entries (a file or a folder), and an entry's modification time is its last use
(:func:`sbkit.io.mark_used`), so ``--unused-for`` keeps what recent runs read. Names in the cache folder that
are not sbkit's are listed and never removed.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sbkit.cache_lock import LOCK_PREFIX, exclusive
from sbkit.errors import ConfigError
from sbkit.io import cache_path

DAY_S = 86_400.0


@dataclass(frozen=True)
class CachePart:
    """One kind of cache entry: where its entries are (globs under the cache folder) and what they hold."""

    name: str
    globs: tuple[str, ...]
    holds: str
    remade: str

    def entries(self, root: Path) -> list[Path]:
        """This part's entries under ``root``, hidden ones (leftovers of a job that was killed) included."""
        return sorted({path for pattern in self.globs for path in root.glob(pattern)})


PARTS = (
    CachePart("features", ("features/*", "features/.*"), "tower features",
              "computed again by the next run that needs them (its caching step)"),
    CachePart("prepared", ("prepared/*", "prepared/.*"), "photos and sketches",
              "sketchified again by the next run that needs them"),
    CachePart("downloads", ("downloads/*/*", "downloads/*/.*"), "web pictures",
              "downloaded again when the catalogue is next read; a gallery served from them shows no photo "
              "until then"),
    CachePart("validation", ("validation/*", "validation/.*"), "image checks",
              "images are decoded again by the next validation"),
    CachePart("demo", ("demo-*",), "demo catalogues", "generated again when the demo is next asked for"),
    CachePart("datasets", ("datasets/*/*",), "dataset files",
              "made again when the dataset is next read"),
    CachePart("npm", ("npm/*",), "npm benchmark data", "fetched again by the next benchmark that needs it"),
)
PART_NAMES = tuple(part.name for part in PARTS)
# what a part's entries look like at the top of the cache folder: "features", "demo-*", ...
_TOP_NAMES = {pattern.split("/")[0] for part in PARTS for pattern in part.globs}


@dataclass(frozen=True)
class Entry:
    """A cache entry: its part's name, its path, bytes on disk and last use (seconds since the epoch)."""

    part: str
    path: Path
    size: int
    used: float


@dataclass(frozen=True)
class PartSummary:
    """A part's entries, total size and the newest and oldest last use (None when it has no entry)."""

    part: CachePart
    entries: list[Entry]

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.entries)

    @property
    def newest(self) -> float | None:
        return max((entry.used for entry in self.entries), default=None)

    @property
    def oldest(self) -> float | None:
        return min((entry.used for entry in self.entries), default=None)


def _size(path: Path) -> int:
    """Bytes of a file, or of every file below a folder (links not followed)."""
    try:
        if not path.is_dir() or path.is_symlink():
            return path.lstat().st_size
    except OSError:
        return 0
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass  # removed while we looked
    return total


def _entry(part: CachePart, path: Path) -> Entry | None:
    try:
        used = path.lstat().st_mtime
    except OSError:
        return None  # removed while we looked
    return Entry(part.name, path, _size(path), used)


def summarise(root: Path | None = None, parts: Iterable[CachePart] = PARTS) -> list[PartSummary]:
    """``parts`` (default: every part) of the cache at ``root`` (default: sbkit's cache folder), empty ones
    included."""
    root = root if root is not None else cache_path()
    return [PartSummary(part, [e for e in (_entry(part, p) for p in part.entries(root)) if e is not None])
            for part in parts]


def others(root: Path | None = None) -> list[Path]:
    """Names in the cache folder that are no part of sbkit's (left alone by :func:`clear`)."""
    root = root if root is not None else cache_path()
    if not root.is_dir():
        return []
    return sorted(path for path in root.iterdir() if not path.name.startswith(LOCK_PREFIX)
                  and not any(fnmatch.fnmatchcase(path.name, name) for name in _TOP_NAMES))


def parts_named(names: Iterable[str]) -> list[CachePart]:
    """The parts with these names, in :data:`PARTS` order; an unknown name is a :class:`ConfigError`."""
    wanted = [name.strip().lower() for name in names]
    unknown = [name for name in wanted if name not in PART_NAMES]
    if unknown:
        raise ConfigError(f"no cache part named {', '.join(repr(n) for n in unknown)}; the parts are "
                          f"{', '.join(PART_NAMES)}")
    return [part for part in PARTS if part.name in wanted]


@dataclass(frozen=True)
class Cleared:
    """What :func:`clear` removed (or, on a dry run, would remove) and what it kept."""

    removed: list[Entry]
    kept: list[Entry]

    @property
    def removed_size(self) -> int:
        return sum(entry.size for entry in self.removed)


def clear(parts: Iterable[CachePart], unused_for_days: float | None = None, dry_run: bool = False,
          root: Path | None = None, now: float | None = None) -> Cleared:
    """Remove the entries of ``parts``, or only those not used for ``unused_for_days``.

    The parts' locks are held exclusively while entries go, so no job is using them (:mod:`sbkit.cache_lock`);
    each folder is renamed aside before it is deleted, so a reader never finds half of one.

    Raises:
        FolderBusyError: another process is using one of the parts.
    """
    root = root if root is not None else cache_path()
    cutoff = None if unused_for_days is None else (time.time() if now is None else now) - unused_for_days * DAY_S
    parts = list(parts)
    removed: list[Entry] = []
    kept: list[Entry] = []
    for summary in summarise(root, parts):
        for entry in summary.entries:
            (removed if cutoff is None or entry.used < cutoff else kept).append(entry)
    if dry_run or not removed:
        return Cleared(removed, kept)
    with exclusive(root, [part.name for part in parts]):
        for entry in removed:
            _remove(entry.path)
    return Cleared(removed, kept)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        aside = path.with_name(f".removing-{path.name}-{os.getpid()}")
        try:
            path.rename(aside)
        except OSError:
            aside = path
        shutil.rmtree(aside, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
