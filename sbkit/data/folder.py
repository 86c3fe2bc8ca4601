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
cannot be read is listed in ``Catalogue.skipped``; whether the files it
names exist is checked later by :mod:`sbkit.data.validate`.
"""

from __future__ import annotations

import csv
import json
import posixpath
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped, caption_text, field_text
from sbkit.data.downloads import download_all, is_web_address
from sbkit.data.drawn_folder import photo_and_drawing_folders, read_drawings_beside, read_drawn_folder
from sbkit.data.image_folder import holds_images, read_image_folder
from sbkit.data.splits import DEFAULT_FRACTIONS, SPLITS, assign_splits, normalize_split
from sbkit.errors import ConfigError, DataError
from sbkit.paths import OutsideFolderError, path_in_folder

DOWNLOAD_OFF = "a web address, and downloading is off (--data.download false); turn it on or give a path in the folder"
CAPTION_FILES: tuple[str, ...] = ("captions.csv", "captions.jsonl")
REQUIRED: tuple[str, ...] = ("image", "caption")  # without an id column, each item is named by its image
KNOWN: tuple[str, ...] = ("id", *REQUIRED, "sketch", "category", "split", "product")
PATH_ATTRIBUTES: tuple[str, ...] = ("strokes",)  # attributes naming a file beside the catalogue, read like sketch
COLUMNS: tuple[str, ...] = (*KNOWN, "sketches", *PATH_ATTRIBUTES)  # the columns sbkit reads by name
# what shop exports and product feeds (Shopify, Google Merchant, marketplaces) call sbkit's required columns
LOOKALIKES: dict[str, tuple[str, ...]] = {
    "id": ("sku", "handle", "product id", "item id", "article", "style id", "gtin", "ean"),
    "image": ("image link", "image url", "image src", "img", "img url", "picture", "photo", "image path", "file",
              "filename", "file name", "path", "url"),
    "caption": ("title", "name", "product name", "description", "text", "image alt text", "alt"),
}
# the csv module refuses fields over 131,072 characters and then stops; a long product description is fine, and a
# field over this limit skips only its own row
CSV_FIELD_LIMIT = 10_000_000


def find_caption_file(root: Path) -> Path | None:
    """The folder's caption file, or None; both kinds at once is an error (which one would be meant?)."""
    found = [root / name for name in CAPTION_FILES if (root / name).is_file()]
    if len(found) > 1:
        raise ConfigError(f"{root} holds both captions.csv and captions.jsonl; keep one of them")
    return found[0] if found else None


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value)
    return field_text(value)


def parse_columns(spec: str | Mapping[str, str] | None) -> dict[str, str]:
    """Which column of a caption file to read as which of sbkit's: ``"image=image_link,caption=title"`` (or a
    mapping, from a config's table) -> ``{"image": "image_link", "caption": "title"}``.

    Raises:
        ConfigError: a name that is not one of sbkit's columns (:data:`COLUMNS`), or a pair without ``=``.
    """
    if not spec:
        return {}
    pairs = list(spec.items()) if isinstance(spec, Mapping) else [
        tuple(part.split("=", 1)) if "=" in part else (part, "") for part in str(spec).split(",") if part.strip()]
    columns: dict[str, str] = {}
    for ours, theirs in pairs:
        ours, theirs = str(ours).strip(), str(theirs).strip()
        if ours not in COLUMNS or not theirs:
            raise ConfigError(f"columns: {ours + '=' + theirs if theirs else ours!r} should be sbkit's column, '=', "
                              f"then yours, e.g. image=image_link,caption=title; sbkit's columns are "
                              f"{', '.join(COLUMNS)}")
        columns[ours] = theirs
    return columns


def _renamed(row: dict[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """``row`` with the file's columns named as ``columns`` says; a column of the file that already has one of
    those names is not read."""
    if not columns:
        return row
    theirs = set(columns.values())
    kept = {k: v for k, v in row.items() if k not in columns and k not in theirs}
    return kept | {ours: row.get(their) for ours, their in columns.items()}


def _lookalikes(header: Sequence[str], missing: Sequence[str]) -> str:
    """A hint naming the header's columns that look like the ``missing`` ones, as a ``--data.columns`` value."""
    def plain(name: str) -> str:
        return " ".join(name.lower().replace("_", " ").replace("-", " ").split())

    found = {}
    for column in missing:
        alike = [h for h in header if plain(h) in LOOKALIKES.get(column, ())]
        alike.sort(key=lambda h: LOOKALIKES[column].index(plain(h)))
        if alike:
            found[column] = alike[0]
    if not found:
        return ""
    spec = ",".join(f"{ours}={theirs}" for ours, theirs in found.items())
    return f"; or say which of your columns to read, e.g. --data.columns {spec!r}"


def _delimiter(header: str, required: Sequence[str] = REQUIRED) -> str:
    """The separator whose fields in the header line name every ``required`` column: a comma, or the semicolon
    or tab that spreadsheets in many locales write; when none does, the one that splits the header most (the
    error then names its columns)."""
    for delimiter in (",", ";", "\t"):
        if all(column in {c.strip() for c in header.split(delimiter)} for column in required):
            return delimiter
    return max((",", ";", "\t"), key=lambda d: len(header.split(d)))


class _LineLog:
    """The lines of a text file, each one also kept in ``taken`` until the caller clears it, so a CSV row's
    raw lines can be looked at after the csv module has parsed them."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.taken: list[str] = []

    def __iter__(self) -> _LineLog:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """The csv module's field-size limit (global to the process) set to ``limit`` while reading, then restored."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _broken_quote(lines: list[str], delimiter: str, n_columns: int, end: int) -> str | None:
    """Why a row read from several ``lines`` (ending on line ``end``) looks like a quote left open, or None.

    A field may hold line breaks inside quotes, so a row spanning lines is fine by itself; it is a broken quote
    when the quote is never closed before the end of the file, or when the lines it swallowed read as rows of
    their own (the right number of fields, an id first)."""
    try:
        list(csv.reader(lines, delimiter=delimiter, strict=True))
        unclosed = False
    except csv.Error:
        unclosed = True
    row_like = 0
    for line in lines[1:]:
        fields = next(csv.reader([line], delimiter=delimiter), [])
        row_like += len(fields) == n_columns and bool(fields[0].strip())
    if not unclosed and not row_like:
        return None
    swallowed = f", swallowing {row_like} line{'s' if row_like > 1 else ''} that read as rows" if row_like else ""
    closed = " and is never closed" if unclosed else ""
    return (f"a quoted field opened on this line runs on to line {end}{swallowed}{closed}; "
            'close the quote (a " inside a field is written "")')


def _csv_rows(path: Path, columns: Mapping[str, str]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """(where, row) pairs, the row's columns named as ``columns`` says; ``row`` is a reason string when the row
    cannot be used."""
    required = [columns.get(c, c) for c in REQUIRED]
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle, _csv_field_limit(CSV_FIELD_LIMIT):
            delimiter = _delimiter(handle.readline(), required)
            handle.seek(0)
            lines = _LineLog(iter(handle))
            reader = csv.DictReader(lines, delimiter=delimiter)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in required if c not in header]
            if missing:
                ours = [c for c in ("id", *REQUIRED) if columns.get(c, c) not in header and c not in columns]
                raise DataError(f"{path}: the header has no {', '.join(missing)} column"
                                f"{'s' if len(missing) > 1 else ''} (found: {', '.join(header) or 'nothing'}); "
                                f"the first line must name the columns, e.g. id,image,caption"
                                f"{_lookalikes(header, ours)}")
            twice = sorted({c for c in header if c and header.count(c) > 1})
            if twice:  # csv.DictReader would keep the last one's values without a word
                raise DataError(f"{path}: the header names {', '.join(repr(c) for c in twice)} more than once "
                                f"({', '.join(header)}); keep one column of each name")
            reader.fieldnames = header
            while True:
                lines.taken.clear()
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    # the reader starts afresh on the next line, so one oversized field costs one row
                    reason = (f"a field is over {CSV_FIELD_LIMIT:,} characters (an unclosed quote may have joined "
                              "the rows after it); shorten it or close the quote") if "field limit" in str(exc) \
                        else f"not readable as CSV ({exc})"
                    yield f"{path.name}:{reader.reader.line_num}", reason  # DictReader.line_num lags on errors
                    continue
                raw = [line for line in lines.taken if line.strip()] or lines.taken
                start = reader.line_num - len(raw) + 1
                where = f"{path.name}:{start if len(raw) > 1 else reader.line_num}"
                broken = _broken_quote(raw, delimiter, len(header), reader.line_num) if len(raw) > 1 else None
                if broken:
                    yield where, broken
                    continue
                if None in row:
                    yield where, f"has {len(header) + len(row[None])} fields but the header names {len(header)}"
                    continue
                yield where, _renamed(row, columns)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _jsonl_rows(path: Path, columns: Mapping[str, str]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                where = f"{path.name}:{number}"
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield where, f"not valid JSON ({exc.msg} at column {exc.colno})"
                    continue
                if not isinstance(row, dict):
                    yield where, f"expected a JSON object per line, got {type(row).__name__}"
                    continue
                yield where, _renamed(row, columns)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None


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
    item_id, image = _text(row.get("id")), _text(row.get("image"))
    if not item_id:
        return "empty id"
    if not image:
        return f"item {item_id!r}: empty image path"
    split = normalize_split(_text(row.get("split")))
    if split and split not in SPLITS:
        return f"item {item_id!r}: split {row.get('split')!r} is not one of {', '.join(SPLITS)}"
    attributes = {str(k): _text(v) for k, v in row.items() if k not in KNOWN and _text(v)}
    place, lost = _placer(root, allow_outside, downloaded or {}), lost if lost is not None else []
    try:
        image_path = place(image, "image path")
        sketch = _drawings(place, [_text(row.get("sketch"))] if _text(row.get("sketch")) else [], "sketch path", lost)
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
        caption=caption_text(_text(row.get("caption"))),
        split=split,
        category=_text(row.get("category")) or None,
        sketch=sketch[0] if sketch else None,
        product=_text(row.get("product")) or None,
        attributes=attributes,
    )


def _web_addresses(row: dict[str, Any]) -> list[str]:
    """The row's path cells that are web addresses: its image, drawings and stroke files."""
    cells = [_text(row.get(key)) for key in ("image", "sketch", *PATH_ATTRIBUTES)]
    cells += _text(row.get("sketches")).split(";")
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
    rows = list((_csv_rows if caption_file.suffix == ".csv" else _jsonl_rows)(caption_file, columns))
    addresses = [address for _, row in rows if not isinstance(row, str) for address in _web_addresses(row)]
    downloaded = download_all(addresses) if download else dict.fromkeys(addresses, DOWNLOAD_OFF)
    items: list[CatalogueItem] = []
    skipped: list[Skipped] = []
    for where, row in rows:
        if isinstance(row, str):
            skipped.append(Skipped(where, row))
            continue
        if "id" not in row:
            row["id"] = image_id(_text(row.get("image")))
            if not row["id"]:
                skipped.append(Skipped(where, "empty image path"))
                continue
        lost: list[str] = []
        try:
            item = row_to_item(root, row, allow_outside, downloaded, lost)
        except NotDownloadedError as exc:
            lost.append(str(exc))
            item = None
        skipped += [Skipped(where, f"item {_text(row.get('id'))!r}: {reason}", why.NOT_DOWNLOADED) for reason in lost]
        if isinstance(item, str):
            skipped.append(Skipped(where, item))
        elif item is not None:
            items.append(item)
    items = read_drawings_beside(root, caption_file, items, allow_outside, skipped)
    return Catalogue(name=root.name, root=root, items=assign_splits(items, fractions, seed), skipped=skipped)
