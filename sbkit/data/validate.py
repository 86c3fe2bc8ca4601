"""Catalogue validation: find every bad item and say why, without stopping at the first.

Severities:

- ``fatal``: the catalogue cannot be used at all (no valid item, an unreadable caption file), or not by a
  run (no usable train or no usable test item; reported by :func:`validate_catalogue` only).
- ``item``: this item is left out of runs (missing, corrupt, too small or too large image; an image
  mode sbkit cannot convert; a repeated id; a row the reader could not use).
- ``warning``: the item is kept (an empty caption: sketch-only queries and the gallery still use it;
  a picture identical to another item's; a sketch file that is missing or unreadable, ``sketch`` or one
  of ``sketches``: the item stays and that drawing is dropped; one product in two splits).

Image sizes are read from the file header before anything is decoded, so a decompression bomb is
refused at once; each distinct image file is then decoded once, by :func:`sbkit.data.images.read_image`.
Results are remembered (by path, size and modification time) in sbkit's cache folder, so checking
the same catalogue again decodes only the files that changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped, other_drawings
from sbkit.data.images import (
    MAX_PIXELS,
    MIN_SIDE,
    SVG_HEAD,
    absent_image,
    absent_reason,
    bomb_size,
    looks_like_svg,
    open_image,
    read_image,
    too_large,
    unidentified_reason,
)
from sbkit.data.sources import open_binary
from sbkit.errors import DataError
from sbkit.io import atomic_write_text
from sbkit.progress import progress_bar

Severity = Literal["fatal", "item", "warning"]
RUN_SPLITS = ("train", "test")  # sbkit run trains on one and tests on the other
CACHE_VERSION = 6  # 2: problem kinds from sbkit.data.skip_reasons; 3: too_few_items; 4, 5: reasons in words;
# 6: HEIC photos are read

SEVERITY: dict[str, Severity] = {
    "no_valid_items": "fatal",
    "too_few_items": "fatal",
    "unreadable_catalogue": "fatal",
    "unreadable_entry": "item",
    "duplicate_id": "item",
    "missing_image": "item",
    "not_an_image": "item",
    "corrupt_image": "item",
    "too_small": "item",
    "too_large": "item",
    "unsupported_mode": "item",
    "not_downloaded": "item",
    "empty_caption": "warning",
    "no_captions": "warning",
    "duplicate_image": "warning",
    "missing_sketch": "warning",
    "unreadable_sketch": "warning",
    "product_in_several_splits": "warning",
}

SKETCH_PROBLEMS = ("missing_sketch", "unreadable_sketch")  # the item stays without that drawing

# Modes that read_image turns into RGB faithfully; anything else is refused rather than guessed at.
SUPPORTED_MODES: frozenset[str] = frozenset({
    "1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV",
    "I", "I;16", "I;16B", "I;16L", "F",
})


@dataclass
class Problem:
    """One thing wrong with a catalogue: what kind, how bad, which item or file, and why."""

    kind: str
    reason: str
    item_id: str | None = None
    path: str | None = None

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, **asdict(self)}


@dataclass
class ValidationReport:
    """Every problem found, plus item counts; :attr:`fatal` says whether the catalogue is unusable."""

    source: str
    n_items: int = 0
    n_valid: int = 0
    n_drawn: int = 0  # usable items with a drawing of their own
    checked_images: bool = True
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def unreadable(cls, source: str, error: Exception) -> ValidationReport:
        """The report for a catalogue that could not even be read."""
        return cls(source, problems=[Problem("unreadable_catalogue", str(error), path=source)])

    @property
    def fatal(self) -> bool:
        return any(p.severity == "fatal" for p in self.problems)

    def counts(self) -> dict[str, int]:
        """Problems per kind, in the order of :data:`SEVERITY` (worst first)."""
        found = Counter(p.kind for p in self.problems)
        return {kind: found[kind] for kind in SEVERITY if found[kind]}

    def severities(self) -> dict[str, int]:
        found = Counter(p.severity for p in self.problems)
        return {s: found[s] for s in ("fatal", "item", "warning")}

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "n_items": self.n_items, "n_valid": self.n_valid, "n_drawn": self.n_drawn,
                "fatal": self.fatal, "checked_images": self.checked_images, "severities": self.severities(),
                "counts": self.counts(), "problems": [p.to_dict() for p in self.problems]}


def _header(path: Path, max_pixels: int, min_side: int) -> Problem | None:
    """Check size and mode from the header alone; no pixel is decoded here."""
    try:
        with open_binary(path) as handle, open_image(handle) as img:
            (width, height), mode = img.size, img.mode
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return Problem("too_large", str(too_large(path, max_pixels, bomb_size(exc))).removeprefix(f"{path}: "),
                       path=str(path))
    except UnidentifiedImageError:
        return Problem(why.NOT_AN_IMAGE, unidentified_reason(path), path=str(path))
    except (OSError, ValueError, SyntaxError) as exc:
        return Problem("corrupt_image", f"unreadable header ({exc})", path=str(path))
    if width * height > max_pixels:
        return Problem("too_large", f"{width}x{height} is over the {max_pixels:,}-pixel limit", path=str(path))
    if min(width, height) < min_side:
        return Problem("too_small", f"{width}x{height} is under {min_side} px on a side", path=str(path))
    if mode not in SUPPORTED_MODES:
        return Problem("unsupported_mode", f"image mode {mode!r} is not supported; save it as RGB", path=str(path))
    return None


def _absent_image(path: Path) -> Problem:
    """``missing_image`` for a path that does not exist, ``not_an_image`` for a folder or a device."""
    error = absent_image(path)
    return Problem(error.reason, str(error).removeprefix(f"{path}: "), path=str(path))


def check_image(path: Path, max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE) -> Problem | str:
    """A :class:`Problem` for ``path``, or the hash of its content when it decodes."""
    if not path.is_file():
        return _absent_image(path)
    problem = _header(path, max_pixels, min_side)
    if problem is not None:
        return problem
    try:
        read_image(path, max_pixels=max_pixels, min_side=min_side)
        content = path.read_bytes()  # hashing the file is ~10x cheaper than hashing its pixels
    except DataError as exc:
        kind = why.reason_of(exc)
        return Problem(kind if kind in SEVERITY else why.CORRUPT_IMAGE, str(exc).removeprefix(f"{path}: "),
                       path=str(path))
    except OSError as exc:
        return Problem("corrupt_image", f"cannot be read ({exc})", path=str(path))
    return hashlib.sha256(content).hexdigest()


def check_sketch(path: Path, read_header: bool, what: str = "its sketch") -> Problem | None:
    """Sketches are only looked up (and their header read); :mod:`sbkit.pipeline` decodes them later. ``what``
    names the drawing in the reason (the item is kept without it)."""
    kept = f"the item is kept without {what}"
    if not path.is_file():
        reason = absent_reason(path)
        return Problem("missing_sketch" if reason == "no such file" else "unreadable_sketch", f"{reason}; {kept}",
                       path=str(path))
    if read_header:
        try:
            with open_binary(path) as handle:
                if looks_like_svg(handle.read(SVG_HEAD)):  # drawn from its strokes when prepared
                    return None
                handle.seek(0)
                with open_image(handle) as img:
                    width, height = img.size
            too_big = f"{width}x{height}" if width * height > MAX_PIXELS else None  # read_sketch refuses it too
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            too_big = bomb_size(exc)
        except UnidentifiedImageError:
            return Problem("unreadable_sketch", f"{unidentified_reason(path)}; {kept}", path=str(path))
        except (OSError, ValueError, SyntaxError) as exc:
            return Problem("unreadable_sketch", f"not a readable image ({exc}); {kept}", path=str(path))
        if too_big is not None:
            return Problem("unreadable_sketch", f"{too_big} is over the {MAX_PIXELS:,}-pixel limit; {kept}",
                           path=str(path))
    return None


def without_drawings(item: CatalogueItem, bad: set[str]) -> CatalogueItem:
    """``item`` without its drawings whose paths are in ``bad``; when its sketch is one of them, its next good
    drawing (:func:`~sbkit.data.catalogue.other_drawings`) takes the sketch's place."""
    good = [p for p in [item.sketch, *other_drawings(item)] if p is not None and str(p) not in bad]
    attributes = dict(item.attributes)
    if "sketches" in attributes:
        attributes["sketches"] = ";".join(str(p) for p in good)
    return replace(item, sketch=good[0] if good else None, attributes=attributes)


class CheckCache:
    """Results of :func:`check_image` kept on disk by path, size and modification time, so a file that has
    not changed since it was last checked is not decoded again. One file per catalogue root and limits."""

    def __init__(self, root: Path, max_pixels: int, min_side: int) -> None:
        from sbkit.io import cache_folder

        key = json.dumps([str(root), max_pixels, min_side, sorted(SUPPORTED_MODES), CACHE_VERSION])
        self.file = cache_folder("validation") / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.json"
        try:
            self.entries: dict[str, list] = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}  # no cache yet, or a damaged one: check everything again

    @staticmethod
    def _stamp(path: Path) -> list[int] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return [stat.st_size, stat.st_mtime_ns]

    def get(self, path: Path) -> Problem | str | None:
        entry = self.entries.get(str(path))
        if entry is None or entry[:2] != self._stamp(path):
            return None
        return Problem(entry[2], entry[3], path=str(path)) if entry[2] else entry[3]

    def put(self, path: Path, result: Problem | str) -> None:
        stamp = self._stamp(path)
        if stamp is not None:
            self.entries[str(path)] = stamp + ([result.kind, result.reason] if isinstance(result, Problem)
                                               else ["", result])

    def save(self) -> None:
        atomic_write_text(self.file, json.dumps(self.entries))


def _map_images(paths: list[Path], max_pixels: int, min_side: int, workers: int,
                cache: CheckCache | None) -> dict[Path, Problem | str]:
    results: dict[Path, Problem | str] = {}
    todo = []
    for path in paths:
        known = cache.get(path) if cache is not None else None
        if known is None:
            todo.append(path)
        else:
            results[path] = known
    if not todo:
        return results
    with progress_bar("validate images", len(todo)) as advance, ThreadPoolExecutor(workers) as pool:
        # PIL releases the GIL while decoding, so threads use every core.
        for path, result in zip(todo, pool.map(lambda p: check_image(p, max_pixels, min_side), todo)):
            results[path] = result
            if cache is not None:
                cache.put(path, result)
            advance(1)
    if cache is not None:
        cache.save()
    return results


def validate_catalogue(catalogue: Catalogue, check_images: bool = True, max_pixels: int = MAX_PIXELS,
                       min_side: int = MIN_SIDE, workers: int | None = None,
                       use_cache: bool = True) -> ValidationReport:
    """Find every problem in ``catalogue``; nothing is changed, on disk or in the catalogue.

    Args:
        catalogue: the catalogue to check; its ``skipped`` entries are reported by their kind
            (``unreadable_entry`` when validation has no such kind).
        check_images: decode every image (and read every sketch header); False only checks that files exist.
        max_pixels: images with more pixels are refused from their header, before decoding.
        min_side: images with a shorter side are refused.
        workers: threads that decode images; None uses every core.
        use_cache: reuse the results of files unchanged since an earlier check (:class:`CheckCache`).
    """
    report, per_item = _inspect(catalogue, check_images, max_pixels, min_side, workers, use_cache)
    _one_line_for_no_captions(report, catalogue)
    if not report.fatal:  # usable items exist: are there enough of them for a run?
        shortfall = run_shortfall(item for i, item in enumerate(catalogue.items) if not _dropped(per_item.get(i, [])))
        if shortfall:
            report.problems.append(Problem("too_few_items", shortfall, path=str(catalogue.root)))
    return report


def _one_line_for_no_captions(report: ValidationReport, catalogue: Catalogue) -> None:
    """A catalogue where no item has a caption (a plain folder of images) gets one ``no_captions`` warning instead
    of an ``empty_caption`` per item."""
    if not catalogue.items or any(item.caption.strip() for item in catalogue.items):
        return
    report.problems = [p for p in report.problems if p.kind != "empty_caption"]
    report.problems.append(Problem("no_captions", f"none of the {len(catalogue.items)} items has a caption (a plain "
                                   "folder of images?): sketch search works; text and sketch+text queries need "
                                   "captions, so runs measure sketch queries only", path=str(catalogue.root)))


def run_shortfall(items: Iterable[CatalogueItem]) -> str | None:
    """Why usable ``items`` cannot make a run (it trains on train items and tests on test items), or None."""
    counts = Counter(item.split for item in items)
    missing = [split for split in RUN_SPLITS if not counts[split]]
    if not missing:
        return None
    have = ", ".join(f"{n} {split}" for split, n in sorted(counts.items())) or "none"
    return (f"a run needs at least one usable train item and one usable test item, and there is no "
            f"{' and no '.join(missing)} item (usable items: {have}); add items, or set the split column of some "
            "rows to train or test")


def _inspect(catalogue: Catalogue, check_images: bool, max_pixels: int, min_side: int,
             workers: int | None, use_cache: bool) -> tuple[ValidationReport, dict[int, list[Problem]]]:
    """The report, plus each item's own problems keyed by its position in ``catalogue.items``."""
    report = ValidationReport(str(catalogue.root), n_items=len(catalogue.items), checked_images=check_images)
    report.problems.extend(Problem(s.kind if s.kind in SEVERITY else "unreadable_entry", s.reason, path=s.source)
                           for s in catalogue.skipped)
    per_item: dict[int, list[Problem]] = defaultdict(list)

    def add(index: int, problem: Problem) -> None:
        per_item[index].append(problem)
        report.problems.append(problem)

    first_of: dict[str, str] = {}
    for index, item in enumerate(catalogue.items):
        if item.id in first_of:
            add(index, Problem("duplicate_id", f"id already used by an earlier item (image {first_of[item.id]})",
                               item.id, str(item.image)))
        else:
            first_of[item.id] = str(item.image)
    candidates = [(i, item) for i, item in enumerate(catalogue.items) if i not in per_item]

    if check_images:
        paths = list(dict.fromkeys(item.image for _, item in candidates))
        cache = CheckCache(catalogue.root, max_pixels, min_side) if use_cache else None
        results = _map_images(paths, max_pixels, min_side, workers or os.cpu_count() or 1, cache)
    else:
        results = {item.image: ("" if item.image.is_file() else _absent_image(item.image)) for _, item in candidates}

    first_with_pixels: dict[str, CatalogueItem] = {}
    for index, item in candidates:
        result = results[item.image]
        if isinstance(result, Problem):
            add(index, replace(result, item_id=item.id))
            continue
        if result:
            if result in first_with_pixels:
                twin = first_with_pixels[result]
                add(index, Problem("duplicate_image", f"same picture as item {twin.id!r} ({twin.image})",
                                   item.id, str(item.image)))
            first_with_pixels.setdefault(result, item)
        if not item.caption.strip():
            add(index, Problem("empty_caption", "no caption; the item still serves sketch-only queries and the "
                               "gallery", item.id, str(item.image)))
        drawings = [item.sketch, *other_drawings(item)] if item.sketch is not None else []
        for number, drawing in enumerate(drawings, start=1):
            problem = check_sketch(drawing, check_images,
                                   "its sketch" if number == 1 else f"this drawing (its drawing {number})")
            if problem is not None:
                add(index, replace(problem, item_id=item.id))

    valid = [item for i, item in enumerate(catalogue.items) if not _dropped(per_item.get(i, []))]
    report.problems.extend(_split_leaks(valid))
    report.n_valid = len(valid)
    report.n_drawn = sum(item.sketch is not None for item in valid)
    if not valid:
        report.problems.append(Problem("no_valid_items", _no_valid_reason(report), path=str(catalogue.root)))
    return report, per_item


def _dropped(problems: list[Problem]) -> bool:
    return any(p.severity == "item" for p in problems)


def _split_leaks(items: Iterable[CatalogueItem]) -> list[Problem]:
    splits: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.product:
            splits[item.product].add(item.split)
    return [Problem("product_in_several_splits", f"product {product!r} is in {', '.join(sorted(names))}; "
                    "its pictures leak between training and testing")
            for product, names in sorted(splits.items()) if len(names) > 1]


def _no_valid_reason(report: ValidationReport) -> str:
    counts = report.counts()
    if report.n_items == 0:  # the rows that never became items say why
        counts = {kind: n for kind, n in counts.items() if SEVERITY[kind] == "item"}
    listed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
    if report.n_items == 0:
        return "the catalogue lists no items" + (f" it could read ({listed})" if listed else "")
    return f"none of its {report.n_items} items is usable ({listed})"


def load_valid(catalogue: Catalogue, check_images: bool = True, max_pixels: int = MAX_PIXELS,
               min_side: int = MIN_SIDE, workers: int | None = None, use_cache: bool = True) -> Catalogue:
    """``catalogue`` without its bad items; ``skipped`` gains each left-out item, or drawing, and its reason.

    The checks are those of :func:`validate_catalogue` (same arguments). Items with a missing or unreadable
    drawing stay, without it (:func:`without_drawings`). The input catalogue is not changed.

    Raises:
        DataError: no item is usable.
    """
    report, per_item = _inspect(catalogue, check_images, max_pixels, min_side, workers, use_cache)
    if report.fatal:
        problem = next(p for p in report.problems if p.severity == "fatal")
        examples = [p for p in report.problems if p.severity == "item"][:3]
        detail = "; ".join(f"{p.item_id or p.path}: {p.reason}" for p in examples)
        raise DataError(f"{catalogue.root}: {problem.reason}{' - e.g. ' + detail if detail else ''}. "
                        f"Run `sbkit data validate {catalogue.root}` for the full list")
    items: list[CatalogueItem] = []
    skipped = list(catalogue.skipped)
    for index, item in enumerate(catalogue.items):
        problems = per_item.get(index, [])
        if _dropped(problems):
            dropped = [p for p in problems if p.severity == "item"]
            reasons = "; ".join(f"{p.kind}: {p.reason}" for p in dropped)
            kind = dropped[0].kind if dropped else why.UNREADABLE
            skipped.append(Skipped(f"{item.id} ({item.image})", reasons, kind))
        elif any(p.kind in SKETCH_PROBLEMS for p in problems):
            dropped = [p for p in problems if p.kind in SKETCH_PROBLEMS]
            items.append(without_drawings(item, {str(p.path) for p in dropped}))
            skipped.extend(Skipped(str(p.path), f"{item.id}: {p.reason}",
                                   why.MISSING_IMAGE if p.kind == "missing_sketch" else why.UNREADABLE)
                           for p in dropped)
        else:
            items.append(item)
    return replace(catalogue, items=items, skipped=skipped)
