import numpy as np
import pytest
from PIL import Image

from sbkit.errors import ShapeError
from sbkit.evaluation.contact_sheet import HIT, SheetRow, contact_sheet, photo_sketch_grid


def _photo(seed, h=60, w=40):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def _sketch():
    sketch = np.full((50, 50), 255, np.uint8)
    sketch[10:40, 24:26] = 0
    return sketch


def _row(hit_at, n=4, **extra):
    return SheetRow(query_sketch=_sketch(), caption="red dress with long sleeves and a wide belt",
                    results=[_photo(i) for i in range(n)], hits=[i == hit_at for i in range(n)], **extra)


def _green_pixels(path):
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    return int((pixels == HIT).all(axis=1).sum())


def test_sheet_is_a_png_that_grows_with_rows_and_results(tmp_path):
    one = Image.open(contact_sheet([_row(0)], tmp_path / "one.png", thumb=48))
    three = Image.open(contact_sheet([_row(0), _row(1), _row(2)], tmp_path / "three.png", thumb=48))
    wide = Image.open(contact_sheet([_row(0, n=8)], tmp_path / "wide.png", thumb=48))
    assert one.format == "PNG" and three.height > 2 * one.height * 0.8 and wide.width > one.width
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_true_items_get_green_frames(tmp_path):
    no_hit = _green_pixels(contact_sheet([_row(-1)], tmp_path / "a.png", thumb=48))
    one_hit = _green_pixels(contact_sheet([_row(2)], tmp_path / "b.png", thumb=48))
    two_hits = _green_pixels(contact_sheet([_row(2), _row(0)], tmp_path / "c.png", thumb=48))
    frame_pixels = 4 * 48 * 3  # at least the four sides of a 3-pixel frame
    assert no_hit < 50 and one_hit > frame_pixels and two_hits > 1.8 * one_hit


def test_text_only_queries_labels_and_true_photo_are_drawn(tmp_path):
    rows = [SheetRow(query_sketch=None, caption="striped shirt", results=[_photo(1), _photo(2)], hits=[False, True],
                     labels=["0.91", "0.88"], query_image=_photo(2)),
            _row(0, query_image=_photo(5))]
    sheet = Image.open(contact_sheet(rows, tmp_path / "s.png", title="sketch+text", thumb=64))
    assert sheet.size[0] > 64 * 3


def test_mismatched_rows_are_refused(tmp_path):
    with pytest.raises(ShapeError, match="row 0 has 4 results but 3 hit flags"):
        contact_sheet([SheetRow(_sketch(), None, [_photo(i) for i in range(4)], [True, False, False])],
                      tmp_path / "x.png")
    with pytest.raises(ShapeError, match="uint8"):
        contact_sheet([SheetRow(_sketch().astype(float), None, [_photo(0)], [True])], tmp_path / "x.png")


def test_photo_sketch_grid_has_one_column_per_source(tmp_path):
    two = Image.open(photo_sketch_grid({"photo": [_photo(0), _photo(1)], "canny": [_sketch(), _sketch()]},
                                       tmp_path / "two.png", thumb=40))
    three = Image.open(photo_sketch_grid({"photo": [_photo(0), _photo(1)], "canny": [_sketch(), _sketch()],
                                          "hed": [_sketch(), _sketch()]}, tmp_path / "three.png", thumb=40))
    assert three.width > two.width and three.height == two.height
    with pytest.raises(ShapeError, match="same number"):
        photo_sketch_grid({"photo": [_photo(0)], "canny": []}, tmp_path / "bad.png")
