"""Query drawings in every accepted form normalise to nearly the same sketch as a clean dark-on-white drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sketch_helpers import FORMS, SIZE, WIDTH, drawing, ink_iou, paper_photo, rgba

from sbkit.errors import DataError
from sbkit.retrieval.query import (clean_drawing, flatten_alpha, flatten_background, load_query, prepare_query,
                                   read_drawing)
from sbkit.sketch import normalize_sketch

def test_clean_drawing_matches_plain_normalisation(reference):
    """For a clean digital drawing the preparation adds nothing: same result as normalize_sketch alone."""
    plain = normalize_sketch(drawing(400, 5), size=SIZE, line_width=WIDTH)
    assert reference.shape == (SIZE, SIZE) and reference.dtype == np.uint8
    assert (reference < 128).sum() > 100
    assert ink_iou(reference, plain) > 0.97


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_normalises_like_the_reference(form, reference):
    prepared = prepare_query(FORMS[form](), SIZE, WIDTH)
    assert prepared.shape == (SIZE, SIZE) and set(np.unique(prepared)) <= {0, 255}
    assert ink_iou(prepared, reference) > 0.85, form


def test_flattening_is_what_rescues_a_paper_photo(reference):
    photo = paper_photo()
    unflattened = normalize_sketch(photo, size=SIZE, line_width=WIDTH)
    assert ink_iou(unflattened, reference) < 0.5  # a shadow read as ink
    assert ink_iou(prepare_query(photo, SIZE, WIDTH), reference) > 0.85


def test_thin_lines_in_a_large_drawing_survive_the_scale_down(reference):
    thin = drawing(2400, 400 / 2400)
    assert ink_iou(normalize_sketch(thin, size=SIZE, line_width=WIDTH), reference) > 0.85
    assert ink_iou(prepare_query(thin, SIZE, WIDTH), reference) > 0.85


def test_even_lighting_is_left_alone():
    gray = drawing(300, 5, ink=40, ground=220)
    assert np.array_equal(flatten_background(gray), gray)


def test_flatten_alpha_picks_a_contrasting_ground():
    alpha = np.zeros((20, 20), np.uint8)
    alpha[5:15, 9:11] = 255
    dark = flatten_alpha(rgba(10, alpha))
    light = flatten_alpha(rgba(250, alpha))
    assert dark[10, 10] < 20 and dark[0, 0] == 255
    assert light[10, 10] > 240 and light[0, 0] == 0
    assert (clean_drawing(light) == clean_drawing(dark)).all()


def test_files_in_each_form_read_alike(tmp_path: Path, reference):
    lines = drawing(400, 5)
    Image.fromarray(lines).save(tmp_path / "plain.png")
    Image.fromarray(255 - lines).convert("RGB").save(tmp_path / "inverted.jpg", quality=92)
    Image.fromarray(rgba(0, 255 - lines), "RGBA").save(tmp_path / "alpha.png")
    Image.fromarray(paper_photo()).save(tmp_path / "photo.jpg", quality=85)
    assert read_drawing(tmp_path / "alpha.png").shape == (400, 400, 4)
    assert read_drawing(tmp_path / "plain.png").shape == (400, 400)
    for name in ("plain.png", "inverted.jpg", "alpha.png", "photo.jpg"):
        assert ink_iou(load_query(tmp_path / name, SIZE, WIDTH), reference) > 0.8, name


def test_blank_and_unreadable_drawings_are_refused(tmp_path: Path):
    Image.fromarray(np.full((50, 50), 250, np.uint8)).save(tmp_path / "blank.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    with pytest.raises(DataError, match="blank.png.*no strokes"):
        load_query(tmp_path / "blank.png", SIZE, WIDTH)
    with pytest.raises(DataError, match="broken.png.*not a readable image"):
        load_query(tmp_path / "broken.png", SIZE, WIDTH)
    with pytest.raises(DataError, match="missing.png: no such file"):
        load_query(tmp_path / "missing.png", SIZE, WIDTH)
