"""DataLoader workers never re-run the caller's script, so `sbkit.run` works from a script with no main guard."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path

    import torch
    from torch.utils.data import DataLoader

    from sbkit.data.workers import WORKER_START

    marker = Path(sys.argv[1])
    with marker.open("a") as f:  # one line per time this script's body runs
        f.write("ran\\n")
    loader = DataLoader(list(range(8)), batch_size=4, num_workers=2, multiprocessing_context=WORKER_START)
    print(sum(int(batch.sum()) for batch in loader))
""")


def _run(tmp_path: Path, how: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    marker = tmp_path / "ran.txt"
    script = tmp_path / "no_guard.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env_path = f"{ROOT}:{ROOT / 'plugins'}"
    command = [sys.executable, str(script), str(marker)] if how == "file" else [sys.executable, "-", str(marker)]
    result = subprocess.run(command, input=SCRIPT if how == "stdin" else None, capture_output=True, text=True,
                            timeout=120, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    return result, marker.read_text().splitlines() if marker.exists() else []


def test_workers_do_not_rerun_a_script_without_a_main_guard(tmp_path):
    result, runs = _run(tmp_path, "file")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "28" and runs == ["ran"]


def test_workers_do_not_rerun_code_piped_to_python(tmp_path):
    result, runs = _run(tmp_path, "stdin")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "28" and runs == ["ran"]
