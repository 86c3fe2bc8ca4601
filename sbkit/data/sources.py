"""Where an image's bytes live: a file, a member of a tar shard, or a cell of a Parquet file.

A catalogue item's ``image`` (and ``sketch``) is a :class:`~pathlib.Path` or one of the references here.
The references answer the few questions sbkit asks of an image path (``is_file``, ``stat``, ``open``,
``read_bytes``, ``suffix``, ``str``), so validation, preparation and the sketchify job read them the same way,
straight from the shard and without extracting anything to disk.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Union


@dataclass(frozen=True)
class TarMember:
    """``size`` bytes at ``offset`` in the uncompressed tar file ``shard``: the member ``name``."""

    shard: Path
    name: str
    offset: int
    size: int

    def __str__(self) -> str:
        return f"{self.shard}:{self.name}"

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix

    def stat(self) -> os.stat_result:
        return self.shard.stat()

    def exists(self) -> bool:
        return self.shard.is_file()

    def is_file(self) -> bool:
        """Whether the shard is there; a member cut short by a truncated shard fails when read, as a corrupt image."""
        return self.shard.is_file()

    def read_bytes(self) -> bytes:
        """The member's bytes, read in one call; OSError when the shard is shorter than the member (truncated)."""
        with self.shard.open("rb") as handle:
            data = os.pread(handle.fileno(), self.size, self.offset)
        if len(data) != self.size:
            raise OSError(f"{self}: the shard ends {self.size - len(data)} bytes into this member (truncated)")
        return data

    def open(self, mode: str = "rb") -> BinaryIO:
        return io.BytesIO(self.read_bytes())


@dataclass(frozen=True)
class ParquetCell:
    """Row ``row`` of row group ``group`` in the Parquet file ``file``, column ``column`` (binary)."""

    file: Path
    group: int
    row: int
    column: str

    def __str__(self) -> str:
        return f"{self.file}:{self.column}[{self.group}:{self.row}]"

    @property
    def suffix(self) -> str:
        return ""

    def stat(self) -> os.stat_result:
        return self.file.stat()

    def exists(self) -> bool:
        """Whether the file is there (cheap: for cache keys); :meth:`is_file` also says whether the cell holds bytes."""
        return self.file.is_file()

    def is_file(self) -> bool:
        try:
            return self._value() is not None
        except OSError:
            return False

    def _value(self) -> bytes | None:
        stat = self.file.stat()
        return _row_group_column(str(self.file), stat.st_mtime_ns, self.group, self.column)[self.row].as_py()

    def read_bytes(self) -> bytes:
        value = self._value()
        if value is None:
            raise FileNotFoundError(f"{self}: the cell is empty")
        return bytes(value)

    def open(self, mode: str = "rb") -> BinaryIO:
        return io.BytesIO(self.read_bytes())


@lru_cache(maxsize=2)
def _row_group_column(file: str, mtime_ns: int, group: int, column: str) -> Any:
    """One column of one row group; the last two read are kept, so rows read in order cost one read per group.

    Raises OSError for a file that cannot be read as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file).read_row_group(group, columns=[column]).column(0).combine_chunks()
    except (pa.ArrowException, ValueError, IndexError) as exc:
        raise OSError(f"{file}: row group {group} of column {column!r} cannot be read ({exc})") from None


ImageSource = Union[Path, TarMember, ParquetCell]


def as_source(value: str | os.PathLike | TarMember | ParquetCell) -> ImageSource:
    """A path as a :class:`~pathlib.Path`; a shard reference as it is."""
    return value if isinstance(value, (TarMember, ParquetCell)) else Path(value)


def open_binary(source: ImageSource) -> BinaryIO:
    """The source opened for reading bytes (what ``PIL.Image.open`` and decoders take)."""
    return source.open("rb")
