"""Sketchy: ``256x256/photo/<variant>/<category>/<id>.jpg`` and ``256x256/sketch/<variant>/<category>/<id>-<n>.png``.

Category-level data: each photo is one item, its caption is its category ("an airplane"), and its
sketches are those named ``<photo id>-<n>.png`` (or ``<photo id>.png``) in the same category folder
(``sketch`` is the first, ``attributes["sketches"]`` lists all, ``;``-joined). Sketches listed in
``info/invalid-*.txt`` are dropped. Splits:

- ``random``: photos are dealt into train/val/test within each category.
- ``official``: photos in ``info/testset.txt`` are test, the rest train (``val_fraction`` moves some to val).
- ``zero-shot``: the classes named in the ``unseen_classes`` file (one per line) are test, the others
  train and val. sbkit ships no class list: supply the one your benchmark uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from sbkit.data.adapters.common import image_files, read_lines, read_text, with_article
from sbkit.data.catalogue import Catalogue, CatalogueItem
from sbkit.data.drawn_folder import drawn_photo
from sbkit.data.splits import assign_splits, carve_validation, split_fractions
from sbkit.errors import ConfigError, DataError, check, unknown_name_message

SPLIT_MODES = ("random", "official", "zero-shot")
VARIANT = "tx_000000000000"


def _holds_folders(folder: Path) -> bool:
    """Whether ``folder`` has a sub-folder: Sketchy's ``photo/`` holds category (or ``tx_*``) folders, where a
    plain ``photo/`` beside ``sketch/`` holding the pictures themselves is a folder of photos and drawings."""
    return any(p.is_dir() and not p.name.startswith(".") for p in folder.iterdir())


def find_base(path: Path) -> Path | None:
    """The folder holding ``photo/`` and ``sketch/``: ``path``, ``path/256x256`` or ``path/rendered_256x256/256x256``."""
    for base in (path, path / "256x256", path / "rendered_256x256" / "256x256", path / "rendered_256x256"):
        if (base / "photo").is_dir() and (base / "sketch").is_dir() and _holds_folders(base / "photo"):
            return base
    return None


def _info_dir(path: Path, base: Path) -> Path | None:
    for folder in (path / "info", base / "info", base.parent / "info"):
        if folder.is_dir():
            return folder
    return None


def _stems(listing: Path) -> set[str]:
    """The file stems a listing names, one per line (BOM and CRLF handled)."""
    return {Path(line.replace("\\", "/")).stem for line in read_lines(listing)}


def _variant_roots(base: Path, variant: str) -> tuple[Path, Path]:
    """``photo/<variant>`` and ``sketch/<variant>``; ``photo/`` and ``sketch/`` themselves when they hold the
    category folders directly (no ``tx_*`` folder) and the default variant is asked for."""
    folders = sorted(p.name for p in (base / "photo").iterdir() if p.is_dir())
    variants = [name for name in folders if name.startswith("tx_")]
    photo_root, sketch_root = base / "photo" / variant, base / "sketch" / variant
    if photo_root.is_dir():
        return photo_root, sketch_root
    if not variants:
        check(variant == VARIANT, f"{base / 'photo'} holds category folders directly, with no tx_* variant folders; "
              "leave variant= unset to read them", ConfigError)
        return base / "photo", sketch_root if sketch_root.is_dir() else base / "sketch"
    raise ConfigError(f"{photo_root} does not exist; choose variant= from {', '.join(variants)}")


def read_class_list(path: Path, known: set[str]) -> set[str]:
    """Class names, one per line (blank lines and ``#`` comments ignored), each checked against ``known``."""
    path = Path(path).expanduser()
    check(path.is_file(), f"unseen_classes file {path} does not exist", ConfigError)
    names = {line.split("#", 1)[0].strip() for line in read_text(path).splitlines()}
    names.discard("")
    for name in sorted(names):
        if name not in known:
            raise ConfigError(f"{path}: " + unknown_name_message("Sketchy class", name, known))
    check(names, f"{path} names no class; write one unseen class name per line", ConfigError)
    check(names != known, f"{path} names every class as unseen; nothing would be left to train on", ConfigError)
    return names


def load_sketchy(path: str | Path, split: str = "random", unseen_classes: Path | None = None,
                 variant: str = VARIANT, val_fraction: float = 0.1, test_fraction: float = 0.2,
                 seed: int = 0) -> Catalogue:
    """Read Sketchy from its root (the folder holding ``256x256/`` and ``info/``).

    Args:
        path: the dataset root.
        split: "random", "official" (info/testset.txt) or "zero-shot" (needs ``unseen_classes``).
        unseen_classes: a text file naming the held-out classes, one per line.
        variant: the ``tx_*`` folder to read; ``tx_000000000000`` is the plain one.
        val_fraction: share of the training photos (of each category) that go to val.
        test_fraction: share of each category's photos that go to test (``random`` only).
        seed: fixes the random parts of the split.
    """
    check(split in SPLIT_MODES, unknown_name_message("Sketchy split", split, SPLIT_MODES), ConfigError)
    check(split != "zero-shot" or unseen_classes is not None, "Sketchy split 'zero-shot' needs unseen_classes=FILE, "
          "a text file naming the held-out classes one per line (sbkit ships no class list)", ConfigError)
    root = Path(path).expanduser().resolve()
    base = find_base(root)
    check(base is not None, f"{root}: no 256x256/photo and 256x256/sketch folders; is this the Sketchy root?",
          DataError)
    photo_root, sketch_root = _variant_roots(base, variant)  # type: ignore[arg-type]
    info = _info_dir(root, base)  # type: ignore[arg-type]
    invalid: set[str] = set()
    for listing in sorted(info.glob("invalid-*.txt")) if info else []:
        invalid |= _stems(listing)

    items: list[CatalogueItem] = []
    for folder in sorted(p for p in photo_root.iterdir() if p.is_dir()):
        category = folder.name
        photos = image_files(folder)
        stems = {photo.stem for photo in photos}
        drawn: dict[str, list[Path]] = defaultdict(list)
        for sketch in image_files(sketch_root / category):
            owner = drawn_photo(sketch.stem, stems)
            if sketch.stem not in invalid and owner is not None:
                drawn[owner].append(sketch)
        for photo in photos:
            sketches = sorted(drawn.get(photo.stem, []), key=lambda p: (len(p.stem), p.stem))
            items.append(CatalogueItem(
                id=f"{category}/{photo.stem}", image=photo, caption=with_article(category), split="",
                category=category, sketch=sketches[0] if sketches else None, product=f"{category}/{photo.stem}",
                attributes={"sketches": ";".join(str(p) for p in sketches)} if sketches else {},
            ))
    check(items, f"{photo_root}: no photos found", DataError)

    if split == "random":
        items = assign_splits(items, split_fractions(val_fraction, test_fraction), seed)
    elif split == "official":
        listing = info / "testset.txt" if info else None
        check(listing is not None and listing.is_file(), f"{root}: split 'official' needs info/testset.txt",
              DataError)
        test = _stems(listing)  # type: ignore[arg-type]
        items = [replace(i, split="test" if i.image.stem in test else "train") for i in items]
        items = carve_validation(items, val_fraction, seed)
    else:
        unseen = read_class_list(unseen_classes, {i.category for i in items})  # type: ignore[arg-type,misc]
        items = [replace(i, split="test" if i.category in unseen else "") for i in items]
        items = assign_splits(items, split_fractions(val_fraction, 0.0), seed)
    return Catalogue(name="sketchy", root=root, items=items)
