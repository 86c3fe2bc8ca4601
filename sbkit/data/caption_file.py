"""A catalogue's caption file, ``captions.csv`` or ``captions.jsonl``, read as rows: the CSV with any of the
separators spreadsheets write, its quotes checked row by row, and the file's own column names read as sbkit's
when ``columns`` says so (:func:`parse_columns`). :mod:`sbkit.data.folder` turns the rows into items.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sbkit.data.catalogue import field_text
from sbkit.errors import ConfigError, DataError

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


def cell_text(value: Any) -> str:
    """A cell as text: a JSON list joined with ``; ``, anything else as :func:`field_text` gives it."""
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
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


def _delimiter(header: str, required: Sequence[str]) -> str:
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


def read_rows(path: Path, columns: Mapping[str, str]) -> list[tuple[str, dict[str, Any] | str]]:
    """Every row of the caption file ``path`` as ``(where, row)``, its columns named as ``columns`` says; ``row``
    is the reason when the row cannot be used.

    Raises:
        DataError: the file cannot be read, is not UTF-8, or its header lacks a required column.
    """
    return list((_csv_rows if path.suffix == ".csv" else _jsonl_rows)(path, columns))
