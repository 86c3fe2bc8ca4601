"""The sbkit command: plugins, list, clear errors for bad names and parameters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sbkit.cli.app import create_app, main

runner = CliRunner()


def test_plugins_table_and_json():
    result = runner.invoke(create_app(), ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    records = {r["name"]: r for r in json.loads(result.output)}
    assert records["opencv"]["status"] == "ok"
    assert "canny-clahe" in records["opencv"]["components"]["sketchifier"]
    assert "concat" in records["torch"]["components"]["fuser"]


@pytest.mark.parametrize("kind", ["sketchifier", "fusers", "loss", "encoder", "index", "dataset"])
def test_list_shows_components_with_params(kind):
    result = runner.invoke(create_app(), ["list", kind, "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert entries and all(e["description"] for e in entries)


def test_list_sketchifier_documents_parameters():
    entries = {e["name"]: e for e in json.loads(runner.invoke(create_app(), ["list", "sketchifier", "--json"]).output)}
    params = {p["name"]: p for p in entries["canny-clahe"]["params"]}
    assert "adaptive" in params and params["adaptive"]["doc"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sbkit", *args], capture_output=True, text=True, timeout=120)


def test_bad_fuser_name_is_one_clear_line_without_traceback():
    result = run_cli("run", "--fuser", "nope")
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "unknown fuser 'nope'" in lines[0] and "concat" in lines[0] and "avg" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_component_parameter_lists_valid_ones(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--sketchifier", "canny", "--sketchifier.sigmaa", "2"])
    assert info.value.code != 0
    err = capsys.readouterr().err
    assert "no parameter 'sigmaa'" in err and "sigma" in err


def test_help_explains_every_run_option():
    result = runner.invoke(create_app(), ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--sketchifier", "--encoder", "--fuser", "--loss", "--data", "--epochs", "--image-size",
                   "--batch-size", "--device", "--seed", "--out", "--config"):
        assert option in result.output
