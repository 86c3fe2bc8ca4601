"""Bad configs through all three entry points (CLI, TOML, Python API): one declaration of limits, one error.

Every numeric setting of RunConfig is tried below its lower bound and above its upper bound; each entry
point must refuse it with one line naming the setting, before any run folder exists.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import tomli_w
import typer
from b_helpers import error_line, sbkit_cli

import sbkit
from sbkit.config import RunConfig
from sbkit.errors import ConfigError
from sbkit.limits import describe, field_limits

NUMERIC = [f.name for f in dataclasses.fields(RunConfig) if f.type in ("int", "float", int, float)]
CLI_OPTIONS = {"epochs", "image_size", "batch_size", "lr", "augment", "early_stopping", "grad_cache_chunk", "seed"}


def _bad_values(name: str) -> list[float]:
    limits = field_limits(RunConfig, name)
    values = []
    if "min" in limits:
        values.append(limits["min"] - 1)
    if "above" in limits:
        values.append(limits["above"])
    if "max" in limits:
        values.append(limits["max"] + 1)
    if isinstance(getattr(RunConfig(), name), float):
        values.append(math.nan)
    return values


BAD = [pytest.param(name, value, id=f"{name}={value}") for name in NUMERIC for value in _bad_values(name)]


def test_every_numeric_setting_declares_its_limits():
    assert {"epochs", "image_size", "batch_size", "lr", "seed"} <= set(NUMERIC)
    undeclared = [name for name in NUMERIC if not field_limits(RunConfig, name)]
    assert not undeclared, f"declare min/max (or above) in the field metadata of: {undeclared}"


@pytest.mark.parametrize(("name", "value"), BAD)
def test_toml_refuses_out_of_range_values(name, value, tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps({name: value}), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"bad\.toml: {name} must be"):
        RunConfig.from_toml(path)


@pytest.mark.parametrize(("name", "value"), BAD)
def test_python_api_refuses_out_of_range_values(name, value, tmp_path: Path):
    with pytest.raises(ConfigError, match=rf"{name} must be"):
        sbkit.run(out=str(tmp_path / "run"), **{name: value})
    with pytest.raises(ConfigError, match=rf"{name} must be"):  # a RunConfig built by hand is checked too
        sbkit.run(dataclasses.replace(RunConfig(), out=str(tmp_path / "run"), **{name: value}))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("name", "value"), BAD)
def test_cli_refuses_out_of_range_values(name, value, tmp_path: Path, capsys):
    out = tmp_path / "run"
    if name in CLI_OPTIONS:
        code, output = sbkit_cli(capsys, "run", f"--{name.replace('_', '-')}", str(value), "--out", str(out))
    else:  # settings without an option of their own come from --config
        (tmp_path / "c.toml").write_text(tomli_w.dumps({name: value}), encoding="utf-8")
        code, output = sbkit_cli(capsys, "run", "--config", str(tmp_path / "c.toml"), "--out", str(out))
    assert code == 2
    assert f"{name} must be" in error_line(output)
    assert not out.exists()


@pytest.mark.parametrize("name", NUMERIC)
def test_the_bounds_themselves_are_accepted(name):
    for key in ("min", "max"):
        bound = field_limits(RunConfig, name).get(key)
        if bound is not None:
            assert getattr(RunConfig().updated({name: bound}), name) == bound


@pytest.mark.parametrize("name", sorted(CLI_OPTIONS))
def test_cli_help_shows_the_declared_bounds(name):
    from sbkit.cli.app import create_app

    command = typer.main.get_command(create_app()).commands["run"]
    option = next(p for p in command.params if p.name == name)
    assert f"(allowed: {describe(field_limits(RunConfig, name))})" in option.help


def test_unknown_setting_is_refused_by_all_three(tmp_path: Path, capsys):
    (tmp_path / "c.toml").write_text("epoch = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'epoch'.*epochs"):
        RunConfig.from_toml(tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="unknown setting 'epoch'"):
        sbkit.run(epoch=3, out=str(tmp_path / "run"))
    code, output = sbkit_cli(capsys, "run", "--epoch", "3", "--out", str(tmp_path / "run"))
    assert code == 2 and "--epoch" in error_line(output)
    code, output = sbkit_cli(capsys, "run", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "run"))
    assert code == 2 and "unknown setting 'epoch'" in error_line(output)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text", ['epochs = "many"', "epochs = 1.5", "epochs = true", 'lr = "fast"', "probes = 3",
                                  "fuser = 5", "device = 3", "data = [1, 2]", "[seed]\nname = 1"],
                         ids=["epochs-string", "epochs-float", "epochs-bool", "lr-string", "probes-int", "fuser-int",
                              "device-int", "data-list", "seed-table"])
def test_toml_wrong_types_are_one_line_errors(text, tmp_path: Path, capsys):
    (tmp_path / "c.toml").write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c\.toml: "):
        RunConfig.from_toml(tmp_path / "c.toml")
    code, output = sbkit_cli(capsys, "run", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "run"))
    assert code == 2 and "c.toml" in error_line(output)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("overrides", [{"epochs": "3x"}, {"epochs": True}, {"lr": [1]}, {"fuser": 5},
                                       {"probes": "maybe"}],
                         ids=["epochs-string", "epochs-bool", "lr-list", "fuser-int", "probes-string"])
def test_python_api_wrong_types(overrides, tmp_path: Path):
    with pytest.raises(ConfigError, match=r"run\(\): "):
        sbkit.run(out=str(tmp_path / "run"), **overrides)
    assert not (tmp_path / "run").exists()


def test_cli_wrong_type_is_refused_without_traceback(tmp_path: Path, capsys):
    code, output = sbkit_cli(capsys, "run", "--epochs", "many", "--out", str(tmp_path / "run"))
    assert code == 2 and "--epochs" in output and "Traceback" not in output
    assert not (tmp_path / "run").exists()


def test_broken_toml_file_is_one_line(tmp_path: Path, capsys):
    (tmp_path / "c.toml").write_bytes(b"epochs = = 3\n")
    code, output = sbkit_cli(capsys, "run", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "run"))
    assert code == 2 and "is not valid TOML" in error_line(output)
    (tmp_path / "c.toml").write_bytes("epochs = 3 # \u00e9".encode("latin-1"))
    code, output = sbkit_cli(capsys, "run", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "run"))
    assert code == 2 and "is not valid TOML" in error_line(output)
    assert not (tmp_path / "run").exists()
