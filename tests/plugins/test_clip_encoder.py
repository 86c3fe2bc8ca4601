"""The ``clip`` encoder, loaded from tiny CLIP folders through ``CLIPModel.from_pretrained``."""

from __future__ import annotations

import os
import shutil

import pytest
import torch
from safetensors.torch import load_file

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from sbkit.components import component_config  # noqa: E402
from sbkit.errors import ConfigError  # noqa: E402
from sbkit.registry import create, get_registry  # noqa: E402
from sbkit_transformers.clip import CLIP_MEAN, ClipEncoder  # noqa: E402

from tiny_models import make_sentence_transformer, make_tiny_clip  # noqa: E402


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return make_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny-clip")


def _images(n: int = 2, h: int = 40, w: int = 48) -> torch.Tensor:
    return torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(n * h + w))


def _vision_names(encoder: ClipEncoder, prefix: str = "model.vision_model.") -> dict[str, bool]:
    return {n[len(prefix):]: p.requires_grad for n, p in encoder.named_parameters() if n.startswith(prefix)}


def test_registered_and_shapes(clip_dir):
    assert get_registry().get("encoder", "clip") is ClipEncoder
    encoder = create("encoder", "clip", {"path": str(clip_dir)})
    assert encoder.embed_dim == encoder.text_dim == 16
    assert encoder.input_size == encoder.image_size == 32
    assert encoder.mean == CLIP_MEAN
    assert encoder.encode_image(_images()).shape == (2, 16)
    assert encoder.encode_sketch(_images(3, 64, 64)).shape == (3, 16)
    text = encoder.encode_text(["a red dress", "blue denim jeans with pockets", ""])
    assert text.shape == (3, 16) and torch.isfinite(text).all()


def test_weights_come_from_the_folder(clip_dir):
    encoder = ClipEncoder(path=str(clip_dir))
    saved = load_file(str(clip_dir / "model.safetensors"))
    key = next(k for k in saved if k.endswith("visual_projection.weight"))
    assert torch.equal(encoder.model.visual_projection.weight, saved[key])


def test_images_are_resized_before_the_vision_tower(clip_dir):
    encoder = ClipEncoder(path=str(clip_dir)).eval()
    big = _images(2, 64, 64)
    small = torch.nn.functional.interpolate(big, size=(32, 32), mode="bicubic", antialias=True)
    with torch.no_grad():
        assert torch.allclose(encoder.encode_image(big), encoder.encode_image(small), atol=1e-5)


def test_text_padding_does_not_change_a_caption(clip_dir):
    encoder = ClipEncoder(path=str(clip_dir)).eval()
    with torch.no_grad():
        alone = encoder.encode_text(["a red dress"])
        batched = encoder.encode_text(["a red dress", "a long striped wool coat with a collar"])
    assert torch.allclose(alone[0], batched[0], atol=1e-5)


def test_shared_vision_tower_by_default(clip_dir):
    encoder = ClipEncoder(path=str(clip_dir)).eval()
    assert encoder.sketch_vision is None
    assert not any(n.startswith("sketch_") for n, _ in encoder.named_parameters())
    x = _images()
    with torch.no_grad():
        assert torch.equal(encoder.encode_image(x), encoder.encode_sketch(x))


def test_separate_sketch_tower_starts_equal_then_trains_alone(clip_dir):
    encoder = ClipEncoder(path=str(clip_dir), share_vision=False)
    image_before = {k: v.clone() for k, v in encoder.model.vision_model.state_dict().items()}
    sketch_before = {k: v.clone() for k, v in encoder.sketch_vision.state_dict().items()}
    assert image_before.keys() == sketch_before.keys()
    assert all(torch.equal(image_before[k], sketch_before[k]) for k in image_before)
    x = _images()
    encoder.eval()
    with torch.no_grad():
        assert torch.allclose(encoder.encode_image(x), encoder.encode_sketch(x), atol=1e-6)

    optimizer = torch.optim.SGD([p for p in encoder.parameters() if p.requires_grad], lr=0.5)
    encoder.train()
    encoder.encode_sketch(x).pow(2).sum().backward()
    assert encoder.model.visual_projection.weight.grad is None
    optimizer.step()

    image_after = encoder.model.vision_model.state_dict()
    assert all(torch.equal(image_before[k], image_after[k]) for k in image_before)
    sketch_after = encoder.sketch_vision.state_dict()
    assert any(not torch.equal(sketch_before[k], sketch_after[k]) for k in sketch_before)
    encoder.eval()
    with torch.no_grad():
        assert not torch.allclose(encoder.encode_image(x), encoder.encode_sketch(x), atol=1e-4)


def test_freeze_text_and_freeze_vision(clip_dir):
    encoder = ClipEncoder(path=str(clip_dir), freeze_text=True)
    named = dict(encoder.named_parameters())
    assert not any(p.requires_grad for n, p in named.items() if n.startswith(("model.text_", "model.text_projection")))
    assert all(_vision_names(encoder).values()) and named["model.visual_projection.weight"].requires_grad

    encoder = ClipEncoder(path=str(clip_dir), freeze_vision=True, share_vision=False)
    named = dict(encoder.named_parameters())
    frozen = [n for n, p in named.items() if "vision" in n or "visual_projection" in n or "sketch_" in n]
    assert frozen and not any(named[n].requires_grad for n in frozen)
    assert named["model.text_projection.weight"].requires_grad
    encoder.encode_text(["a red dress"]).sum().backward()
    assert all(named[n].grad is None for n in frozen)


@pytest.mark.parametrize("freeze_vision", [False, True])
def test_unfreeze_last_keeps_only_the_last_blocks_trainable(clip_dir, freeze_vision):
    encoder = ClipEncoder(path=str(clip_dir), unfreeze_last=1, freeze_vision=freeze_vision, share_vision=False)
    for prefix in ("model.vision_model.", "sketch_vision."):
        flags = _vision_names(encoder, prefix)
        assert flags, prefix
        for name, trainable in flags.items():
            expected = name.startswith(("encoder.layers.1.", "post_layernorm."))
            assert trainable == expected, (prefix, name)
    named = dict(encoder.named_parameters())
    assert named["model.visual_projection.weight"].requires_grad
    assert named["sketch_projection.weight"].requires_grad
    assert named["model.text_projection.weight"].requires_grad
    trainable = {id(p) for p in encoder.parameters() if p.requires_grad}
    assert {id(p) for p in encoder.pretrained_parameters()} == trainable


@pytest.mark.parametrize("bad", [-1, 3])
def test_unfreeze_last_out_of_range(clip_dir, bad):
    with pytest.raises(ConfigError, match="unfreeze_last"):
        ClipEncoder(path=str(clip_dir), unfreeze_last=bad)


def test_gradient_checkpointing_gives_the_same_gradients(clip_dir):
    plain = ClipEncoder(path=str(clip_dir)).train()
    checkpointed = ClipEncoder(path=str(clip_dir), gradient_checkpointing=True).train()
    assert any(getattr(m, "gradient_checkpointing", False) for m in checkpointed.model.vision_model.modules())
    x = _images()
    for encoder in (plain, checkpointed):
        (encoder.encode_image(x).sum() + encoder.encode_text(["a red dress"]).sum()).backward()
    a = dict(plain.named_parameters())
    for name, p in checkpointed.named_parameters():
        if p.grad is not None:
            assert torch.allclose(p.grad, a[name].grad, atol=1e-5), name


def test_save_extra_then_reload_without_the_source_folder(clip_dir, tmp_path):
    source = tmp_path / "copied-clip"
    shutil.copytree(clip_dir, source)
    encoder = ClipEncoder(path=str(source), share_vision=False, unfreeze_last=1).eval()
    with torch.no_grad():
        encoder.sketch_projection.weight.mul_(2)  # a trained state that the source folder does not hold
    run = tmp_path / "run"
    encoder.save_extra(run)
    state = {k: v.clone() for k, v in encoder.state_dict().items()}
    shutil.rmtree(source)

    again = ClipEncoder.from_saved(run, share_vision=False, unfreeze_last=1).eval()
    assert again.path == str(source)
    assert component_config(again) == component_config(encoder)
    again.load_state_dict(state)
    x, texts = _images(), ["a red dress", "black coat"]
    with torch.no_grad():
        assert torch.allclose(again.encode_sketch(x), encoder.encode_sketch(x), atol=1e-6)
        assert torch.allclose(again.encode_text(texts), encoder.encode_text(texts), atol=1e-6)
    assert _vision_names(again, "sketch_vision.") == _vision_names(encoder, "sketch_vision.")


def test_load_extra_rebuilds_from_the_saved_config(clip_dir, tmp_path):
    wide = make_tiny_clip(tmp_path / "wide", projection_dim=24)
    trained = ClipEncoder(path=str(wide)).eval()
    trained.save_extra(tmp_path / "run")
    encoder = ClipEncoder(path=str(clip_dir))
    encoder.load_extra(tmp_path / "run")
    assert encoder.embed_dim == encoder.text_dim == 24
    encoder.load_state_dict(trained.state_dict())
    with torch.no_grad():
        assert torch.allclose(encoder.eval().encode_text(["red"]), trained.encode_text(["red"]), atol=1e-6)


def test_retrieval_model_round_trip(clip_dir, tmp_path):
    from sbkit.training.model import RetrievalModel, build_model

    model = build_model(ClipEncoder(path=str(clip_dir)), "avg").eval()
    model.save(tmp_path / "model")
    again = RetrievalModel(ClipEncoder(path=str(clip_dir)), model.fuser).load(tmp_path / "model").eval()
    x = (_images() * 255).to(torch.uint8)
    with torch.no_grad():
        assert torch.allclose(again.embed_images(x), model.embed_images(x))
        texts = ["a red dress", "jeans"]
        assert torch.allclose(again.embed_queries(x, texts), model.embed_queries(x, texts))


def test_missing_folder_is_a_config_error():
    with pytest.raises(ConfigError, match="/nonexistent/model.*--encoder.path"):
        ClipEncoder(path="/nonexistent/model")


def test_uncached_hub_id_offline_is_a_config_error():
    with pytest.raises(ConfigError, match="nobody-here/no-such-clip"):
        ClipEncoder(path="nobody-here/no-such-clip")


def test_an_uncached_hub_id_with_the_hub_unreachable_fails_at_once(monkeypatch):
    import socket

    import transformers
    from huggingface_hub import constants

    def no_network(*args, **kwargs):
        raise OSError(-2, "Name or service not known")

    def must_not_load(*args, **kwargs):
        raise AssertionError("the hub client was asked, and would retry for half a minute")

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", must_not_load)
    with pytest.raises(ConfigError, match=r"'nobody-here/no-such-clip' is not a local folder nor in the hub cache, "
                                          r"and huggingface.co cannot be reached: Name or service not known"):
        ClipEncoder(path="nobody-here/no-such-clip")


def test_text_model_folder_is_a_config_error(tmp_path):
    folder = make_sentence_transformer(tmp_path / "st")
    with pytest.raises(ConfigError, match="'bert' model, not CLIP"):
        ClipEncoder(path=str(folder))


def test_folder_without_weights_is_a_config_error(clip_dir, tmp_path):
    folder = tmp_path / "no-weights"
    shutil.copytree(clip_dir, folder)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ConfigError, match="no weights"):
        ClipEncoder(path=str(folder))


def test_folder_without_tokenizer_is_a_config_error(clip_dir, tmp_path):
    folder = tmp_path / "no-tokenizer"
    shutil.copytree(clip_dir, folder)
    for path in folder.glob("tokenizer*"):
        path.unlink()
    with pytest.raises(ConfigError, match="no tokenizer"):
        ClipEncoder(path=str(folder))
