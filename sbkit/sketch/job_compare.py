"""``sbkit sketchify --compare``: a contact sheet of photos beside their sketch from each of several sketchifiers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sbkit.errors import ConfigError, DataError, SbkitError, check
from sbkit.evaluation.contact_sheet import photo_sketch_grid
from sbkit.sketch.job_read import read_photo, resize_longest
from sbkit.sketch.job_source import JobItem, list_items



def spread(items: list[JobItem], n: int) -> list[JobItem]:
    """Every item, the ``n`` evenly spaced ones first (so a sheet samples the whole catalogue)."""
    if len(items) <= n:
        return list(items)
    picked = sorted({round(i * (len(items) - 1) / max(n - 1, 1)) for i in range(n)})
    chosen = set(picked)
    return [items[i] for i in picked] + [item for i, item in enumerate(items) if i not in chosen]


def _drawn(entry: Any, sketchifier: Any, photo: np.ndarray, item: JobItem) -> np.ndarray:
    """``sketchifier``'s sketch of ``photo``; a third-party one that raises stops the sheet with one line naming it."""
    try:
        return sketchifier(photo, item.caption)
    except (SbkitError, KeyboardInterrupt):
        raise
    except Exception as exc:
        if entry.plugin.builtin:
            raise
        raise entry.failure(f"failed on {item.image}", exc) from exc


def compare_sheet(source: str | Path, names: list[str], out: str | Path, n: int = 8, size: int = 256,
                  params: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write a PNG contact sheet: ``n`` photos of ``source``, each beside its sketch from every sketchifier.

    Args:
        source: anything :func:`sbkit.sketch.job.sketchify_job` reads.
        names: sketchifier names, one column each after the photo.
        out: the PNG to write.
        n: how many photos (rows), spread evenly over the source; unreadable ones are passed over.
        size: photos are resized so their longest side is this many px.
        params: parameters per sketchifier name.

    Returns:
        ``out``.
    """
    from sbkit.registry import get_registry

    check(names, "--compare needs at least one sketchifier name, e.g. --compare canny,canny-clahe", ConfigError)
    check(n >= 1, f"-n must be at least 1, got {n}", ConfigError)
    check(len(set(names)) == len(names), f"--compare names a sketchifier twice: {','.join(names)}", ConfigError)
    params = params or {}
    registry = get_registry()
    sketchifiers = {name: registry.create("sketchifier", name, params.get(name)) for name in names}
    items, _skipped = list_items(source)
    columns: dict[str, list[np.ndarray]] = {"photo": [], **{name: [] for name in names}}
    for item in spread(items, n):
        if len(columns["photo"]) == n:
            break
        try:
            photo = resize_longest(read_photo(item.image), size)
        except DataError:
            continue
        columns["photo"].append(photo)
        for name, sketchifier in sketchifiers.items():
            columns[name].append(_drawn(registry.entry("sketchifier", name), sketchifier, photo, item))
    check(columns["photo"], f"{source}: none of its images could be read", DataError)
    return photo_sketch_grid(columns, Path(out), thumb=min(size, 192))

