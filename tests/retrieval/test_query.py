"""Query drawings in every accepted form normalise to nearly the same sketch as a clean dark-on-white drawing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from sketch_helpers import ink_iou

from sbkit.errors import DataError
from sbkit.retrieval.query import (clean_drawing, flatten_alpha, flatten_background, load_query, prepare_query,
                                   read_drawing)
from sbkit.sketch import normalize_sketch

SIZE, WIDTH = 64, 2


def drawing(side: int, thickness: float, ink: int = 0, ground: int = 255) -> np.ndarray:
    """A skirt-like line drawing on a square canvas; every size gives the same shape."""
    image = np.full((side, side), ground, np.uint8)
    s = side / 400
    outline = (np.array([[150, 40], [250, 40], [290, 120], [330, 360], [70, 360], [110, 120]]) * s).astype(np.int32)
    width = max(1, round(thickness * s))
    cv2.polylines(image, [outline], True, ink, width, cv2.LINE_AA)
    cv2.line(image, (round(200 * s), round(40 * s)), (round(200 * s), round(360 * s)), ink, width, cv2.LINE_AA)
    cv2.ellipse(image, (round(200 * s), round(80 * s)), (round(30 * s), round(20 * s)), 0, 0, 180, ink, width,
                cv2.LINE_AA)
    return image


def paper_photo(side: int = 800, stroke_darkness: float = 0.45, seed: int = 0) -> np.ndarray:
    """The drawing in pencil on paper, photographed: a strong lighting gradient, a colour cast, noise, JPEG."""
    rng = np.random.default_rng(seed)
    lines = drawing(side, 5).astype(np.float32) / 255
    yy, xx = np.mgrid[0:side, 0:side] / side
    light = 235 * (0.95 - 0.5 * xx * yy - 0.15 * (yy - 0.3) ** 2)
    gray = light * (lines + (1 - lines) * (1 - stroke_darkness)) + rng.normal(0, 5, lines.shape)
    gray = np.clip(gray, 0, 255)
    rgb = np.stack([gray * 0.9, gray * 0.97, gray], axis=-1).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return prepare_query(drawing(400, 5), SIZE, WIDTH)


def rgba(color: np.ndarray | int, alpha: np.ndarray) -> np.ndarray:
    out = np.zeros((*alpha.shape, 4), np.uint8)
    out[..., :3] = color if np.isscalar(color) else np.asarray(color)[..., None]
    out[..., 3] = alpha
    return out


FORMS = {
    "light on dark": lambda: 255 - drawing(400, 5),
    "large and thick": lambda: drawing(1600, 7),
    "large with 1 px pen lines": lambda: drawing(2400, 400 / 2400),
    "small": lambda: drawing(120, 6),
    "rgb with grey ink": lambda: np.repeat(drawing(400, 5, ink=90, ground=230)[..., None], 3, axis=2),
    "strokes in alpha, black": lambda: rgba(0, 255 - drawing(400, 5)),
    "strokes in alpha, white": lambda: rgba(255, 255 - drawing(400, 5)),
    "dark strokes on transparent, black underneath": lambda: rgba(drawing(400, 5),
                                                                  np.where(drawing(400, 5) < 200, 255, 0)),
    "light strokes on transparent": lambda: rgba(255 - drawing(400, 5), 255 - drawing(400, 5)),
    "photo of paper": lambda: paper_photo(),
    "photo of paper, faint pencil": lambda: paper_photo(stroke_darkness=0.3, seed=1),
}


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
