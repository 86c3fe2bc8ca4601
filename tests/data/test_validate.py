"""Validation finds each kind of bad item, quickly, and load_valid leaves them out with their reasons."""

from __future__ import annotations

import csv
import hashlib
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from fixtures import make_bomb_png, make_folder_catalogue, picture, save
from PIL import Image

from sbkit.data import validate as validate_module
from sbkit.data.catalogue import Catalogue
from sbkit.data.folder import read_folder
from sbkit.data.validate import load_valid, validate_catalogue
from sbkit.errors import DataError


def broken_catalogue(root: Path) -> Path:
    """Eight good items plus one of each problem, listed in captions.csv."""
    root = make_folder_catalogue(root, n_items=8, image_size=32)
    good = (root / "images" / "dress" / "item000.png").read_bytes()
    (root / "bad").mkdir()
    (root / "bad" / "truncated.png").write_bytes(good[: len(good) // 2])
    (root / "bad" / "noise.jpg").write_bytes(np.random.default_rng(0).bytes(600))
    make_bomb_png(root / "bad" / "bomb.png")
    save(root / "bad" / "tiny.png", picture(50, 4))
    Image.fromarray(picture(51, 32)).convert("CMYK").save(root / "bad" / "cmyk.jpg")
    rows = [
        ("truncated", "bad/truncated.png", "a truncated file", ""),
        ("noise", "bad/noise.jpg", "random bytes", ""),
        ("bomb", "bad/bomb.png", "a 20000 x 20000 png", ""),
        ("tiny", "bad/tiny.png", "4 px wide", ""),
        ("gone", "bad/gone.png", "a missing image", ""),
        ("item001", "images/dress/item001.png", "the same id again", ""),
        ("empty", "images/dress/item000.png", "", ""),
        ("nosketch", "images/sneaker/item002.png", "a sketch that is not there", "bad/none.png"),
        ("cmyk", "bad/cmyk.jpg", "a cmyk jpeg", ""),
    ]
    with (root / "captions.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "image", "caption", "category", "product", "colour",
                                                    "sketch"])
        writer.writerows({"id": i, "image": image, "caption": caption, "sketch": drawn}
                         for i, image, caption, drawn in rows)
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def broken(tmp_path: Path) -> Catalogue:
    return read_folder(broken_catalogue(tmp_path / "cat"))


def kinds_by_item(report) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.item_id, set()).add(problem.kind)
    return found


def test_every_problem_is_found_with_its_reason(broken: Catalogue) -> None:
    start = time.perf_counter()
    report = validate_catalogue(broken)
    assert time.perf_counter() - start < 10  # the 20000 x 20000 image is refused from its header
    kinds = kinds_by_item(report)
    assert kinds["truncated"] == {"corrupt_image"}
    assert kinds["noise"] == {"not_an_image"}
    assert kinds["bomb"] == {"too_large"}
    assert kinds["tiny"] == {"too_small"}
    assert kinds["gone"] == {"missing_image"}
    assert kinds["item001"] == {"duplicate_id"}
    assert kinds["empty"] == {"empty_caption", "duplicate_image"}
    assert kinds["nosketch"] == {"missing_sketch", "duplicate_image"}
    assert "cmyk" not in kinds  # CMYK converts faithfully
    bomb = next(p for p in report.problems if p.item_id == "bomb")
    assert "400,000,000 pixels is larger than the 64,000,000-pixel limit" in bomb.reason, bomb.reason
    assert report.n_items == 17 and report.n_valid == 17 - 6 and not report.fatal
    assert report.counts()["corrupt_image"] == 1 and report.counts()["not_an_image"] == 1
    assert report.severities() == {"fatal": 0, "item": 6, "warning": 4}


def test_unsupported_modes_are_reported(broken: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_module, "SUPPORTED_MODES", frozenset({"RGB", "RGBA", "L", "P", "1"}))
    kinds = kinds_by_item(validate_catalogue(broken))
    assert kinds["cmyk"] == {"unsupported_mode"}


def test_load_valid_skips_bad_items_and_changes_no_file(broken: Catalogue) -> None:
    before = snapshot(broken.root)
    loaded = load_valid(broken)
    assert snapshot(broken.root) == before
    assert {i.id for i in loaded.items} == {f"item{i:03d}" for i in range(8)} | {"empty", "nosketch", "cmyk"}
    skipped = {s.source.split(" ")[0]: s.reason for s in loaded.skipped}
    assert set(skipped) == {"truncated", "noise", "bomb", "tiny", "gone", "item001", str(broken.root / "bad/none.png")}
    assert skipped[str(broken.root / "bad/none.png")].startswith("nosketch: no such file")  # its drawing alone
    assert skipped["gone"].startswith("missing_image") and skipped["item001"].startswith("duplicate_id")
    assert next(i for i in loaded.items if i.id == "nosketch").sketch is None
    assert next(i for i in loaded.items if i.id == "item001").caption == "a dress number 1"  # the first one stays
    assert len(broken.items) == 17  # the input catalogue is unchanged


def test_each_image_file_is_decoded_once(broken: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[Path] = Counter()
    real = validate_module.read_image

    def counting(path, **kwargs):
        calls[Path(path)] += 1
        return real(path, **kwargs)

    monkeypatch.setattr(validate_module, "read_image", counting)
    validate_catalogue(broken)
    assert calls and max(calls.values()) == 1
    assert broken.root / "images" / "dress" / "item000.png" in calls  # used by two items, decoded once


def test_unchanged_files_are_not_decoded_again(broken: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    first = validate_catalogue(broken)
    calls: Counter[Path] = Counter()
    real = validate_module.read_image
    monkeypatch.setattr(validate_module, "read_image",
                        lambda path, **kw: calls.update([Path(path)]) or real(path, **kw))
    again = validate_catalogue(broken)
    assert not calls and again.to_dict() == first.to_dict()
    changed = broken.root / "images" / "dress" / "item000.png"
    save(changed, picture(77, 32))  # new content: checked again
    again = validate_catalogue(broken)
    assert set(calls) == {changed} and again.n_valid == first.n_valid
    validate_catalogue(broken, use_cache=False)
    assert calls[changed] == 2 and len(calls) > 5


def test_no_usable_item_is_fatal(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    root.mkdir()
    make_bomb_png(root / "bomb.png")
    (root / "captions.csv").write_text("id,image,caption\na,bomb.png,x\nb,missing.png,y\n")
    catalogue = read_folder(root)
    report = validate_catalogue(catalogue)
    assert report.fatal and report.problems[-1].kind == "no_valid_items"
    assert "1 too large" in report.problems[-1].reason and "1 missing image" in report.problems[-1].reason
    with pytest.raises(DataError, match="none of its 2 items is usable"):
        load_valid(catalogue)


def test_without_image_checks_only_existence_is_checked(broken: Catalogue) -> None:
    report = validate_catalogue(broken, check_images=False)
    kinds = {p.kind for p in report.problems}
    assert {"missing_image", "duplicate_id", "empty_caption", "missing_sketch"} <= kinds
    assert not kinds & {"corrupt_image", "too_large", "duplicate_image"}
    assert not report.checked_images


def test_product_in_two_splits_is_a_warning(tmp_path: Path) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=4)
    text = (root / "captions.csv").read_text().splitlines()
    header = text[0] + ",split"
    rows = [line + (",train" if i % 2 else ",test") for i, line in enumerate(text[1:])]
    (root / "captions.csv").write_text("\n".join([header, *rows]) + "\n")
    report = validate_catalogue(read_folder(root))
    leaks = [p for p in report.problems if p.kind == "product_in_several_splits"]
    assert len(leaks) == 2 and all(p.severity == "warning" for p in leaks)


def test_report_as_dict_round_trips_counts(broken: Catalogue) -> None:
    data = validate_catalogue(broken).to_dict()
    assert data["counts"]["duplicate_id"] == 1 and data["fatal"] is False
    assert {p["severity"] for p in data["problems"]} == {"item", "warning"}


def test_reasons_name_the_file_in_words_not_python_objects(tmp_path: Path) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=8, image_size=32)
    (root / "bad" / "a-folder.png").mkdir(parents=True)
    (root / "bad" / "zero.png").write_bytes(b"")
    (root / "bad" / "text.png").write_text("just words", encoding="utf-8")
    rows = [("folder", "bad/a-folder.png", ""), ("zero", "bad/zero.png", ""), ("text", "bad/text.png", ""),
            ("sketchdir", "images/dress/item000.png", "bad/a-folder.png"),
            ("sketchzero", "images/sneaker/item002.png", "bad/zero.png")]
    with (root / "captions.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "image", "caption", "category", "product", "colour",
                                                    "sketch"])
        writer.writerows({"id": i, "image": image, "caption": "x", "sketch": drawn} for i, image, drawn in rows)
    report = validate_catalogue(read_folder(root))
    reasons = {(p.item_id, p.kind): p.reason for p in report.problems}
    assert reasons[("folder", "not_an_image")] == "is a folder, not an image"
    assert reasons[("zero", "not_an_image")] == "empty file (0 bytes)"
    assert reasons[("text", "not_an_image")].startswith("not an image")
    assert reasons[("sketchdir", "unreadable_sketch")].startswith("is a folder, not an image")
    assert reasons[("sketchzero", "unreadable_sketch")].startswith("empty file (0 bytes)")
    assert not any("<_io" in p.reason or "PIL" in p.reason for p in report.problems)
    without_decoding = validate_catalogue(read_folder(root), check_images=False)
    assert any(p.item_id == "folder" and p.reason == "is a folder, not an image" for p in without_decoding.problems)


def test_read_image_says_why_in_words(tmp_path: Path) -> None:
    from sbkit.data.images import read_image

    (tmp_path / "zero.png").write_bytes(b"")
    (tmp_path / "folder.png").mkdir()
    for name, words in (("zero.png", "empty file (0 bytes)"), ("folder.png", "is a folder, not an image")):
        with pytest.raises(DataError) as caught:
            read_image(tmp_path / name)
        assert str(caught.value) == f"{tmp_path / name}: {words}"


def test_read_sketch_says_a_folder_is_not_a_drawing(tmp_path: Path) -> None:
    from sbkit.data.images import read_sketch

    (tmp_path / "drawing.png").mkdir()
    with pytest.raises(DataError, match="drawing.png: is a folder, not an image$"):
        read_sketch(tmp_path / "drawing.png")


@pytest.mark.parametrize(("width", "height", "size"), [(20000, 20000, "400,000,000 pixels"),  # PIL's bomb error
                                                      (10000, 9000, "90,000,000 pixels"),  # PIL's bomb warning
                                                      (8500, 8500, "8500x8500")])  # only sbkit's own limit
def test_a_drawing_over_the_pixel_limit_is_named_and_its_item_kept(tmp_path: Path, width: int, height: int,
                                                                   size: str) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=4, image_size=32)
    make_bomb_png(root / "huge-drawing.png", width, height)
    save(root / "images" / "dress" / "big.png", picture(99, 32))
    with (root / "captions.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["big", "images/dress/big.png", "x", "dress", "p9", "", "huge-drawing.png"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = validate_catalogue(read_folder(root))
    problem = next(p for p in report.problems if p.item_id == "big")
    assert problem.kind == "unreadable_sketch" and problem.severity == "warning", problem
    assert problem.reason == f"{size} is over the 64,000,000-pixel limit; the item is kept without its sketch"
