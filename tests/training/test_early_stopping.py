"""Early stopping: stop after ``early_stopping`` epochs without improvement, keep and restore the best weights."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open
from sbkit_torch import InfoNCE
from synthetic_catalogue import synthetic_data
from bn_free_models import tiny_model

from sbkit.errors import ConfigError
from sbkit.training import TrainOptions, fit
from sbkit.training.best import BEST

SCORES = [0.1, 0.3, 0.2, 0.25, 0.5, 0.6]  # best at epoch 2; two epochs without improvement stop it after epoch 4


class Validation:
    """Returns ``SCORES[epoch - 1]`` as ``val.R@10`` and remembers the weights of each epoch."""

    def __init__(self, model, fail_at: int | None = None) -> None:
        self.model, self.fail_at, self.weights = model, fail_at, {}

    def __call__(self, epoch: int, record: dict) -> dict:
        if epoch == self.fail_at:
            raise KeyboardInterrupt
        self.weights[epoch] = {k: v.clone() for k, v in self.model.state_dict().items()}
        return {"val": {"R@10": SCORES[epoch - 1]}}


OPTIONS = {"epochs": 6, "batch_size": 12, "lr": 5e-3, "amp": "off", "early_stopping": 2, "monitor": "val.R@10"}


def run(tmp_path, restore_best: bool, fail_at: int | None = None, resume: bool = False, out: bool = True):
    data = synthetic_data(n=24)
    model = tiny_model(data)
    validation = Validation(model, fail_at)
    history = fit(model, InfoNCE(), data, TrainOptions(**OPTIONS), out_dir=tmp_path if out else None,
                  on_epoch_end=validation, restore_best=restore_best, resume=resume)
    return model, validation, history


def same(a: dict, b: dict) -> bool:
    return all(torch.equal(v, b[k]) for k, v in a.items())


def test_stops_after_patience_and_restores_the_best_weights(tmp_path):
    model, validation, history = run(tmp_path, restore_best=True)
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert [r["best_epoch"] for r in history] == [1, 2, 2, 2]
    assert same(model.state_dict(), validation.weights[2]) and not same(model.state_dict(), validation.weights[4])
    with safe_open(str(tmp_path / BEST), framework="pt") as f:
        assert f.metadata()["epoch"] == "2"
    assert json.loads((tmp_path / "history.json").read_text())[-1]["best_epoch"] == 2


def test_without_restore_keeps_the_last_weights_and_without_out_dir_keeps_best_in_memory(tmp_path):
    model, validation, _ = run(tmp_path, restore_best=False)
    assert same(model.state_dict(), validation.weights[4])
    model, validation, _ = run(tmp_path / "unused", restore_best=True, out=False)
    assert same(model.state_dict(), validation.weights[2]) and not (tmp_path / "unused").exists()


def test_resume_keeps_the_best_epoch_and_the_stopping_point(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, restore_best=True, fail_at=3)  # epochs 1 and 2 are checkpointed
    model, validation, history = run(tmp_path, restore_best=True, resume=True)
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert sorted(validation.weights) == [3, 4]  # only the remaining epochs ran
    assert [r["best_epoch"] for r in history] == [1, 2, 2, 2]
    reference, _, _ = run(tmp_path / "full", restore_best=True)
    assert same(model.state_dict(), reference.state_dict())

    again, validation, history = run(tmp_path, restore_best=True, resume=True)  # stopped runs stay stopped
    assert not validation.weights and len(history) == 4 and same(again.state_dict(), reference.state_dict())


def test_monitor_must_be_in_the_record(tmp_path):
    data = synthetic_data(n=24)
    with pytest.raises(ConfigError, match="val_R@10"):
        fit(tiny_model(data), InfoNCE(), data, TrainOptions(epochs=1, batch_size=12, early_stopping=1))
    with pytest.raises(ConfigError, match=r"keys: .*val\.R@1"):
        fit(tiny_model(data), InfoNCE(), data, TrainOptions(epochs=1, batch_size=12, monitor="val.R@10"),
            on_epoch_end=lambda epoch, record: {"val": {"R@1": 0.5}}, restore_best=True)
    with pytest.raises(ConfigError, match="monitor_mode"):
        TrainOptions(monitor_mode="largest")
    options = TrainOptions(epochs=3, batch_size=12, lr=5e-3, early_stopping=1, monitor="loss")
    assert not options.higher_is_better
    history = fit(tiny_model(data), InfoNCE(), data, options)
    assert history[-1]["best_epoch"] == min(history, key=lambda r: r["loss"])["epoch"]
