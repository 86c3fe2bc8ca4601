"""A plain folder of images: every image under it is an item, and the top subfolder it lies in is its category.

This is the layout of a shop's photo export or of torchvision's ``ImageFolder`` (``bags/001.jpg``,
``shoes/red-boot.png``). The items have no captions; sketch search needs none, and a run's text model still
reads a typed caption by meaning. The folder is only read, never written to.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.splits import DEFAULT_FRACTIONS, assign_splits
from sbkit.paths import OutsideFolderError, path_in_folder

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff",
                                            ".heic", ".heif", ".avif"})


def is_image(name: str, suffixes: frozenset[str] = IMAGE_SUFFIXES) -> bool:
    """Whether a file name has one of ``suffixes`` (image suffixes by default), in any case."""
    return os.path.splitext(name)[1].lower() in suffixes


def not_an_image(path: str) -> str:
    """Why a file is not read as a photo: its suffix."""
    return f"{os.path.splitext(path)[1] or 'no'} suffix is not an image type ({', '.join(sorted(IMAGE_SUFFIXES))})"


def _walk(top: str, excluded: set[str]) -> Iterable[tuple[str, list[str]]]:
    """(folder, its file names), sorted, leaving out hidden names, ``excluded`` paths and folders holding a
    sketchify job (``job.json``), so sketches written into the folder are never read back as photos."""
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and os.path.normcase(os.path.join(folder, d)) not in excluded
                         and not os.path.isfile(os.path.join(folder, d, "job.json")))
        yield folder, sorted(f for f in files if not f.startswith(".")
                             and os.path.normcase(os.path.join(folder, f)) not in excluded)


def scan_images(root: Path, exclude: Sequence[Path] = (), suffixes: frozenset[str] = IMAGE_SUFFIXES,
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Every file under ``root`` as ``(id, absolute path)``, sorted: the images (files with one of ``suffixes``,
    any case), then the other files.

    An id is the file's path relative to ``root`` without its suffix, with ``/`` between folders
    (``bags/001``). Hidden files and folders, the paths in ``exclude`` and sub-folders that hold a sketchify
    job are left out.
    """
    top = os.path.abspath(root)
    excluded = {os.path.normcase(os.path.abspath(p)) for p in exclude}
    images: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for folder, files in _walk(top, excluded):
        prefix = os.path.relpath(folder, top).replace(os.sep, "/") + "/" if folder != top else ""
        for name in files:
            found = (prefix + os.path.splitext(name)[0], os.path.join(folder, name))
            (images if is_image(name, suffixes) else others).append(found)
    return images, others


def holds_images(root: Path) -> bool:
    """Whether any image lies under the folder ``root`` (the walk stops at the first)."""
    return any(is_image(name) for _, files in _walk(os.path.abspath(root), set()) for name in files)


def category_of(item_id: str) -> str | None:
    """The category of a plain folder's item: the top subfolder in its id (``bags/001``: ``bags``), or None."""
    return item_id.split("/", 1)[0] if "/" in item_id else None


def inside(root: Path, path: str, allow_outside: bool, skipped: list[Skipped], what: str = "image path") -> Path | None:
    """``path`` (found under ``root``) when it stays inside ``root`` (:func:`sbkit.paths.path_in_folder`); else
    None, with the reason added to ``skipped``: a link that leads out of the folder, unless ``allow_outside``."""
    try:
        return path_in_folder(root, os.path.relpath(path, root), allow_outside, what)
    except OutsideFolderError as exc:
        skipped.append(Skipped(path, str(exc)))
        return None


def read_image_folder(root: Path, fractions: Sequence[float] = DEFAULT_FRACTIONS, seed: int = 0,
                      allow_outside: bool = False) -> Catalogue:
    """The images under ``root`` as a catalogue with empty captions; an image in a subfolder has the top
    subfolder's name as its category. Other files are listed as skipped, and so are links to images outside
    the folder unless ``allow_outside`` (:func:`sbkit.paths.path_in_folder`); splits come from
    :func:`assign_splits`."""
    images, others = scan_images(root)
    items: list[CatalogueItem] = []
    skipped = [Skipped(path, not_an_image(path), why.NOT_AN_IMAGE) for _, path in others]
    for item_id, path in images:
        image = inside(root, path, allow_outside, skipped)
        if image is not None:
            items.append(CatalogueItem(id=item_id, image=image, caption="", split="", category=category_of(item_id)))
    return Catalogue(name=root.name, root=root, items=assign_splits(items, fractions, seed), skipped=skipped)
