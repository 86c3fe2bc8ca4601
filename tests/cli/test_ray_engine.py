"""``--engine ray`` on a local 2-CPU Ray instance: the same bytes as the local engine, resumable, bad photos reported."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import typer
from safetensors import safe_open
from typer.testing import CliRunner

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from sbkit.cli.index import register as register_index  # noqa: E402
from sbkit.cli.sketchify import register as register_sketchify  # noqa: E402
from sbkit.retrieval.gallery import DataSource, load_items  # noqa: E402

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")  # Ray Data's own, on each execution


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray instance with 2 CPUs for the module; the jobs join it instead of starting their own.

    ``ray.init`` sets variables in ``os.environ`` (RAY_AUTH_MODE, PYTHONBREAKPOINT, ...) that later tests'
    subprocesses would inherit; they are put back as they were.
    """
    environ = dict(os.environ)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()
    os.environ.clear()
    os.environ.update(environ)


def invoke(*args):
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps commands as subcommands."""

    register_sketchify(app)
    register_index(app)
    return runner.invoke(app, [str(a) for a in args])


def files(folder: Path) -> dict[str, bytes]:
    """Every file of a job folder but its lock (which holds the pid), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "job.lock"}


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """Six photos of different shapes and sizes (one in a subfolder, two light ones), a corrupt JPEG, a text file."""
    root = tmp_path / "photos"
    (root / "tops").mkdir(parents=True)
    rng = np.random.default_rng(3)
    for i in range(6):
        image = np.full((60 + 7 * i, 50 + 5 * i, 3), 235, np.uint8)
        colour = (220, 220, 210) if i % 3 == 0 else tuple(int(c) for c in rng.integers(0, 200, 3))
        cv2.ellipse(image, (25 + 2 * i, 30 + 3 * i), (12 + i, 18), 10 * i, 0, 360, colour, -1)
        image = np.clip(image + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(root / ("tops" if i == 4 else "") / f"p{i}.jpg"), image)
    good = (root / "p1.jpg").read_bytes()
    (root / "corrupt.jpg").write_bytes(good[: len(good) // 3])
    (root / "notes.txt").write_text("not a photo")
    return root


def test_sketchify_ray_gives_the_local_engines_bytes_and_resumes(photos: Path, tmp_path: Path):
    args = ["--sketchifier", "canny-clahe", "--size", "48", "--normalize", "--sketchifier.sigma", "1.2"]
    local, distributed = tmp_path / "local", tmp_path / "ray"
    result = invoke("sketchify", photos, "--out", local, "-j", "1", *args)
    assert result.exit_code == 0, result.output
    result = invoke("sketchify", photos, "--out", distributed, "--engine", "ray", *args)
    assert result.exit_code == 0, result.output
    assert "6 sketched" in result.output and "2 workers" in result.output
    assert "skipped 1 corrupt_image" in result.output and "skipped 1 not_an_image" in result.output
    expected = files(local)
    assert len([name for name in expected if name.startswith("sketches/")]) == 6
    assert files(distributed) == expected  # sketches, manifest, skipped.jsonl and job.json, byte for byte

    (distributed / "sketches" / "tops" / "p4.png").unlink()  # a lost sketch is made again, and only it
    result = invoke("sketchify", photos, "--out", distributed, "--engine", "ray", *args)
    assert result.exit_code == 0, result.output
    assert "1 sketched, 5 already done" in result.output
    assert files(distributed)["sketches/tops/p4.png"] == expected["sketches/tops/p4.png"]
    lines = (distributed / "manifest.jsonl").read_text().splitlines()
    assert sorted(lines) == sorted((local / "manifest.jsonl").read_text().splitlines())


def _chunks(index_dir: Path) -> list[tuple[list[str], bytes]]:
    out = []
    for path in sorted((index_dir / "embeddings").glob("chunk-*.safetensors")):
        with safe_open(str(path), framework="pt") as handle:
            out.append((json.loads(handle.metadata()["ids"]), handle.get_tensor("vectors").numpy().tobytes()))
    return out


def test_index_build_ray_gives_the_local_engines_vectors_and_resumes(run_dir: Path, tmp_path: Path):
    items, _ = load_items(DataSource.of("demo", {"size": 60, "image_size": 64}))
    shop = tmp_path / "shop"
    shop.mkdir()
    rows = [("id", "image", "caption")]
    for item in items[:20]:
        shutil.copy(item.image, shop / item.image.name)
        rows.append((item.id, item.image.name, item.caption))
    (shop / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot an image")
    rows.insert(6, ("broken-1", "broken.png", "a broken photo"))
    with open(shop / "captions.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # Chunks of 8 in batches of 3: batches that do not divide the chunks, one of them one photo short.
    common = ["--data", shop, "--chunk-size", 8, "--batch-size", 3, "--device", "cpu"]
    local, distributed = tmp_path / "local-index", tmp_path / "ray-index"
    result = invoke("index", "build", run_dir, *common, "--out", local)
    assert result.exit_code == 0, result.output
    result = invoke("index", "build", run_dir, *common, "--out", distributed, "--engine", "ray")
    assert result.exit_code == 0, result.output
    assert "embedded 20" in result.output and "1 unreadable" in result.output and "broken-1" in result.output
    assert _chunks(distributed) == _chunks(local)
    index_files = sorted(p.name for p in local.iterdir() if p.is_file())
    assert "ids.json" in index_files
    for name in index_files:  # the index itself: ids, vectors, manifest, gallery
        assert (distributed / name).read_bytes() == (local / name).read_bytes(), name

    for folder, engine in ((local, "local"), (distributed, "ray")):  # as if killed before chunk 1 was written
        (folder / "embeddings" / "chunk-00001.safetensors").unlink()
        result = invoke("index", "build", run_dir, *common, "--out", folder, "--engine", engine)
        assert result.exit_code == 0, result.output
        assert "embedded 8, 12 already done" in result.output and "1 unreadable" in result.output
    assert _chunks(distributed) == _chunks(local)
    assert (distributed / "vectors.f32").read_bytes() == (local / "vectors.f32").read_bytes()
