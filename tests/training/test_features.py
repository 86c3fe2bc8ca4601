"""Training on cached features: the store, the heads over features, and variant picks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sbkit.errors import ShapeError
from sbkit.registry import create
from sbkit.training import RetrievalModel, build_model
from sbkit.training.captions import described_by
from sbkit.training.data import pick_captions, pick_variants
from sbkit.training.features import FeatureHeads, FeatureStore, FeatureTrainData, TextLookup
from sbkit_timm.lite_minilm import LiteMiniLMEncoder


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return create("encoder", "lite-minilm", LiteMiniLMEncoder.example_params(tmp_path_factory.mktemp("f"))).eval()


def test_store_computes_once_and_recomputes_damaged_files(encoder, tmp_path) -> None:
    pictures = torch.randint(0, 256, (5, 1, 64, 64), dtype=torch.uint8)
    store = FeatureStore(encoder.feature_fingerprint(), tmp_path)
    first = store.pictures(encoder, pictures, "test")
    assert store.computed == 5 and first.shape == (5, encoder.vision_dim)
    again = FeatureStore(encoder.feature_fingerprint(), tmp_path)
    torch.testing.assert_close(again.pictures(encoder, pictures, "test"), first)
    assert again.computed == 0
    for path in tmp_path.glob("vision-*.npy"):
        path.write_bytes(b"not a numpy file")
    damaged = FeatureStore(encoder.feature_fingerprint(), tmp_path)
    torch.testing.assert_close(damaged.pictures(encoder, pictures, "test"), first)
    assert damaged.computed == 5
    other = FeatureStore("other weights", tmp_path)
    other.pictures(encoder, pictures, "test")
    assert other.computed == 5


def test_heads_over_features_match_the_model_over_pictures(encoder, tmp_path) -> None:
    model = build_model(encoder, "avg").eval()
    photos = torch.randint(0, 256, (4, 3, 64, 64), dtype=torch.uint8)
    sketches = torch.randint(0, 256, (4, 1, 64, 64), dtype=torch.uint8)
    captions = ["red dress", "a blue bag", "", "boots"]
    store = FeatureStore(encoder.feature_fingerprint(), tmp_path)
    lookup = TextLookup(captions[:2], store.texts(encoder, captions[:2], "test"))
    heads = RetrievalModel(FeatureHeads(encoder, lookup), model.fuser).eval()
    with torch.no_grad():
        torch.testing.assert_close(heads.embed_images(store.pictures(encoder, photos, "t")),
                                   model.embed_images(photos), atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(heads.embed_queries(store.pictures(encoder, sketches, "t"), captions),
                                   model.embed_queries(sketches, captions), atol=1e-5, rtol=1e-4)
    assert set(captions) <= set(lookup.rows)  # captions not cached before are added on first use
    assert not any(k.startswith(("trunk", "text_model")) for k in heads.state_dict())


def test_variant_picks_depend_only_on_seed_and_rows() -> None:
    rows = torch.tensor([5, 2, 9, 0])
    first = pick_variants(rows, 3, seed=1, what="sketch")
    assert torch.equal(first, pick_variants(rows.clone(), 3, seed=1, what="sketch"))
    assert ((0 <= first) & (first < 3)).all()
    draws = torch.stack([pick_variants(torch.tensor([i, i + 1]), 3, 0, "s") for i in range(300)])
    assert set(draws.flatten().tolist()) == {0, 1, 2}
    variants = [[f"c{i}-{k}" for k in range(4)] for i in range(10)]
    picked = pick_captions(variants, rows, seed=0)
    assert [p.split("-")[0] for p in picked] == ["c5", "c2", "c9", "c0"]


def test_feature_train_data_batches(encoder) -> None:
    data = FeatureTrainData(images=torch.randn(6, 8), sketches=torch.randn(6, 3, 8), labels=torch.arange(6),
                            captions=[[f"item {i}", f"short {i}"] for i in range(6)], seed=0)
    batch = data.batch(torch.tensor([4, 1, 3]), torch.device("cpu"), piece=(1, 3))
    assert batch.images.shape == (2, 8) and batch.sketches.shape == (2, 8) and batch.labels.tolist() == [4, 1, 3]
    assert [t.split()[1] for t in batch.texts] == ["1", "3"]
    assert any(torch.allclose(batch.sketches[0], data.sketches[1, v]) for v in range(3))
    with pytest.raises(Exception, match="caption variants"):
        FeatureTrainData(torch.randn(2, 8), torch.randn(2, 1, 8), [["a"], []], torch.arange(2))
    assert np.isfinite(batch.images.numpy()).all()


def test_feature_train_data_marks_the_items_a_short_caption_describes() -> None:
    captions = [["a navy skirt", "skirt"], ["a red skirt", "skirt"], ["a navy boot", "navy"], ["a red boot", ""]]
    descriptions = [c[0] for c in captions]
    data = FeatureTrainData(images=torch.randn(4, 8), sketches=torch.randn(4, 2, 8), labels=torch.arange(4),
                            captions=captions, seed=0, descriptions=descriptions)
    rows = torch.tensor([3, 0, 1, 2])
    batch = data.batch(rows, torch.device("cpu"), piece=(0, 2))
    texts = pick_captions(captions, rows, 0)  # every row's caption, though the piece holds two
    assert batch.text_positives.tolist() == described_by(texts, [descriptions[i] for i in rows.tolist()]).tolist()
    assert batch.text_positives.shape == (4, 4) and batch.text_positives.diagonal().all()
    assert FeatureTrainData(images=torch.randn(4, 8), sketches=torch.randn(4, 2, 8), labels=torch.arange(4),
                            captions=captions).batch(rows, torch.device("cpu")).text_positives is None
    with pytest.raises(ShapeError, match="description for each of the 4 items"):
        FeatureTrainData(torch.randn(4, 8), torch.randn(4, 2, 8), captions, torch.arange(4), descriptions=["a"])


def test_a_split_without_its_drawings_computes_none_of_them(encoder, tmp_path) -> None:
    from sbkit.data.catalogue import CatalogueItem
    from sbkit.data.tensors import SplitTensors
    from sbkit.pipeline.frozen import split_features

    def pictures(count: int, channels: int) -> torch.Tensor:
        return torch.randint(0, 256, (count, channels, 64, 64), dtype=torch.uint8)

    items = [CatalogueItem(f"p{k}", f"p{k}.png", f"item {k}", split="val") for k in range(2)]
    split = SplitTensors(items=items, images=pictures(2, 3), sketches=pictures(2, 1), drawn=pictures(2, 1),
                         has_drawn=torch.tensor([True, True]), captions=["item 0", "item 1"],
                         labels=torch.arange(2), more_drawn=pictures(1, 1), drawn_count=torch.tensor([2, 1]))
    store = FeatureStore(encoder.feature_fingerprint(), tmp_path)
    without = split_features(encoder, split, store, "val", drawings=False)
    assert store.computed == 4 and without.drawn is None and without.drawings() is None
    assert not bool(without.has_drawn.any())
    with_them = split_features(encoder, split, store, "val")
    assert store.computed == 4 + 3 and with_them.drawings().count.tolist() == [2, 1]
