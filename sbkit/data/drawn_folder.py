"""A plain folder of photos beside a folder of drawings of them: ``photos/`` and ``sketches/``.

People who have drawn some of their own products keep the drawings beside the photos, named as the photo they
show (``photos/boots/red-chelsea.jpg`` and ``sketches/boots/red-chelsea.png``). Read as one plain folder, the
drawings would become a category of products called "sketches". Read as pairs, they are drawings of their items:
runs train on those of training items and ask with those of test items.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Container, Sequence
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


def photo_and_drawing_folders(root: Path) -> tuple[Path, Path] | None:
    """``root``'s top folders of photos and of drawings, or None. There must be one folder named as drawings
    (:data:`DRAWING_FOLDERS`, any case), and one of photos: the one named so (:data:`PHOTO_FOLDERS`), or else
    the only other folder. A sketchify job folder (``job.json``) is never one: its ``sketches/`` holds the
    sketchifier's traces, not drawings."""
    if (root / "job.json").is_file():
        return None
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    drawings = [p for p in folders if p.name.lower() in DRAWING_FOLDERS]
    others = [p for p in folders if p.name.lower() not in DRAWING_FOLDERS]
    photos = [p for p in others if p.name.lower() in PHOTO_FOLDERS] or others
    return (photos[0], drawings[0]) if len(photos) == 1 and len(drawings) == 1 else None


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


def read_drawn_folder(root: Path, photo_folder: Path, drawing_folder: Path,
                      fractions: Sequence[float], seed: int, allow_outside: bool = False) -> Catalogue:
    """The photos under ``photo_folder`` as items (ids and categories as in a plain folder, relative to it),
    each with the drawings under ``drawing_folder`` that :func:`drawn_photo` gives it: the first is its
    ``sketch``, all of them its ``sketches``. Drawings of no photo, files that are not images and images
    elsewhere in ``root`` are listed as skipped."""
    skipped: list[Skipped] = []
    photos, others = scan_images(photo_folder)
    drawings, other_drawings = scan_images(drawing_folder, suffixes=DRAWING_SUFFIXES)
    strays, other_strays = scan_images(root, exclude=(photo_folder, drawing_folder))
    skipped += [Skipped(path, not_an_image(path), why.NOT_AN_IMAGE)
                for _, path in [*others, *other_drawings, *other_strays]]
    skipped += [Skipped(path, f"not under {photo_folder.name}/ or {drawing_folder.name}/; a folder with both "
                              "is read as photos and drawings of them", why.UNREADABLE_ENTRY) for _, path in strays]

    photo_ids = {item_id for item_id, _ in photos}
    drawn: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for drawing_id, path in drawings:
        owner = drawn_photo(drawing_id, photo_ids)
        if owner is None:
            skipped.append(Skipped(path, f"no photo in {photo_folder.name}/ is named {drawing_id}; name a drawing "
                                         "as its photo (add -1, -2 for several)", why.UNREADABLE_ENTRY))
        elif (kept := inside(root, path, allow_outside, skipped, "sketch path")) is not None:
            drawn[owner].append((drawing_id, kept))

    items: list[CatalogueItem] = []
    for item_id, path in photos:
        image = inside(root, path, allow_outside, skipped)
        if image is None:
            continue
        sketches = [p for _, p in sorted(drawn.get(item_id, []), key=lambda d: _drawing_order(d[0]))]
        items.append(CatalogueItem(
            id=item_id, image=image, caption="", split="",
            category=category_of(item_id),
            sketch=sketches[0] if sketches else None,
            attributes={"sketches": ";".join(str(p) for p in sketches)} if sketches else {}))
    return Catalogue(name=root.name, root=root, items=assign_splits(items, fractions, seed), skipped=skipped)
