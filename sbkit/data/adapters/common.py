"""What the dataset readers share: the cache folder for files they derive, and text helpers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sbkit.data.image_folder import IMAGE_SUFFIXES
from sbkit.errors import DataError
from sbkit.io import cache_folder, mark_used


def cache_dir(dataset: str, source: Path, cache: Path | None = None) -> Path:
    """Where files derived from ``source`` go: ``cache`` when given, else one folder per source under
    ``$SBKIT_CACHE`` (default ``~/.cache/sbkit``). The dataset folder itself is never written to."""
    if cache is not None:
        return Path(cache).expanduser().resolve()
    digest = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:10]
    folder = cache_folder("datasets") / dataset / f"{source.name}-{digest}"
    if folder.is_dir():
        mark_used(folder)
    return folder


def with_article(noun: str) -> str:
    """``"airplane"`` -> ``"an airplane"``, ``"car_(sedan)"`` -> ``"a car (sedan)"``."""
    words = noun.replace("_", " ").replace("-", " ").strip()
    return f"{'an' if words[:1].lower() in 'aeiou' and words else 'a'} {words}"


def image_files(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def file_version(path: Path) -> str:
    """A short tag that changes when ``path`` is edited (its size and mtime): part of a cache key."""
    stat = path.stat()
    return hashlib.sha1(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:8]


def decode_text(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text, a leading byte-order mark dropped; :class:`DataError` naming ``name`` if not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def read_text(path: Path) -> str:
    """A text file as UTF-8 (an optional BOM dropped); :class:`DataError` when unreadable."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return decode_text(data, str(path))


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file, stripped (BOM dropped; CRLF, LF or CR line ends)."""
    return [line.strip() for line in read_text(path).splitlines() if line.strip()]


def read_json(path: Path) -> Any:
    """A UTF-8 JSON file (an optional BOM dropped); :class:`DataError` naming the file when unreadable."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not a readable JSON file ({exc}); fix or export it again") from None
