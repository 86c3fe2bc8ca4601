"""Parquet catalogues: a ``.parquet`` file, or a folder of them, one row per item.

Columns: ``id``, ``image`` (the photo's encoded bytes), ``caption``; optionally ``split``, ``category``,
``product`` and ``sketch`` (a drawn sketch's encoded bytes). Any other column becomes an attribute.

Files are read a row group at a time and without the image columns; an item's photo is a
:class:`~sbkit.data.sources.ParquetCell`, read (with the rest of its row group) when it is decoded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import CatalogueItem, Skipped, caption_text, field_text
from sbkit.data.splits import SPLITS, normalize_split
from sbkit.data.sources import ParquetCell
from sbkit.errors import DataError

REQUIRED: tuple[str, ...] = ("id", "image", "caption")
BYTES_COLUMNS: tuple[str, ...] = ("image", "sketch")
KNOWN: tuple[str, ...] = (*REQUIRED, "sketch", "split", "category", "product")
ROW_GROUP_ROWS = 256  # rows per row group written; a reader holds one group's photos at a time


def iter_parquet_items(files: Iterable[Path]) -> Iterator[CatalogueItem | Skipped]:
    """Each row of each file as an item, or a :class:`Skipped` saying why it cannot be one, in file order.

    Raises:
        DataError: a file is not Parquet, or lacks a required column, or its ``image`` column is not bytes.
    """
    import pyarrow as pa

    for file in files:
        file = Path(file)
        parquet = _open(file)
        schema = parquet.schema_arrow
        missing = [c for c in REQUIRED if c not in schema.names]
        if missing:
            raise DataError(f"{file}: no {', '.join(missing)} column (found: {', '.join(schema.names)}); a Parquet "
                            "catalogue needs id, image (the photo's bytes) and caption")
        for name in BYTES_COLUMNS:
            if name in schema.names and not (pa.types.is_binary(schema.field(name).type)
                                             or pa.types.is_large_binary(schema.field(name).type)):
                raise DataError(f"{file}: column {name!r} is {schema.field(name).type}, not bytes; store the "
                                "encoded image file (JPEG, PNG, WebP) in it")
        columns = [c for c in schema.names if c not in BYTES_COLUMNS]
        has_sketch = "sketch" in schema.names
        for group in range(parquet.num_row_groups):
            try:
                table = parquet.read_row_group(group, columns=columns)
                sketched = (parquet.read_row_group(group, columns=["sketch"]).column(0).is_valid().to_pylist()
                            if has_sketch else [False] * table.num_rows)
            except (pa.ArrowException, OSError) as exc:
                yield Skipped(f"{file}:{group}", f"{file}: row group {group} cannot be read ({exc}); its rows are "
                              "left out", why.UNREADABLE_ENTRY)
                continue
            for row, (record, sketch) in enumerate(zip(table.to_pylist(), sketched)):
                yield _to_item(file, group, row, record, sketch)


def _open(file: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{file}: not a readable Parquet file ({exc})") from None


def _to_item(file: Path, group: int, row: int, record: dict[str, Any], sketch: bool) -> CatalogueItem | Skipped:
    item_id = field_text(record.get("id"))
    where = f"{file}:{group}:{row}"
    if not item_id:
        return Skipped(where, "empty id", why.UNREADABLE_ENTRY)
    split = normalize_split(field_text(record.get("split")))
    if split and split not in SPLITS:
        return Skipped(where, f"item {item_id!r}: split {record.get('split')!r} is not one of {', '.join(SPLITS)}",
                       why.UNREADABLE_ENTRY)
    return CatalogueItem(id=item_id, image=ParquetCell(file, group, row, "image"),
                         caption=caption_text(record.get("caption")), split=split,
                         category=field_text(record.get("category")) or None,
                         sketch=ParquetCell(file, group, row, "sketch") if sketch else None,
                         product=field_text(record.get("product")) or None,
                         attributes={k: field_text(v) for k, v in record.items()
                                     if k not in KNOWN and field_text(v)})


class ParquetShardWriter:
    """Writes items into ``part-00000.parquet``, ... in ``folder``, ``shard_items`` rows each, in row groups of
    :data:`ROW_GROUP_ROWS`; ``attributes`` names the attribute columns (every file has the same schema)."""

    def __init__(self, folder: Path, shard_items: int, attributes: Iterable[str]) -> None:
        import pyarrow as pa

        self.folder, self.shard_items = folder, shard_items
        self.attributes = [a for a in dict.fromkeys(attributes) if a not in KNOWN]
        self.schema = pa.schema([("id", pa.string()), ("image", pa.binary()), ("caption", pa.string()),
                                 ("split", pa.string()), ("category", pa.string()), ("product", pa.string()),
                                 ("sketch", pa.binary()), *((name, pa.string()) for name in self.attributes)])
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._writer: Any = None

    def add(self, item: CatalogueItem, photo: bytes, sketch: bytes | None = None) -> None:
        import pyarrow.parquet as pq

        if self.count % self.shard_items == 0:
            self.close()
            self._writer = pq.ParquetWriter(self.folder / f"part-{self.count // self.shard_items:05d}.parquet",
                                            self.schema)
        self._rows.append({"id": item.id, "image": photo, "caption": item.caption, "split": item.split,
                           "category": item.category, "product": item.product, "sketch": sketch,
                           **{name: item.attributes.get(name) for name in self.attributes}})
        self.count += 1
        if len(self._rows) == ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        if self._writer is not None:
            self._flush()
            self._writer.close()
            self._writer = None
