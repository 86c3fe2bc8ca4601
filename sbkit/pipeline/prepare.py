"""Turn catalogue items into rows: square photos, normalised sketches (made and drawn), captions, labels.

A catalogue's own drawings are cleaned exactly as query drawings are (:func:`sbkit.retrieval.query.clean_drawing`),
so a run measures drawings the way `sbkit search` will see them.

Items are decoded and sketchified in DataLoader worker processes and streamed into a folder in the cache, which
the split then reads row by row; a whole split is never held in memory (see :mod:`sbkit.data.rows`)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from sbkit.components import Sketchifier, component_config
from sbkit.data.catalogue import CatalogueItem, Skipped, other_drawings
from sbkit.data import skip_reasons as why
from sbkit.data.images import ImageError, read_image, read_sketch, sketch_input, square
from sbkit.data.rows import DiskRows
from sbkit.data.workers import loader_options
from sbkit.data.skip_reasons import reason_of
from sbkit.data.sources import ImageSource
from sbkit.data.tensors import SplitTensors
from sbkit.errors import DataError, check
from sbkit.fingerprint import code_fingerprint
from sbkit.io import atomic_write_json, cache_folder, mark_used
from sbkit.progress import progress_bar
from sbkit.retrieval.query import clean_drawing
from sbkit.sketch import normalize_sketch

META = "meta.json"


def _fingerprint(items: list[CatalogueItem], sketchifier: Sketchifier, size: int, line_width: int,
                 made: list[Path | None], all_drawings: bool = False) -> str:
    digest = hashlib.sha256()
    # "disk-rows": caches written before splits were streamed to row files are not read back; the code
    # fingerprint: nor are rows that another version of the sketchifier or of the squaring made
    digest.update(json.dumps(["disk-rows", sketchifier.name, component_config(sketchifier), size, line_width,
                              code_fingerprint(sketchifier, normalize_sketch, sketch_input, square, clean_drawing)]
                             ).encode())
    for item, sketch in zip(items, made):
        digest.update(f"{item.id}\0{_file_key(item.image)}\0{item.caption}\0{item.sketch}\n".encode())
        if sketch is not None:  # a sketch read from a sketchify job folder, not made here
            digest.update(f"made\0{_file_key(sketch)}\n".encode())
        for drawing in other_drawings(item) if all_drawings else []:  # none: the key it always had
            digest.update(f"drawing\0{_file_key(drawing)}\n".encode())
    return digest.hexdigest()[:24]


def _file_key(path: ImageSource) -> str:
    """``path`` with its size and modification time (None, None when it is missing), for cache keys."""
    stat = path.stat() if path.exists() else None
    return f"{path}\0{stat and stat.st_size}\0{stat and stat.st_mtime_ns}"


@dataclass
class LoadedItem:
    """One item's rows: its square photo, its sketch, its first drawing (or None) and its other drawings, with
    those of its other drawings that could not be read (the item itself is kept)."""

    photo: np.ndarray
    sketch: np.ndarray
    drawn: np.ndarray | None
    more: list[np.ndarray] = field(default_factory=list)
    dropped: list[Skipped] = field(default_factory=list)

    @property
    def drawings(self) -> int:
        return (self.drawn is not None) + len(self.more)


def _read_drawing(source: ImageSource, size: int, line_width: int) -> np.ndarray:
    """A person's drawing, cleaned as `sbkit search` cleans a query drawing."""
    return normalize_sketch(clean_drawing(read_sketch(source)), size=size, line_width=line_width)


def _load_item(item: CatalogueItem, sketchifier: Sketchifier, size: int, line_width: int,
               made_file: Path | None = None, all_drawings: bool = False) -> LoadedItem:
    photo = sketch_input(read_image(item.image))
    if made_file is not None:
        sketch = read_sketch(made_file)
    else:
        try:
            sketch = sketchifier(photo, item.caption)
        except Exception as exc:  # noqa: BLE001 - as in `sbkit sketchify`: a sketchifier bug skips the item
            raise ImageError(why.sketchify_failed(item.image, sketchifier.name, exc), why.SKETCHIFY_FAILED) from exc
    made = normalize_sketch(sketch, size=size, line_width=line_width)
    loaded = LoadedItem(square(photo, size), made, None if item.sketch is None else
                        _read_drawing(item.sketch, size, line_width))
    for drawing in other_drawings(item) if all_drawings else []:
        try:
            loaded.more.append(_read_drawing(drawing, size, line_width))
        except DataError as exc:  # one unreadable drawing of many: the item keeps the rest
            loaded.dropped.append(Skipped(str(drawing), f"{item.id}: {exc}", reason_of(exc)))
    return loaded


def default_workers() -> int:
    """Decoding worker processes: one per core beyond the one that trains, at least 1 and at most 8."""
    return max(1, min(8, (os.cpu_count() or 2) - 1))


class ItemStream(torch.utils.data.Dataset):
    """Catalogue items decoded, squared and sketchified one at a time, in DataLoader worker processes.

    Item ``i`` gives ``(i, LoadedItem, None)``, or ``(i, None, Skipped)`` when its files cannot be read.
    ``made[i]``, when given, is a sketch file (from a sketchify job) read instead of sketchifying item ``i``.
    With ``all_drawings`` an item's other drawings (:func:`~sbkit.data.catalogue.other_drawings`) are read too.
    """

    def __init__(self, items: list[CatalogueItem], sketchifier: Sketchifier, size: int, line_width: int,
                 made: list[Path | None] | None = None, all_drawings: bool = False) -> None:
        self.items, self.sketchifier, self.size, self.line_width = items, sketchifier, size, line_width
        self.made = made if made is not None else [None] * len(items)
        self.all_drawings = all_drawings
        self.spec = (sketchifier.name, component_config(sketchifier))

    def __len__(self) -> int:
        return len(self.items)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        try:
            pickle.dumps(self.sketchifier)
        except (TypeError, pickle.PicklingError, AttributeError):
            state["sketchifier"] = None  # holds an engine object (e.g. cv2.CLAHE): the worker builds its own
        return state

    def __getitem__(self, i: int):
        if self.sketchifier is None:
            from sbkit.registry import get_registry

            self.sketchifier = get_registry().create("sketchifier", *self.spec)
        item = self.items[i]
        try:
            return i, _load_item(item, self.sketchifier, self.size, self.line_width, self.made[i],
                                 self.all_drawings), None
        except DataError as exc:
            return i, None, Skipped(item.id, str(exc), reason_of(exc))


def _single_threaded(_worker: int) -> None:
    cv2.setNumThreads(1)  # the workers are the parallelism; OpenCV's threads inside each would only contend


def stream_items(items: list[CatalogueItem], sketchifier: Sketchifier, size: int, line_width: int,
                 description: str, workers: int | None = None,
                 made: list[Path | None] | None = None, all_drawings: bool = False) -> Iterator[tuple]:
    """:class:`ItemStream`'s rows in catalogue order, decoded by ``workers`` processes (0, or fewer items than
    :data:`~sbkit.data.workers.WORKERS_FROM_ROWS`: in this one)."""
    workers = default_workers() if workers is None else workers
    loader = torch.utils.data.DataLoader(
        ItemStream(items, sketchifier, size, line_width, made, all_drawings), batch_size=16, collate_fn=list,
        **loader_options(workers, rows=len(items), init=_single_threaded))
    with progress_bar(description, len(items)) as advance:
        for chunk in loader:
            yield from chunk
            advance(len(chunk))


def prepare_split(items: list[CatalogueItem], sketchifier: Sketchifier, size: int, line_width: int,
                  description: str, use_cache: bool = True, workers: int | None = None,
                  made: Mapping[str, Path] | None = None,
                  all_drawings: bool = False) -> tuple[SplitTensors, list[Skipped]]:
    """Read, square and sketchify ``items``; unreadable ones are skipped.

    With ``all_drawings`` every drawing of an item is read (to train on, or to ask with), not only ``item.sketch``
    (:class:`~sbkit.data.tensors.SplitTensors` ``more_drawn``); an unreadable one is skipped alone.

    ``made`` maps item ids to sketch files (a sketchify job's, ``--sketches``) that are read, and normalised,
    instead of sketchifying those items. With ``use_cache`` the rows stream into a folder in the cache keyed by
    content, and the split reads them from there on demand (:class:`~sbkit.data.rows.DiskRows`), so memory does
    not grow with the catalogue; without it they are gathered in memory.
    """
    files = [(made or {}).get(item.id) for item in items]
    fingerprint = _fingerprint(items, sketchifier, size, line_width, files, all_drawings)
    rows = stream_items(items, sketchifier, size, line_width, description, workers, files, all_drawings)
    if not use_cache:
        return _in_memory(items, rows, size)
    folder = cache_folder("prepared") / fingerprint
    if (folder / META).is_file():
        try:
            cached = _from_folder(items, folder)
            if not any(skip.kind == why.SKETCHIFY_FAILED for skip in cached[1]):
                mark_used(folder)
                return cached
        except (OSError, ValueError, KeyError, DataError):
            pass
        # A damaged cache is rebuilt, never trusted; so is one where the sketchifier failed (it may be fixed now).
        shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{fingerprint}-", dir=folder.parent))
    try:
        _write_folder(tmp, items, rows, size)
        try:
            tmp.rename(folder)
        except OSError:  # another process made it first: theirs is the same
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return _from_folder(items, folder)


def check_sketchified(sketchifier: Sketchifier, splits: Mapping[str, SplitTensors], skipped: list[Skipped],
                      needed: tuple[str, ...] = ("train", "test")) -> None:
    """Stop with one line when the sketchifier failed on so many items that a ``needed`` split keeps under 2.

    Items it failed on are skipped with the reason, as ``sbkit sketchify`` does; this names the sketchifier,
    its plugin and an example failure, with how to fix it, instead of a later "needs at least 2 items".
    """
    failed = [skip for skip in skipped if skip.kind == why.SKETCHIFY_FAILED]
    short = {name: len(splits[name].items) for name in needed if name in splits and len(splits[name].items) < 2}
    if not failed or not short:
        return
    from sbkit.registry import get_registry

    entry = get_registry().entry("sketchifier", sketchifier.name)
    left = ", ".join(f"{count} {name} item{'s' if count != 1 else ''}" for name, count in short.items())
    fix = (f"fix or disable it with {entry.plugin.disable_hint}" if not entry.plugin.builtin
           else "choose another --sketchifier, or fix those photos")
    raise DataError(f"{entry.owner} failed on {len(failed)} items, leaving {left} (at least 2 needed), "
                    f"e.g. {failed[0].reason}; {fix}")


def _in_memory(items: list[CatalogueItem], rows: Iterator[tuple], size: int) -> tuple[SplitTensors, list[Skipped]]:
    kept, images, made, drawn, more, counts, skipped = [], [], [], [], [], [], []
    blank = np.full((size, size), 255, dtype=np.uint8)
    for i, loaded, skip in rows:
        if skip is not None:
            skipped.append(skip)
            continue
        kept.append(items[i])
        images.append(loaded.photo)
        made.append(loaded.sketch)
        drawn.append(blank if loaded.drawn is None else loaded.drawn)
        more.extend(loaded.more)
        counts.append(loaded.drawings)
        skipped.extend(loaded.dropped)

    def stacked(arrays: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        return np.stack(arrays) if arrays else np.zeros((0, *shape), np.uint8)

    arrays = {"images": stacked(images, (size, size, 3)), "sketches": stacked(made, (size, size)),
              "drawn": stacked(drawn, (size, size)), "more_drawn": stacked(more, (size, size))}
    return _to_tensors(kept, arrays, np.array(counts, dtype=np.int64)), skipped


def _write_folder(folder: Path, items: list[CatalogueItem], rows: Iterator[tuple], size: int) -> None:
    """Append each kept item's photo, sketch and drawings to raw files; ids, drawing counts and skips go to
    meta.json."""
    ids, counts, skipped = [], [], []
    blank = np.full((size, size), 255, dtype=np.uint8).tobytes()
    with ((folder / "images.u8").open("wb") as images, (folder / "sketches.u8").open("wb") as sketches,
          (folder / "drawn.u8").open("wb") as drawn, (folder / "more_drawn.u8").open("wb") as more):
        for i, loaded, skip in rows:
            for record in [skip] if skip is not None else loaded.dropped:
                skipped.append([record.source, record.reason, record.kind])
            if skip is not None:
                continue
            ids.append(items[i].id)
            images.write(np.ascontiguousarray(loaded.photo.transpose(2, 0, 1)).tobytes())
            sketches.write(np.ascontiguousarray(loaded.sketch).tobytes())
            drawn.write(blank if loaded.drawn is None else np.ascontiguousarray(loaded.drawn).tobytes())
            for drawing in loaded.more:
                more.write(np.ascontiguousarray(drawing).tobytes())
            counts.append(loaded.drawings)
    for name, used in (("drawn", any(counts)), ("more_drawn", any(c > 1 for c in counts))):
        if not used:
            (folder / f"{name}.u8").unlink()
    atomic_write_json(folder / META, {"format": "sbkit-prepared", "version": 1, "size": size, "ids": ids,
                                      "has_drawn": [c > 0 for c in counts], "drawn_count": counts,
                                      "skipped": skipped})


def _from_folder(items: list[CatalogueItem], folder: Path) -> tuple[SplitTensors, list[Skipped]]:
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    size, count = int(meta["size"]), len(meta["ids"])
    by_id = {item.id: item for item in items}
    kept = [by_id[str(i)] for i in meta["ids"]]
    skipped = [Skipped(*record) for record in meta["skipped"]]
    # folders written before drawn_count was kept have one drawing per item at most
    drawn_count = torch.tensor(meta.get("drawn_count", meta["has_drawn"]), dtype=torch.long).reshape(count)
    has_drawn = drawn_count > 0
    extra = int((drawn_count - 1).clamp(min=0).sum())
    stored = {"images": (count, 3), "sketches": (count, 1), "drawn": (count if bool(has_drawn.any()) else 0, 1),
              "more_drawn": (extra, 1)}
    rows = {}
    for name, (length, channels) in stored.items():
        if length or name in ("images", "sketches"):
            rows[name] = DiskRows(folder / f"{name}.u8", (length, channels, size, size), np.uint8)
            check((folder / f"{name}.u8").stat().st_size == length * rows[name].row_bytes,
                  f"{folder / name}.u8 has the wrong size", DataError)
    split = _split(kept, rows["images"], rows["sketches"], rows.get("drawn"), has_drawn)
    split.more_drawn, split.drawn_count = rows.get("more_drawn"), drawn_count
    return split, skipped


def _split(items: list[CatalogueItem], images, sketches, drawn, has_drawn: torch.Tensor) -> SplitTensors:
    products: dict[str, int] = {}
    labels = [products.setdefault(item.product or item.id, len(products)) for item in items]
    return SplitTensors(items=items, images=images, sketches=sketches, drawn=drawn, has_drawn=has_drawn,
                        captions=[item.caption for item in items], labels=torch.tensor(labels, dtype=torch.long))


def _to_tensors(items: list[CatalogueItem], arrays: dict[str, np.ndarray], counts: np.ndarray) -> SplitTensors:
    has_drawn = torch.from_numpy(counts > 0)
    drawn_count = torch.from_numpy(counts).reshape(len(items))
    split = _split(items, torch.from_numpy(arrays["images"]).permute(0, 3, 1, 2).contiguous(),
                   torch.from_numpy(arrays["sketches"]).unsqueeze(1),
                   torch.from_numpy(arrays["drawn"]).unsqueeze(1) if bool(has_drawn.any()) else None, has_drawn)
    if bool((drawn_count > 1).any()):
        split.more_drawn = torch.from_numpy(arrays["more_drawn"]).unsqueeze(1)
    split.drawn_count = drawn_count
    return split
