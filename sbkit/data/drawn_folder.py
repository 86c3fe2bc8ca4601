"""A plain folder of photos beside a folder of drawings of them: ``photos/`` and ``sketches/``.

People who have drawn some of their own products keep the drawings beside the photos, named as the photo they
show (``photos/boots/red-chelsea.jpg`` and ``sketches/boots/red-chelsea.png``). Read as one plain folder, the
drawings would become a category of products called "sketches". Read as pairs, they are drawings of their items:
runs train on those of training items and ask with those of test items. A caption file whose rows name no
drawing pairs the drawings of such a folder beside it with its items in the same way (:func:`read_drawings_beside`).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Container, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.image_folder import IMAGE_SUFFIXES, category_of, inside, not_an_image, scan_images
from sbkit.data.splits import assign_splits

PHOTO_FOLDERS = ("photos", "photo", "images", "image", "products", "product")
DRAWING_FOLDERS = ("sketches", "sketch", "drawings", "drawing")
DRAWING_SUFFIXES = IMAGE_SUFFIXES | {".svg"}  # a vector app's drawing is drawn from its strokes
# "<photo>-2", "<photo>_2", "<photo> (2)", "<photo>-sketch", "<photo>_drawing3": the photo's id, then the number.
_NUMBERED = re.compile(r"^(.+?)(?:[-_ ](?:sketch|drawing)(?:[-_ ]?(\d+))?|[-_ ]\(?(\d+)\)?)$", re.IGNORECASE)


def _top_folders(root: Path) -> tuple[list[Path], list[Path]]:
    """``root``'s visible top folders: those named as drawings (:data:`DRAWING_FOLDERS`, any case) and the
    others. A folder holding a sketchify job (``job.json``) is neither: its ``sketches/`` holds the
    sketchifier's traces, not drawings, and its pictures are not photos."""
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
               and not (p / "job.json").is_file()]
    drawings = [p for p in folders if p.name.lower() in DRAWING_FOLDERS]
    return drawings, [p for p in folders if p not in drawings]


def photo_and_drawing_folders(root: Path) -> tuple[Path, Path] | None:
    """``root``'s top folders of photos and of drawings, or None. There must be one folder named as drawings
    (:data:`DRAWING_FOLDERS`, any case), and one of photos: the one named so (:data:`PHOTO_FOLDERS`), or else
    the only other folder. A sketchify job folder (``job.json``) is never one."""
    if (root / "job.json").is_file():
        return None
    drawings, others = _top_folders(root)
    photos = [p for p in others if p.name.lower() in PHOTO_FOLDERS] or others
    return (photos[0], drawings[0]) if len(photos) == 1 and len(drawings) == 1 else None


def drawing_folder(root: Path) -> Path | None:
    """``root``'s one top folder of drawings (:data:`DRAWING_FOLDERS`, any case, not a sketchify job's), or
    None when it has none or several."""
    drawings, _ = _top_folders(root)
    return drawings[0] if len(drawings) == 1 else None


def drawn_photo(drawing_id: str, photo_ids: Container[str]) -> str | None:
    """The id of the photo a drawing shows: the drawing's own id, the id before a number that tells several
    drawings of one photo apart (``red-chelsea-2``, ``red-chelsea_2``, ``red-chelsea (2)``) or before the word
    sketch or drawing (``red-chelsea-sketch``, ``red-chelsea_drawing2``), or the folder it lies in
    (``red-chelsea/1``). None when no photo has any of these ids."""
    numbered = _NUMBERED.match(drawing_id)
    candidates = [drawing_id, numbered.group(1) if numbered else None,
                  drawing_id.rsplit("/", 1)[0] if "/" in drawing_id else None]
    return next((c for c in candidates if c is not None and c in photo_ids), None)


def _drawing_order(drawing_id: str) -> tuple[int, str]:
    numbered = _NUMBERED.match(drawing_id)
    number = numbered and (numbered.group(2) or numbered.group(3))
    return (int(number) if number else -1, drawing_id)


def pair_drawings(root: Path, folder: Path, names: Mapping[str, str], allow_outside: bool,
                  skipped: list[Skipped], unmatched: str, exclude: Container[str] = ()) -> dict[str, list[Path]]:
    """The drawings under ``folder``, by the item each shows: ``names`` maps a name :func:`drawn_photo` may
    find to that item's id. Each item's drawings come in order, the one named as it first, then by number.
    Drawings of no item (with ``unmatched``, formatted with the drawing's id, as the reason) and files that
    are not images are added to ``skipped``; paths in ``exclude`` (items' own photos) are left alone."""
    drawings, others = scan_images(folder, suffixes=DRAWING_SUFFIXES)
    skipped += [Skipped(path, not_an_image(path), why.NOT_AN_IMAGE) for _, path in others]
    drawn: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for drawing_id, path in drawings:
        if os.path.normcase(path) in exclude:
            continue
        name = drawn_photo(drawing_id, names)
        if name is None:
            skipped.append(Skipped(path, unmatched.format(drawing_id), why.UNREADABLE_ENTRY))
        elif (kept := inside(root, path, allow_outside, skipped, "sketch path")) is not None:
            drawn[names[name]].append((drawing_id, kept))
    return {item_id: [p for _, p in sorted(found, key=lambda d: _drawing_order(d[0]))]
            for item_id, found in drawn.items()}


def with_drawings(item: CatalogueItem, drawings: Sequence[Path]) -> CatalogueItem:
    """``item`` with ``drawings`` as its drawings: the first is its ``sketch``, all of them its ``sketches``."""
    if not drawings:
        return item
    return replace(item, sketch=drawings[0],
                   attributes={**item.attributes, "sketches": ";".join(str(p) for p in drawings)})


def read_drawn_folder(root: Path, photo_folder: Path, drawing_folder: Path,
                      fractions: Sequence[float], seed: int, allow_outside: bool = False) -> Catalogue:
    """The photos under ``photo_folder`` as items (ids and categories as in a plain folder, relative to it),
    each with the drawings under ``drawing_folder`` that :func:`drawn_photo` gives it: the first is its
    ``sketch``, all of them its ``sketches``. Drawings of no photo, files that are not images and images
    elsewhere in ``root`` are listed as skipped."""
    skipped: list[Skipped] = []
    photos, others = scan_images(photo_folder)
    strays, other_strays = scan_images(root, exclude=(photo_folder, drawing_folder))
    skipped += [Skipped(path, not_an_image(path), why.NOT_AN_IMAGE) for _, path in [*others, *other_strays]]
    skipped += [Skipped(path, f"not under {photo_folder.name}/ or {drawing_folder.name}/; a folder with both "
                              "is read as photos and drawings of them", why.UNREADABLE_ENTRY) for _, path in strays]
    drawn = pair_drawings(root, drawing_folder, {item_id: item_id for item_id, _ in photos}, allow_outside, skipped,
                          f"no photo in {photo_folder.name}/ is named {{}}; name a drawing as its photo (add -1, -2 "
                          "for several)")

    items: list[CatalogueItem] = []
    for item_id, path in photos:
        image = inside(root, path, allow_outside, skipped)
        if image is not None:
            item = CatalogueItem(id=item_id, image=image, caption="", split="", category=category_of(item_id))
            items.append(with_drawings(item, drawn.get(item_id, [])))
    return Catalogue(name=root.name, root=root, items=assign_splits(items, fractions, seed), skipped=skipped)


def item_names(root: Path, items: Sequence[CatalogueItem]) -> dict[str, str]:
    """The names a drawing of a caption file's item may carry, each mapped to the item's id: the id, and its
    photo's path under ``root`` without the suffix (``photos/boots/red``), the same below its top folder
    (``boots/red``) and the file name alone (``red``). An id is always its own item's; another name that two
    items could carry is left out."""
    ids: dict[str, set[str]] = defaultdict(set)
    paths: dict[str, set[str]] = defaultdict(set)
    for item in items:
        ids[item.id].add(item.id)
        if isinstance(item.image, Path):
            image = item.image.with_suffix("")
            relative = image.relative_to(root).as_posix() if image.is_relative_to(root) else image.name
            for name in (relative, relative.split("/", 1)[-1], image.name):
                paths[name].add(item.id)
    unique = {name: owners.pop() for name, owners in paths.items() if len(owners) == 1 and name not in ids}
    return unique | {item_id: owners.pop() for item_id, owners in ids.items() if len(owners) == 1}


def read_drawings_beside(root: Path, caption_file: Path, items: list[CatalogueItem], allow_outside: bool,
                         skipped: list[Skipped]) -> list[CatalogueItem]:
    """``items`` of a caption file that names no drawing, each with the drawings of it in ``root``'s one top
    folder of drawings (:func:`drawing_folder`), found by the names of :func:`item_names`; ``items`` as they
    are when an item names a drawing (the file then says which drawing is whose) or there is no such folder."""
    folder = drawing_folder(root)
    if folder is None or any(item.sketch is not None for item in items):
        return items
    photos = {os.path.normcase(str(item.image)) for item in items if isinstance(item.image, Path)}
    drawn = pair_drawings(root, folder, item_names(root, items), allow_outside, skipped,
                          f"no item of {caption_file.name} has the id or photo name {{}}; name a drawing as its "
                          "item's id or photo (add -1, -2 for several), or give each item's drawing in a sketch "
                          "column", exclude=photos)
    return [with_drawings(item, drawn.get(item.id, [])) for item in items]
