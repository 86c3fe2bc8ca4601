"""`--mirror`: augmented training sketch variants face the other way with its chance, and are cached apart."""

from __future__ import annotations

from pathlib import Path

import torch

from sbkit.data.catalogue import CatalogueItem
from sbkit.data.tensors import SplitTensors
from sbkit.pipeline.frozen import featurise

N, SIZE = 12, 16


class InkColumnEncoder(torch.nn.Module):
    """Frozen 'towers' whose feature is the mean column of the ink: left of centre or right of it."""

    device = torch.device("cpu")

    def feature_fingerprint(self) -> str:
        return "ink-column-encoder"

    def vision_features(self, pictures: torch.Tensor) -> torch.Tensor:
        ink = (pictures[:, :1] < 0.5).float()
        columns = torch.arange(pictures.shape[-1], dtype=torch.float32)
        return ((ink.sum(dim=(1, 2)) * columns).sum(1) / ink.sum(dim=(1, 2, 3)).clamp(min=1))[:, None]

    def text_features(self, texts: list[str]) -> torch.Tensor:
        return torch.zeros(len(texts), 1)


def train_split() -> SplitTensors:
    sketches = torch.full((N, 1, SIZE, SIZE), 255, dtype=torch.uint8)
    sketches[:, :, 3:13, 1:4] = 0  # a bar at the left edge
    items = [CatalogueItem(f"i{i}", Path(f"i{i}.png"), "a boot") for i in range(N)]
    return SplitTensors(items=items, images=torch.full((N, 3, SIZE, SIZE), 128, dtype=torch.uint8), sketches=sketches,
                        drawn=None, has_drawn=torch.zeros(N, dtype=torch.bool), captions=["a boot"] * N,
                        labels=torch.arange(N))


def variant_columns(mirror: float) -> torch.Tensor:
    features = featurise(InkColumnEncoder(), {"train": train_split()}, [["a boot"]] * N, 3, 0.05, 0, mirror=mirror)
    return features.train.sketches[:, :, 0]  # (N, variants)


def test_every_augmented_variant_faces_the_other_way_at_mirror_one_and_none_at_zero() -> None:
    facing_right = variant_columns(1.0) > SIZE / 2
    assert not facing_right[:, 0].any()  # the sketch itself is never flipped
    assert facing_right[:, 1:].all()
    assert not (variant_columns(0.0) > SIZE / 2).any()  # and not read from the mirrored variants' cache


def test_half_the_augmented_variants_face_the_other_way_at_one_half() -> None:
    share = (variant_columns(0.5)[:, 1:] > SIZE / 2).float().mean().item()
    assert 0.2 < share < 0.8
