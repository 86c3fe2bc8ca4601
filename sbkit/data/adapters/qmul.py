"""QMUL Shoe-V2 / Chair-V2: product photos, each with several real human sketches.

Two layouts are read:

- official: ``ShoeV2_photo/<id>.png``, ``ShoeV2_sketch/<id>_<n>.svg`` and ``photo_{train,test}.txt``
  (``ChairV2_*`` for chairs). SVG sketches are rasterised once into a cache folder
  (see :mod:`sbkit.data.adapters.svg` for what the rasteriser draws), each PNG named after its SVG's stem,
  size and mtime, so an edited SVG is drawn again.
- re-organised: ``trainA/ testA/`` hold sketch PNGs (strokes in the alpha channel), ``trainB/ testB/``
  the photos.

A sketch belongs to photo ``stem.rsplit('_', 1)[0]`` (chair ids contain ``_`` and ``-`` themselves).
Each photo is one item; ``sketch`` is its first sketch and ``attributes["sketches"]`` lists all of
them, ``;``-joined. In the official layout ``attributes["strokes"]`` names the first sketch's SVG, whose
stroke order ``sbkit run`` replays to measure retrieval while drawing. The data has no captions, so the caption is the category: "a shoe" or "a chair".
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Literal

from sbkit.data import skip_reasons as why
from sbkit.data.adapters.common import IMAGE_SUFFIXES, cache_dir, file_version, image_files, read_lines
from sbkit.data.adapters.svg import rasterize_svg
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.splits import assign_splits, carve_validation
from sbkit.errors import ConfigError, DataError, check
from sbkit.progress import track

Kind = Literal["auto", "shoe", "chair"]
PREFIX = {"shoe": "ShoeV2", "chair": "ChairV2"}
SPLIT_FOLDERS = {"train": ("trainA", "trainB"), "test": ("testA", "testB")}


def photo_id(sketch_stem: str) -> str:
    """``2429245009_1`` -> ``2429245009``; only the last ``_<n>`` is stripped."""
    return sketch_stem.rsplit("_", 1)[0]


def _sketch_number(stem: str) -> tuple[int, str]:
    tail = stem.rsplit("_", 1)[-1]
    return (int(tail), stem) if tail.isdigit() else (1 << 30, stem)


def _layout_in(folder: Path, kind: Kind) -> tuple[Path, str, str] | None:
    """The layout of ``folder`` itself: (folder, "official" or "reorganised", kind or ""), or None."""
    found = [k for k, prefix in PREFIX.items() if (folder / f"{prefix}_photo").is_dir()]
    if kind != "auto":
        found = [k for k in found if k == kind]
    if len(found) > 1:
        raise ConfigError(f"{folder} holds both ShoeV2 and ChairV2; choose one with kind=shoe or kind=chair")
    if found:
        return folder, "official", found[0]
    if any((folder / name).is_dir() for name in ("trainB", "testB")):
        return folder, "reorganised", "" if kind == "auto" else kind
    return None


def _named_kind(folder: Path) -> str:
    """"shoe" or "chair" when the folder name says which (ShoeV2_F, ChairV2), else ""."""
    matches = [k for k in PREFIX if k in folder.name.lower()]
    return matches[0] if len(matches) == 1 else ""


def find_layout(path: Path, kind: Kind = "auto") -> tuple[Path, str, str] | None:
    """(root, "official" or "reorganised", kind or "") for ``path`` or a folder right inside it.

    Raises :class:`ConfigError` when shoes and chairs both sit in ``path`` or one level down and ``kind`` is auto.
    """
    if not path.is_dir():
        return None
    here = _layout_in(path, kind)
    if here:
        return here
    found = [f for f in (_layout_in(p, kind) for p in sorted(p for p in path.iterdir() if p.is_dir())) if f]
    kinds = {f[2] or _named_kind(f[0]) for f in found} - {""}
    if kind == "auto" and len(kinds) > 1:
        names = ", ".join(f"{f[0].name}/" for f in found)
        raise ConfigError(f"{path} holds both ShoeV2 and ChairV2 ({names}); choose one with kind=shoe or kind=chair, "
                          "or point at one of those folders")
    if kind != "auto":
        found = [f for f in found if (f[2] or _named_kind(f[0])) in (kind, "")] or found
    return found[0] if found else None


def _guess_kind(root: Path) -> str:
    kind = _named_kind(root)
    check(bool(kind), f"{root}: cannot tell shoes from chairs in a trainA/trainB layout; set kind=shoe or "
          "kind=chair", ConfigError)
    return kind


def _listed(root: Path, prefix: str) -> dict[str, str]:
    """photo id -> split, from ``photo_{train,test}.txt`` (or, failing those, ``sketch_{train,test}.txt``)."""
    for what, to_id in (("photo", lambda stem: stem), ("sketch", photo_id)):
        splits: dict[str, str] = {}
        for split in ("train", "test"):
            listing = root / f"{what}_{split}.txt"
            if listing.is_file():
                for line in read_lines(listing):
                    splits.setdefault(to_id(Path(line.replace("\\", "/")).stem), split)
        if splits:
            return splits
    return {}


Sketches = dict[str, list[tuple[str, Path]]]  # photo id -> (sketch stem, sketch image) pairs


def _raster(file: Path, cache: Path, stroke_width: int) -> Path:
    """The cached PNG of the SVG ``file``, keyed by its size and mtime so an edited SVG is drawn again."""
    return rasterize_svg(file, cache / f"{file.stem}.{file_version(file)}.png", stroke_width=stroke_width)


def _official(root: Path, prefix: str, cache: Path, stroke_width: int) -> tuple[dict, Sketches, dict, list[Skipped]]:
    photos = {p.stem: p for p in image_files(root / f"{prefix}_photo")}
    sketch_dir = root / f"{prefix}_sketch"
    files = sorted(p for p in sketch_dir.iterdir() if p.suffix.lower() in {".svg", *IMAGE_SUFFIXES}) \
        if sketch_dir.is_dir() else []
    sketches: Sketches = defaultdict(list)
    skipped: list[Skipped] = []
    for file in track(files, f"rasterise {prefix} sketches"):
        image = file
        if file.suffix.lower() == ".svg":
            try:
                image = _raster(file, cache, stroke_width)
            except DataError as exc:
                skipped.append(Skipped(str(file), str(exc)))
                continue
        sketches[photo_id(file.stem)].append((file.stem, image))
    return photos, sketches, _listed(root, prefix), skipped


def _reorganised(root: Path) -> tuple[dict, Sketches, dict, list[Skipped]]:
    """Photos of ``trainB/ testB/`` and the sketches of ``trainA/ testA/`` drawn of a photo of the same split."""
    photos: dict[str, Path] = {}
    splits: dict[str, str] = {}
    skipped: list[Skipped] = []
    for split, (_, photo_folder) in SPLIT_FOLDERS.items():
        for photo in image_files(root / photo_folder):
            if photo.stem in photos:
                skipped.append(Skipped(str(photo), f"photo id {photo.stem!r} is also {photos[photo.stem]}; keep each "
                                       "photo in one of trainB/ and testB/", why.DUPLICATE_ID))
                continue
            photos[photo.stem], splits[photo.stem] = photo, split
    sketches: Sketches = defaultdict(list)
    for split, (sketch_folder, photo_folder) in SPLIT_FOLDERS.items():
        for sketch in image_files(root / sketch_folder):
            pid = photo_id(sketch.stem)
            if splits.get(pid) == split:
                sketches[pid].append((sketch.stem, sketch))
            else:
                skipped.append(Skipped(str(sketch), f"no photo {pid!r} in {photo_folder}/ for this sketch"))
    return photos, sketches, splits, skipped


def load_qmul(path: str | Path, kind: Kind = "auto", cache: Path | None = None, stroke_width: int = 3,
              val_fraction: float = 0.0, seed: int = 0) -> Catalogue:
    """Read Shoe-V2 or Chair-V2 from ``path`` (e.g. ``ShoeV2_F``, or the folder holding it).

    Args:
        path: the dataset folder.
        kind: "shoe", "chair", or "auto" (from the folder names).
        cache: where rasterised SVG sketches go; by default under ``$SBKIT_CACHE/datasets/qmul``.
        stroke_width: line width in px of rasterised SVG sketches (on a 256 px canvas).
        val_fraction: share of the train photos moved to ``val``.
        seed: fixes which photos move (and the splits when the data has no lists).
    """
    check(kind in ("auto", *PREFIX), f"kind must be auto, shoe or chair, got {kind!r}", ConfigError)
    source = Path(path).expanduser().resolve()
    found = find_layout(source, kind)
    check(found is not None, f"{source}: neither a ShoeV2_photo/ChairV2_photo folder nor trainB/testB folders "
          "found; point at the Shoe-V2 or Chair-V2 folder", DataError)
    root, layout, kind_found = found  # type: ignore[misc]
    kind_found = kind_found or _guess_kind(root)
    if layout == "official":
        prefix = PREFIX[kind_found]
        folder = cache / prefix if cache is not None else cache_dir("qmul", root)
        photos, sketches, splits, skipped = _official(root, prefix, folder / f"sketch-w{stroke_width}", stroke_width)
    else:
        photos, sketches, splits, skipped = _reorganised(root)

    items: list[CatalogueItem] = []
    for pid, photo in sorted(photos.items()):
        if splits and pid not in splits:
            skipped.append(Skipped(str(photo), "not listed in photo_train.txt or photo_test.txt"))
            continue
        named = sorted(sketches.get(pid, []), key=lambda s: _sketch_number(s[0]))
        drawn = [image for _, image in named]
        attributes = {"sketches": ";".join(str(p) for p in drawn)} if drawn else {}
        if drawn and layout == "official":
            source = root / f"{PREFIX[kind_found]}_sketch" / f"{named[0][0]}.svg"
            if source.is_file():
                attributes["strokes"] = str(source)  # the SVG keeps stroke order: retrieval while drawing
        items.append(CatalogueItem(
            id=pid, image=photo, caption=f"a {kind_found}", split=splits.get(pid, ""), category=kind_found,
            sketch=drawn[0] if drawn else None, product=pid, attributes=attributes,
        ))
    skipped.extend(Skipped(str(p), f"no photo {pid!r} for this sketch") for pid in sorted(set(sketches) - set(photos))
                   for _, p in sketches[pid])
    if not splits:
        items = assign_splits(items, (0.8, 0.0, 0.2), seed)
    name = re.sub(r"V2$", "-v2", PREFIX[kind_found]).lower()
    return Catalogue(name=name, root=root, items=carve_validation(items, val_fraction, seed), skipped=skipped)
