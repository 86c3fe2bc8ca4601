"""Training on cached features of frozen pretrained towers (LiT): each picture goes through a tower once, the
heads train on its features many times.

An encoder whose towers are frozen says so with ``frozen_features = True`` and offers:

- ``vision_features(images)``: (B, 3, H, W) in [0, 1] -> (B, F) features of the frozen vision tower;
- ``text_features(texts)``: B captions -> (B, T) features of the frozen text tower;
- ``image_head``, ``sketch_features_head``, ``text_head``: modules mapping those features to its vectors;
- ``feature_fingerprint()``: a string that changes whenever the features would;
- optionally ``feature_mix``: a module (or None) whose ``vision(vectors, features, kind)`` and ``text(vectors)``
  finish the heads' vectors, and whose ``fit(photo_features, sketch_features)`` is called with the training
  features before training (:func:`fit_feature_mix`; ``lite-minilm``'s ``raw_mix``).

Features of photos, of a fixed number of augmented variants per training sketch, and of a fixed number
of caption variants per item are computed once and kept on disk, keyed by the fingerprint and the
content, so an epoch costs little more than the heads and a second run with the same data costs nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from sbkit.components import Encoder
from sbkit.data.tensors import SplitTensors
from sbkit.data.rows import DiskRows, Rows, StackedRows, rows_key, take, whole
from sbkit.data.workers import loader_options
from sbkit.errors import DataError, ShapeError, check
from sbkit.io import atomic_write, cache_folder, mark_used
from sbkit.progress import track
from sbkit.training.data import Batch, pick_captions, pick_variants, text_positives, to_device

FEATURE_BATCH = 64
MIX_FIT_ROWS = 20_000  # raw_mix fits on an even sample: means and directions settle long before this


def uses_frozen_features(encoder: Encoder) -> bool:
    """True when ``encoder`` trains heads on the features of frozen towers (see the module docstring)."""
    return bool(getattr(encoder, "frozen_features", False))


def fit_feature_mix(encoder: Encoder, data: FeatureTrainData) -> None:
    """Fit the encoder's ``feature_mix`` (if any) on the training photos and unaugmented training sketches."""
    mix = getattr(encoder, "feature_mix", None)
    if mix is not None:
        sketches = data.sketches[:, 0] if torch.is_tensor(data.sketches) else data.sketches.variant(0)
        mix.fit(_spread_sample(data.images), _spread_sample(sketches))


def _spread_sample(rows: Rows, count: int = MIX_FIT_ROWS) -> torch.Tensor:
    """At most ``count`` rows spread evenly over ``rows``, in memory (features on disk stay on disk)."""
    picked = torch.linspace(0, len(rows) - 1, min(len(rows), count)).round().long()
    return rows[picked] if torch.is_tensor(rows) else whole(take(rows, picked))


class FeatureStore:
    """Features on disk under ``root``, one ``.npy`` file per (encoder fingerprint, content) pair."""

    def __init__(self, fingerprint: str, root: Path | None = None) -> None:
        self.fingerprint = fingerprint
        self.root = Path(root) if root is not None else cache_folder("features")
        self.computed = 0  # pictures run through the tower by this store (0 when everything was cached)

    def _path(self, kind: str, content: bytes) -> Path:
        digest = hashlib.sha256(self.fingerprint.encode() + b"\0" + kind.encode() + b"\0" + content)
        return self.root / f"{kind}-{digest.hexdigest()[:32]}.npy"

    def get(self, kind: str, content: bytes, count: int, compute: Callable[[slice], torch.Tensor],
            description: str, on_disk: bool = False) -> Rows:
        """The cached (count, F) features for ``content``, else ``compute(rows)`` over batches, then saved.

        With ``on_disk`` the batches stream into the cache file as they come and the features are returned as
        :class:`~sbkit.data.rows.DiskRows` read from it, so they never all sit in memory.
        """
        path = self._path(kind, content)
        if path.is_file():
            try:
                cached = DiskRows.from_npy(path)
                if len(cached) == count and cached.ndim == 2:
                    mark_used(path)
                    return cached if on_disk else torch.from_numpy(np.load(path))
            except (OSError, ValueError, DataError):
                pass  # a damaged cache file is recomputed, never trusted
        path.parent.mkdir(parents=True, exist_ok=True)
        batches = (compute(slice(start, start + FEATURE_BATCH)).float().cpu()
                   for start in range(0, count, FEATURE_BATCH))
        if on_disk:
            atomic_write(path, lambda tmp: _stream_npy(tmp, count, track(batches, description,
                                                                          total=-(-count // FEATURE_BATCH))))
            self.computed += count
            return DiskRows.from_npy(path)
        with torch.no_grad():
            parts = list(track(batches, description, total=-(-count // FEATURE_BATCH)))
        features = torch.cat(parts) if parts else torch.zeros(0, 0)
        self.computed += count
        atomic_write(path, lambda tmp: _save_npy(tmp, features.numpy()))
        return features

    def pictures(self, encoder: Encoder, pictures: Rows, description: str,
                 transform: Callable[[torch.Tensor], torch.Tensor] | None = None, variant: str = "",
                 workers: int = 0) -> Rows:
        """(N, F) vision features of uint8 pictures (N, 1 or 3, S, S); sketches are given three channels.

        ``transform`` is applied to each batch of pictures, in order, before the tower (e.g. a seeded sketch
        augmentation); ``variant`` names it in the cache key. Pictures on disk give features on disk, read in
        ``workers`` DataLoader processes.
        """
        check(pictures.dtype == torch.uint8 and pictures.ndim == 4 and pictures.shape[1] in (1, 3),
              f"pictures must be uint8 (N, 1 or 3, S, S), got {pictures.dtype} {tuple(pictures.shape)}", ShapeError)
        device = encoder.device
        on_disk = isinstance(pictures, DiskRows)
        content = rows_key(pictures) + (f"\0variant:{variant}".encode() if variant else b"")
        batches = iter(picture_batches(pictures, FEATURE_BATCH, workers if on_disk else 0))

        def compute(rows: slice) -> torch.Tensor:
            batch = next(batches)  # the rows come in order, one batch per call
            if transform is not None:
                batch = transform(batch)
            with torch.no_grad():
                return encoder.vision_features(batch.to(device).float().div_(255).expand(-1, 3, -1, -1))

        return self.get("vision", content, len(pictures), compute, description, on_disk)

    def texts(self, encoder: Encoder, texts: list[str], description: str, on_disk: bool = False) -> Rows:
        """(N, T) text features of ``texts`` (on disk with ``on_disk``)."""
        content = "\0".join(texts).encode("utf-8", "surrogatepass")

        def compute(rows: slice) -> torch.Tensor:
            with torch.no_grad():
                return encoder.text_features(texts[rows])

        return self.get("text", content, len(texts), compute, description, on_disk)


class _Batches(torch.utils.data.Dataset):
    """Batch ``i`` of some picture rows, for a DataLoader to read ahead in worker processes."""

    def __init__(self, pictures: Rows, size: int) -> None:
        self.pictures, self.size = pictures, size

    def __len__(self) -> int:
        return -(-len(self.pictures) // self.size)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.pictures[i * self.size:(i + 1) * self.size]


def picture_batches(pictures: Rows, size: int, workers: int = 0) -> torch.utils.data.DataLoader:
    """Consecutive batches of ``size`` rows, in order, read by ``workers`` processes (0: this one)."""
    return torch.utils.data.DataLoader(_Batches(pictures, size), batch_size=None, **loader_options(workers))


def _stream_npy(path: Path, count: int, batches) -> None:
    """Write (count, F) float32 rows to a ``.npy`` file batch by batch."""
    with path.open("wb") as handle:
        written = 0
        for batch in batches:
            array = np.ascontiguousarray(batch.numpy(), dtype=np.float32)
            if written == 0:
                np.lib.format.write_array_header_1_0(handle, {"descr": np.lib.format.dtype_to_descr(array.dtype),
                                                              "fortran_order": False,
                                                              "shape": (count, *array.shape[1:])})
            handle.write(array.tobytes())
            written += len(array)
        check(written == count, f"features: {written} rows computed for {count} inputs", ShapeError)
        if count == 0:
            np.lib.format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False, "shape": (0, 0)})


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as handle:
        np.save(handle, array)


@dataclass
class SplitFeatures(SplitTensors):
    """One split as features: a :class:`~sbkit.data.tensors.SplitTensors` whose ``images``, ``sketches``,
    ``drawn`` and ``more_drawn`` are (N, F) float features, so evaluation runs on either."""


class TextLookup:
    """Caption -> text feature row, for captions whose features were computed up front (in memory or on disk);
    captions added later are kept in memory."""

    def __init__(self, texts: list[str], features: Rows) -> None:
        check(len(texts) == len(features), f"{len(texts)} texts but {len(features)} feature rows", ShapeError)
        self.rows = {text: i for i, text in enumerate(texts)}
        self.features = features
        self.added = torch.zeros(0, features.shape[1] if features.ndim == 2 else 0)

    def add(self, texts: list[str], features: torch.Tensor) -> None:
        """Remember the rows of ``features`` for the texts not known yet (the first row of each)."""
        first: dict[str, int] = {}
        for row, text in enumerate(texts):
            if text not in self.rows:
                first.setdefault(text, row)
        self.rows.update({text: len(self.rows) + n for n, text in enumerate(first)})
        fresh = features[list(first.values())].float()
        self.added = fresh if len(self.added) == 0 else torch.cat([self.added, fresh])

    def __call__(self, texts: list[str]) -> torch.Tensor | None:
        rows = [self.rows.get(t) for t in texts]
        if any(r is None for r in rows):
            return None
        stored = len(self.features)
        if all(r < stored for r in rows):
            return self.features[rows]
        out = torch.empty(len(rows), self.added.shape[1])
        early = [i for i, r in enumerate(rows) if r < stored]
        late = [i for i, r in enumerate(rows) if r >= stored]
        if early:
            out[early] = self.features[[rows[i] for i in early]].float()
        out[late] = self.added[[rows[i] - stored for i in late]]
        return out


class FeatureHeads(Encoder):
    """The trainable heads of a frozen-feature encoder, taking features instead of pictures and captions.

    It holds the same head modules as ``encoder``, so training it trains ``encoder``; its state holds only
    the heads, so checkpoints stay small. Captions are looked up in ``lookup``; any caption not there goes
    through the frozen text tower.
    """

    name = "feature-heads"
    description = "Heads of a frozen-feature encoder over cached features (used in training, not registered)."

    def __init__(self, encoder: Encoder, lookup: TextLookup) -> None:
        super().__init__()
        check(uses_frozen_features(encoder), f"encoder {encoder.name!r} does not train on frozen features",
              DataError)
        self.image_head, self.text_head = encoder.image_head, encoder.text_head
        self.sketch_head = encoder.sketch_features_head
        self.embed_dim, self.text_dim = encoder.embed_dim, encoder.text_dim
        self.feature_mix = getattr(encoder, "feature_mix", None)
        self.lookup = lookup
        self._text_features = encoder.text_features

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        features = self._features(images, "image")
        return self._mix(self.image_head(features), features, "image")

    def encode_sketch(self, sketches: torch.Tensor) -> torch.Tensor:
        features = self._features(sketches, "sketch")
        return self._mix(self.sketch_head(features), features, "sketch")

    def _mix(self, vectors: torch.Tensor, features: torch.Tensor, kind: str) -> torch.Tensor:
        return vectors if self.feature_mix is None else self.feature_mix.vision(vectors, features, kind)

    def _features(self, features: torch.Tensor, what: str) -> torch.Tensor:
        check(features.ndim == 2, f"feature heads take (B, F) {what} features, got {tuple(features.shape)}",
              ShapeError)
        return features.float()

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        found = self.lookup(texts)
        if found is None:
            with torch.no_grad():
                found = self._text_features(texts).float().cpu()
            self.lookup.add(texts, found)
        vectors = self.text_head(found.to(self.device))
        return vectors if self.feature_mix is None else self.feature_mix.text(vectors)


@dataclass
class FeatureTrainData:
    """Training data as features: photos (N, F), V sketch variants (N, V, F), K caption variants per item.

    ``batch`` takes one sketch variant and one caption variant per row, drawn from the batch's own rows
    (:func:`sbkit.training.data.pick_variants`), so a resumed run draws the same ones. With ``descriptions``
    (one per item, :func:`sbkit.training.captions.item_description`) a text-only query's positives are also the
    batch's items whose description holds every word of its caption.
    """

    images: Rows  # (N, F)
    sketches: Rows | StackedRows  # (N, V, F)
    captions: list[list[str]]
    labels: torch.Tensor
    seed: int = 0
    descriptions: list[str] | None = None
    sketch_transform: ClassVar[None] = None  # variants are stored, not drawn per batch

    def __post_init__(self) -> None:
        n = len(self.images)
        check(self.images.ndim == 2 and self.sketches.ndim == 3 and len(self.sketches) == n,
              f"feature train data needs images (N, F) and sketches (N, V, F), got {tuple(self.images.shape)} and "
              f"{tuple(self.sketches.shape)}", ShapeError)
        check(len(self.captions) == n and all(self.captions), f"need caption variants for each of the {n} items",
              ShapeError)
        check(self.descriptions is None or len(self.descriptions) == n,
              f"need a description for each of the {n} items, got {len(self.descriptions or [])}", ShapeError)
        check(n >= 2, f"training needs at least 2 items, got {n}", DataError)
        self.labels = self.labels.long()

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, rows: torch.Tensor, device: torch.device, piece: tuple[int, int] | None = None) -> Batch:
        return self.finish(self.read(rows, piece), device)

    def read(self, rows: torch.Tensor, piece: tuple[int, int] | None = None) -> Batch:
        """This rank's piece of the batch at ``rows``, on the CPU (a DataLoader worker may read it)."""
        start, stop = piece if piece is not None else (0, len(rows))
        sketch_pick = pick_variants(rows, self.sketches.shape[1], self.seed, "sketch")
        mine = rows[start:stop]
        texts = pick_captions(self.captions, rows, self.seed)
        return Batch(images=self.images[mine], sketches=self.sketches[mine, sketch_pick[start:stop]],
                     texts=texts[start:stop], labels=self.labels[rows],
                     text_positives=text_positives(texts, self.descriptions, rows))

    def finish(self, read: Batch, device: torch.device) -> Batch:
        return Batch(images=read.images.to(device), sketches=read.sketches.to(device), texts=read.texts,
                     labels=read.labels.to(device), text_positives=to_device(read.text_positives, device))
