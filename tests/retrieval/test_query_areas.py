"""Coloured-in and hatched areas of a query drawing are searched by their outlines; line drawings are untouched."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import ink_iou

from sbkit.retrieval.query import outline_areas, prepare_query
from sbkit.sketch import ink_mask, normalize_sketch

SIZE, WIDTH = 64, 2
SIDE = 400
SKIRT = np.array([[150, 40], [250, 40], [290, 120], [330, 360], [70, 360], [110, 120]], np.int32)


def outline(width: int = 4) -> np.ndarray:
    image = np.full((SIDE, SIDE), 255, np.uint8)
    cv2.polylines(image, [SKIRT], True, 0, width, cv2.LINE_AA)
    return image


def filled() -> np.ndarray:
    image = outline()
    cv2.fillPoly(image, [SKIRT], 0)
    return image


def hatched(spacing: int = 12) -> np.ndarray:
    lines = np.full((SIDE, SIDE), 255, np.uint8)
    for x in range(-SIDE, SIDE, spacing):
        cv2.line(lines, (x, SIDE), (x + SIDE, 0), 60, 2, cv2.LINE_AA)
    inside = np.zeros((SIDE, SIDE), np.uint8)
    cv2.fillPoly(inside, [SKIRT], 1)
    return np.minimum(np.where(inside > 0, lines, 255), outline()).astype(np.uint8)


@pytest.mark.parametrize("shaded", [filled, hatched], ids=["filled in", "hatched"])
def test_a_shaded_area_is_searched_by_its_outline(shaded):
    reference = prepare_query(outline(), SIZE, WIDTH)
    drawing = shaded()
    assert ink_iou(normalize_sketch(drawing, size=SIZE, line_width=WIDTH), reference) < 0.5  # medial axis, hatching
    assert ink_iou(prepare_query(drawing, SIZE, WIDTH), reference) > 0.8


def line_drawings() -> dict[str, np.ndarray]:
    marker = outline(width=SIDE // 25)
    brim = np.full((SIDE, SIDE), 255, np.uint8)  # a hat: a crown over a narrow closed brim
    cv2.rectangle(brim, (130, 120), (270, 250), 0, 4)
    cv2.ellipse(brim, (200, 262), (170, 18), 0, 0, 360, 0, 4)
    twice = outline()
    cv2.polylines(twice, [SKIRT + 7], True, 0, 3, cv2.LINE_AA)  # every line traced a second time, close by
    sleeves = outline()  # a shirt's sleeve lines running close beside its body
    cv2.line(sleeves, (125, 120), (95, 330), 0, 4)
    cv2.line(sleeves, (275, 120), (305, 330), 0, 4)
    return {"marker": marker, "narrow closed brim": brim, "traced twice": twice, "lines beside the body": sleeves}


@pytest.mark.parametrize("name", list(line_drawings()))
def test_line_drawings_are_left_untouched(name):
    ink = ink_mask(line_drawings()[name])
    assert np.array_equal(outline_areas(ink), ink), name


def test_an_empty_mask_is_returned_as_is():
    empty = np.zeros((30, 30), bool)
    assert not outline_areas(empty).any()
