"""What the dataset readers share: the cache folder for files they derive, and text helpers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sbkit.io import cache_root

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})


def cache_dir(dataset: str, source: Path, cache: Path | None = None) -> Path:
    """Where files derived from ``source`` go: ``cache`` when given, else one folder per source under
    ``$SBKIT_CACHE`` (default ``~/.cache/sbkit``). The dataset folder itself is never written to."""
    if cache is not None:
        return Path(cache).expanduser().resolve()
    digest = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:10]
    return cache_root() / "datasets" / dataset / f"{source.name}-{digest}"


def with_article(noun: str) -> str:
    """``"airplane"`` -> ``"an airplane"``, ``"car_(sedan)"`` -> ``"a car (sedan)"``."""
    words = noun.replace("_", " ").replace("-", " ").strip()
    return f"{'an' if words[:1].lower() in 'aeiou' and words else 'a'} {words}"


def image_files(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
