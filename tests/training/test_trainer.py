"""fit: it learns, checkpoints, resumes to the same weights, and writes its history."""

from __future__ import annotations

import json
import math

import pytest
import sbkit_torch
import torch
from sbkit_torch import InfoNCE, SmallEncoder
from synthetic_catalogue import synthetic_data

from sbkit.errors import ConfigError, DataError, ShapeError
from sbkit.plugins import PluginHost, reset_host
from sbkit.training import TrainData, TrainOptions, build_model, fit
from sbkit.training.checkpoint import STATE
from sbkit.training.data import pick_captions
from sbkit.training.precision import autocast_dtype
from sbkit.training.schedule import WarmupCosine
from sbkit.training.trainer import make_optimizer


def make_model(data: TrainData, fuser: str = "concat"):
    torch.manual_seed(0)
    encoder = SmallEncoder(dim=16, width=4)
    encoder.prepare(data.captions)
    return build_model(encoder, fuser)


def test_fit_lowers_the_loss(torch_plugins, tiny_data, tmp_path):
    seen = []
    history = fit(make_model(tiny_data), InfoNCE(), tiny_data, TrainOptions(epochs=3, batch_size=16, lr=5e-3),
                  out_dir=tmp_path, on_epoch_end=lambda epoch, record: seen.append(epoch) or {"val": {"r@1": 0.5}})
    assert [r["epoch"] for r in history] == seen == [1, 2, 3]
    assert history[-1]["loss"] < 0.8 * history[0]["loss"]
    assert all(r["samples_per_s"] > 0 and r["lr"] > 0 and r["val"] == {"r@1": 0.5} for r in history)
    assert history[-1]["step"] == 3 * 4
    assert json.loads((tmp_path / "history.json").read_text()) == history
    csv_lines = (tmp_path / "history.csv").read_text().splitlines()
    assert "val.r@1" in csv_lines[0] and len(csv_lines) == 4
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / STATE).is_file()


class Interrupted(Exception):
    pass


class NoisyStop:
    """A sketch transform with its own generator (like stroke augmentation) that can stop training on its
    ``stop_at``-th batch, like a killed process."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.generator = torch.Generator().manual_seed(5)
        self.calls, self.stop_at = 0, stop_at

    def __call__(self, sketches: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.stop_at:
            raise Interrupted
        flips = torch.rand(sketches.shape, generator=self.generator) < 0.02
        return torch.where(flips, 255 - sketches, sketches)


OPTIONS = {"epochs": 3, "batch_size": 16, "lr": 5e-3, "amp": "off", "modality_dropout": (0.25, 0.25)}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Weights, loss state and history of the run the interrupted ones must reproduce."""
    host, threads = PluginHost(), torch.get_num_threads()
    host.register(sbkit_torch, name="torch")
    reset_host(host)
    torch.set_num_threads(1)
    try:
        data = synthetic_data()
        data.sketch_transform = NoisyStop()
        model = make_model(data, "mlp")  # mlp has dropout: the global RNG must be restored too
        loss = InfoNCE()
        history = fit(model, loss, data, TrainOptions(**OPTIONS), out_dir=tmp_path_factory.mktemp("full"))
    finally:
        reset_host(None)
        torch.set_num_threads(threads)
    return model.state_dict(), loss.state_dict(), history


@pytest.mark.parametrize("checkpoint_every,stop_at", [(3, 7), (0, 9)], ids=["mid-epoch", "epoch-end"])
def test_resume_gives_the_same_weights_as_an_uninterrupted_run(torch_plugins, tmp_path, uninterrupted,
                                                               checkpoint_every, stop_at):
    options = TrainOptions(**OPTIONS, checkpoint_every=checkpoint_every)
    data = synthetic_data()
    data.sketch_transform = NoisyStop(stop_at)
    with pytest.raises(Interrupted):
        fit(make_model(data, "mlp"), InfoNCE(), data, options, out_dir=tmp_path)
    state = torch.load(tmp_path / STATE, weights_only=True)
    assert (state["epoch"], state["batch"]) == ((1, 2) if checkpoint_every else (2, 0))

    data.sketch_transform = NoisyStop()  # its generator state comes back from the checkpoint
    model, loss = make_model(data, "mlp"), InfoNCE()
    history = fit(model, loss, data, options, out_dir=tmp_path, resume=True)
    weights, loss_state, full_history = uninterrupted
    for name, tensor in model.state_dict().items():
        assert torch.allclose(tensor, weights[name], atol=1e-6), name
    assert torch.allclose(loss.log_scale, loss_state["log_scale"], atol=1e-6)
    assert [r["loss"] for r in history] == pytest.approx([r["loss"] for r in full_history], rel=1e-5)


def test_resume_refuses_changed_options(torch_plugins, tiny_data, tmp_path):
    fit(make_model(tiny_data), InfoNCE(), tiny_data, TrainOptions(epochs=1, batch_size=32), out_dir=tmp_path)
    with pytest.raises(ConfigError, match="batch_size"):
        fit(make_model(tiny_data), InfoNCE(), tiny_data, TrainOptions(epochs=2, batch_size=16), out_dir=tmp_path,
            resume=True)
    history = fit(make_model(tiny_data), InfoNCE(), tiny_data, TrainOptions(epochs=1, batch_size=32),
                  out_dir=tmp_path, resume=True)
    assert [r["epoch"] for r in history] == [1]  # already finished: nothing more to do


def test_a_torn_checkpoint_is_detected(torch_plugins, tiny_data, tmp_path):
    options = TrainOptions(epochs=1, batch_size=32)
    fit(make_model(tiny_data), InfoNCE(), tiny_data, options, out_dir=tmp_path)
    make_model(tiny_data).save(tmp_path, metadata={"step": "999"})
    with pytest.raises(DataError, match="different moments"):
        fit(make_model(tiny_data), InfoNCE(), tiny_data, options, out_dir=tmp_path, resume=True)


def test_gradient_accumulation_counts_optimizer_steps(torch_plugins, tiny_data):
    history = fit(make_model(tiny_data), InfoNCE(), tiny_data,
                  TrainOptions(epochs=1, batch_size=16, grad_accum=3, amp="off"))
    assert history[0]["step"] == 2  # 4 batches -> groups of 3 and 1


def test_optimizer_groups_decay_only_matrices_and_include_the_loss(torch_plugins, tiny_data):
    model, loss = make_model(tiny_data), InfoNCE()
    optimizer = make_optimizer(model, loss, TrainOptions(weight_decay=0.1))
    grouped = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    assert grouped[id(loss.log_scale)] == 0.0
    assert grouped[id(model.encoder.vision.head.weight)] == 0.1
    assert grouped[id(model.encoder.vision.head.bias)] == 0.0
    assert len(grouped) == sum(1 for _ in model.parameters()) + 1


def test_warmup_then_cosine():
    schedule = WarmupCosine.from_fraction(100, 0.1)
    assert schedule.warmup_steps == 10
    factors = [schedule.factor(s) for s in range(100)]
    assert factors[:10] == sorted(factors[:10]) and factors[0] < 0.2
    assert factors[10] == pytest.approx(1.0)
    assert factors[10:] == sorted(factors[10:], reverse=True)
    assert factors[55] == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))


def test_options_and_data_are_checked():
    with pytest.raises(ConfigError, match="modality_dropout"):
        TrainOptions(modality_dropout=(0.7, 0.5))
    with pytest.raises(ConfigError, match="amp"):
        TrainOptions(amp="fp8")
    with pytest.raises(ConfigError, match="fp16"):
        autocast_dtype("fp16", torch.device("cpu"))
    assert autocast_dtype("off", torch.device("cpu")) is None
    assert TrainOptions(modality_dropout=[0.1, 0.2]).modality_dropout == (0.1, 0.2)
    good = synthetic_data(n=4)
    with pytest.raises(ShapeError, match="captions"):
        TrainData(good.images, good.sketches, good.captions[:3], good.labels)
    with pytest.raises(ShapeError, match="sketches"):
        TrainData(good.images, good.sketches.float(), good.captions, good.labels)


def test_picture_batches_mark_the_items_a_short_caption_describes():
    good = synthetic_data(n=6)
    variants = [[caption, caption.split()[1]] for caption in good.captions]  # "a red box on the left", "red"
    data = TrainData(good.images, good.sketches, good.captions, good.labels, caption_variants=variants,
                     descriptions=good.captions)
    rows = torch.tensor([5, 0, 2, 3])
    batch = data.batch(rows, torch.device("cpu"), piece=(2, 4))
    texts = pick_captions(variants, rows, 0)
    colours = [good.captions[i].split()[1] for i in rows.tolist()]
    expected = [[text == colours[j] or text == good.captions[rows[j]] for j in range(4)] for text in texts]
    assert batch.texts == texts[2:] and batch.text_positives.tolist() == expected
    assert TrainData(good.images, good.sketches, good.captions, good.labels).batch(rows, torch.device("cpu")) \
        .text_positives is None
    with pytest.raises(DataError, match="descriptions"):
        TrainData(good.images, good.sketches, good.captions, good.labels, descriptions=["x"])
