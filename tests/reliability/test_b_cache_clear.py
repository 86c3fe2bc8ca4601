"""Clearing sbkit's cache while a run reads it: refused, naming the run, with nothing removed; done after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from b_helpers import error_line, sbkit_cli, snapshot, start_paused_run

from sbkit.cache_lock import LOCK_PREFIX


def _entries(cache: Path) -> dict[str, str]:
    """The cache's files and folders with their hashes, without the lock files that each use of a part adds."""
    return {name: digest for name, digest in snapshot(cache).items() if not name.startswith(LOCK_PREFIX)}


def test_clearing_the_cache_under_a_running_job_is_refused_then_done_after_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SBKIT_CACHE", str(cache))
    child = start_paused_run(tmp_path / "run")
    try:
        assert child.stdout.readline().startswith("step 1")  # training: the run's sketches are in the cache
        before = _entries(cache)
        assert any(name.startswith("prepared/") for name in before) and any(n.startswith("demo-") for n in before)
        code, output = sbkit_cli(capsys, "cache", "clear", "--all")
        line = error_line(output)
        assert code == 2 and f"is in use by pid {child.pid}" in line and "b_run_paused.py" in line, line
        assert _entries(cache) == before
        child.stdin.write("\n" * 100)  # let the run finish
        child.stdin.flush()
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert (tmp_path / "run" / "metrics.json").is_file()
    code, output = sbkit_cli(capsys, "cache", "clear", "--all")
    assert code == 0, output
    assert not any(path.is_file() for path in cache.rglob("*") if not path.name.startswith(LOCK_PREFIX))
