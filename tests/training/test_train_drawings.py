"""Drawings of training items (Sketchy, QMUL-Shoe-V2, a sketch column) are trained on beside the sketchifier's."""

from __future__ import annotations

from pathlib import Path

import torch

from sbkit.data.catalogue import CatalogueItem
from sbkit.data.tensors import SplitTensors
from sbkit.pipeline.frozen import featurise
from sbkit.training.data import TrainData, with_drawings

N, SIZE = 40, 8


def pictures(value: int, channels: int = 1) -> torch.Tensor:
    return torch.full((N, channels, SIZE, SIZE), value, dtype=torch.uint8)


def has_drawing() -> torch.Tensor:
    return torch.arange(N) % 2 == 0  # every other item has a drawing


def test_with_drawings_swaps_in_about_half_of_the_drawings_and_only_those() -> None:
    rows = torch.arange(N).repeat(5)
    out = with_drawings(pictures(0)[rows], rows, pictures(255), has_drawing(), seed=3)
    drawn = out.flatten(1).amax(1) == 255
    assert not drawn[~has_drawing()[rows]].any()  # items with no drawing keep their sketch
    share = drawn[has_drawing()[rows]].float().mean().item()
    assert 0.3 < share < 0.7
    assert torch.equal(out, with_drawings(pictures(0)[rows], rows, pictures(255), has_drawing(), seed=3))
    assert not torch.equal(out, with_drawings(pictures(0)[rows], rows, pictures(255), has_drawing(), seed=4))


def test_train_batches_read_drawings_only_when_given() -> None:
    common = dict(images=pictures(0, 3), sketches=pictures(0), captions=[""] * N, labels=torch.arange(N))
    rows = torch.arange(N)
    with_them = TrainData(**common, drawings=pictures(255), has_drawing=has_drawing()).batch(rows, torch.device("cpu"))
    without = TrainData(**common).batch(rows, torch.device("cpu"))
    assert with_them.sketches.flatten(1).amax(1).eq(255).any() and without.sketches.max() == 0


class MeanEncoder(torch.nn.Module):
    """Frozen 'towers' whose feature is the mean grey level: enough to tell a drawing (white) from a sketch (black)."""

    device = torch.device("cpu")

    def feature_fingerprint(self) -> str:
        return "mean-encoder"

    def vision_features(self, pictures: torch.Tensor) -> torch.Tensor:
        return pictures.mean(dim=(1, 2, 3))[:, None]

    def text_features(self, texts: list[str]) -> torch.Tensor:
        return torch.zeros(len(texts), 1)


def train_split() -> SplitTensors:
    items = [CatalogueItem(f"i{i}", Path(f"i{i}.png"), "a bag") for i in range(N)]
    return SplitTensors(items=items, images=pictures(128, 3), sketches=pictures(0), drawn=pictures(255),
                        has_drawn=has_drawing(), captions=["a bag"] * N, labels=torch.arange(N))


def test_frozen_features_store_drawings_in_every_other_variant() -> None:
    captions = [["a bag"]] * N
    with_them = featurise(MeanEncoder(), {"train": train_split()}, captions, 4, 0.0, 0).train.sketches
    for variant in range(4):
        values = with_them[:, variant, 0]
        expected = has_drawing().float() if variant % 2 else torch.zeros(N)
        assert torch.allclose(values, expected), variant
    without = featurise(MeanEncoder(), {"train": train_split()}, captions, 4, 0.0, 0, train_drawings=False)
    assert without.train.sketches[:, :, 0].abs().max() == 0  # not the drawings' cached features
