"""``sbkit run`` for encoders with frozen pretrained towers: featurise every picture once, then train the heads.

Training sketches get ``sketch_variants`` stored variants (the sketch itself, then human-style augmentations
of it) and captions ``caption_variants`` people-like variants, all featurised up front and cached on disk
(:class:`sbkit.training.features.FeatureStore`), so an epoch costs little more than the heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sbkit.components import Encoder
from sbkit.pipeline.prepare import SplitTensors
from sbkit.sketch.augment import augment_sketches
from sbkit.training.features import FeatureStore, FeatureTrainData, SplitFeatures, TextLookup


@dataclass
class Featurised:
    """Every split as features, the text lookup the heads train with, and how many pictures were computed."""

    train: FeatureTrainData
    val: SplitFeatures | None
    test: SplitFeatures
    lookup: TextLookup
    computed: int


def sketch_variants(sketches: torch.Tensor, count: int, strength: float, seed: int) -> list[torch.Tensor]:
    """The sketches themselves, then ``count - 1`` augmented copies, each from its own seeded generator."""
    variants = [sketches]
    for number in range(1, count):
        generator = torch.Generator().manual_seed(seed * 7919 + number)
        variants.append(augment_sketches(sketches, strength, generator) if strength > 0 else sketches)
    return variants


def split_features(encoder: Encoder, split: SplitTensors, store: FeatureStore, name: str) -> SplitFeatures:
    """Photos, sketchifier sketches and drawn sketches of one split as features."""
    drawn = store.pictures(encoder, split.drawn, f"features {name} drawn") if split.drawn is not None else None
    return SplitFeatures(items=split.items, images=store.pictures(encoder, split.images, f"features {name} photos"),
                         sketches=store.pictures(encoder, split.sketches, f"features {name} sketches"),
                         drawn=drawn, has_drawn=split.has_drawn, captions=split.captions, labels=split.labels)


def featurise(encoder: Encoder, splits: dict[str, SplitTensors], caption_variants: list[list[str]],
              variants: int, augment: float, seed: int) -> Featurised:
    """Features of every split, and the training data over them (see the module docstring)."""
    store = FeatureStore(encoder.feature_fingerprint())
    train = splits["train"]
    images = store.pictures(encoder, train.images, "features train photos")
    sketches = torch.stack([store.pictures(encoder, s, f"features train sketches {n + 1}/{variants}")
                            for n, s in enumerate(sketch_variants(train.sketches, variants, augment, seed))], dim=1)
    evaluated = {name: split_features(encoder, split, store, name) for name, split in splits.items()
                 if name != "train"}
    texts = sorted({c for captions in caption_variants for c in captions}
                   | {c for split in evaluated.values() for c in split.captions})
    lookup = TextLookup(texts, store.texts(encoder, texts, "features captions"))
    data = FeatureTrainData(images=images, sketches=sketches, captions=caption_variants, labels=train.labels,
                            seed=seed)
    return Featurised(data, evaluated.get("val"), evaluated["test"], lookup, store.computed)
