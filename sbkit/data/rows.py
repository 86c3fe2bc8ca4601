"""Rows of a fixed-shape array kept in a file and read on demand, so a split never has to fit in memory.

:class:`DiskRows` stands in for a tensor wherever code only indexes rows (``rows[i]``, ``rows[a:b]``,
``rows[index_tensor]``) and reads ``len``, ``shape``, ``dtype`` and ``ndim``. Rows are read with ``os.pread``,
not memory-mapped, so what a process has read does not stay in its resident memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from sbkit.errors import DataError, ShapeError, check

CHUNK_ROWS = 256


class DiskRows:
    """``shape[0]`` rows of ``shape[1:]`` items of ``dtype``, stored C-contiguously in ``path`` from ``offset``.

    Args:
        path: the file.
        shape: the whole array's shape as stored.
        dtype: a numpy dtype.
        offset: bytes before the first row (e.g. a ``.npy`` header).
        index: optional row numbers in the file that this view's rows are (see :meth:`take`).
    """

    def __init__(self, path: str | Path, shape: Sequence[int], dtype: np.dtype | str, offset: int = 0,
                 index: np.ndarray | None = None) -> None:
        self.path = Path(path)
        self.stored_shape = tuple(int(s) for s in shape)
        self.np_dtype = np.dtype(dtype)
        self.offset = int(offset)
        self.index = None if index is None else np.asarray(index, dtype=np.int64)
        self.row_bytes = int(np.prod(self.stored_shape[1:], dtype=np.int64)) * self.np_dtype.itemsize
        self._fd: int | None = None
        self._pid = -1
        self._content_key: bytes | None = None  # rows_key, kept once read: the file does not change under a view

    @classmethod
    def from_npy(cls, path: str | Path) -> DiskRows:
        """The rows of a ``.npy`` file (C order, any shape with at least one dimension)."""
        path = Path(path)
        try:
            array = np.load(path, mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise DataError(f"{path} is not a readable .npy file ({exc}); delete it so it is made again") from None
        check(array.ndim >= 1 and array.flags.c_contiguous, f"{path}: expected a C-ordered array", DataError)
        return cls(path, array.shape, array.dtype, array.offset)

    # tensor-like surface -------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.stored_shape[0] if self.index is None else len(self.index)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self), *self.stored_shape[1:]))

    @property
    def ndim(self) -> int:
        return len(self.stored_shape)

    @property
    def dtype(self) -> torch.dtype:
        return torch.from_numpy(np.zeros(0, self.np_dtype)).dtype

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def __repr__(self) -> str:
        return f"DiskRows({self.path}, shape={tuple(self.shape)}, dtype={self.np_dtype})"

    def __getitem__(self, where) -> torch.Tensor:
        """Rows as a tensor: ``where`` is an int, a slice, a 1-D index (tensor, array or list), or a pair
        (rows, column) for a 3-D store, picking ``column`` (a tensor of the same length, or an int) of each row."""
        column = None
        if isinstance(where, tuple):
            check(len(where) == 2 and self.ndim == 3, f"{self!r}: only (rows, column) pairs on 3-D rows", ShapeError)
            where, column = where
        if isinstance(where, int):
            return self[[where]][0] if column is None else self[[where], column][0]
        rows = self._file_rows(self._positions(where))
        if column is None:
            return self._read(rows)
        columns = np.broadcast_to(np.asarray(column.cpu() if torch.is_tensor(column) else column, np.int64),
                                  rows.shape)
        width = self.stored_shape[1]
        check(bool(((columns >= 0) & (columns < width)).all()), f"{self!r}: a column is out of range", ShapeError)
        flat = DiskRows(self.path, (self.stored_shape[0] * width, *self.stored_shape[2:]), self.np_dtype, self.offset)
        return flat._read(rows * width + columns)

    def _positions(self, where) -> np.ndarray:
        if isinstance(where, slice):
            return np.arange(len(self))[where]
        positions = np.asarray(where.cpu() if torch.is_tensor(where) else where)
        if positions.dtype == bool:
            check(positions.shape == (len(self),), f"{self!r}: a mask needs {len(self)} values", ShapeError)
            return np.flatnonzero(positions)
        positions = positions.astype(np.int64).reshape(-1)
        positions = np.where(positions < 0, positions + len(self), positions)
        check(bool(((positions >= 0) & (positions < len(self))).all()) if positions.size else True,
              f"{self!r}: a row is out of range", ShapeError)
        return positions

    def _file_rows(self, positions: np.ndarray) -> np.ndarray:
        return positions if self.index is None else self.index[positions]

    def _handle(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            self._fd, self._pid = os.open(self.path, os.O_RDONLY), os.getpid()
        return self._fd

    def _read(self, rows: np.ndarray) -> torch.Tensor:
        """The file rows ``rows`` in that order; runs of consecutive rows are read in one call."""
        out = np.empty((len(rows), *self.stored_shape[1:]), dtype=self.np_dtype)
        flat = out.reshape(len(rows), -1).view(np.uint8) if len(rows) else out
        fd = self._handle()
        start = 0
        while start < len(rows):
            stop = start + 1
            while stop < len(rows) and rows[stop] == rows[stop - 1] + 1:
                stop += 1
            size = (stop - start) * self.row_bytes
            data = os.pread(fd, size, self.offset + int(rows[start]) * self.row_bytes)
            check(len(data) == size, f"{self.path} is shorter than its {self.stored_shape[0]} rows; delete it so "
                  f"it is made again", DataError)
            flat[start:stop] = np.frombuffer(data, np.uint8).reshape(stop - start, -1)
            start = stop
        return torch.from_numpy(out)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_fd"], state["_pid"] = None, -1  # file handles do not travel to other processes
        return state

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            try:
                os.close(self._fd)
            except OSError:
                pass

    # views and whole-array helpers ---------------------------------------------------------------------------
    def take(self, rows: torch.Tensor | np.ndarray | slice) -> DiskRows:
        """A view of some rows, read lazily like this one."""
        if isinstance(rows, slice) and rows == slice(None):
            return self
        return DiskRows(self.path, self.stored_shape, self.np_dtype, self.offset,
                        self._file_rows(self._positions(rows)))

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[torch.Tensor]:
        for start in range(0, len(self), size):
            yield self[start:start + size]


Rows = torch.Tensor | DiskRows


def take(rows, which: torch.Tensor | slice):
    """``rows[which]``, staying on disk for :class:`DiskRows` and :class:`StackedRows`."""
    return rows[which] if torch.is_tensor(rows) else rows.take(which)


def whole(rows: Rows | None) -> torch.Tensor | None:
    """Every row in memory (for small splits and code that needs the whole array at once)."""
    if rows is None or torch.is_tensor(rows):
        return rows
    return rows[:]


def row_mean(rows: Rows) -> torch.Tensor:
    """The mean row, in float32, read a chunk at a time."""
    if torch.is_tensor(rows):
        return rows.float().mean(0)
    total = torch.zeros(rows.shape[1:], dtype=torch.float64)
    for chunk in rows.chunks():
        total += chunk.double().sum(0)
    return (total / max(1, len(rows))).float()


def rows_key(rows: Rows) -> bytes:
    """Bytes that change whenever the rows' content would: their shape and dtype, and a digest of every row.

    Disk rows are read a chunk at a time and their key is kept on the object, so the same pictures made
    again (another cache folder, a code change that left them alike) give the same key.
    """
    if isinstance(rows, DiskRows) and rows._content_key is not None:
        return rows._content_key
    digest = hashlib.blake2b(digest_size=32)
    for chunk in rows.chunks() if isinstance(rows, DiskRows) else [rows]:
        digest.update(chunk.contiguous().numpy().tobytes())
    key = f"{tuple(rows.shape)}:{rows.dtype}:".encode() + digest.digest()
    if isinstance(rows, DiskRows):
        rows._content_key = key
    return key


class StackedRows:
    """Several (N, F) row stores side by side as one (N, V, F): ``stacked[rows, columns]`` picks store
    ``columns[i]``'s row ``rows[i]``; only those rows are read."""

    def __init__(self, stores: list[Rows]) -> None:
        check(bool(stores) and all(len(s) == len(stores[0]) and s.ndim == 2 for s in stores),
              "stacked rows need one or more (N, F) stores of equal length", ShapeError)
        self.stores = stores

    def __len__(self) -> int:
        return len(self.stores[0])

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self), len(self.stores), *self.stores[0].shape[1:]))

    @property
    def ndim(self) -> int:
        return 3

    @property
    def dtype(self) -> torch.dtype:
        return self.stores[0].dtype

    def variant(self, number: int) -> Rows:
        return self.stores[number]

    def take(self, rows: torch.Tensor | slice) -> StackedRows:
        return StackedRows([take(store, rows) for store in self.stores])

    def __getitem__(self, where) -> torch.Tensor:
        check(isinstance(where, tuple) and len(where) == 2, "stacked rows are read as [rows, columns]", ShapeError)
        rows, columns = where
        rows = torch.as_tensor(rows).reshape(-1)
        columns = torch.as_tensor(columns).reshape(-1).expand(len(rows)) if torch.as_tensor(columns).numel() == 1 \
            else torch.as_tensor(columns).reshape(-1)
        out = torch.empty(len(rows), *self.shape[2:], dtype=self.dtype)
        for number, store in enumerate(self.stores):
            mine = (columns == number).nonzero().flatten()
            if len(mine):
                out[mine] = store[rows[mine]]
        return out
