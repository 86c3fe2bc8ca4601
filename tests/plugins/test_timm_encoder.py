"""The ``timm`` encoder: a timm backbone (resnet18 from scratch) plus the word-level text tower."""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sbkit.errors import ConfigError  # noqa: E402
from sbkit.registry import create, get_registry  # noqa: E402
from sbkit_timm import TimmEncoder  # noqa: E402

from tiny_models import tiny_timm_params  # noqa: E402

CAPTIONS = ["a red dress", "blue denim jeans", "a red wool coat"]


def _encoder(**overrides) -> TimmEncoder:
    torch.manual_seed(0)
    encoder = TimmEncoder(**{**tiny_timm_params(), **overrides})
    encoder.prepare(CAPTIONS)
    return encoder


def test_resnet18_forward_and_backward_at_small_sizes():
    encoder = _encoder()
    for size in (32, 64):
        encoder.zero_grad()
        images = torch.rand(2, 3, size, size)
        image, sketch = encoder.encode_image(images), encoder.encode_sketch(images)
        text = encoder.encode_text(CAPTIONS)
        assert image.shape == sketch.shape == (2, 16) and text.shape == (3, 16)
        (image.sum() + text.sum()).backward()
        assert encoder.backbone.conv1.weight.grad is not None and encoder.head.weight.grad is not None
        assert encoder.text.embedding.weight.grad is not None


def test_registered_with_documented_params_and_coercion():
    entry = get_registry().entry("encoder", "timm")
    assert entry.cls is TimmEncoder
    assert all(p.doc for p in entry.params)
    encoder = create("encoder", "timm", {"model": "test_resnet", "dim": "12", "pretrained": "false", "max_vocab": "50"})
    assert encoder.embed_dim == encoder.text_dim == 12 and encoder.pretrained is False


def test_normalisation_comes_from_the_pretrained_config():
    encoder = _encoder()
    assert encoder.mean == pytest.approx((0.485, 0.456, 0.406)) and encoder.std == pytest.approx((0.229, 0.224, 0.225))
    images = torch.rand(1, 3, 32, 32)
    expected = (images - torch.tensor(encoder.mean).view(1, 3, 1, 1)) / torch.tensor(encoder.std).view(1, 3, 1, 1)
    encoder.eval()
    with torch.no_grad():
        assert torch.allclose(encoder.encode_image(images), encoder.head(encoder.backbone(expected)), atol=1e-5)
    assert encoder.input_size is None  # a CNN takes any size


def test_fixed_size_models_get_resized_inputs():
    import timm

    from sbkit_timm.timm_encoder import _data_config

    encoder = _encoder(model="test_vit")  # timm's tiny test ViT takes any size (dynamic_img_size)
    assert encoder.input_size is None
    assert encoder.encode_image(torch.rand(1, 3, 48, 48)).shape == (1, 16)
    fixed = timm.create_model("test_vit", num_classes=0, dynamic_img_size=False)
    with pytest.raises(AssertionError):
        fixed(torch.rand(1, 3, 48, 48))
    encoder.backbone = fixed
    encoder.mean, encoder.std, encoder.input_size = _data_config(fixed)
    assert encoder.input_size == 160
    assert encoder.encode_image(torch.rand(1, 3, 48, 48)).shape == (1, 16)


def test_gradient_checkpointing_gives_the_same_gradients():
    plain, checkpointed = _encoder(model="test_resnet"), _encoder(model="test_resnet", gradient_checkpointing=True)
    assert checkpointed.backbone.grad_checkpointing and not plain.backbone.grad_checkpointing
    checkpointed.load_state_dict(plain.state_dict())
    images = torch.rand(2, 3, 32, 32)
    for encoder in (plain, checkpointed):
        encoder.train()
        encoder.encode_image(images).pow(2).sum().backward()
    grads = {n: p.grad for n, p in plain.backbone.named_parameters()}
    for name, p in checkpointed.backbone.named_parameters():
        assert p.grad is not None and torch.allclose(p.grad, grads[name], atol=1e-5), name


def test_pretrained_parameters_only_when_pretrained():
    assert _encoder().pretrained_parameters() == []


def test_vocabulary_round_trip(tmp_path):
    encoder = _encoder(model="test_resnet").eval()
    encoder.save_extra(tmp_path)
    again = TimmEncoder(**{**tiny_timm_params(), "model": "test_resnet"})
    again.load_extra(tmp_path)
    again.load_state_dict(encoder.state_dict())
    with torch.no_grad():
        assert torch.equal(again.eval().encode_text(CAPTIONS), encoder.encode_text(CAPTIONS))


def test_unknown_model_suggests_the_closest_names():
    with pytest.raises(ConfigError, match="unknown timm model 'resnet-18'.*'resnet18'"):
        TimmEncoder(model="resnet-18")


def test_pretrained_weights_unavailable_offline_is_a_config_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", "/nonexistent/hf-home")
    with pytest.raises(ConfigError, match="pretrained weights for 'resnet18'.*pretrained false"):
        TimmEncoder(model="resnet18", pretrained=True)
