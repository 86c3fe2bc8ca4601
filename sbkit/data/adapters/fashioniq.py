"""FashionIQ: relative captions (``captions/`` or ``json/``), ``image_splits/`` and the images.

Each *target* image of a caption file is one item; its caption is every caption written about it,
joined with ``"; "``; its category (dress, shirt, toptee) comes from the file name; attribute words
from ``image_tag_dataset/tags/asin2attr.*.json`` become ``attributes["tags"]`` when present.
Images are ``images/<asin>.jpg|png`` or ``image_data/<category>/<asin>.jpg``; targets whose image is
missing (the release links to shop images, some of them dead) are listed as skipped.

Splits: ``train`` stays train. The official test captions publish no targets, so the official
``val`` split becomes sbkit's ``test`` unless a copy of the data carries test targets (then val stays
val and test is test). ``val_fraction`` of the train products can be moved to ``val``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from sbkit.data.adapters.common import IMAGE_SUFFIXES, read_json
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.splits import carve_validation
from sbkit.errors import DataError, check

CAPTION_DIRS = ("captions", "json")
CAPTION_FILE = re.compile(r"^cap\.(?P<category>[^.]+)\.(?P<split>train|val|test)\.json$")
OFFICIAL_SPLITS = ("train", "val", "test")


def caption_dir(root: Path) -> Path | None:
    for name in CAPTION_DIRS:
        folder = root / name
        if folder.is_dir() and any(CAPTION_FILE.match(p.name) for p in folder.iterdir()):
            return folder
    return None


def caption_list(value: Any) -> list[str] | None:
    """An entry's ``captions``: a list of text, or one text as a one-caption list; None when it is neither."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        return None
    return [c.strip() for c in value if c.strip()]


def index_images(root: Path) -> dict[str, Path]:
    """asin -> image file, from ``images/`` and ``image_data/<category>/`` (the first found wins)."""
    found: dict[str, Path] = {}
    folders = [root / "images"]
    if (root / "image_data").is_dir():
        folders += sorted(p for p in (root / "image_data").iterdir() if p.is_dir())
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in IMAGE_SUFFIXES:
                    found.setdefault(path.stem, path)
    return found


def _tags(root: Path) -> dict[str, str]:
    """asin -> its attribute words, comma-separated, from every ``asin2attr`` file present."""
    folder = root / "image_tag_dataset" / "tags"
    tags: dict[str, str] = {}
    if not folder.is_dir():
        return tags
    for path in sorted(folder.glob("asin2attr.*.json")):
        found = read_json(path)
        check(isinstance(found, dict), f"{path}: expected an object mapping image ids to attribute lists, got a "
              f"{type(found).__name__}", DataError)
        for asin, lists in found.items():
            words = [w for group in lists for w in (group if isinstance(group, list) else [group]) if w]
            if words:
                tags.setdefault(asin, ", ".join(dict.fromkeys(str(w).strip() for w in words)))
    return tags


def _image_splits(root: Path) -> dict[str, str]:
    """asin -> official split, from ``image_splits/split.<category>.<split>.json``."""
    splits: dict[str, str] = {}
    for path in sorted((root / "image_splits").glob("split.*.*.json")):
        split = path.stem.rsplit(".", 1)[-1]
        if split in OFFICIAL_SPLITS:
            found = read_json(path)
            check(isinstance(found, list), f"{path}: expected a list of image ids, got a {type(found).__name__}",
                  DataError)
            for asin in found:
                splits.setdefault(str(asin), split)
    return splits


def load_fashioniq(path: str | Path, val_fraction: float = 0.0, seed: int = 0) -> Catalogue:
    """Read FashionIQ from its root folder (the one holding ``captions/`` or ``json/``).

    Args:
        path: the dataset root.
        val_fraction: share of the train products moved to ``val`` (when the official val became test).
        seed: fixes which products move.
    """
    root = Path(path).expanduser().resolve()
    folder = caption_dir(root)
    check(folder is not None, f"{root}: no captions/ or json/ folder with cap.<category>.<split>.json files; "
          "is this the FashionIQ root?", DataError)
    captions: dict[str, list[str]] = defaultdict(list)
    category: dict[str, str] = {}
    caption_split: dict[str, str] = {}
    skipped: list[Skipped] = []
    for file in sorted(folder.iterdir(), key=lambda p: p.name):
        match = CAPTION_FILE.match(file.name)
        if not match:
            continue
        entries = read_json(file)
        check(isinstance(entries, list), f"{file}: expected a list of caption entries", DataError)
        for number, entry in enumerate(entries):
            target = entry.get("target") if isinstance(entry, dict) else None
            if not target:
                if not isinstance(entry, dict) or "candidate" not in entry:
                    skipped.append(Skipped(f"{file.name}[{number}]", "not a caption entry (no target)"))
                continue  # official test entries have a candidate and no target
            written = caption_list(entry.get("captions", []))
            if written is None:
                skipped.append(Skipped(f"{file.name}[{number}]", f"entry {number} of {file.name}: captions is a "
                                       f"{type(entry['captions']).__name__}; expected a list of text"))
                continue
            target = str(target)
            captions[target].extend(written)
            category.setdefault(target, match["category"])
            caption_split.setdefault(target, match["split"])

    test_has_targets = "test" in caption_split.values()
    rename = {"train": "train", "val": "val", "test": "test"} if test_has_targets else {"train": "train",
                                                                                        "val": "test"}
    official = _image_splits(root)
    images, tags = index_images(root), _tags(root)
    items: list[CatalogueItem] = []
    for asin in sorted(captions):
        split = rename.get(official.get(asin, caption_split[asin]), "test")
        if asin not in images:
            skipped.append(Skipped(asin, f"image not found under {root / 'images'} or {root / 'image_data'} "
                                   "(a dead link in the original release?)"))
            continue
        items.append(CatalogueItem(
            id=asin, image=images[asin], caption="; ".join(dict.fromkeys(captions[asin])), split=split,
            category=category[asin], product=asin,
            attributes={"tags": tags[asin]} if asin in tags else {},
        ))
    return Catalogue(name="fashioniq", root=root, items=carve_validation(items, val_fraction, seed),
                     skipped=skipped)
