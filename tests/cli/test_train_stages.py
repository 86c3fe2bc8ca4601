"""``sbkit train`` and ``sbkit eval`` as separate stages; ``sbkit train --nproc 2`` trains data-parallel through
torchrun, writes one run folder from rank 0, and resumes after being killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from safetensors.torch import load_file

from sbkit.errors import ConfigError, DataError
from sbkit.pipeline.eval_stage import evaluate_run
from sbkit.pipeline.train_stage import train_run

TINY = {"data": {"name": "demo", "size": 60, "image_size": 64}, "image_size": 32, "batch_size": 16,
        "encoder": {"name": "small", "dim": 32, "width": 8}, "sketchifier": "canny-clahe", "fuser": "concat",
        "caption_augment": 0.0, "every_mode": False, "holdout": "", "device": "cpu"}
TINY_ARGS = ["--data", "demo", "--data.size", "60", "--data.image_size", "64", "--image-size", "32", "--batch-size",
             "16", "--encoder", "small", "--encoder.dim", "32", "--encoder.width", "8", "--sketchifier",
             "canny-clahe", "--fuser", "concat", "--caption-augment", "0", "--one-mode", "--holdout", "",
             "--device", "cpu", "--workers", "0"]
RUN_FILES = {"checkpoint", "config.toml", "metrics.json", "model", "skipped.jsonl"}
needs_gloo = pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="needs gloo")


def sbkit_train(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sbkit", "-q", "train", *TINY_ARGS, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def finish(process: subprocess.Popen, timeout: float = 240) -> str:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out[-3000:]
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (torchrun starts its ranks in sessions of their own)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for child in children for p in process_tree(int(child)))]


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(run / "model" / "model.safetensors")


def test_train_then_eval_as_separate_stages(tmp_path) -> None:
    result = train_run(out=str(tmp_path / "run"), epochs=1, **TINY)
    run = result.run_dir
    assert {p.name for p in run.iterdir()} >= RUN_FILES and not (run / "index").exists()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["stage"] == "train" and metrics["processes"] == 1 and len(metrics["history"]) == 1
    assert "test" not in metrics["counts"]  # training never reads the test split
    evaluated = evaluate_run(run, "demo", {"size": 60, "image_size": 64}, device="cpu", workers=0)
    assert evaluated.out == run / "eval" / "demo-test"
    saved = json.loads((evaluated.out / "metrics.json").read_text())
    r10 = saved["metrics"]["sketch+text"]["synthetic"]["R@10"]
    assert 0 <= r10 <= 1 and saved["counts"]["test"] >= 2
    assert "| sketch+text |" in (evaluated.out / "report.md").read_text()
    with pytest.raises(DataError, match="--split 'holdout' is not a split"):
        evaluate_run(run, "demo", {"size": 60, "image_size": 64}, split="holdout")


def test_sbkit_run_under_torchrun_says_to_use_train(monkeypatch, tmp_path) -> None:
    import sbkit

    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ConfigError, match="sbkit train --nproc N"):
        sbkit.run(out=str(tmp_path / "run"), **TINY)
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory) -> Path:
    """An uninterrupted 2-process `sbkit train --nproc 2` of 3 epochs."""
    run = tmp_path_factory.mktemp("ddp") / "run"
    finish(sbkit_train("--epochs", "3", "--out", str(run), "--nproc", "2"))
    return run


@needs_gloo
def test_two_process_train_writes_one_run_folder(two_process_run) -> None:
    from sbkit.retrieval.run_folder import load_run

    run = two_process_run
    assert {p.name for p in run.iterdir() if p.name != ".sbkit.lock"} == RUN_FILES  # rank 1 wrote nothing more
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["processes"] == 2 and [r["epoch"] for r in metrics["history"]] == [1, 2, 3]
    assert all(r["loss"] == r["loss"] and "val_R@10" in r for r in metrics["history"])  # finite, validated
    loaded = load_run(run)  # the model files match their record, and load
    assert loaded.model is not None
    checkpoint = json.loads((run / "checkpoint" / "history.json").read_text())
    assert len(checkpoint) == 3


@needs_gloo
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the ranks through /proc")
def test_killed_two_process_run_resumes_to_the_same_weights(two_process_run, tmp_path) -> None:
    run = tmp_path / "run"
    process = sbkit_train("--epochs", "3", "--out", str(run), "--nproc", "2")
    history = run / "checkpoint" / "history.json"
    deadline = time.monotonic() + 240
    while not history.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in process_tree(process.pid):  # the launcher and both ranks, as a crash would
        os.kill(pid, signal.SIGKILL)
    process.communicate()
    assert history.exists() and not (run / "metrics.json").exists(), "the run ended before it could be killed"
    finish(sbkit_train("--resume", str(run), "--nproc", "2"))
    metrics = json.loads((run / "metrics.json").read_text())
    assert [r["epoch"] for r in metrics["history"]] == [1, 2, 3]
    expected, got = weights(two_process_run), weights(run)
    assert expected.keys() == got.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(got[name], tensor, atol=1e-5, rtol=1e-4, msg=name)
