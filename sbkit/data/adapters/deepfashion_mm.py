"""DeepFashion-MultiModal: ``images/`` plus ``captions.json`` (image file name -> caption).

File names read ``{MEN|WOMEN}-{Category}-id_{8 digits}-{shot}_{seq}_{view}.jpg``: the category and
the product (``{gender}-{category}-id_...``, shared by every view of one garment) are parsed from
them. The release has no splits, so :func:`~sbkit.data.splits.assign_splits` makes them, by product.
Only images that have a caption become items.
"""

from __future__ import annotations

import re
from pathlib import Path

from sbkit.data.adapters.common import read_json
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.splits import DEFAULT_FRACTIONS, assign_splits
from sbkit.errors import DataError, check
from sbkit.paths import OutsideFolderError, path_in_folder

NAME = re.compile(r"^(?P<gender>MEN|WOMEN)-(?P<category>.+?)-(?P<id>id_\d{8})-(?P<shot>\d+)_(?P<seq>\d+)_"
                  r"(?P<view>[A-Za-z]+)$")


def parse_name(stem: str) -> dict[str, str] | None:
    """``WOMEN-Dresses-id_00000021-05_1_front`` -> gender, category, id, shot, seq, view; None if it differs."""
    match = NAME.match(stem)
    return match.groupdict() if match else None


def load_deepfashion_mm(path: str | Path, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
                        seed: int = 0) -> Catalogue:
    """Read DeepFashion-MultiModal from its root (the folder holding ``images/`` and ``captions.json``)."""
    root = Path(path).expanduser().resolve()
    caption_file = root / "captions.json"
    check(caption_file.is_file(), f"{root}: no captions.json; is this the DeepFashion-MultiModal root?", DataError)
    captions = read_json(caption_file)
    check(isinstance(captions, dict), f"{caption_file}: expected an object mapping image names to captions",
          DataError)
    items: list[CatalogueItem] = []
    skipped: list[Skipped] = []
    for name in sorted(captions):
        stem = Path(name).stem
        parts = parse_name(stem)
        if not isinstance(captions[name], str):
            skipped.append(Skipped(name, f"caption is {type(captions[name]).__name__}, not text"))
            continue
        try:
            image = path_in_folder(root / "images", name, what="image path")
        except OutsideFolderError as exc:
            skipped.append(Skipped(name, str(exc)))
            continue
        items.append(CatalogueItem(
            id=stem,
            image=image,
            caption=captions[name].strip(),
            split="",
            category=parts["category"] if parts else None,
            product=f"{parts['gender']}-{parts['category']}-{parts['id']}" if parts else None,
            attributes={"gender": parts["gender"], "view": parts["view"]} if parts else {},
        ))
    return Catalogue(name="deepfashion-mm", root=root, items=assign_splits(items, fractions, seed), skipped=skipped)
