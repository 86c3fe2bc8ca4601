"""Helpers of the part-B reliability battery: tiny run settings, the CLI in-process, folder snapshots."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sbkit.cli.app import main

# The settings of tests/conftest.py's run_dir fixture: the demo catalogue at 60 items, a few seconds a run.
TINY = {"data": {"name": "demo", "size": 60, "image_size": 64}, "image_size": 32, "epochs": 1, "batch_size": 32,
        "encoder": {"name": "small", "dim": 32, "width": 8}, "device": "cpu"}
TRAIN_ARGS = ["--image-size", "32", "--epochs", "1", "--batch-size", "32", "--encoder", "small", "--encoder.dim", "32",
              "--encoder.width", "8", "--device", "cpu"]
DEMO_ARGS = ["--data", "demo", "--data.size", "60", "--data.image_size", "64"]
TINY_ARGS = [*DEMO_ARGS, *TRAIN_ARGS]


def start_paused_run(out: Path) -> subprocess.Popen:
    """``b_run_paused.py OUT`` in a child process, with pipes to read its steps and let it go on."""
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")]),
           "SBKIT_QUIET": "1"}
    return subprocess.Popen([sys.executable, str(here / "b_run_paused.py"), str(out)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def sbkit_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``sbkit ARGS`` in this process as the console script does; (exit code, stdout + stderr)."""
    capsys.readouterr()
    try:
        main(["--quiet", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def error_line(output: str) -> str:
    """The one ``error:`` line of a refused command; fails when there is none, several, or a traceback."""
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` with the SHA-256 of each file's bytes ("dir" for folders)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): ("dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*"))}

