"""Two ``sbkit sketchify`` jobs on one job folder: the second is refused with one clear line while the first
runs, the folder ends with one manifest line per item, and a killed job never leaves the folder locked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from a_support import bomb_png, cli, one_error_line, photo_folder, sbkit_command

from sbkit.errors import DataError
from sbkit.folder_lock import folder_lock
from sbkit.sketch.job import JOB_LOCK
from sbkit.sketch.job import sketchify_job

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="folder locks use fcntl.flock")
N_PHOTOS = 120


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return photo_folder(tmp_path_factory.mktemp("concurrency") / "photos", N_PHOTOS)


def manifest_ids(out: Path) -> list[str]:
    return [json.loads(line)["id"] for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_a_second_job_on_a_busy_folder_is_refused_in_one_line(photos: Path, tmp_path: Path, capsys):
    out = tmp_path / "job"
    out.mkdir()
    with folder_lock(out, "sketchify job", name=JOB_LOCK):  # a job that is running in this folder
        code, stdout, err = cli(capsys, "sketchify", photos, "--out", out, "-j", "1")
    assert code == 2 and stdout == ""
    line = one_error_line(err)
    assert f"{out} is in use by another sketchify job (process {os.getpid()})" in line and "another --out" in line
    assert not (out / "manifest.jsonl").exists() and not (out / "sketches").exists()


def test_the_python_api_refuses_a_busy_folder_too(photos: Path, tmp_path: Path):
    out = tmp_path / "job"
    out.mkdir()
    with folder_lock(out, "sketchify job", name=JOB_LOCK), pytest.raises(DataError, match="is in use by another sketchify job"):
        sketchify_job(str(photos), out, workers=1)


def test_two_jobs_started_together_leave_one_line_per_item(photos: Path, tmp_path: Path):
    """The reported case: two identical jobs ended with 3,360 manifest lines for 2,000 ids."""
    out = tmp_path / "job"
    env = {**os.environ, "SBKIT_QUIET": "1"}
    command = sbkit_command("sketchify", photos, "--out", out, "-j", "1", "--size", 512)
    jobs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for _ in range(2)]
    results = [(job.wait(timeout=120), *job.communicate()) for job in jobs]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 2]), results  # refused while the other ran, or resumed after it
    for code, _, err in results:
        if code == 2:
            assert "is in use by another sketchify job" in one_error_line(err)
    ids = manifest_ids(out)
    assert len(ids) == len(set(ids)) == N_PHOTOS


def test_a_killed_job_does_not_keep_the_folder_locked(photos: Path, tmp_path: Path):
    out = tmp_path / "job"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a');"
                               "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
                               str(out / "job.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DataError, match="in use"):
            sketchify_job(str(photos), out, workers=1)
    finally:
        holder.kill()
        holder.wait()
    summary = sketchify_job(str(photos), out, workers=1)
    assert summary.done == N_PHOTOS and len(manifest_ids(out)) == N_PHOTOS


def test_threads_opening_bombs_at_once_leak_no_warning(tmp_path):
    """Warning filters are process-wide: threads that each turned PIL's bomb warning into an error for a while
    let some warnings through (7 in 8,000 opens here before opening took turns)."""
    import threading
    import warnings

    from sbkit.data.images import ImageError, read_image

    bomb = tmp_path / "bomb.png"
    bomb_png(bomb, 10_000, 10_000)
    reasons: list[str] = []

    def open_many() -> None:
        for _ in range(1000):
            try:
                read_image(bomb)
            except ImageError as exc:
                reasons.append(exc.reason)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=open_many) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert reasons == ["too_large"] * 8000
    assert not [w for w in seen if "DecompressionBomb" in w.category.__name__]
