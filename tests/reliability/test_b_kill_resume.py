"""``sbkit run`` killed mid-training, and a second run on the same folder meanwhile: the second is refused,
and the killed run resumed with ``--resume`` ends where an uninterrupted run ends."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import numpy as np
import pytest
from b_helpers import TINY_ARGS, error_line, sbkit_cli, start_paused_run
from b_run_paused import SETTINGS
from safetensors.torch import load_file

import sbkit
from sbkit.compat import tomllib

HERE = Path(__file__).parent


def test_a_killed_run_refuses_company_then_resumes_to_the_uninterrupted_result(tmp_path: Path, capsys):
    out, full = tmp_path / "killed", tmp_path / "full"
    child = start_paused_run(out)
    try:
        steps = []
        for line in child.stdout:
            steps.append(int(line.split()[1]))
            if steps[-1] == 1:  # a second run on the same folder while the first trains: refused, nothing touched
                before = sorted(p.name for p in out.iterdir())
                code, output = sbkit_cli(capsys, "run", *TINY_ARGS, "--out", str(out))
                line = error_line(output)
                assert code == 2 and str(out) in line and f"process {child.pid}" in line
                assert sorted(p.name for p in out.iterdir()) == before
            if (out / "checkpoint" / "history.json").is_file():  # epoch 1 has ended and is checkpointed
                child.send_signal(signal.SIGKILL)
                break
            child.stdin.write("\n")
            child.stdin.flush()
    finally:
        child.kill()
        _, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    assert steps[0] == 1 and steps[-1] > 1 and not (out / "report.md").exists()

    code, output = sbkit_cli(capsys, "run", *TINY_ARGS, "--out", str(out))  # a new run may not overwrite it
    assert code == 2 and "already holds a run" in error_line(output)
    code, output = sbkit_cli(capsys, "run", "--resume", str(out))  # the kill left no stale lock
    assert code == 0, output

    sbkit.run(**SETTINGS, out=str(full))
    resumed = load_file(out / "model" / "model.safetensors")
    uninterrupted = load_file(full / "model" / "model.safetensors")
    assert resumed.keys() == uninterrupted.keys()
    for name, tensor in uninterrupted.items():
        assert resumed[name].allclose(tensor, atol=1e-5), name
    metrics = [numbers(json.loads((folder / "metrics.json").read_text())["metrics"]) for folder in (out, full)]
    assert metrics[0].keys() == metrics[1].keys()
    assert metrics[0] == pytest.approx(metrics[1], abs=1e-6)
    history = [json.loads((folder / "checkpoint" / "history.json").read_text()) for folder in (out, full)]
    assert [r["loss"] for r in history[0]] == pytest.approx([r["loss"] for r in history[1]], rel=1e-5)
    configs = [tomllib.loads((folder / "config.toml").read_text()) for folder in (out, full)]
    assert {**configs[0], "out": ""} == {**configs[1], "out": ""}
    assert (out / "index" / "ids.json").read_bytes() == (full / "index" / "ids.json").read_bytes()
    vectors = [np.fromfile(folder / "index" / "vectors.f32", dtype=np.float32) for folder in (out, full)]
    assert np.allclose(vectors[0], vectors[1], atol=1e-5)


def numbers(tree, prefix: str = "") -> dict[str, float]:
    """Every number in nested dicts and lists, by its path."""
    if isinstance(tree, dict):
        return {k: v for key, value in tree.items() for k, v in numbers(value, f"{prefix}/{key}").items()}
    if isinstance(tree, list):
        return {k: v for i, value in enumerate(tree) for k, v in numbers(value, f"{prefix}/{i}").items()}
    return {prefix: float(tree)}
