"""The ``hf-text`` encoder, loaded from tiny BERT and sentence-transformers folders through ``AutoModel``."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from sbkit.errors import ConfigError  # noqa: E402
from sbkit.registry import create, get_registry  # noqa: E402
from sbkit_torch.small_cnn import SmallCNN  # noqa: E402
from sbkit_transformers.hf_text import HFTextEncoder  # noqa: E402

from tiny_models import make_sentence_transformer, make_tiny_bert, make_tiny_clip  # noqa: E402

CAPTIONS = ["a red dress", "blue denim jeans with pockets and a collar", "black"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf-text")
    return {mode: make_sentence_transformer(root / f"st-{mode}", mode) for mode in ("mean", "cls", "max")}


def _reference(folder, mode: str, texts: list[str]) -> torch.Tensor:
    """Pool BERT's token states by hand, independently of the encoder."""
    from transformers import AutoTokenizer, BertModel

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = BertModel.from_pretrained(folder).eval()
    tokens = tokenizer(texts, padding=True, return_tensors="pt")
    hidden = model(**tokens).last_hidden_state
    rows = []
    for states, mask in zip(hidden, tokens["attention_mask"]):
        real = states[mask.bool()]
        rows.append({"mean": real.mean(0), "cls": real[0], "max": real.max(0).values}[mode])
    return torch.stack(rows)


@pytest.mark.parametrize("mode", ["mean", "cls", "max"])
def test_pooling_mode_comes_from_the_sentence_transformers_folder(folders, mode):
    encoder = HFTextEncoder(path=str(folders[mode])).eval()
    assert encoder.pooling_mode == mode
    with torch.no_grad():
        got = encoder.encode_text(CAPTIONS)
        want = encoder.projection(_reference(folders[mode], mode, CAPTIONS))
    assert got.shape == (3, 32)
    assert torch.allclose(got, want, atol=1e-5)


def test_pooling_param_overrides_the_folder(folders):
    encoder = HFTextEncoder(path=str(folders["cls"]), pooling="max").eval()
    assert encoder.pooling_mode == "max"
    with torch.no_grad():
        want = encoder.projection(_reference(folders["cls"], "max", CAPTIONS))
        assert torch.allclose(encoder.encode_text(CAPTIONS), want, atol=1e-5)


@pytest.mark.parametrize("mode", ["mean", "max"])
def test_padding_does_not_change_a_caption(folders, mode):
    encoder = HFTextEncoder(path=str(folders[mode])).eval()
    with torch.no_grad():
        assert torch.allclose(encoder.encode_text(CAPTIONS[:1])[0], encoder.encode_text(CAPTIONS)[0], atol=1e-5)


def test_plain_model_folder_defaults_to_mean_pooling(tmp_path):
    encoder = HFTextEncoder(path=str(make_tiny_bert(tmp_path / "bert")))
    assert encoder.pooling_mode == "mean"


def test_dims_and_the_small_vision_tower(folders):
    encoder = create("encoder", "hf-text", {"path": str(folders["mean"]), "dim": "8", "vision_width": "8"})
    assert get_registry().get("encoder", "hf-text") is HFTextEncoder
    assert isinstance(encoder.image_tower, SmallCNN)
    assert encoder.embed_dim == encoder.text_dim == 8
    images = torch.rand(2, 3, 64, 64)
    image, sketch, text = encoder.encode_image(images), encoder.encode_sketch(images), encoder.encode_text(CAPTIONS)
    assert image.shape == sketch.shape == (2, 8) and text.shape == (3, 8)
    (image.sum() + text.sum()).backward()
    assert encoder.model.embeddings.word_embeddings.weight.grad is not None
    assert encoder.image_tower.head.weight.grad is not None


def test_dim_none_uses_the_hidden_size(folders):
    encoder = HFTextEncoder(path=str(folders["mean"]), dim=None, vision_width=8)
    assert encoder.text_dim == encoder.embed_dim == 32


def test_freeze_text_and_pretrained_parameters(folders):
    encoder = HFTextEncoder(path=str(folders["mean"]), vision_width=8)
    pretrained = {id(p) for p in encoder.pretrained_parameters()}
    assert pretrained == {id(p) for p in encoder.model.parameters()}
    assert not pretrained & {id(p) for p in encoder.projection.parameters()}
    assert getattr(encoder.model, "pooler", None) is None  # unused task head is dropped

    frozen = HFTextEncoder(path=str(folders["mean"]), vision_width=8, freeze_text=True)
    assert not any(p.requires_grad for p in frozen.model.parameters())
    assert frozen.projection.weight.requires_grad and frozen.pretrained_parameters() == []


def test_max_length_truncates(folders):
    encoder = HFTextEncoder(path=str(folders["mean"]), max_length=4).eval()
    long = "a red long sleeve dress with a collar and pockets"
    with torch.no_grad():
        assert torch.allclose(encoder.encode_text([long]), encoder.encode_text(["a red"]), atol=1e-5)


def test_save_extra_then_reload_without_the_source_folder(folders, tmp_path):
    source = tmp_path / "copied"
    shutil.copytree(folders["cls"], source)
    encoder = HFTextEncoder(path=str(source), dim=8, vision_width=8).eval()
    encoder.save_extra(tmp_path / "run")
    state = {k: v.clone() for k, v in encoder.state_dict().items()}
    shutil.rmtree(source)

    again = HFTextEncoder.from_saved(tmp_path / "run", dim=8, vision_width=8).eval()
    assert again.path == str(source) and again.pooling_mode == "cls"
    again.load_state_dict(state)
    with torch.no_grad():
        assert torch.allclose(again.encode_text(CAPTIONS), encoder.encode_text(CAPTIONS), atol=1e-6)

    other = HFTextEncoder(path=str(folders["max"]), dim=8, vision_width=8)
    other.load_extra(tmp_path / "run")
    assert other.pooling_mode == "cls"
    other.load_state_dict(state)
    with torch.no_grad():
        assert torch.allclose(other.eval().encode_text(CAPTIONS), encoder.encode_text(CAPTIONS), atol=1e-6)


def test_unsupported_pooling_config_is_a_config_error(folders, tmp_path):
    folder = tmp_path / "sqrt"
    shutil.copytree(folders["mean"], folder)
    config_path = folder / "1_Pooling" / "config.json"
    config = json.loads(config_path.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_mean_sqrt_len_tokens=True)
    config_path.write_text(json.dumps(config))
    with pytest.raises(ConfigError, match="mean_sqrt_len.*--encoder.pooling"):
        HFTextEncoder(path=str(folder))
    assert HFTextEncoder(path=str(folder), pooling="mean").pooling_mode == "mean"


def test_bad_inputs_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="/nonexistent/model.*--encoder.path"):
        HFTextEncoder(path="/nonexistent/model")
    with pytest.raises(ConfigError, match="nobody-here/no-such-model"):
        HFTextEncoder(path="nobody-here/no-such-model")
    with pytest.raises(ConfigError, match="clip"):
        HFTextEncoder(path=str(make_tiny_clip(tmp_path / "clip")))
    with pytest.raises(ConfigError, match="vision"):
        create("encoder", "hf-text", {"vision": "huge"})
