"""Embedding shards on disk: a folder of ``.npy`` files, or the ``chunk-*.safetensors`` of an embeddings store.

Shards are read lazily (``.npy`` memory-mapped, safetensors by slices), so a catalogue's vectors are never
all in memory at once: :meth:`Shards.sample` draws rows for training, :meth:`Shards.chunks` streams them.

A ``.npy`` shard holds a float (N, D) array; its ids are in ``<stem>.ids.json`` (a JSON list of N strings)
beside it, or, when no shard has such a file, are the row numbers over all shards in name order ("0", "1",
...). A safetensors chunk (``sbkit index build`` writes them to ``OUT/embeddings/``) carries its ids inside.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sbkit.errors import DataError, check

IDS_SUFFIX = ".ids.json"


def check_finite(vectors: np.ndarray, where: str, names: Any,
                 fix: str = "re-embed them with a working model, or leave those rows out") -> None:
    """Refuse vectors holding NaN or infinity, which an index would rank at random and JSON cannot carry.

    Args:
        vectors: (N, D) float rows.
        where: what holds them, for the message (``a.npy``, ``the embeddings of cat3``).
        names: row ``i`` -> how to name it (``row 7``, ``item 'a0'``).
        fix: what to do about it, for the message.

    Raises:
        DataError: naming the first bad row and how many there are.
    """
    finite = np.isfinite(vectors).all(axis=1)
    if finite.all():
        return
    bad = np.flatnonzero(~finite)
    raise DataError(f"{where}: {len(bad)} of {len(vectors)} vectors hold values that are not finite numbers "
                    f"(NaN or infinity), the first at {names(int(bad[0]))}; an index needs finite vectors: {fix}")


@dataclass(frozen=True)
class Shard:
    """One shard file: its path, row count and, when known from a side file or metadata, its ids."""

    path: Path
    rows: int
    dim: int
    ids: tuple[str, ...] | None

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Rows ``start:stop`` as a new float32 (n, D) array.

        Raises:
            DataError: a row holds NaN or infinity.
        """
        stop = self.rows if stop is None else stop
        if self.path.suffix == ".npy":
            block = np.array(np.load(self.path, mmap_mode="r")[start:stop], dtype=np.float32)
        else:
            from safetensors import safe_open

            with safe_open(str(self.path), framework="np") as handle:
                block = np.asarray(handle.get_slice("vectors")[start:stop], dtype=np.float32)
        check_finite(block, str(self.path), self._row_name(np.arange(start, start + len(block))))
        return block

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The given rows (sorted row numbers) as a float32 (n, D) array.

        Raises:
            DataError: a row holds NaN or infinity.
        """
        if self.path.suffix != ".npy":
            return self.read()[rows]
        block = np.asarray(np.load(self.path, mmap_mode="r")[rows], dtype=np.float32)
        check_finite(block, str(self.path), self._row_name(rows))
        return block

    def _row_name(self, rows: np.ndarray) -> Any:
        """Block row ``i`` -> ``row N`` of this shard, with its id when known."""
        def name(i: int) -> str:
            row = int(rows[i])
            return f"row {row}" + (f" (id {self.ids[row]!r})" if self.ids is not None else "")
        return name


def _npy_shard(path: Path) -> Shard:
    try:
        array = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} is not a readable .npy array ({str(exc).splitlines()[0]}); re-write the shard "
                        "with numpy.save") from None
    check(array.ndim == 2 and np.issubdtype(array.dtype, np.floating),
          f"{path} holds a {array.dtype} array of shape {array.shape}; a shard must be a float (N, D) array of "
          "embeddings", DataError)
    ids = None
    ids_path = path.with_name(path.name[:-len(".npy")] + IDS_SUFFIX)
    if ids_path.is_file():
        try:
            ids = json.loads(ids_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"{ids_path} is not valid JSON ({exc}); write a JSON list of id strings") from None
        check(isinstance(ids, list) and all(isinstance(i, str) for i in ids) and len(ids) == len(array),
              f"{ids_path} should be a JSON list of {len(array)} id strings, one per row of {path.name}; got "
              f"{len(ids) if isinstance(ids, list) else type(ids).__name__}", DataError)
        ids = tuple(ids)
    return Shard(path, int(array.shape[0]), int(array.shape[1]), ids)


def _safetensors_shard(path: Path) -> Shard:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="np") as handle:
            shape = handle.get_slice("vectors").get_shape()
            ids = json.loads((handle.metadata() or {}).get("ids", "null"))
    except (OSError, SafetensorError, ValueError, KeyError) as exc:
        raise DataError(f"{path} is not an sbkit embeddings chunk ({str(exc).splitlines()[0]}); embed again with "
                        "`sbkit index build`") from None
    check(len(shape) == 2 and isinstance(ids, list) and len(ids) == shape[0],
          f"{path}: its vectors {tuple(shape)} and ids disagree; embed again with `sbkit index build`", DataError)
    return Shard(path, int(shape[0]), int(shape[1]), tuple(str(i) for i in ids))


class Shards:
    """The shards of one folder, checked to share one dimension, in file-name order.

    Args:
        folder: a folder of ``*.npy`` shards, or of ``chunk-*.safetensors`` (an ``embeddings/`` folder, or an
            index folder holding one).

    Raises:
        DataError: the folder is missing or holds no shard, a shard is unreadable or not (N, D), shards differ
            in dimension, only some ``.npy`` shards have an ids file, or an id repeats.
    """

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        check(folder.is_dir(), f"shards folder {folder} does not exist; pass a folder of .npy shards or an "
              "embeddings/ folder written by `sbkit index build`", DataError)
        if not any(folder.glob("*.npy")) and not any(folder.glob("chunk-*.safetensors")) \
                and (folder / "embeddings").is_dir():
            folder = folder / "embeddings"
        npy = sorted(folder.glob("*.npy"))
        chunks = sorted(folder.glob("chunk-*.safetensors"))
        check(npy or chunks, f"{folder} holds no shards (*.npy or chunk-*.safetensors); pass the folder the "
              "embeddings were written to", DataError)
        check(not (npy and chunks), f"{folder} mixes .npy shards and safetensors chunks; keep one kind per folder",
              DataError)
        self.folder = folder
        self.shards = [_npy_shard(p) for p in npy] or [_safetensors_shard(p) for p in chunks]
        first = self.shards[0]
        other = next((s for s in self.shards if s.dim != first.dim), None)
        if other is not None:
            raise DataError(f"shards in {folder} differ in dimension: {first.path.name} is {first.dim}-d, "
                            f"{other.path.name} is {other.dim}-d; all shards must come from one model")
        self.dim = first.dim
        mixed = next((s for s in self.shards if (s.ids is None) != (first.ids is None)), None)
        if mixed is not None:
            has, lacks = (first, mixed) if first.ids is not None else (mixed, first)
            raise DataError(f"in {folder}, only some shards have an ids file ({has.path.name} does, "
                            f"{lacks.path.name} does not); give every shard <stem>{IDS_SUFFIX}, or none")
        self.count = sum(s.rows for s in self.shards)
        check(self.count > 0, f"the shards in {folder} hold no rows", DataError)

    def ids(self) -> list[str]:
        """Every id, in row order; checked to be unique."""
        if self.shards[0].ids is None:
            return [str(i) for i in range(self.count)]
        ids = [i for shard in self.shards for i in shard.ids]  # type: ignore[union-attr]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            repeated = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise DataError(f"id {repeated!r} appears more than once in the shards of {self.folder}; ids must be "
                            "unique across shards")
        return ids

    def chunks(self, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, float32 block of at most ``rows`` rows) over all shards in order; one block in memory."""
        offset = 0
        for shard in self.shards:
            for start in range(0, shard.rows, rows):
                block = shard.read(start, min(start + rows, shard.rows))
                yield offset + start, block
            offset += shard.rows

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``min(n, count)`` rows drawn uniformly without replacement over all shards, float32 (n, D)."""
        rng = np.random.default_rng(seed)
        n = min(n, self.count)
        picked = np.sort(rng.choice(self.count, n, replace=False))
        parts, offset = [], 0
        for shard in self.shards:
            lo, hi = np.searchsorted(picked, [offset, offset + shard.rows])
            if hi > lo:
                parts.append(shard.take(picked[lo:hi] - offset))
            offset += shard.rows
        return np.concatenate(parts)
