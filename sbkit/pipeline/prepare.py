"""Turn catalogue items into tensors: square photos, normalised sketches (made and drawn), captions, labels."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from sbkit.components import Sketchifier, component_config
from sbkit.data.catalogue import CatalogueItem, Skipped
from sbkit.data.images import SKETCH_RESOLUTION, read_image, read_sketch, square
from sbkit.data.skip_reasons import reason_of
from sbkit.data.tensors import SplitTensors
from sbkit.errors import DataError
from sbkit.io import atomic_write, cache_root
from sbkit.progress import track
from sbkit.sketch import normalize_sketch

def _fingerprint(items: list[CatalogueItem], sketchifier: Sketchifier, size: int, line_width: int) -> str:
    digest = hashlib.sha256()
    # "skip-kinds": caches from before skipped items carried a kind are not read back
    digest.update(json.dumps(["skip-kinds", sketchifier.name, component_config(sketchifier), size,
                              line_width]).encode())
    for item in items:
        stat = item.image.stat() if item.image.exists() else None
        digest.update(f"{item.id}\0{item.image}\0{stat and stat.st_size}\0{stat and stat.st_mtime_ns}\0"
                      f"{item.caption}\0{item.sketch}\n".encode())
    return digest.hexdigest()[:24]


def _load_item(item: CatalogueItem, sketchifier: Sketchifier, size: int, line_width: int):
    photo = read_image(item.image)
    if max(photo.shape[:2]) > SKETCH_RESOLUTION:
        photo = square(photo, SKETCH_RESOLUTION)
    made = normalize_sketch(sketchifier(photo, item.caption), size=size, line_width=line_width)
    drawn = None
    if item.sketch is not None:
        drawn = normalize_sketch(read_sketch(item.sketch), size=size, line_width=line_width)
    return square(photo, size), made, drawn


def prepare_split(items: list[CatalogueItem], sketchifier: Sketchifier, size: int, line_width: int,
                  description: str, use_cache: bool = True) -> tuple[SplitTensors, list[Skipped]]:
    """Read, square and sketchify ``items`` (cached on disk by content); unreadable ones are skipped."""
    cache = cache_root() / "prepared" / f"{_fingerprint(items, sketchifier, size, line_width)}.npz"
    if use_cache and cache.is_file():
        try:
            return _from_cache(items, cache)
        except (OSError, ValueError, KeyError):
            cache.unlink(missing_ok=True)  # a damaged cache is rebuilt, never trusted
    kept, images, made, drawn, skipped = [], [], [], [], []
    blank = np.full((size, size), 255, dtype=np.uint8)
    for item in track(items, description):
        try:
            image, sketch, drawing = _load_item(item, sketchifier, size, line_width)
        except DataError as exc:
            skipped.append(Skipped(item.id, str(exc), reason_of(exc)))
            continue
        kept.append(item)
        images.append(image)
        made.append(sketch)
        drawn.append(blank if drawing is None else drawing)
    has_drawn = np.array([item.sketch is not None for item in kept], dtype=bool)
    arrays = {
        "images": np.stack(images) if images else np.zeros((0, size, size, 3), np.uint8),
        "sketches": np.stack(made) if made else np.zeros((0, size, size), np.uint8),
        "drawn": np.stack(drawn) if drawn else np.zeros((0, size, size), np.uint8),
        "has_drawn": has_drawn,
        "ids": np.array([item.id for item in kept]),
        "skipped": np.array([json.dumps([s.source, s.reason, s.kind]) for s in skipped]),
    }
    if use_cache:
        atomic_write(cache, lambda tmp: _save_npz(tmp, arrays))
    return _to_tensors(kept, arrays), skipped


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def _from_cache(items: list[CatalogueItem], cache: Path) -> tuple[SplitTensors, list[Skipped]]:
    with np.load(cache) as data:
        arrays = {key: data[key] for key in data.files}
    by_id = {item.id: item for item in items}
    kept = [by_id[str(i)] for i in arrays["ids"]]
    skipped = [Skipped(*json.loads(str(s))) for s in arrays["skipped"]]
    return _to_tensors(kept, arrays), skipped


def _to_tensors(items: list[CatalogueItem], arrays: dict[str, np.ndarray]) -> SplitTensors:
    products: dict[str, int] = {}
    labels = [products.setdefault(item.product or item.id, len(products)) for item in items]
    has_drawn = torch.from_numpy(arrays["has_drawn"].astype(bool))
    return SplitTensors(
        items=items,
        images=torch.from_numpy(arrays["images"]).permute(0, 3, 1, 2).contiguous(),
        sketches=torch.from_numpy(arrays["sketches"]).unsqueeze(1),
        drawn=torch.from_numpy(arrays["drawn"]).unsqueeze(1) if bool(has_drawn.any()) else None,
        has_drawn=has_drawn,
        captions=[item.caption for item in items],
        labels=torch.tensor(labels, dtype=torch.long),
    )
