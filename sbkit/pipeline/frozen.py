"""``sbkit run`` for encoders with frozen pretrained towers: featurise every picture once, then train the heads.

Training sketches get ``sketch_variants`` stored variants (the sketch itself, then human-style augmentations
of it) and captions ``caption_variants`` people-like variants, all featurised up front and cached on disk
(:class:`sbkit.training.features.FeatureStore`), so an epoch costs little more than the heads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from sbkit.components import Encoder
from sbkit.data.drawings import Drawings
from sbkit.data.rows import DiskRows, StackedRows
from sbkit.pipeline.prepare import SplitTensors
from sbkit.sketch.augment import augment_sketches
from sbkit.progress import console
from sbkit.training.features import FeatureStore, FeatureTrainData, SplitFeatures, TextLookup


@dataclass
class Featurised:
    """Every split as features, the text lookup the heads train with, and how many pictures were computed."""

    train: FeatureTrainData
    val: SplitFeatures | None
    test: SplitFeatures | None
    lookup: TextLookup
    computed: int


def variant_transform(number: int, strength: float, seed: int, drawings: Drawings | None = None,
                      mirror: float = 0.0, drawing: int = 0) -> Callable[[torch.Tensor], torch.Tensor]:
    """Sketch variant ``number``'s augmentation, batch after batch from one seeded generator: applied to the
    batches of a split in order it gives the same sketches as applied to the whole split at once.

    With ``drawings``, an item that has one is augmented from its drawing number ``drawing`` instead (counted
    round its own drawings). ``mirror`` is the chance that a sketch is also flipped left-right.
    """
    generator = torch.Generator().manual_seed(seed * 7919 + number)
    start = 0

    def transform(batch: torch.Tensor) -> torch.Tensor:
        nonlocal start
        if drawings is not None:
            where = torch.arange(start, start + len(batch))
            start += len(batch)
            batch = drawings.swap_in(batch, where, drawings.has[where], torch.full_like(where, drawing))
        return augment_sketches(batch, strength, generator, mirror) if strength > 0 else batch

    return transform


def variant_name(number: int, strength: float, seed: int, drawings: str = "", mirror: float = 0.0) -> str:
    """Sketch variant ``number``'s name in the feature cache key (variant 0, the sketch itself, has none);
    ``drawings`` is the :meth:`~sbkit.data.drawings.Drawings.key` of the drawings the variant is made from, if
    any (which of an item's drawings follows from ``number``)."""
    if not number:
        return ""
    return (f"augment {strength} seed {seed} number {number}" + (f" drawings {drawings}" if drawings else "")
            + (f" mirror {mirror}" if mirror > 0 and strength > 0 else ""))


def split_features(encoder: Encoder, split: SplitTensors, store: FeatureStore, name: str,
                   workers: int = 0, drawings: bool = True) -> SplitFeatures:
    """Photos, sketchifier sketches and every drawing of one split as features; ``drawings=False`` leaves the
    drawings out, as though the split had none."""
    def of(pictures, what: str):
        return store.pictures(encoder, pictures, f"features {name} {what}", workers=workers)

    drawn = of(split.drawn, "drawn") if drawings and split.drawn is not None else None
    more = of(split.more_drawn, "more drawn") if drawn is not None and split.more_drawn is not None else None
    has_drawn = split.has_drawn if drawn is not None else torch.zeros_like(split.has_drawn)
    return SplitFeatures(items=split.items, images=of(split.images, "photos"), sketches=of(split.sketches, "sketches"),
                         drawn=drawn, has_drawn=has_drawn, captions=split.captions, labels=split.labels,
                         more_drawn=more, drawn_count=split.drawn_count if drawn is not None else None)


def featurise(encoder: Encoder, splits: dict[str, SplitTensors], caption_variants: list[list[str]],
              variants: int, augment: float, seed: int, workers: int = 0, train_drawings: bool = True,
              mirror: float = 0.0) -> Featurised:
    """Features of every split, and the training data over them (see the module docstring).

    With ``train_drawings``, training items that have drawings take them in every other stored variant from
    the second on, augmented like the sketchifier sketches: variant 1 the first drawing, variant 3 the second,
    and so on round the item's own drawings. Augmented variants are flipped left-right with chance ``mirror``.

    Splits on disk are featurised a batch at a time and their features streamed to disk, so memory does not
    grow with the catalogue; splits in memory give features in memory.
    """
    store = FeatureStore(encoder.feature_fingerprint())
    train = splits["train"]
    on_disk = isinstance(train.images, DiskRows)
    images = store.pictures(encoder, train.images, "features train photos", workers=workers)
    drawings = train.drawings() if train_drawings else None
    key = drawings.key() if drawings is not None else ""
    if drawings is not None and drawings.most > variants // 2:
        console.print(f"[dim]training items have up to {drawings.most} drawings; --sketch-variants {variants} "
                      f"stores {variants // 2} of each item's; --sketch-variants {2 * drawings.most + 1} stores "
                      f"them all[/dim]")

    def of_variant(n: int) -> Drawings | None:
        return drawings if n % 2 else None

    stores = [store.pictures(encoder, train.sketches, f"features train sketches {n + 1}/{variants}",
                             transform=variant_transform(n, augment, seed, of_variant(n), mirror, (n - 1) // 2)
                             if n else None,
                             variant=variant_name(n, augment, seed, key if of_variant(n) else "", mirror),
                             workers=workers)
              for n in range(variants)]
    sketches = StackedRows(stores) if on_disk else torch.stack(stores, dim=1)
    # the validation check after each epoch ranks sketchifier sketches alone, so its drawings are not featurised
    evaluated = {name: split_features(encoder, split, store, name, workers, drawings=name != "val")
                 for name, split in splits.items() if name != "train"}
    texts = sorted({c for captions in caption_variants for c in captions}
                   | {c for split in evaluated.values() for c in split.captions})
    lookup = TextLookup(texts, store.texts(encoder, texts, "features captions", on_disk=on_disk))
    data = FeatureTrainData(images=images, sketches=sketches, captions=caption_variants, labels=train.labels,
                            seed=seed)
    return Featurised(data, evaluated.get("val"), evaluated.get("test"), lookup, store.computed)
