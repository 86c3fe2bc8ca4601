"""Lines drawn in a dark pen over an item coloured in are searched as the line drawing; other fills are left to
the area outlines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import SIZE, WIDTH, drawing, ink_iou, scanned

from sbkit.retrieval.fills import lift_fills
from sbkit.retrieval.query import prepare_query, to_gray

SIDE = 400
SKIRT = np.array([[150, 40], [250, 40], [290, 120], [330, 360], [70, 360], [110, 120]], np.int32)  # its outline
FILLS = {"navy": (0, 0, 128), "burgundy": (128, 0, 32), "forest green": (0, 80, 0), "chocolate": (90, 60, 40),
         "red": (200, 40, 40), "grey": (70, 70, 70)}


def coloured_in(fill: tuple[int, int, int], lines: np.ndarray | None = None) -> np.ndarray:
    """The skirt coloured in with ``fill`` (RGB), then ``lines`` drawn over it in black (default: its line
    drawing: the outline, a seam down the middle and a curve at the waist)."""
    image = np.full((SIDE, SIDE, 3), 255, np.uint8)
    cv2.fillPoly(image, [SKIRT], fill)
    image[(drawing(SIDE, 4) if lines is None else lines) < 128] = 0
    return image


@pytest.mark.parametrize("fill", list(FILLS))
@pytest.mark.parametrize("scan", [False, True], ids=["digital", "scanned"])
def test_lines_over_a_darker_fill_are_the_drawing(fill, scan):
    reference = prepare_query(drawing(SIDE, 4), SIZE, WIDTH)
    image = coloured_in(FILLS[fill])
    image = scanned(image, grain=4) if scan else image
    assert ink_iou(prepare_query(image, SIZE, WIDTH), reference) > 0.95


def test_the_fill_becomes_paper_and_the_lines_stay():
    image = coloured_in(FILLS["navy"])
    gray = to_gray(image)
    lifted = lift_fills(gray, image)
    lines = drawing(SIDE, 4) < 128
    assert (lifted[lines] == gray[lines]).all()  # the pen's pixels are untouched
    assert lifted[~lines].min() > 200  # the fill is paper now
    assert (lift_fills(gray, gray) == gray).all()  # in grey, navy (15) and black (0) stay one ink


def plain_outline() -> np.ndarray:
    image = np.full((SIDE, SIDE), 255, np.uint8)
    cv2.polylines(image, [SKIRT], True, 0, 4, cv2.LINE_AA)
    return image


@pytest.mark.parametrize("name", ["black fill, black lines", "no outline", "lines in the fill's colour",
                                  "half outlined"])
def test_fills_not_outlined_in_a_darker_colour_are_left_as_they_are(name):
    navy = FILLS["navy"]
    half = drawing(SIDE, 4)
    half[:, SIDE // 2:] = 255
    image = {"black fill, black lines": lambda: coloured_in((0, 0, 0)),
             "no outline": lambda: coloured_in(navy, np.full((SIDE, SIDE), 255, np.uint8)),
             "lines in the fill's colour": lambda: np.where(coloured_in((0, 0, 0))[..., :1] == 0,
                                                            np.uint8(navy), np.uint8(255)),
             "half outlined": lambda: coloured_in(navy, half)}[name]()
    gray = to_gray(image)
    assert (lift_fills(gray, image) == gray).all()


def test_line_drawings_and_light_fills_cost_nothing():
    lines = drawing(SIDE, 4)
    assert lift_fills(lines, lines) is lines  # no ink wide enough to be a fill: returned as it is
    speck = np.full((50, 50), 230, np.uint8)  # the only ink a light pencil's page holds before it is darkened
    speck[10, 10] = 150
    assert lift_fills(speck, speck) is speck
    pale = coloured_in((250, 220, 120))  # a light fill is paper to the ink threshold already
    pale_gray = to_gray(pale)
    assert lift_fills(pale_gray, pale) is pale_gray
    assert ink_iou(prepare_query(pale, SIZE, WIDTH), prepare_query(lines, SIZE, WIDTH)) > 0.95


def test_a_shadow_across_a_photo_is_not_a_fill():
    page = np.full((SIDE, SIDE, 3), 235, np.uint8)
    page[drawing(SIDE, 4) < 128] = 40
    shadow = np.linspace(0.35, 1.0, SIDE)[None, :, None]  # the left of the page in deep shade
    photo = np.clip(page * shadow, 0, 255).astype(np.uint8)
    gray = to_gray(photo)
    assert (lift_fills(gray, photo) == gray).all()
    assert ink_iou(prepare_query(photo, SIZE, WIDTH), prepare_query(drawing(SIDE, 4), SIZE, WIDTH)) > 0.9
