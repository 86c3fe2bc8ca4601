"""One vocabulary of skip reasons: a bad file gets the same reason from ``sketchify``, ``data validate`` and
``run`` (whose catalogue loading is ``load_valid``), and every reason used is a documented one."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import pytest
from a_support import bad_files, cli, photo_folder

from sbkit.data import skip_reasons
from sbkit.data.resolve import resolve_catalogue
from sbkit.data.validate import SEVERITY, load_valid, validate_catalogue
from sbkit.sketch.job import sketchify_job

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def catalogue_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue folder: 8 good photos and every bad file, each row naming its file."""
    root = tmp_path_factory.mktemp("reasons")
    photo_folder(root / "good", 8)
    bad = bad_files(root / "bad")
    rows = [{"id": path.stem, "image": f"good/{path.name}", "caption": "a red dress"}
            for path in sorted((root / "good").iterdir())]
    rows += [{"id": name, "image": f"bad/{path.name}", "caption": "a red dress"} for name, (path, _) in bad.items()]
    rows.append({"id": "gone", "image": "bad/gone.png", "caption": "a red dress"})
    with (root / "captions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "image", "caption"])
        writer.writeheader()
        writer.writerows(rows)
    return root


EXPECTED = {"truncated-png": "corrupt_image", "truncated-jpeg": "corrupt_image", "zero-bytes": "not_an_image",
            "text-renamed-png": "not_an_image", "1-pixel": "too_small", "bomb-10000x10000": "too_large",
            "bomb-20000x20000": "too_large", "gone": "missing_image"}


def test_sketchify_gives_each_bad_file_its_reason(catalogue_dir: Path, tmp_path: Path):
    summary = sketchify_job(str(catalogue_dir), tmp_path / "job", workers=1)
    lines = [json.loads(line) for line in (tmp_path / "job" / "skipped.jsonl").read_text().splitlines()]
    assert {line["id"]: line["reason"] for line in lines} == EXPECTED and summary.done == 8


def test_validate_gives_each_bad_file_the_same_reason(catalogue_dir: Path):
    report = validate_catalogue(resolve_catalogue(str(catalogue_dir)), use_cache=False)
    kinds = {p.item_id: p.kind for p in report.problems if p.severity == "item"}
    assert kinds == EXPECTED


def test_run_gives_each_bad_file_the_same_reason(catalogue_dir: Path):
    catalogue = load_valid(resolve_catalogue(str(catalogue_dir)), use_cache=False)
    records = [s.record() for s in catalogue.skipped]
    assert {r["item"].split(" (")[0]: r["reason"] for r in records} == EXPECTED
    assert all(set(r) == {"item", "reason", "detail"} and r["detail"] for r in records)


def test_every_reason_is_in_the_vocabulary_and_documented():
    documented = (DOCS / "sketchify.md").read_text(encoding="utf-8") + (DOCS / "data.md").read_text(encoding="utf-8")
    for reason in EXPECTED.values():
        assert reason in skip_reasons.SKIP_REASONS and reason in SEVERITY and f"`{reason}`" in documented
    for reason in ("duplicate_id", "unreadable_entry", "sketchify_failed"):
        assert f"`{reason}`" in (DOCS / "sketchify.md").read_text(encoding="utf-8")


def test_sketchify_cli_names_oversized_images_too_large(tmp_path: Path, capsys):
    """The reported case: 10000x10000 and 20000x20000 PNGs were skipped as not-an-image."""
    source = tmp_path / "photos"
    bad_files(source)
    for name in ("truncated.png", "truncated.jpg", "empty.png", "notes.png", "tiny.png"):
        (source / name).unlink()
    cv2.imwrite(str(source / "good.jpg"), cv2.imread(str(next(photo_folder(tmp_path / "g", 1).iterdir()))))
    code, out, _ = cli(capsys, "sketchify", source, "--out", tmp_path / "job", "-j", "1")
    assert code == 0 and "skipped 2 too_large" in out and "not_an_image" not in out
