"""The sketchify job: bad inputs skipped with reasons, inputs untouched, resume after a kill, parallel = serial."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from sbkit.components import Sketchifier
from sbkit.data.images import read_image
from sbkit.errors import ConfigError, DataError
from sbkit.hookspecs import hookimpl
from sbkit.plugins import get_host
from sbkit.registry import reset_registry
from sbkit.sketch import job_results as job_module
from sbkit.sketch import job_worker
from sbkit.sketch.edges import to_gray
from sbkit.sketch.job import sketchify_job
from sbkit.sketch.job_read import plain_size, read_photo
from sbkit.sketch.job_source import list_items, sketch_relpath


class ThresholdEdges(Sketchifier):
    """Dark where the grey gradient is steep; triggers on captions naming a light colour.

    Args:
        threshold: gradient magnitude that counts as a line.
    """

    name = "test-job-edges"
    description = "Gradient threshold, for tests."

    def __init__(self, threshold: int = 40) -> None:
        self.threshold = threshold

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        magnitude = cv2.magnitude(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
        return np.where(magnitude > self.threshold, 0, 255).astype(np.uint8)

    def triggered(self, image: np.ndarray, caption: str | None = None) -> bool:
        return bool(caption) and "white" in caption


class CrashInWorker(ThresholdEdges):
    """Kills its worker process on the photo with a given height, as a segfaulting decoder would."""

    name = "test-job-crash"

    def __init__(self, threshold: int = 40, parent: int = 0) -> None:
        super().__init__(threshold)
        self.parent = parent

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        if os.getpid() != self.parent and image.shape[0] == 64:
            os._exit(3)
        return super().sketchify(image, caption)


class _Plugin:
    @hookimpl
    def register_sketchifiers(self) -> list[type]:
        return [ThresholdEdges, CrashInWorker]


@pytest.fixture(autouse=True)
def edges_plugin():
    host = get_host()
    host.register(_Plugin(), name="test-job-plugin")
    reset_registry()
    try:
        yield
    finally:
        host.unregister("test-job-plugin")
        reset_registry()


def _photo(height: int, width: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 235, np.uint8)
    top, left = height // 4, width // 4
    image[top : height - top, left : width - left] = rng.integers(0, 200, 3, dtype=np.uint8)
    return image


VALID = {"shirt", "dress", "sub/deeper/coat", "gray", "deep16", "rgba"}
BAD = {"truncated-png": "corrupt_image", "truncated-jpg": "corrupt_image", "random": "not_an_image",
       "tiny": "too_small", "notes": "not_an_image"}


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A folder with six valid photos in various modes and five bad inputs."""
    root = tmp_path / "photos"
    (root / "sub" / "deeper").mkdir(parents=True)
    cv2.imwrite(str(root / "shirt.jpg"), _photo(48, 40, 0))
    cv2.imwrite(str(root / "dress.png"), _photo(40, 56, 1))
    cv2.imwrite(str(root / "sub" / "deeper" / "coat.jpg"), _photo(64, 64, 2))
    Image.fromarray(_photo(40, 40, 3)[..., 0]).save(root / "gray.jpg")
    cv2.imwrite(str(root / "deep16.png"), (_photo(40, 48, 4)[..., 0].astype(np.uint16) * 257))
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = (200, 30, 30, 255)  # an opaque square on a transparent (black) background
    Image.fromarray(rgba, "RGBA").save(root / "rgba.png")
    for name in ("dress.png", "shirt.jpg"):
        data = (root / name).read_bytes()
        (root / f"truncated-{name.split('.')[1]}.{name.split('.')[1]}").write_bytes(data[: len(data) // 2])
    (root / "random.jpg").write_bytes(np.random.default_rng(5).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    cv2.imwrite(str(root / "tiny.png"), np.zeros((1, 1, 3), np.uint8))
    (root / "notes.txt").write_text("not a photo\n")
    return root


def _fingerprint(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def _manifest(out: Path) -> dict[str, dict]:
    lines = (out / "manifest.jsonl").read_text().splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


def _partials(out: Path) -> list[Path]:
    return [p for p in out.rglob(".*") if ".part" in p.name]


def test_job_skips_bad_inputs_with_reasons_and_leaves_inputs_untouched(photos, tmp_path):
    before = _fingerprint(photos)
    out = tmp_path / "job"
    summary = sketchify_job(photos, out, "test-job-edges", {"threshold": "30"}, workers=1)
    assert _fingerprint(photos) == before
    assert (summary.total, summary.done, summary.resumed) == (len(VALID) + len(BAD) - 1, len(VALID), 0)
    manifest = _manifest(out)
    assert set(manifest) == VALID
    for item_id, record in manifest.items():
        sketch = cv2.imread(str(out / record["sketch"]), cv2.IMREAD_UNCHANGED)
        assert record["sketch"] == f"sketches/{item_id}.png"
        assert sketch.ndim == 2 and list(sketch.shape) == record["shape"]
        assert record["sketchifier"] == "test-job-edges" and record["params"] == {"threshold": 30}
        assert Path(record["image"]).is_file() and Path(record["image"]).stem == item_id.split("/")[-1]
        assert record["triggered"] is False and record["caption"] is None
    skipped = {Path(s["image"]).stem: s for s in map(json.loads, (out / "skipped.jsonl").read_text().splitlines())}
    assert {stem: s["reason"] for stem, s in skipped.items()} == BAD
    assert all(s["image"] in s["detail"] for s in skipped.values())
    assert summary.skipped == {"corrupt_image": 2, "not_an_image": 2, "too_small": 1}
    job = json.loads((out / "job.json").read_text())
    assert job["sketchifier"] == "test-job-edges" and job["params"] == {"threshold": 30}


def test_modes_are_read_like_read_image(photos, tmp_path):
    """The OpenCV fast path gives read_image's result: same shapes, same pixels up to JPEG decoder rounding."""
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90": read_image turns the picture upright, so the fast path must too
    Image.fromarray(_photo(30, 50, 9)).save(photos / "rotated.jpg", exif=exif)
    for name in ("shirt.jpg", "dress.png", "gray.jpg", "deep16.png", "rgba.png", "rotated.jpg"):
        fast, safe = read_photo(photos / name), read_image(photos / name)
        assert fast.shape == safe.shape and fast.dtype == np.uint8, name
        assert np.abs(fast.astype(int) - safe.astype(int)).mean() < 2, name
        gray = read_photo(photos / name, gray=True)  # straight to grey, for grey-only sketchifiers
        assert gray.shape == safe.shape[:2], name
        assert np.abs(gray.astype(int) - to_gray(safe).astype(int)).mean() < 2, name
    assert read_photo(photos / "rgba.png")[0, 0].tolist() == [255, 255, 255]  # transparency onto white
    assert plain_size((photos / "shirt.jpg").read_bytes()) == (40, 48)
    assert plain_size((photos / "dress.png").read_bytes()) == (56, 40)
    assert read_photo(photos / "rotated.jpg").shape == (50, 30, 3)  # stored 30 x 50, shown upright
    exif[0x0112] = 1  # upright already: the fast path keeps it
    Image.fromarray(_photo(30, 50, 9)).save(photos / "upright.jpg", exif=exif)
    assert plain_size((photos / "upright.jpg").read_bytes()) == (50, 30)
    for name in ("deep16.png", "rgba.png", "truncated-jpg.jpg", "truncated-png.png", "random.jpg", "rotated.jpg"):
        assert plain_size((photos / name).read_bytes()) is None, name  # these go through read_image
    with pytest.raises(DataError, match="smaller than"):
        read_photo(photos / "tiny.png")


def test_two_workers_give_the_same_sketches_as_one(photos, tmp_path):
    serial = sketchify_job(photos, tmp_path / "one", "test-job-edges", workers=1)
    parallel = sketchify_job(photos, tmp_path / "two", "test-job-edges", workers=2)
    assert parallel.workers == 2 and parallel.done == serial.done == len(VALID)
    assert parallel.skipped == serial.skipped
    one, two = _manifest(tmp_path / "one"), _manifest(tmp_path / "two")
    assert set(one) == set(two) == VALID
    for item_id in VALID:
        assert (tmp_path / "one" / one[item_id]["sketch"]).read_bytes() == \
               (tmp_path / "two" / two[item_id]["sketch"]).read_bytes()


def test_a_dying_worker_is_a_clear_error_not_a_hang(photos, tmp_path):
    out = tmp_path / "job"
    with pytest.raises(DataError, match="worker process died.*rerun to resume"):
        sketchify_job(photos, out, "test-job-crash", {"parent": os.getpid()}, workers=2)
    assert not _partials(out)
    assert all((out / r["sketch"]).is_file() for r in _manifest(out).values())


def test_workers_are_forked_while_opencv_runs_one_thread(photos, tmp_path, monkeypatch):
    """A child forked while OpenCV's pool threads live can deadlock in its first OpenCV or torch call."""
    seen = []

    class Recording(job_module.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            seen.append(cv2.getNumThreads())
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(job_module, "ProcessPoolExecutor", Recording)
    previous = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        assert sketchify_job(photos, tmp_path / "job", "test-job-edges", workers=2).workers == 2
        assert seen and set(seen) == {1}
        assert cv2.getNumThreads() == 2  # the caller's setting comes back
    finally:
        cv2.setNumThreads(previous)


def _age(out: Path) -> None:
    for path in (out / "sketches").rglob("*.png"):
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))


def test_resume_after_kill_repairs_manifest_and_removes_partial_files(photos, tmp_path):
    out = tmp_path / "job"
    sketchify_job(photos, out, "test-job-edges", workers=1)
    lines = (out / "manifest.jsonl").read_text().splitlines(keepends=True)
    cut = json.loads(lines[-1])["id"]
    (out / "manifest.jsonl").write_text("".join(lines[:-1]) + lines[-1][:25])  # killed mid-line
    (out / "sketches" / ".shirt.png.4242.part").write_bytes(b"half a png")
    (out / "sketches" / "sub" / ".coat.png.abc.part.png").write_bytes(b"half")
    (out / ".manifest.jsonl.x1y2.part.jsonl").write_text("{}")
    _age(out)

    summary = sketchify_job(photos, out, "test-job-edges", workers=1)
    assert (summary.done, summary.resumed, summary.removed_partial) == (1, len(VALID) - 1, 3)
    assert not _partials(out)
    manifest = _manifest(out)  # every line parses again
    assert set(manifest) == VALID
    for item_id, record in manifest.items():
        mtime = (out / record["sketch"]).stat().st_mtime_ns
        assert (mtime == 1_000_000_000_000_000_000) == (item_id != cut), item_id


def test_resume_after_interrupt_does_not_redo_finished_items(photos, tmp_path, monkeypatch):
    out = tmp_path / "job"
    original = job_worker.SketchWorker.run_item
    calls = []

    def interrupted(self, item):
        if len(calls) == 7:
            raise KeyboardInterrupt
        calls.append(item.id)
        return original(self, item)

    monkeypatch.setattr(job_worker.SketchWorker, "run_item", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sketchify_job(photos, out, "test-job-edges", workers=1)
    monkeypatch.undo()
    first = _manifest(out)
    assert 0 < len(first) < len(VALID) and not _partials(out)
    _age(out)

    summary = sketchify_job(photos, out, "test-job-edges", workers=1)
    assert summary.resumed == len(first) and summary.done == len(VALID) - len(first)
    second = _manifest(out)
    assert set(second) == VALID
    for item_id in first:
        assert (out / second[item_id]["sketch"]).stat().st_mtime_ns == 1_000_000_000_000_000_000
    again = sketchify_job(photos, out, "test-job-edges", workers=1)
    assert (again.done, again.resumed) == (0, len(VALID))


def test_other_settings_are_refused_unless_forced(photos, tmp_path):
    out = tmp_path / "job"
    sketchify_job(photos, out, "test-job-edges", workers=1)
    with pytest.raises(ConfigError, match=r"threshold.*--force"):
        sketchify_job(photos, out, "test-job-edges", {"threshold": 90}, workers=1)
    with pytest.raises(ConfigError, match="size"):
        sketchify_job(photos, out, "test-job-edges", workers=1, size=32)
    forced = sketchify_job(photos, out, "test-job-edges", {"threshold": 90}, workers=1, force=True)
    assert (forced.done, forced.resumed) == (len(VALID), 0)
    assert {r["params"]["threshold"] for r in _manifest(out).values()} == {90}
    (out / "job.json").write_text("{not json")
    with pytest.raises(ConfigError, match="job.json cannot be read.*--force"):
        sketchify_job(photos, out, "test-job-edges", {"threshold": 90}, workers=1)
    assert sketchify_job(photos, out, "test-job-edges", {"threshold": 90}, workers=1, force=True).done == len(VALID)


def test_bad_settings_are_config_errors(photos, tmp_path):
    with pytest.raises(ConfigError, match="no parameter 'sigma'.*threshold"):
        sketchify_job(photos, tmp_path / "a", "test-job-edges", {"sigma": 1})
    with pytest.raises(ConfigError, match="test-job-edges"):
        sketchify_job(photos, tmp_path / "b", "test-job-edgez")
    with pytest.raises(DataError, match="no such folder"):
        sketchify_job(tmp_path / "missing/", tmp_path / "c", "test-job-edges")
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_size_and_normalize(photos, tmp_path):
    sketchify_job(photos, tmp_path / "sized", "test-job-edges", workers=1, size=32)
    shapes = {i: tuple(r["shape"]) for i, r in _manifest(tmp_path / "sized").items()}
    assert all(max(shape) == 32 for shape in shapes.values())
    assert shapes["dress"] == (23, 32)  # 40 x 56 keeps its aspect ratio
    sketchify_job(photos, tmp_path / "norm", "test-job-edges", workers=1, size=32, normalize=True)
    assert {tuple(r["shape"]) for r in _manifest(tmp_path / "norm").values()} == {(32, 32)}


def test_out_inside_source_is_refused(photos):
    before = sorted(photos.rglob("*"))
    for out in (photos, photos / "sketchified", photos / "sub"):
        with pytest.raises(ConfigError, match="SOURCE"):
            sketchify_job(photos, out, "test-job-edges", workers=1)
    with pytest.raises(ConfigError, match="is SOURCE"):
        sketchify_job(photos / "shirt.jpg", photos / "shirt.jpg", "test-job-edges", workers=1)
    assert sorted(photos.rglob("*")) == before


def test_a_job_folder_inside_source_is_not_read_as_photos(photos, tmp_path):
    first = sketchify_job(photos, tmp_path / "job", "test-job-edges", workers=1)
    (tmp_path / "job").rename(photos / "old-job")  # e.g. written there before OUT inside SOURCE was refused
    again = sketchify_job(photos, tmp_path / "again", "test-job-edges", workers=1)
    assert again.total == first.total and again.done == first.done
    assert not any("old-job" in line for line in (tmp_path / "again" / "skipped.jsonl").read_text().splitlines())


def test_nothing_valid_gives_a_summary_with_zero_finished(tmp_path):
    root = tmp_path / "bad"
    root.mkdir()
    (root / "a.jpg").write_bytes(b"not a jpeg")
    summary = sketchify_job(root, tmp_path / "job", "test-job-edges", workers=1)
    assert summary.finished == 0 and summary.skipped == {"not_an_image": 1}


@pytest.mark.parametrize("item_id", ["../../etc/passwd", "/abs/x", "a/../../b", "..", ".hidden", "a\\..\\b", ""])
def test_sketch_paths_stay_inside_the_sketch_folder(tmp_path, item_id):
    relative = sketch_relpath(item_id)
    resolved = (tmp_path / relative).resolve()
    assert resolved.is_relative_to((tmp_path / "sketches").resolve()) and resolved.suffix == ".png"
    assert not any(part.startswith(".") for part in Path(relative).parts)


def test_ids_keep_subfolders_and_duplicates_are_skipped(tmp_path):
    root = tmp_path / "photos"
    (root / "a").mkdir(parents=True)
    cv2.imwrite(str(root / "a" / "x.jpg"), _photo(16, 16, 0))
    cv2.imwrite(str(root / "a" / "x.png"), _photo(16, 16, 0))
    items, skipped = list_items(root, tmp_path / "out")
    assert [(i.id, i.sketch) for i in items] == [("a/x", "sketches/a/x.png")]
    assert [s.reason for s in skipped] == ["duplicate_id"]


def test_a_folder_of_photos_beside_drawings_sketchifies_only_the_photos(tmp_path):
    root = tmp_path / "shop"
    for name in ("photos/a/x.png", "photos/a/y.png", "sketches/a/x.png"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / name), _photo(16, 16, 0))
    items, skipped = list_items(root, tmp_path / "out")
    assert [i.id for i in items] == ["a/x", "a/y"] and skipped == []


def test_a_sketchify_job_folder_is_not_read_as_photos_beside_drawings(photos, tmp_path):
    from sbkit.data.drawn_folder import photo_and_drawing_folders

    job = tmp_path / "job"
    sketchify_job(photos, job, "test-job-edges", workers=1)
    (job / "photos").mkdir()  # a photo folder beside the job's own sketches/
    assert (job / "sketches").is_dir() and photo_and_drawing_folders(job) is None


def test_a_grey_only_sketchifier_is_fed_grey_photos(photos, tmp_path):
    from sbkit_opencv import Canny

    worker = job_worker.SketchWorker(Canny, {}, tmp_path / "job", None, False, {})
    assert worker.gray
    sketch, _ = worker.sketch(read_photo(photos / "shirt.jpg", gray=True), None)
    expected = Canny()(read_image(photos / "shirt.jpg"))
    assert (sketch != expected).mean() < 0.02  # JPEG luma against RGB-then-grey: a few pixels may differ


def test_a_folder_with_job_files_sketchify_did_not_write_needs_force(photos, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "manifest.jsonl").write_text('{"my": "list"}\n')
    with pytest.raises(ConfigError, match="holds manifest.jsonl that sbkit sketchify did not write.*--force"):
        sketchify_job(photos, out, "test-job-edges", workers=1)
    assert (out / "manifest.jsonl").read_text() == '{"my": "list"}\n' and not (out / "job.json").exists()
    assert sketchify_job(photos, out, "test-job-edges", workers=1, force=True).done > 0


def test_the_manifest_says_whether_canny_clahe_kept_its_enhanced_edges(tmp_path: Path):
    root = tmp_path / "photos"
    root.mkdir()
    light = np.full((64, 64, 3), 235, np.uint8)
    cv2.rectangle(light, (16, 12), (48, 52), (222, 222, 222), -1)  # an ivory item on white: enhanced edges
    cv2.imwrite(str(root / "ivory.png"), light)
    dark = np.full((64, 64, 3), 250, np.uint8)
    cv2.rectangle(dark, (16, 12), (48, 52), (40, 30, 20), -1)  # a navy item: no enhancement
    cv2.imwrite(str(root / "navy.png"), dark)
    out = tmp_path / "job"
    sketchify_job(root, out, "canny-clahe", {}, workers=1)
    manifest = _manifest(out)
    assert {key: (record["triggered"], record["enhanced"]) for key, record in manifest.items()} == {
        "ivory": (True, True), "navy": (False, False)}
