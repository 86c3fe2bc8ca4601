"""The folder catalogue: a folder of images plus ``captions.csv`` or ``captions.jsonl``, or a plain folder of
images with neither (:mod:`sbkit.data.image_folder`: subfolders as categories, no captions).

Columns (CSV header or JSON keys): ``image`` (a path relative to the folder; subfolders are fine; a path
leading outside the folder is refused unless allowed, see :mod:`sbkit.paths`; or a web address), ``caption``,
and optionally ``id`` (without it, an item is named by its image: :func:`image_id`), ``sketch`` (a path to a
real drawing of the item), ``category``, ``split`` (train, val or test), ``product`` (pictures sharing it show
one product), ``strokes`` (an SVG of the sketch's strokes in drawing order, a path like ``sketch``),
``sketches`` (every drawing of the item, ``;``-joined paths or a JSON list; runs train on and ask with them all,
see :func:`sbkit.data.catalogue.other_drawings`; without ``sketch`` the first becomes it; with neither, a
``sketches/`` folder's drawings named as items are found). Any other column becomes an attribute. A row that
cannot be read is listed in ``Catalogue.skipped``; whether the files it names exist is checked later by
:mod:`sbkit.data.validate`. The caption file's rows come from :mod:`sbkit.data.caption_file`.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sbkit.data import skip_reasons as why
from sbkit.data.caption_file import (CAPTION_FILES, KNOWN, PATH_ATTRIBUTES, cell_text, find_caption_file,
                                     parse_columns, read_rows)
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped, caption_text
from sbkit.data.downloads import download_all, is_web_address
from sbkit.data.drawn_folder import photo_and_drawing_folders, read_drawings_beside, read_drawn_folder
from sbkit.data.image_folder import holds_images, read_image_folder
from sbkit.data.splits import DEFAULT_FRACTIONS, SPLITS, assign_splits, normalize_split
from sbkit.errors import DataError
from sbkit.paths import OutsideFolderError, path_in_folder

DOWNLOAD_OFF = "a web address, and downloading is off (--data.download false); turn it on or give a path in the folder"


class NotDownloadedError(DataError):
    """A picture named by web address could not be downloaded."""


def _placer(root: Path, allow_outside: bool, downloaded: Mapping[str, Path | str]) -> Callable[[str, str], Path]:
    """``place(value, what)``: a path cell as a file, under ``root`` (:func:`sbkit.paths.path_in_folder`) or, for
    a web address, its download in the cache (:mod:`sbkit.data.downloads`)."""
    def place(value: str, what: str) -> Path:
        if not is_web_address(value):
            return path_in_folder(root, value, allow_outside, what)
        got = downloaded.get(value.strip(), "was not downloaded")
        if isinstance(got, str):
            raise NotDownloadedError(f"{what} {value.strip()}: {got}")
        return got
    return place


def _drawings(place: Callable[[str, str], Path], values: list[str], what: str, lost: list[str]) -> list[Path]:
    """The drawings ``values`` name, leaving out (with the reason in ``lost``) those that could not be
    downloaded: an item keeps its photo when a drawing of it is unreachable."""
    found = []
    for value in values:
        try:
            found.append(place(value, what))
        except NotDownloadedError as exc:
            lost.append(str(exc))
    return found


def image_id(image: str) -> str:
    """The id of an item named by its image, for a caption file with no ``id`` column: the path without its
    suffix (``photos/boots/red``), or a web address without its scheme, query or suffix
    (``cdn.shop.com/p/red``)."""
    image = image.strip()
    if is_web_address(image):
        parts = urllib.parse.urlsplit(image)
        image = parts.netloc + parts.path
    path = posixpath.normpath(image.replace("\\", "/")).lstrip("/")
    return posixpath.splitext(path)[0] if path != "." else ""


def row_to_item(root: Path, row: dict[str, Any], allow_outside: bool = False,
                downloaded: Mapping[str, Path | str] | None = None, lost: list[str] | None = None,
                ) -> CatalogueItem | str:
    """One row -> an item (split ``""`` when not given), or the reason it cannot be one. Cells holding web
    addresses are read from ``downloaded`` (:func:`sbkit.data.downloads.download_all`); a drawing that could
    not be downloaded is left out, with the reason added to ``lost``.

    Raises:
        NotDownloadedError: the row's photo is a web address that could not be downloaded.
    """
    item_id, image = cell_text(row.get("id")), cell_text(row.get("image"))
    if not item_id:
        return "empty id"
    if not image:
        return f"item {item_id!r}: empty image path"
    split = normalize_split(cell_text(row.get("split")))
    if split and split not in SPLITS:
        return f"item {item_id!r}: split {row.get('split')!r} is not one of {', '.join(SPLITS)}"
    attributes = {str(k): cell_text(v) for k, v in row.items() if k not in KNOWN and cell_text(v)}
    place, lost = _placer(root, allow_outside, downloaded or {}), lost if lost is not None else []
    try:
        image_path = place(image, "image path")
        named = cell_text(row.get("sketch"))
        sketch = _drawings(place, [named] if named else [], "sketch path", lost)
        for key in PATH_ATTRIBUTES:
            if key in attributes:
                kept = _drawings(place, [attributes.pop(key)], f"{key} path", lost)
                attributes.update({key: str(kept[0])} if kept else {})
        if "sketches" in attributes:
            listed = [p.strip() for p in attributes.pop("sketches").split(";") if p.strip()]
            every = _drawings(place, listed, "sketches path", lost)
            attributes.update({"sketches": ";".join(map(str, every))} if every else {})
            sketch = sketch or every[:1]
    except OutsideFolderError as exc:
        return f"item {item_id!r}: {exc}"
    return CatalogueItem(
        id=item_id,
        image=image_path,
        caption=caption_text(cell_text(row.get("caption"))),
        split=split,
        category=cell_text(row.get("category")) or None,
        sketch=sketch[0] if sketch else None,
        product=cell_text(row.get("product")) or None,
        attributes=attributes,
    )


def shared_by_product(items: list[CatalogueItem]) -> list[CatalogueItem]:
    """``items`` with an empty caption or category, or a missing attribute, taken from the first item of their
    ``product`` that has a caption: a shop export lists a product's further pictures as rows with only the
    picture filled in (Shopify's image rows), and every picture of a product shows the same product. Drawings
    and stroke files stay each picture's own."""
    described: dict[str, CatalogueItem] = {}
    for item in items:
        if item.product and item.caption and item.product not in described:
            described[item.product] = item
    filled = []
    for item in items:
        first = described.get(item.product or "")
        if first is None or first is item:
            filled.append(item)
            continue
        shared = {k: v for k, v in first.attributes.items() if k not in ("sketches", *PATH_ATTRIBUTES)}
        filled.append(replace(item, caption=item.caption or first.caption, category=item.category or first.category,
                              attributes={**shared, **item.attributes}))
    return filled


def _web_addresses(row: dict[str, Any]) -> list[str]:
    """The row's path cells that are web addresses: its image, drawings and stroke files."""
    cells = [cell_text(row.get(key)) for key in ("image", "sketch", *PATH_ATTRIBUTES)]
    cells += cell_text(row.get("sketches")).split(";")
    return [cell.strip() for cell in cells if is_web_address(cell)]


def read_folder(path: str | Path, fractions: Sequence[float] = DEFAULT_FRACTIONS, seed: int = 0,
                allow_outside: bool = False, download: bool = True,
                columns: str | Mapping[str, str] | None = None) -> Catalogue:
    """Read a folder catalogue (``path`` is the folder or its caption file); items without a ``split``
    get one from :func:`assign_splits`. A folder with no caption file is read as a plain folder of images
    (:func:`sbkit.data.image_folder.read_image_folder`), or as photos beside drawings of them when its top
    folders are ``photos/`` and ``sketches/`` (:func:`sbkit.data.drawn_folder.read_drawn_folder`). When no row
    names a drawing, drawings in a ``sketches/`` folder named as their items are theirs
    (:func:`sbkit.data.drawn_folder.read_drawings_beside`). A row whose
    image or sketch path leads outside the folder is skipped with the reason, unless ``allow_outside`` (see
    :func:`sbkit.paths.path_in_folder`). Pictures named by web address are downloaded into the cache
    (:mod:`sbkit.data.downloads`) unless ``download`` is off; a row whose photo could not be, and a drawing
    that could not be, are skipped with the reason. ``columns`` names the caption file's columns to read as
    sbkit's (:func:`parse_columns`).

    Raises:
        DataError: the folder is missing, holds neither a caption file nor an image, or its caption file is
            unreadable or its header lacks a column.
    """
    columns = parse_columns(columns)
    root = Path(path).expanduser().resolve()
    if root.is_file() and root.name in CAPTION_FILES:
        root = root.parent
    if not root.is_dir():
        raise DataError(f"{root}: not a folder; a folder catalogue is a folder of images plus captions.csv")
    caption_file = find_caption_file(root)
    if caption_file is None:
        if holds_images(root):
            drawn = photo_and_drawing_folders(root)
            if drawn is not None:
                return read_drawn_folder(root, *drawn, fractions, seed, allow_outside)
            return read_image_folder(root, fractions, seed, allow_outside)
        raise DataError(f"{root}: no image and no captions.csv or captions.jsonl; give a folder of images, or add "
                        "a caption file with the columns id,image,caption (see docs/data.md)")
    rows = read_rows(caption_file, columns)
    addresses = [address for _, row in rows if not isinstance(row, str) for address in _web_addresses(row)]
    downloaded = download_all(addresses) if download else dict.fromkeys(addresses, DOWNLOAD_OFF)
    items: list[CatalogueItem] = []
    skipped: list[Skipped] = []
    for where, row in rows:
        if isinstance(row, str):
            skipped.append(Skipped(where, row))
            continue
        if "id" not in row:
            row["id"] = image_id(cell_text(row.get("image")))
            if not row["id"]:
                skipped.append(Skipped(where, "empty image path"))
                continue
        lost: list[str] = []
        try:
            item = row_to_item(root, row, allow_outside, downloaded, lost)
        except NotDownloadedError as exc:
            lost.append(str(exc))
            item = None
        skipped += [Skipped(where, f"item {cell_text(row.get('id'))!r}: {reason}", why.NOT_DOWNLOADED)
                    for reason in lost]
        if isinstance(item, str):
            skipped.append(Skipped(where, item))
        elif item is not None:
            items.append(item)
    items = read_drawings_beside(root, caption_file, shared_by_product(items), allow_outside, skipped)
    return Catalogue(name=root.name, root=root, items=assign_splits(items, fractions, seed), skipped=skipped)
