"""Drawings of training items (Sketchy, QMUL-Shoe-V2, a sketch column) are trained on beside the sketchifier's."""

from __future__ import annotations

from pathlib import Path

import torch

from sbkit.data.catalogue import CatalogueItem
from sbkit.data.drawings import Drawings
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
    drawings = Drawings(pictures(255), has_drawing().long())
    out = with_drawings(pictures(0)[rows], rows, drawings, seed=3)
    drawn = out.flatten(1).amax(1) == 255
    assert not drawn[~has_drawing()[rows]].any()  # items with no drawing keep their sketch
    share = drawn[has_drawing()[rows]].float().mean().item()
    assert 0.3 < share < 0.7
    assert torch.equal(out, with_drawings(pictures(0)[rows], rows, drawings, seed=3))
    assert not torch.equal(out, with_drawings(pictures(0)[rows], rows, drawings, seed=4))


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


def several() -> Drawings:
    """Item i has i % 4 drawings; its first is all grey level 10, its drawing j >= 1 level 10 * (j + 1) + i."""
    count = torch.arange(N) % 4
    more = [torch.full((1, SIZE, SIZE), 10 * (j + 1) + i, dtype=torch.uint8) for i in range(N)
            for j in range(1, count[i])]
    return Drawings(pictures(10), count, torch.stack(more))


def levels(pictures: torch.Tensor) -> torch.Tensor:
    return pictures.flatten(1)[:, 0].long()


def test_drawings_read_each_items_own_drawings_round_and_round() -> None:
    drawings = several()
    items = torch.tensor([1, 2, 3, 3, 3, 3, 7])
    got = levels(drawings.read(items, torch.tensor([5, 1, 0, 1, 2, 3, 4])))
    assert got.tolist() == [10, 22, 10, 23, 33, 10, 27]
    kept = drawings.take(torch.tensor([3, 0, 2]))  # only those items, their drawings with them
    assert kept.count.tolist() == [3, 0, 2] and len(kept.more) == 3
    assert levels(kept.read(torch.tensor([0, 0, 2]), torch.tensor([1, 2, 1]))).tolist() == [23, 33, 22]
    assert drawings.take(slice(None)).key() == drawings.key() != kept.key()
    one_each = Drawings(pictures(10), has_drawing().long())
    assert one_each.key() != Drawings(pictures(10), has_drawing().long(), None).take(torch.arange(N - 1)).key()


def test_drawings_refuse_a_count_that_disagrees_with_the_stored_drawings() -> None:
    import pytest

    from sbkit.errors import ShapeError

    with pytest.raises(ShapeError, match="drawings beyond their first"):
        Drawings(pictures(10), torch.full((N,), 2), pictures(20)[:3])


def test_with_drawings_picks_each_of_an_items_drawings_about_as_often() -> None:
    drawings = several()
    rows = torch.full((4000,), 3)  # item 3 has three drawings
    picked = levels(with_drawings(pictures(0)[rows], rows, drawings, seed=0))
    shares = torch.bincount(picked, minlength=34)[[0, 10, 23, 33]].float() / len(rows)
    assert 0.45 < shares[0] < 0.55 and all(0.14 < s < 0.19 for s in shares[1:].tolist()), shares


def test_frozen_features_store_an_items_drawings_in_turn() -> None:
    split = train_split()
    drawings = several()
    split.drawn, split.has_drawn = drawings.first, drawings.has
    split.more_drawn, split.drawn_count = drawings.more, drawings.count
    captions = [["a bag"]] * N
    stored = featurise(MeanEncoder(), {"train": split}, captions, 7, 0.0, 0).train.sketches
    count = drawings.count
    for variant in (1, 3, 5):
        number = torch.tensor((variant - 1) // 2)
        which = number % count.clamp(min=1)
        expected = torch.where(count > 0, 10 * (which + 1) + torch.where(which > 0, torch.arange(N), 0), 0) / 255
        assert torch.allclose(stored[:, variant, 0], expected), variant
    for variant in (0, 2, 4, 6):
        assert stored[:, variant, 0].abs().max() == 0


def test_a_run_names_the_sketch_variants_that_store_every_drawing(capsys) -> None:
    split = train_split()
    drawings = several()  # up to 3 drawings per item
    split.drawn, split.has_drawn = drawings.first, drawings.has
    split.more_drawn, split.drawn_count = drawings.more, drawings.count
    featurise(MeanEncoder(), {"train": split}, [["a bag"]] * N, 3, 0.0, 0)
    said = capsys.readouterr().err
    assert "up to 3 drawings" in said and "--sketch-variants 3 stores 1" in said and "--sketch-variants 7" in said
    featurise(MeanEncoder(), {"train": split}, [["a bag"]] * N, 7, 0.0, 0)
    assert "drawings" not in capsys.readouterr().err
