"""The training stage of ``sbkit run``: on pictures, or on cached features when the encoder's towers are frozen."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from sbkit.components import Encoder, Loss
from sbkit.config import RunConfig
from sbkit.data.catalogue import CatalogueItem
from sbkit.data.rows import StackedRows, row_mean, take
from sbkit.pipeline.checks import caption_length_curve, untrained_metrics
from sbkit.pipeline.evaluate import evaluate_split, has_captions
from sbkit.pipeline.frozen import Featurised, featurise
from sbkit.pipeline.prepare import SplitTensors
from sbkit.retrieval.run_folder import TrainingWords
from sbkit.sketch.augment import SketchAugment
from sbkit.training import RetrievalModel, TrainData, TrainOptions, build_model, fit
from sbkit.training.captions import CaptionAugment, item_description
from sbkit.training.features import (FeatureHeads, FeatureTrainData, SplitFeatures, fit_feature_mix,
                                    uses_frozen_features)

Split = SplitTensors | SplitFeatures


@dataclass
class Trainee:
    """What trains and what evaluation runs on: ``model`` over ``val`` and ``test`` (pictures or features)."""

    model: RetrievalModel
    data: Any  # TrainData or FeatureTrainData
    val: Split | None
    test: Split | None  # None when only training (``sbkit train``)
    features: Featurised | None = None
    words: TrainingWords | None = None  # the captions and categories its text side trains on


def caption_variants(items: list[CatalogueItem], config: RunConfig) -> list[list[str]]:
    """``config.caption_variants`` captions per item: the caption, then people-like short forms."""
    augment = CaptionAugment(config.caption_augment, seed=config.seed)
    count = config.caption_variants if config.caption_augment > 0 else 1
    return [augment.variants(item.caption, item.category, item.attributes, count) for item in items]


def make_trainee(config: RunConfig, encoder: Encoder, model: RetrievalModel, splits: dict[str, SplitTensors],
                 leave_out: frozenset[str] = frozenset(), features: Featurised | None = None) -> Trainee:
    """The trainee for ``model``; with a frozen-feature encoder every split is featurised first (cached).

    Train items whose category is in ``leave_out`` are left out of training (the held-out check).
    ``features`` reuses splits already featurised by an encoder with the same frozen towers.
    """
    train = splits["train"]
    captions = caption_variants(train.items, config)
    rows: torch.Tensor | slice = slice(None)
    if leave_out:
        rows = torch.tensor([i for i, item in enumerate(train.items) if item.category not in leave_out])
    kept_captions = captions if isinstance(rows, slice) else [captions[i] for i in rows.tolist()]
    kept_items = train.items if isinstance(rows, slice) else [train.items[i] for i in rows.tolist()]
    words = TrainingWords.count((caption for variants in kept_captions for caption in variants),
                                (item.category for item in kept_items))
    descriptions = ([item_description(item.caption, item.category, item.attributes) for item in kept_items]
                    if config.caption_positives else None)
    if uses_frozen_features(encoder):
        features = features or featurise(encoder, splits, captions, config.sketch_variants, config.augment,
                                         config.seed,  # rows are read in this process: the tower is the cost
                                         train_drawings=config.train_drawings, mirror=config.mirror)
        whole = features.train
        data = FeatureTrainData(take(whole.images, rows), take(whole.sketches, rows), kept_captions,
                                whole.labels[rows], whole.seed, descriptions=descriptions)
        fit_feature_mix(encoder, data)
        heads = RetrievalModel(FeatureHeads(encoder, features.lookup), model.fuser)
        return Trainee(heads, data, features.val, features.test, features, words)
    transform = SketchAugment(config.augment, seed=config.seed, mirror=config.mirror) if config.augment > 0 else None
    drawings = train.drawings() if config.train_drawings else None
    data = TrainData(images=take(train.images, rows), sketches=take(train.sketches, rows),
                     captions=[c[0] for c in kept_captions], labels=train.labels[rows], sketch_transform=transform,
                     caption_variants=kept_captions, seed=config.seed,
                     drawings=None if drawings is None else drawings.take(rows), descriptions=descriptions)
    return Trainee(model, data, splits.get("val"), splits.get("test"), words=words)


def train(trainee: Trainee, loss: Loss, options: TrainOptions, device: torch.device, out_dir: Path | None,
          resume: bool = False) -> list[dict[str, Any]]:
    """Fit ``trainee.model``, checking sketch+text R@10 on the validation split after each epoch (sketch-only
    R@10 where the validation items have no captions)."""
    model, validation = trainee.model, trainee.val

    def on_epoch_end(epoch: int, row: dict) -> dict:
        mode = "sketch+text" if has_captions(validation) else "sketch"
        metrics = evaluate_split(model, validation, 256, device, modes=(mode,), drawn=False, ci=False)
        model.train()
        return {"val_R@10": metrics[mode]["synthetic"]["R@10"]}

    callback: Callable | None = on_epoch_end if validation is not None else None
    if trainee.features is not None:
        # Heads on cached features are a few matrix products: bf16 autocast costs more in casts than it saves.
        options = dataclasses.replace(options, amp="off")
    return fit(model, loss, trainee.data, options, out_dir=out_dir, on_epoch_end=callback, resume=resume,
               restore_best=options.early_stopping > 0)


def untrained(trainee: Trainee, queries_from: torch.Tensor | None = None) -> dict[str, Any]:
    """The untrained-features baseline on the trainee's test split, centred on its training data's means."""
    data = trainee.features.train
    first = data.sketches.variant(0) if isinstance(data.sketches, StackedRows) else data.sketches[:, 0]
    return untrained_metrics(trainee.test, row_mean(data.images), row_mean(first), queries_from)


def evaluation_extras(trainee: Trainee, config: RunConfig, device: torch.device,
                      gallery: torch.Tensor | None = None) -> dict[str, Any]:
    """The caption-length curve (where the test items have captions), and the untrained-features baseline where
    the towers are frozen."""
    extras: dict[str, Any] = {}
    if has_captions(trainee.test):
        extras["caption_words"] = caption_length_curve(trainee.model, trainee.test, 256, device, config.seed,
                                                       gallery=gallery)
    if trainee.features is not None:
        extras["untrained"] = untrained(trainee)
        extras["features_computed"] = trainee.features.computed
    return extras


def heldout_check(config: RunConfig, options: TrainOptions, registry, splits: dict[str, SplitTensors],
                  holdout: frozenset[str], device: torch.device, main: Trainee) -> dict[str, Any]:
    """Train a second model without the ``holdout`` categories and test it on their test items.

    Returns the check model's metrics on those queries (against the whole test gallery), the run's own
    model's metrics on the same queries, the untrained baseline where there is one, and random R@10.
    """
    test_items = splits["test"].items
    rows = torch.tensor([item.category in holdout for item in test_items])
    encoder = registry.create("encoder", config.encoder.name, config.encoder.params)
    encoder.prepare([item.caption for item in splits["train"].items if item.category not in holdout])
    model = build_model(encoder, config.fuser.name, config.fuser.params).to(device)
    loss = registry.create("loss", config.loss.name, config.loss.params).to(device)
    # Built from the same config, the check encoder's frozen towers are the run's: its features are the run's.
    trainee = make_trainee(config, encoder, model, splits, leave_out=holdout, features=main.features)
    trainee.val = None
    train(trainee, loss, dataclasses.replace(options, early_stopping=0), device, out_dir=None)
    out: dict[str, Any] = {"categories": sorted(holdout), "queries": int(rows.sum()),
                           "random_R@10": min(1.0, 10 / len(test_items))}
    for name, who in (("check", trainee), ("main", main)):
        who.model.eval()
        out[name] = evaluate_split(who.model, who.test, 256, device, queries_from=rows)
    if trainee.features is not None:
        out["untrained"] = untrained(trainee, queries_from=rows)
    return out
