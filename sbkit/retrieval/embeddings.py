"""Resumable gallery embedding: vectors go to chunk files as they finish, and a rerun skips what is done.

``INDEX_DIR/embeddings/`` holds ``store.json`` (the model hash, dim and image size every chunk was made
with) and ``chunk-00000.safetensors``, ``chunk-00001.safetensors``, ...: each a ``vectors`` tensor (N, D)
float32 with its N item ids (JSON) and the vectors' SHA-256 in the file's metadata. Chunks are written
atomically, so a killed job leaves whole chunks only; a chunk whose vectors no longer match their hash is
deleted, never trusted; the next run embeds exactly the items that no readable chunk holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from sbkit.data.catalogue import CatalogueItem, Skipped
from sbkit.data.skip_reasons import reason_of
from sbkit.errors import DataError, check
from sbkit.io import atomic_write, atomic_write_json
from sbkit.progress import progress_bar
from sbkit.retrieval.gallery import gallery_photo

STORE_DIR = "embeddings"
STORE_FILE = "store.json"
_CHUNK = re.compile(r"^chunk-(\d{5,})\.safetensors$")


@dataclass
class EmbedSummary:
    """What one embedding pass did."""

    embedded: int = 0  # items embedded now
    resumed: int = 0  # items found in chunks written earlier
    skipped: list[Skipped] = field(default_factory=list)  # items whose photo could not be read
    seconds: float = 0.0

    @property
    def images_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


class EmbeddingStore:
    """The chunk files of one index folder, all made by one model.

    Args:
        index_dir: the index folder; chunks live in its ``embeddings/`` subfolder.
        model_hash: SHA-256 of the model's weights.
        dim: the model's vector size.
        image_size: side of the square photos the model embeds.

    Raises:
        DataError: the folder already holds chunks of another model or image size.
    """

    def __init__(self, index_dir: Path, model_hash: str, dim: int, image_size: int) -> None:
        self.folder = Path(index_dir) / STORE_DIR
        self.identity = {"model_hash": model_hash, "dim": int(dim), "image_size": int(image_size)}
        self.folder.mkdir(parents=True, exist_ok=True)
        self._next: int | None = None
        self._check_identity()
        for leftover in self.folder.glob(".chunk-*"):  # temporary files of a write that was killed
            leftover.unlink(missing_ok=True)

    def _check_identity(self) -> None:
        path = self.folder / STORE_FILE
        if not path.is_file():
            atomic_write_json(path, self.identity)
            return
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            found = None
        check(found == self.identity,
              f"{self.folder} holds embeddings made with another model or image size ({path}: {found}, this run: "
              f"{self.identity}); pass another --out folder, or delete {self.folder} to start over", DataError)

    def chunks(self) -> list[Path]:
        """Chunk files in number order."""
        found = [(int(m.group(1)), p) for p in self.folder.iterdir() if (m := _CHUNK.match(p.name))]
        return [path for _, path in sorted(found)]

    def read_ids(self, chunk: Path) -> list[str] | None:
        """The ids a chunk holds, or None (and the chunk is removed) when it cannot be read or its vectors no
        longer match the SHA-256 written with them (a flipped byte)."""
        try:
            with safe_open(str(chunk), framework="pt") as handle:
                metadata = handle.metadata() or {}
                ids = json.loads(metadata.get("ids", "null"))
                vectors = handle.get_tensor("vectors")
            rows = vectors.shape[0] if metadata.get("sha256") == _digest(vectors) else -1
        except (OSError, SafetensorError, ValueError, KeyError, RuntimeError):
            ids, rows = None, -1
        if not isinstance(ids, list) or len(ids) != rows:
            chunk.unlink(missing_ok=True)  # a damaged chunk is embedded again, never trusted
            return None
        return [str(i) for i in ids]

    def done_ids(self) -> set[str]:
        """Every id some readable chunk holds."""
        done: set[str] = set()
        for chunk in self.chunks():
            done.update(self.read_ids(chunk) or [])
        return done

    def write_chunk(self, ids: list[str], vectors: torch.Tensor) -> Path:
        """Write one chunk atomically, numbered after the last one."""
        if self._next is None:
            chunks = self.chunks()
            self._next = int(_CHUNK.match(chunks[-1].name).group(1)) + 1 if chunks else 0  # type: ignore[union-attr]
        path = self.folder / f"chunk-{self._next:05d}.safetensors"
        self._next += 1
        tensor = vectors.detach().float().cpu().contiguous()
        metadata = {"ids": json.dumps(ids), "model_hash": self.identity["model_hash"], "sha256": _digest(tensor)}
        return atomic_write(path, lambda tmp: save_file({"vectors": tensor}, str(tmp), metadata=metadata))

    def collect(self, wanted: list[str]) -> tuple[list[str], torch.Tensor]:
        """The ids of ``wanted`` that chunks hold and their vectors (N, D), in chunk order, each id once."""
        wanted_set = set(wanted)
        ids: list[str] = []
        parts: list[torch.Tensor] = []
        for chunk in self.chunks():
            chunk_ids = self.read_ids(chunk)
            if not chunk_ids:
                continue
            rows = [row for row, i in enumerate(chunk_ids) if i in wanted_set]
            if not rows:
                continue
            with safe_open(str(chunk), framework="pt") as handle:
                vectors = handle.get_tensor("vectors")
            parts.append(vectors[rows])
            for row in rows:
                ids.append(chunk_ids[row])
                wanted_set.discard(chunk_ids[row])
        dim = self.identity["dim"]
        return ids, torch.cat(parts) if parts else torch.empty(0, dim)


def _digest(vectors: torch.Tensor) -> str:
    """SHA-256 of a chunk's float32 vectors, stored in its metadata so a damaged chunk is noticed."""
    return hashlib.sha256(vectors.float().contiguous().numpy().tobytes()).hexdigest()


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def embed_items(model, items: list[CatalogueItem], store: EmbeddingStore, image_size: int, batch_size: int = 256,
                chunk_size: int = 1024, workers: int | None = None, description: str = "embed") -> EmbedSummary:
    """Embed the photos of ``items`` that no chunk holds yet, writing a chunk every ``chunk_size`` items.

    Photos are read by ``workers`` threads (default: up to 4) while the model embeds the previous ones.
    Unreadable photos are skipped and reported; they are tried again on the next run.
    """
    check(batch_size >= 1 and chunk_size >= 1, f"batch size ({batch_size}) and chunk size ({chunk_size}) must be "
          "at least 1", DataError)
    start = time.perf_counter()
    done = store.done_ids()
    todo = [item for item in items if item.id not in done]
    summary = EmbedSummary(resumed=len(items) - len(todo))
    workers = workers or min(4, os.cpu_count() or 1)

    def load(item: CatalogueItem) -> np.ndarray | DataError:
        try:
            return gallery_photo(item.image, image_size)
        except DataError as exc:
            return exc

    model.eval()
    with ThreadPoolExecutor(workers) as pool, progress_bar(description, len(todo)) as advance:
        for chunk_items in _batches(todo, chunk_size):
            ids: list[str] = []
            parts: list[torch.Tensor] = []
            photos = pool.map(load, chunk_items)
            for batch in _batches(chunk_items, batch_size):
                kept, arrays = [], []
                for item in batch:
                    photo = next(photos)
                    if isinstance(photo, DataError):
                        summary.skipped.append(Skipped(item.id, str(photo), reason_of(photo)))
                    else:
                        kept.append(item.id)
                        arrays.append(photo)
                if arrays:
                    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
                    with torch.no_grad():
                        parts.append(model.embed_images(images).float().cpu())
                    ids.extend(kept)
                advance(len(batch))
            if ids:
                store.write_chunk(ids, torch.cat(parts))
                summary.embedded += len(ids)
    summary.seconds = time.perf_counter() - start
    return summary
