"""A folder of photos beside a folder of drawings of them (``photos/`` + ``sketches/``) pairs each drawing with its
photo, where a plain folder would read the drawings as a category of products."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.data.adapters.detect import detect_layout
from sbkit.data.catalogue import other_drawings
from sbkit.data.drawn_folder import drawn_photo
from sbkit.data.resolve import resolve_catalogue


def _picture(path: Path, shade: int = 200) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), shade, np.uint8)).save(path)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("drawing", "photo"), [
    ("boots/red", "boots/red"), ("boots/red-2", "boots/red"), ("boots/red_2", "boots/red"),
    ("boots/red (2)", "boots/red"), ("boots/red/1", "boots/red"), ("boots/red-chelsea-3", "boots/red-chelsea"),
    ("boots/red-chelsea", "boots/red-chelsea"), ("boots/red-sketch", "boots/red"), ("boots/red_Drawing2", "boots/red"),
    ("boots/red-chelsea-sketch-1", "boots/red-chelsea"), ("boots/red-sketchy", None), ("boots/blue-2", None),
    ("bags/red", None),
])
def test_a_drawing_names_its_photo(drawing: str, photo: str | None) -> None:
    assert drawn_photo(drawing, {"boots/red", "boots/red-chelsea"}) == photo


def test_drawings_are_paired_with_their_photos_and_nothing_else_becomes_an_item(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for name in ("Photos/boots/red.jpg", "Photos/boots/blue.png", "Photos/bags/tote.png", "Photos/loose.png"):
        _picture(root / name)
    for name in ("Sketches/boots/red-2.png", "Sketches/boots/red.png", "Sketches/boots/red-sketch-10.png",
                 "Sketches/bags/tote/1.png", "Sketches/loose.png", "Sketches/boots/green.png", "cover.png"):
        _picture(root / name, 40)
    (root / "Sketches" / "notes.txt").write_text("drawn in May")
    before = _files(root)

    assert detect_layout(root) == "folder"
    catalogue = resolve_catalogue(str(root))

    found = {item.id: item for item in catalogue.items}
    assert sorted(found) == ["bags/tote", "boots/blue", "boots/red", "loose"]
    assert {i: item.category for i, item in found.items()} == {"bags/tote": "bags", "boots/blue": "boots",
                                                               "boots/red": "boots", "loose": None}
    red = found["boots/red"]
    assert red.sketch == root / "Sketches/boots/red.png"  # the drawing named as the photo first, then by number
    assert other_drawings(red) == [root / "Sketches/boots/red-2.png", root / "Sketches/boots/red-sketch-10.png"]
    assert found["bags/tote"].sketch == root / "Sketches/bags/tote/1.png"
    assert found["loose"].sketch == root / "Sketches/loose.png"
    assert found["boots/blue"].sketch is None and found["boots/blue"].attributes == {}
    skipped = {Path(s.source).name: s.reason for s in catalogue.skipped}
    assert sorted(skipped) == ["cover.png", "green.png", "notes.txt"]
    assert "no photo in Photos/ is named boots/green" in skipped["green.png"]
    assert "not under Photos/ or Sketches/" in skipped["cover.png"]
    assert _files(root) == before


def test_validation_counts_the_items_with_a_drawing(tmp_path: Path) -> None:
    from sbkit.data.validate import validate_catalogue

    root = tmp_path / "shop"
    for i in range(6):
        _picture(root / f"images/p{i}.png", 100 + 20 * i)
    for i in (0, 3):
        _picture(root / f"drawings/p{i}.png", 10 * i)
    report = validate_catalogue(resolve_catalogue(str(root)), use_cache=False)
    assert (report.n_valid, report.n_drawn) == (6, 2)
    assert report.to_dict()["n_drawn"] == 2


def test_only_one_folder_of_each_kind_pairs(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for name in ("photos/a.png", "images/b.png", "sketches/a.png"):
        _picture(root / name)
    ids = sorted(item.id for item in resolve_catalogue(str(root)).items)
    assert ids == ["images/b", "photos/a", "sketches/a"]  # two photo folders: which holds the items is unclear


def test_the_only_folder_beside_the_drawings_holds_the_photos_whatever_its_name(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for name in ("product_shots/boots/a.png", "Drawings/boots/a-1.png"):
        _picture(root / name)
    [item] = resolve_catalogue(str(root)).items
    assert (item.id, item.category, item.sketch) == ("boots/a", "boots", root / "Drawings/boots/a-1.png")
    _picture(root / "bags/b.png")  # now the folders beside the drawings read as categories: which is unclear
    assert sorted(item.id for item in resolve_catalogue(str(root)).items) == ["Drawings/boots/a-1", "bags/b",
                                                                             "product_shots/boots/a"]


def test_a_flat_photo_and_sketch_folder_is_not_sketchy_and_sketchy_pairs_a_drawing_named_as_its_photo(
        tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    _picture(flat / "photo/red-boot.jpg")
    _picture(flat / "sketch/red-boot.png", 40)
    assert detect_layout(flat) == "folder"
    [item] = resolve_catalogue(str(flat)).items
    assert item.sketch == flat / "sketch/red-boot.png"

    sketchy = tmp_path / "sketchy"
    _picture(sketchy / "photo/shoe/red-boot.jpg")
    _picture(sketchy / "sketch/shoe/red-boot.png", 40)
    _picture(sketchy / "photo/shoe/n1_5.jpg")
    _picture(sketchy / "sketch/shoe/n1_5-1.png", 40)
    assert detect_layout(sketchy) == "sketchy"
    found = {item.id: item.sketch for item in resolve_catalogue(str(sketchy)).items}
    assert found == {"shoe/red-boot": sketchy / "sketch/shoe/red-boot.png",
                     "shoe/n1_5": sketchy / "sketch/shoe/n1_5-1.png"}


def test_a_run_on_photos_and_drawings_trains_on_them_and_asks_with_them(tmp_path: Path,
                                                                       tiny_run_settings: dict) -> None:
    import shutil

    import sbkit

    root = tmp_path / "shop"
    drawn = 0
    for item in resolve_catalogue("demo", {"size": 60, "image_size": 64}).items:  # its drawings stand in for a person's
        (root / "photos" / item.category).mkdir(parents=True, exist_ok=True)
        shutil.copy(item.image, root / "photos" / item.category / f"{item.id}.png")
        if item.sketch is not None:  # every other drawing as the SVG of its strokes, as a vector app saves it
            svg = drawn % 2 == 1
            (root / "sketches" / item.category).mkdir(parents=True, exist_ok=True)
            shutil.copy(item.attributes["strokes"] if svg else item.sketch,
                        root / "sketches" / item.category / f"{item.id}.{'svg' if svg else 'png'}")
            drawn += 1
    run = sbkit.run(data=str(root), out=str(tmp_path / "run"), **tiny_run_settings).run_dir
    metrics = json.loads((run / "metrics.json").read_text())
    catalogue = resolve_catalogue(str(root))
    assert sum(item.sketch is not None for item in catalogue.items) == drawn > 0
    test_drawn = sum(item.sketch is not None and item.split == "test" for item in catalogue.items)
    train_drawn = sum(item.sketch is not None and item.split == "train" for item in catalogue.items)
    assert test_drawn > 0 and train_drawn > 0
    assert metrics["metrics"]["sketch"]["drawn"]["n_queries"] == test_drawn
    assert metrics["train_drawings"]["items"] == train_drawn
    assert not (run / "skipped.jsonl").is_file() or not (run / "skipped.jsonl").read_text().strip()


def test_an_svg_drawing_is_paired_checked_and_drawn_from_its_strokes(tmp_path: Path) -> None:
    from sbkit.data.images import read_sketch
    from sbkit.data.validate import validate_catalogue

    root = tmp_path / "shop"
    _picture(root / "photos/dress.png")
    (root / "sketches").mkdir()
    (root / "sketches/dress.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
                                              '<polygon points="40,10 60,10 80,90 20,90" fill="none"/></svg>')
    catalogue = resolve_catalogue(str(root))
    [item] = catalogue.items
    assert item.sketch == root / "sketches/dress.svg" and catalogue.skipped == []
    report = validate_catalogue(catalogue, use_cache=False)
    assert not [p for p in report.problems if "sketch" in p.kind]  # a single item: too few for a run, that is all
    assert report.n_drawn == 1
    drawing = read_sketch(item.sketch)
    assert drawing.dtype == np.uint8 and drawing.ndim == 2 and 0 < (drawing < 128).mean() < 0.2


def _caption_file(root: Path, rows: list[tuple[str, str]], extra: str = "") -> None:
    root.mkdir(parents=True, exist_ok=True)
    lines = [f"id,image,caption{',' + extra if extra else ''}"]
    lines += [f"{item_id},{image},a red boot{',' if extra else ''}" for item_id, image in rows]
    (root / "captions.csv").write_text("\n".join(lines) + "\n")


def test_a_caption_file_with_no_sketch_column_takes_the_drawings_named_as_its_items(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    rows = [("sku-1", "photos/boots/red.jpg"), ("sku-2", "photos/boots/blue.png"), ("sku-3", "photos/bags/tote.png"),
            ("sku-4", "photos/hats/cap.png"), ("sku-5", "photos/a/same.png"), ("sku-6", "photos/b/same.png")]
    _caption_file(root, rows)
    for _, image in rows:
        _picture(root / image)
    for name in ("drawings/sku-1.png", "drawings/sku-1-2.png", "drawings/boots/blue_drawing.svg",
                 "drawings/photos/bags/tote (3).png", "drawings/cap.png", "drawings/same.png", "drawings/sku-9.png"):
        if name.endswith(".svg"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                                     '<path d="M1 1 L9 9" stroke="black"/></svg>')
        else:
            _picture(root / name, 40)
    before = _files(root)

    catalogue = resolve_catalogue(str(root))

    found = {item.id: item for item in catalogue.items}
    assert found["sku-1"].sketch == root / "drawings/sku-1.png"  # by id, then numbered
    assert other_drawings(found["sku-1"]) == [root / "drawings/sku-1-2.png"]
    assert found["sku-2"].sketch == root / "drawings/boots/blue_drawing.svg"  # by the photo's path below photos/
    assert found["sku-3"].sketch == root / "drawings/photos/bags/tote (3).png"  # by the photo's whole path
    assert found["sku-4"].sketch == root / "drawings/cap.png"  # by the photo's file name
    assert found["sku-5"].sketch is None and found["sku-6"].sketch is None  # "same" could be either
    skipped = {Path(s.source).name: s.reason for s in catalogue.skipped}
    assert sorted(skipped) == ["same.png", "sku-9.png"]
    assert "no item of captions.csv has the id or photo name sku-9" in skipped["sku-9.png"]
    assert _files(root) == before


def test_a_caption_file_that_names_drawings_keeps_its_own_pairs(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    _caption_file(root, [("a", "photos/a.png"), ("b", "photos/b.png")], extra="sketch")
    text = (root / "captions.csv").read_text().replace("a red boot,\n", "a red boot,sketches/b.png\n", 1)
    (root / "captions.csv").write_text(text)
    for name in ("photos/a.png", "photos/b.png", "sketches/a.png", "sketches/b.png"):
        _picture(root / name)

    found = {item.id: item for item in resolve_catalogue(str(root)).items}

    assert found["a"].sketch == root / "sketches/b.png" and found["b"].sketch is None
    assert found["a"].attributes.get("sketches") is None


def test_pictures_the_caption_file_names_as_photos_are_not_drawings_and_a_sketchify_job_is_neither(
        tmp_path: Path) -> None:
    root = tmp_path / "shop"
    _caption_file(root, [("a", "sketches/a.png"), ("b", "photos/b.png")])
    for name in ("sketches/a.png", "photos/b.png", "sketches/b.png"):
        _picture(root / name)
    found = {item.id: item for item in resolve_catalogue(str(root)).items}
    assert found["a"].sketch is None and found["b"].sketch == root / "sketches/b.png"

    job = tmp_path / "job-inside"  # `sbkit sketchify shop --out shop/sketches`: traces, not drawings
    for name in ("photos/a.png", "sketches/sketches/photos/a.png"):
        _picture(job / name)
    (job / "sketches" / "job.json").write_text("{}")
    _caption_file(job, [("a", "photos/a.png")])
    catalogue = resolve_catalogue(str(job))
    assert catalogue.items[0].sketch is None and catalogue.skipped == []
    (job / "captions.csv").unlink()
    catalogue = resolve_catalogue(str(job))
    assert [item.id for item in catalogue.items] == ["photos/a"] and catalogue.items[0].sketch is None
