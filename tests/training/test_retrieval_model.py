"""RetrievalModel and build_model: shapes, normalisation, save/load, and the build-time shape check."""

from __future__ import annotations

import pytest
import torch
from sbkit_torch import SmallEncoder

from sbkit.components import Fuser
from sbkit.errors import ConfigError, DataError, ShapeError, UnknownComponentError
from sbkit.hookspecs import hookimpl
from sbkit.training import RetrievalModel, build_model

CAPTIONS = ["a red dress", "a blue coat", "green striped shirt"]


def small(**params) -> SmallEncoder:
    torch.manual_seed(0)
    encoder = SmallEncoder(**{"dim": 16, "width": 4, **params})
    encoder.prepare(CAPTIONS)
    return encoder


class WrongDim(Fuser):
    """Returns one column too many."""

    name = "test-wrong-dim"
    description = "A broken fuser for tests."

    def fuse(self, sketch, text):
        x = sketch if sketch is not None else text
        return torch.cat([x, x[:, :1]], dim=1)


def test_build_model_embeds_unit_vectors(torch_plugins):
    model = build_model(small(text_dim=8), "concat", {"hidden": "12"})
    assert isinstance(model, RetrievalModel) and model.fuser.hidden == 12
    model.eval()
    images = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8)
    sketches = torch.randint(0, 256, (3, 1, 32, 32), dtype=torch.uint8)
    for out in (model.embed_images(images), model.embed_images(images.float() / 255),
                model.embed_queries(sketches, CAPTIONS), model.embed_queries(None, CAPTIONS),
                model.embed_queries(sketches, None)):
        assert out.shape == (3, 16)
        assert torch.allclose(out.norm(dim=1), torch.ones(3), atol=1e-5)
    assert torch.allclose(model.embed_images(images), model.embed_images(images.float() / 255), atol=1e-5)
    with pytest.raises(DataError):
        model.embed_queries(None, None)


def test_build_model_names_both_components_when_sizes_disagree(torch_plugins):
    torch_plugins("test-wrong", register_fusers=hookimpl(lambda: [WrongDim]))
    with pytest.raises(ShapeError) as info:
        build_model(small(dim=16), "test-wrong-dim")
    message = str(info.value)
    assert "'small'" in message and "'test-wrong-dim'" in message
    assert "16" in message and "17" in message


def test_build_model_reports_unknown_fusers_and_params(torch_plugins):
    with pytest.raises(UnknownComponentError, match="concat"):
        build_model(small(), "concatt")
    with pytest.raises(ConfigError, match="hidden"):
        build_model(small(), "concat", {"nope": 1})


def test_save_and_load_restore_the_same_embeddings(torch_plugins, tmp_path):
    model = build_model(small(), "mlp").eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    model.save(tmp_path)
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "vocab.json").is_file()

    torch.manual_seed(1)
    fresh = build_model(SmallEncoder(dim=16, width=4), "mlp").eval()
    assert fresh.encoder.text.vocab_size != model.encoder.text.vocab_size
    fresh.load(tmp_path)
    images = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    sketches = torch.randint(0, 256, (2, 1, 32, 32), dtype=torch.uint8)
    assert torch.equal(fresh.embed_images(images), model.embed_images(images))
    assert torch.equal(fresh.embed_queries(sketches, CAPTIONS[:2]), model.embed_queries(sketches, CAPTIONS[:2]))


def test_load_into_a_different_model_explains_the_mismatch(torch_plugins, tmp_path):
    build_model(small(), "concat").save(tmp_path)
    other = build_model(small(), "avg")
    with pytest.raises(ShapeError, match="'avg'"):
        other.load(tmp_path)
    with pytest.raises(DataError, match="model.safetensors"):
        other.load(tmp_path / "missing")
