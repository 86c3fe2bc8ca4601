"""SIGKILL a training process mid-epoch, resume it, and end where an uninterrupted run ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from kill_resume_run import OPTIONS, build

from sbkit.training import fit
from sbkit.training.checkpoint import STATE

HERE = Path(__file__).parent
KILL_AFTER = 5  # step 5 of 6 in epoch 1: the checkpoint of step 4 is the last one


def test_killed_mid_epoch_then_resumed_matches_an_uninterrupted_run(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
           "SBKIT_QUIET": "1"}
    child = subprocess.Popen([sys.executable, str(HERE / "kill_resume_run.py"), str(tmp_path / "run")], cwd=HERE,
                             env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    full_model, full_loss, full_data = build()  # the uninterrupted run, while the child starts up
    full_history = fit(full_model, full_loss, full_data, OPTIONS, out_dir=tmp_path / "full")
    steps = []
    try:
        for line in child.stdout:
            steps.append(int(line.split()[1]))
            if steps[-1] == KILL_AFTER:
                child.send_signal(signal.SIGKILL)  # while it waits after step 5, before step 6
                break
            child.stdin.write("\n")
            child.stdin.flush()
    finally:
        child.kill()
        _, err = child.communicate(timeout=60)
    assert steps == list(range(1, KILL_AFTER + 1)), err
    assert child.returncode == -signal.SIGKILL
    state = torch.load(tmp_path / "run" / STATE, weights_only=True)
    assert (state["epoch"], state["batch"], state["step"]) == (0, 4, 4)
    assert not (tmp_path / "run" / "history.json").exists()  # no epoch had finished

    model, loss, data = build()  # a fresh model: everything comes back from the checkpoint
    history = fit(model, loss, data, OPTIONS, out_dir=tmp_path / "run", resume=True)
    for name, tensor in full_model.state_dict().items():
        assert torch.allclose(model.state_dict()[name], tensor, atol=1e-6), name
    assert loss.log_scale.item() == pytest.approx(full_loss.log_scale.item(), abs=1e-6)
    assert [r["loss"] for r in history] == pytest.approx([r["loss"] for r in full_history], rel=1e-5)
    assert [r["step"] for r in history] == [6, 12]
    saved = json.loads((tmp_path / "run" / "history.json").read_text())
    assert [r["loss"] for r in saved] == pytest.approx([r["loss"] for r in full_history], rel=1e-5)
