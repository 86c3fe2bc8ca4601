"""The run config: TOML round trip, precedence and errors."""

from __future__ import annotations

import pytest

from sbkit.config import RunConfig
from sbkit.errors import ConfigError


def test_toml_round_trip(tmp_path):
    config = RunConfig().updated({"epochs": 3, "fuser": "avg", "sketchifier": {"name": "canny", "sigma": 1.5}})
    config.save(tmp_path / "c.toml")
    again = RunConfig.from_toml(tmp_path / "c.toml")
    assert again == config
    assert again.sketchifier.params == {"sigma": 1.5}


def test_a_path_parameter_is_saved_as_text_and_read_back(tmp_path):
    from pathlib import Path

    from sbkit.pipeline.run import typed_params
    from sbkit.registry import get_registry

    config = RunConfig().updated({"data": {"name": "folder", "path": "shops/mine", "allow_outside": "true"}})
    typed_params(config, get_registry())  # as `sbkit run --data folder --data.path shops/mine` does
    assert config.data.params["path"] == Path("shops/mine")
    config.save(tmp_path / "c.toml")
    again = RunConfig.from_toml(tmp_path / "c.toml")
    typed_params(again, get_registry())
    assert again == config


def test_changing_a_component_name_drops_its_old_params():
    config = RunConfig().updated({"sketchifier": {"name": "canny", "sigma": 2.0}})
    assert config.updated({"sketchifier": "xdog"}).sketchifier.params == {}
    assert config.updated({"sketchifier": {"low": 10}}).sketchifier.params == {"sigma": 2.0, "low": 10}


def test_unknown_setting_and_bad_type_are_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting 'epoch'"):
        RunConfig().updated({"epoch": 3})
    with pytest.raises(ConfigError, match="epochs: expected int"):
        RunConfig().updated({"epochs": "many"})
    (tmp_path / "bad.toml").write_text("epochs = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        RunConfig.from_toml(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        RunConfig.from_toml(tmp_path / "missing.toml")


def test_sketch_text_positives_reach_training_only_beside_caption_positives():
    import torch

    from sbkit.pipeline.run import train_options

    config = RunConfig().updated({"sketch_text_positives": 0.4})
    assert train_options(config, torch.device("cpu")).sketch_text_positives == 0.4
    # without caption positives a batch never says which items a caption describes: nothing to share
    alone = config.updated({"caption_positives": False})
    assert train_options(alone, torch.device("cpu")).sketch_text_positives == 0.0
    with pytest.raises(ConfigError, match="sketch_text_positives"):
        RunConfig().updated({"sketch_text_positives": 2})
