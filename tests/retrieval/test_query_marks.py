"""A photo of the page on a table is searched by the page alone; a signature or page number set well apart
from the drawing is dropped; a drawing's own separate parts are kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import FORMS, SIZE, WIDTH, drawing, ink_iou, parts_of_one_drawing

from sbkit.retrieval.query import blank_outside_page, drop_notes, prepare_query, to_gray
from sbkit.sketch import ink_mask, normalize_sketch


def page_on_a_table(page_share: float = 0.6, table: tuple[int, int, int] = (95, 70, 50)) -> np.ndarray:
    """The drawing on a sheet of paper, a little turned, photographed lying on a darker table (RGB, JPEG)."""
    height, width = 900, 1200
    rng = np.random.default_rng(0)
    photo = np.full((height, width, 3), table, np.float32) + rng.normal(0, 6, (height, width, 1))
    half = np.sqrt(page_share * height * width) / 2
    corners = np.array([[-half, -half * 1.1], [half, -half * 1.05], [half * 0.97, half * 1.1], [-half * 1.02, half]])
    sheet = (corners + (width / 2, height / 2)).astype(np.int32)
    cv2.fillPoly(photo, [sheet], (240, 236, 226))
    side = int(half * 1.2)
    ink = np.full((height, width), 1.0, np.float32)
    top, left = height // 2 - side // 2, width // 2 - side // 2
    ink[top:top + side, left:left + side] = drawing(side, 5 * side / 400) / 255.0
    photo = np.clip(cv2.GaussianBlur(photo * (ink[..., None] * 0.7 + 0.3), (0, 0), 1.0), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


@pytest.mark.parametrize("share", [0.6, 0.3], ids=["page fills most of the photo", "table fills most of it"])
def test_a_page_on_a_table_is_searched_by_the_page_alone(share, reference):
    photo = page_on_a_table(share)
    assert ink_iou(normalize_sketch(photo, size=SIZE, line_width=WIDTH), reference) < 0.5  # the page's edge
    assert ink_iou(prepare_query(photo, SIZE, WIDTH), reference) > 0.8


@pytest.mark.parametrize("form", list(FORMS))
def test_drawings_without_a_table_are_left_alone(form):
    gray = to_gray(FORMS[form]())
    assert np.array_equal(blank_outside_page(gray), gray), form


def test_a_coloured_in_drawing_is_not_taken_for_a_table():
    filled = np.full((400, 400), 255, np.uint8)
    cv2.rectangle(filled, (80, 60), (320, 360), 0, -1)
    assert np.array_equal(blank_outside_page(filled), filled)


def signed(text: str = "A.K. 12/3") -> np.ndarray:
    page = np.full((800, 800), 255, np.uint8)
    page[40:600, 40:600] = drawing(560, 7)
    cv2.putText(page, text, (560, 770), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.0, 0, 2, cv2.LINE_AA)
    return page


def test_a_signature_apart_from_the_drawing_is_dropped(reference):
    page = signed()
    assert ink_iou(normalize_sketch(page, size=SIZE, line_width=WIDTH), reference) < 0.5
    assert ink_iou(prepare_query(page, SIZE, WIDTH), reference) > 0.85


@pytest.mark.parametrize("name", list(parts_of_one_drawing()))
def test_parts_of_one_drawing_are_kept(name):
    ink = ink_mask(parts_of_one_drawing()[name])
    assert np.array_equal(drop_notes(ink), ink), name


def test_an_empty_mask_has_no_notes():
    assert not drop_notes(np.zeros((20, 20), bool)).any()


def test_a_thick_line_running_off_the_page_is_not_taken_for_a_table():
    marker = np.full((400, 400), 255, np.uint8)
    cv2.polylines(marker, [np.array([[60, 0], [100, 200], [340, 200], [300, 300]], np.int32)], False, 0, 18)
    assert np.array_equal(blank_outside_page(marker), marker)
