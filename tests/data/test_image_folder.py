"""A plain folder of images (no caption file) is a catalogue: every image an item, subfolders as categories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.data.adapters.detect import detect_layout
from sbkit.data.resolve import resolve_catalogue
from sbkit.errors import DataError


def _photo(path: Path, shade: int = 200) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), shade, np.uint8)).save(path)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_image_is_an_item_and_its_subfolder_its_category(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for name in ("bags/b1.png", "bags/b2.jpg", "shoes/boots/s1.png", "loose.png", ".hidden.png",
                 ".thumbs/t.png"):
        _photo(root / name)
    (root / "notes.txt").write_text("prices")
    before = _files(root)

    catalogue = resolve_catalogue(str(root))

    found = {item.id: item for item in catalogue.items}
    assert sorted(found) == ["bags/b1", "bags/b2", "loose", "shoes/boots/s1"]
    assert {i: item.category for i, item in found.items()} == {"bags/b1": "bags", "bags/b2": "bags", "loose": None,
                                                               "shoes/boots/s1": "shoes"}
    assert all(item.caption == "" for item in catalogue.items)
    assert found["bags/b2"].image == root / "bags" / "b2.jpg"
    assert {item.split for item in catalogue.items} <= {"train", "val", "test"}
    assert [(Path(s.source).name, s.kind) for s in catalogue.skipped] == [("notes.txt", "not_an_image")]
    assert "suffix is not an image type" in catalogue.skipped[0].reason
    assert _files(root) == before  # read only: nothing written into the user's folder


def test_the_layout_is_detected_only_where_images_are_and_no_other_layout_fits(tmp_path: Path) -> None:
    _photo(tmp_path / "plain" / "deep" / "down" / "a.webp")
    assert detect_layout(tmp_path / "plain") == "folder"
    _photo(tmp_path / "sketchy" / "256x256" / "photo" / "tx_000000000000" / "cat" / "n1.jpg")
    (tmp_path / "sketchy" / "256x256" / "sketch" / "tx_000000000000" / "cat").mkdir(parents=True)
    assert detect_layout(tmp_path / "sketchy") == "sketchy"
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("x")
    assert detect_layout(tmp_path / "texts") is None
    with pytest.raises(DataError, match="not a layout sbkit knows.*give a folder that holds them"):
        resolve_catalogue(str(tmp_path / "texts"))


def test_validation_says_once_that_no_item_has_a_caption(tmp_path: Path) -> None:
    from sbkit.data.validate import validate_catalogue

    for index in range(4):
        _photo(tmp_path / "shop" / f"p{index}.png", shade=50 * index)
    report = validate_catalogue(resolve_catalogue(str(tmp_path / "shop")), use_cache=False)
    assert [p.kind for p in report.problems] == ["no_captions"]
    assert "none of the 4 items has a caption" in report.problems[0].reason and not report.fatal


def test_a_link_to_an_image_outside_the_folder_is_skipped_unless_allowed(tmp_path: Path) -> None:
    _photo(tmp_path / "elsewhere" / "secret.png")
    _photo(tmp_path / "shop" / "bags" / "b1.png")
    (tmp_path / "shop" / "bags" / "link.png").symlink_to(tmp_path / "elsewhere" / "secret.png")
    catalogue = resolve_catalogue(str(tmp_path / "shop"))
    assert [item.id for item in catalogue.items] == ["bags/b1"]
    assert "leads outside the catalogue folder" in catalogue.skipped[0].reason
    allowed = resolve_catalogue(str(tmp_path / "shop"), {"allow_outside": True})
    assert [item.id for item in allowed.items] == ["bags/b1", "bags/link"]


def test_phone_photos_saved_as_heic_are_items_read_upright(tmp_path: Path) -> None:
    import shutil

    from sbkit.data.images import read_image
    from sbkit.data.validate import validate_catalogue

    phone = Path(__file__).parents[1] / "reliability" / "files" / "dress-phone.heic"  # stored turned, with irot
    root = tmp_path / "shop"
    (root / "dresses").mkdir(parents=True)
    shutil.copy(phone, root / "dresses" / "d1.HEIC")
    _photo(root / "dresses" / "d2.png")
    catalogue = resolve_catalogue(str(root))
    assert sorted(item.id for item in catalogue.items) == ["dresses/d1", "dresses/d2"] and not catalogue.skipped
    assert not [p for p in validate_catalogue(catalogue, use_cache=False).problems if p.severity != "warning"]
    pixels = read_image(root / "dresses" / "d1.HEIC")
    rows = np.flatnonzero((pixels.min(axis=(1, 2)) < 128))
    widths = [np.ptp((pixels[r].min(axis=1) < 128).nonzero()[0]) for r in (rows[0] + 2, rows[-1] - 2)]
    assert pixels.shape == (160, 160, 3) and widths[0] < widths[1]  # the dress narrow at the top: upright
