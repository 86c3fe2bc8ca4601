"""Atomic writes: a reader sees the old file or the whole new one, never a partial file."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 16 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def cache_path() -> Path:
    """sbkit's cache folder: ``$SBKIT_CACHE`` if set, else ``~/.cache/sbkit``."""
    env = os.environ.get("SBKIT_CACHE", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "sbkit"


def cache_root(part: str) -> Path:
    """:func:`cache_path`, for a process about to use ``part`` of the cache (a name of :data:`sbkit.cache.PARTS`):
    from then on it holds that part's shared lock (:func:`sbkit.cache_lock.hold`), so ``sbkit cache clear`` leaves
    the part alone until the process has ended."""
    from sbkit.cache_lock import hold

    root = cache_path()
    hold(root, part)
    return root


def cache_folder(part: str) -> Path:
    """The folder of ``part`` in sbkit's cache, ``<cache>/<part>``, with the part's lock held as by
    :func:`cache_root` (every part but the demo's keeps its entries in a folder of its name)."""
    return cache_root(part) / part


def mark_used(*paths: Path) -> None:
    """Set the modification time of cache entries (files or folders) to now, so ``sbkit cache clear
    --unused-for`` counts from their last use, not from when they were made. A path outside the cache (a folder
    the user named) is left as it is."""
    root = cache_path()
    roots = {Path(os.path.abspath(root)), Path(os.path.realpath(root))}  # once: a download read marks thousands
    for path in paths:
        if any(Path(os.path.abspath(path)).is_relative_to(inside) for inside in roots):
            try:
                os.utime(path)
            except OSError:
                pass  # another user's cache, or one on a read-only disk: the entry is still good to read


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the mode a plain open() would
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a (H, W) gray or (H, W, 3) RGB uint8 array, at OpenCV's default compression."""
    array = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(".png", array)
    if not ok:
        raise ValueError(f"could not encode an image of shape {image.shape} as PNG")
    return buffer.tobytes()


def atomic_write_png(path: str | Path, image: np.ndarray) -> Path:
    return atomic_write_bytes(path, encode_png(image))


