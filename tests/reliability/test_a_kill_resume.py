"""Kill and resume: ``sbkit sketchify`` killed (SIGKILL, SIGTERM) or interrupted (SIGINT, Ctrl-C) leaves no
orphaned worker, keeps what it finished, and resumes to the bytes of an uninterrupted run; ``index build``
interrupted mid-way resumes to the vectors of an uninterrupted build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from a_support import alive, children, photo_folder, sbkit_command

from sbkit.retrieval.build import BuildOptions, build_index
from sbkit.retrieval.embeddings import STORE_DIR, EmbeddingStore
from sbkit.retrieval.gallery import run_source
from sbkit.retrieval.run_folder import load_run, open_index
from sbkit.sketch.job import sketchify_job
from sbkit.sketch.job_worker import SketchWorker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find workers")
N_PHOTOS, SIZE = 240, 768


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return photo_folder(tmp_path_factory.mktemp("kill") / "photos", N_PHOTOS)


@pytest.fixture(scope="module")
def reference(photos: Path) -> Path:
    """The uninterrupted job."""
    out = photos.parent / "reference"
    sketchify_job(str(photos), out, workers=1, size=SIZE)
    return out


def outputs(out: Path) -> dict[str, bytes]:
    """Every file of a job folder that a run is meant to produce, by relative path (manifest lines sorted:
    with several workers, chunks finish in any order)."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "sketches").rglob("*") if p.is_file()}
    files["manifest.jsonl"] = b"".join(sorted((out / "manifest.jsonl").read_bytes().splitlines(keepends=True)))
    files["job.json"] = (out / "job.json").read_bytes()
    return files


def start_job(photos: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    """``sbkit sketchify`` with two workers, and their pids; returns once its first chunk is in the manifest,
    with the workers paused (SIGSTOP) so the job cannot finish before the test signals it: resume them with
    :func:`resume_workers` right after that signal."""
    # A shell without job control starts background commands with Ctrl-C ignored, and exec passes that on;
    # a handler (not "ignored") in this process gives the job the default instead, as a terminal would.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        child = subprocess.Popen(sbkit_command("sketchify", photos, "--out", out, "-j", "2", "--size", SIZE),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "SBKIT_QUIET": "1"})
    finally:
        signal.signal(signal.SIGINT, previous)
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 60
    while not (manifest.exists() and manifest.stat().st_size) and child.poll() is None:
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.001)
    workers = children(child.pid)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    assert child.poll() is None and lines(out) < N_PHOTOS, "the job finished before it could be signalled"
    return child, workers


def resume_workers(workers: list[int]) -> None:
    for pid in workers:
        if alive(pid):
            os.kill(pid, signal.SIGCONT)


def lines(out: Path) -> int:
    return len((out / "manifest.jsonl").read_bytes().splitlines())


def wait_gone(pids: list[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_sketchify_leaves_no_worker_and_resumes_to_the_same_bytes(sig, photos: Path, reference: Path,
                                                                         tmp_path: Path):
    out = tmp_path / "job"
    child, workers = start_job(photos, out)
    assert len(workers) == 2
    child.send_signal(sig)
    resume_workers(workers)
    child.communicate(timeout=60)
    assert child.returncode == -sig
    assert wait_gone(workers) == [], "workers outlived the killed job"
    assert 0 < lines(out) < N_PHOTOS
    summary = sketchify_job(str(photos), out, workers=2, size=SIZE)  # the lock died with the job
    assert summary.resumed > 0 and summary.finished == N_PHOTOS
    assert outputs(out) == outputs(reference)
    assert not [p for p in out.rglob(".*") if p.is_file()], "temporary files left behind"


def test_sigint_keeps_the_chunks_in_progress_and_resumes_to_the_same_bytes(photos: Path, reference: Path,
                                                                          tmp_path: Path):
    out = tmp_path / "job"
    child, workers = start_job(photos, out)
    before = lines(out)
    child.send_signal(signal.SIGINT)
    resume_workers(workers)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert wait_gone(workers) == []
    after = lines(out)
    assert after > before, "the chunks the workers were on were thrown away"
    assert after == len(list((out / "sketches").rglob("*.png")))
    sketchify_job(str(photos), out, workers=2, size=SIZE)
    assert outputs(out) == outputs(reference)


def test_ctrl_c_in_a_one_worker_job_keeps_every_finished_photo(photos: Path, reference: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    calls = {"n": 0}
    sketch = SketchWorker.sketch

    def interrupted_at_the_seventh(self, image, caption):
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt
        return sketch(self, image, caption)

    monkeypatch.setattr(SketchWorker, "sketch", interrupted_at_the_seventh)
    out = tmp_path / "job"
    with pytest.raises(KeyboardInterrupt):
        sketchify_job(str(photos), out, workers=1, size=SIZE)
    assert lines(out) == 6 and len(list((out / "sketches").rglob("*.png"))) == 6
    monkeypatch.setattr(SketchWorker, "sketch", sketch)
    summary = sketchify_job(str(photos), out, workers=1, size=SIZE)
    assert summary.resumed == 6 and outputs(out) == outputs(reference)


def vectors(index_dir: Path) -> dict[str, torch.Tensor]:
    index = open_index(index_dir, "exact")
    return dict(zip(index.ids, index.vectors()))


def test_interrupted_index_build_resumes_to_the_vectors_of_an_uninterrupted_one(
        run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    run = load_run(run_dir)
    source, options = run_source(run.config), BuildOptions(batch_size=4, chunk_size=4, workers=1)
    build_index(run, source, tmp_path / "reference", options=options)

    write_chunk = EmbeddingStore.write_chunk
    written = {"n": 0}

    def killed_at_the_third(self, ids, vectors):
        if written["n"] == 2:
            (self.folder / ".chunk-00002.safetensors.tmp.part.safetensors").write_bytes(b"half a chunk")
            raise KeyboardInterrupt  # as a kill would, between two whole chunks, with a temporary file left
        written["n"] += 1
        return write_chunk(self, ids, vectors)

    monkeypatch.setattr(EmbeddingStore, "write_chunk", killed_at_the_third)
    out = tmp_path / "gallery"
    with pytest.raises(KeyboardInterrupt):
        build_index(run, source, out, options=options)
    assert len(list((out / STORE_DIR).glob("chunk-*.safetensors"))) == 2 and not (out / "manifest.json").exists()
    monkeypatch.setattr(EmbeddingStore, "write_chunk", write_chunk)
    summary = build_index(run, source, out, options=options)
    assert summary.embed.resumed == 8 and not list((out / STORE_DIR).glob(".chunk-*"))
    resumed, reference = vectors(out), vectors(tmp_path / "reference")
    assert list(resumed) == list(reference)
    assert all(torch.equal(resumed[i], reference[i]) for i in reference)
