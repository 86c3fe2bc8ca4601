"""Drawings in light pencil or a pale pen are searched like any other; a blank page stays blank."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import FORMS, SIZE, WIDTH, drawing, ink_iou, scanned

from sbkit.errors import DataError
from sbkit.retrieval.query import darken_faint_ink, ink_gray, prepare_query, to_gray
from sbkit.sketch import ink_mask

PALE_PENS = {"yellow": (245, 215, 40), "light grey": (200, 200, 200), "pink": (245, 150, 200),
             "sky blue": (110, 190, 240)}


def in_pen(colour: tuple[int, int, int], paper: int = 250) -> np.ndarray:
    """The drawing in a pen of ``colour`` (RGB) on white paper."""
    lines = drawing(400, 5).astype(np.float32)[..., None] / 255
    return np.round(lines * paper + (1 - lines) * np.array(colour, np.float32)).astype(np.uint8)


def test_light_pencil_is_searched_like_ink(reference):
    pencil = scanned(drawing(400, 4, ink=210, ground=246))
    assert not ink_mask(pencil).any()  # plain Otsu with its cap for paper texture finds no strokes at all
    assert ink_iou(prepare_query(pencil, SIZE, WIDTH), reference) > 0.85


def test_a_small_drawing_in_fine_light_pencil_on_a_large_page_is_found(reference):
    page = np.full((1500, 1500), 246, np.uint8)  # its 1 px strokes are under 0.1% of the page
    page[40:240, 40:240] = drawing(200, 2, ink=205, ground=246)
    assert ink_iou(prepare_query(page, SIZE, WIDTH), reference) > 0.85
    assert ink_iou(prepare_query(scanned(page), SIZE, WIDTH), reference) > 0.85


@pytest.mark.parametrize("pen", list(PALE_PENS))
def test_a_pale_pen_is_searched_like_ink(pen, reference):
    assert ink_iou(prepare_query(in_pen(PALE_PENS[pen]), SIZE, WIDTH), reference) > 0.85
    assert ink_iou(prepare_query(scanned(in_pen(PALE_PENS[pen])), SIZE, WIDTH), reference) > 0.85


def test_a_yellow_pen_is_read_in_its_darkest_channel():
    yellow = in_pen(PALE_PENS["yellow"])
    assert np.array_equal(ink_gray(yellow), yellow.min(axis=2))
    grey = in_pen(PALE_PENS["light grey"])  # no colour to gain from: grey as always
    assert np.array_equal(ink_gray(grey), to_gray(grey))


@pytest.mark.parametrize("grain", [2.0, 4.0, 8.0, 12.0])
def test_a_blank_scanned_page_is_still_refused(grain):
    with pytest.raises(DataError, match="no strokes"):
        prepare_query(scanned(np.full((400, 400), 240, np.uint8), grain), SIZE, WIDTH)


@pytest.mark.parametrize("form", list(FORMS))
def test_drawings_in_dark_ink_are_left_alone(form):
    image = FORMS[form]()
    gray = to_gray(image)
    assert np.array_equal(ink_gray(image), gray), form
    assert darken_faint_ink(gray) is gray, form


def test_ruled_paper_under_dark_ink_stays_grey():
    page = np.full((400, 400, 3), 252, np.uint8)
    for y in range(20, 400, 16):
        cv2.line(page, (0, y), (400, y), (170, 200, 235), 1, cv2.LINE_AA)  # pale blue rules
    cv2.line(page, (40, 0), (40, 400), (235, 150, 150), 2, cv2.LINE_AA)  # a red margin
    page[drawing(400, 5) < 128] = (30, 40, 140)
    assert np.array_equal(ink_gray(page), to_gray(page))
