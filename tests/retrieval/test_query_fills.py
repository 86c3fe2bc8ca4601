"""Lines drawn in a dark pen over an item coloured in are searched as the line drawing; other fills are left to
the area outlines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import SIZE, SKIRT, WIDTH, drawing, ink_iou, scanned, skirt_outline

from sbkit.retrieval.fills import settle_fills
from sbkit.retrieval.query import light_on_dark, prepare_query, to_gray

SIDE = 400
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


def test_an_outlined_fill_becomes_paper_and_the_lines_stay():
    image = coloured_in(FILLS["navy"])
    gray = to_gray(image)
    lifted = settle_fills(gray, image)
    lines = drawing(SIDE, 4) < 128
    assert (lifted[lines] == gray[lines]).all()  # the pen's pixels are untouched
    assert lifted[~lines].min() > 200  # the fill is paper now
    in_grey = settle_fills(gray, gray)  # navy (15) and black (0) are one ink there: the part becomes solid
    assert in_grey[gray < 128].max() == 0 and (in_grey[gray >= 128] == gray[gray >= 128]).all()


def not_outlined() -> dict[str, np.ndarray]:
    """The skirt coloured in with no darker outline of its own."""
    navy, blank = FILLS["navy"], np.full((SIDE, SIDE), 255, np.uint8)
    half = drawing(SIDE, 4)
    half[:, SIDE // 2:] = 255
    return {"black fill, black lines": coloured_in((0, 0, 0)),
            "lines in the fill's colour": np.where(coloured_in((0, 0, 0))[..., :1] == 0, np.uint8(navy),
                                                   np.uint8(255)),
            "half outlined": coloured_in(navy, half),
            **{f"{fill} fill only": coloured_in(colour, blank) for fill, colour in FILLS.items()},
            "navy fill only, scanned": scanned(coloured_in(navy, blank), grain=4)}


@pytest.mark.parametrize("name", list(not_outlined()))
def test_a_fill_with_no_darker_outline_searches_by_its_outline_as_a_black_one_does(name):
    """It becomes solid ink: in grey a dark fill would otherwise be taken for uneven light and lightened into a
    broad band (IoU 0.27-0.52 against the outline before)."""
    image = not_outlined()[name]
    settled = settle_fills(to_gray(image), image)
    inside = np.zeros((SIDE, SIDE), np.uint8)
    cv2.fillPoly(inside, [SKIRT], 1)
    inside = cv2.erode(inside, np.ones((5, 5), np.uint8)) > 0
    assert (settled[inside] == 0).all()
    assert ink_iou(prepare_query(image, SIZE, WIDTH), prepare_query(skirt_outline(), SIZE, WIDTH)) > 0.78


def test_line_drawings_and_light_fills_cost_nothing():
    lines = drawing(SIDE, 4)
    assert settle_fills(lines, lines) is lines  # no ink wide enough to be a fill: returned as it is
    speck = np.full((50, 50), 230, np.uint8)  # the only ink a light pencil's page holds before it is darkened
    speck[10, 10] = 150
    assert settle_fills(speck, speck) is speck
    pale = coloured_in((250, 220, 120))  # a light fill is paper to the ink threshold already
    pale_gray = to_gray(pale)
    assert settle_fills(pale_gray, pale) is pale_gray
    assert ink_iou(prepare_query(pale, SIZE, WIDTH), prepare_query(lines, SIZE, WIDTH)) > 0.95


def test_a_shadow_across_a_photo_is_not_a_fill():
    page = np.full((SIDE, SIDE, 3), 235, np.uint8)
    page[drawing(SIDE, 4) < 128] = 40
    shadow = np.linspace(0.35, 1.0, SIDE)[None, :, None]  # the left of the page in deep shade
    photo = np.clip(page * shadow, 0, 255).astype(np.uint8)
    gray = to_gray(photo)
    assert (settle_fills(gray, photo) == gray).all()
    assert ink_iou(prepare_query(photo, SIZE, WIDTH), prepare_query(drawing(SIDE, 4), SIZE, WIDTH)) > 0.9


def most_of_the_page(image: np.ndarray) -> np.ndarray:
    """The skirt's picture cut close, so that it covers three quarters of it, paper only at its sides."""
    return np.ascontiguousarray(image[36:364, 66:334])


@pytest.mark.parametrize("fill", ["navy", "burgundy", "grey", "black"])
def test_an_item_coloured_in_over_most_of_the_page_is_not_taken_for_a_dark_ground(fill):
    """Its picture's median is dark, yet the band along the edges is paper; it was inverted as light lines on
    a dark ground (IoU 0.18-0.31 before)."""
    colour = FILLS.get(fill, (0, 0, 0))
    fill_only = most_of_the_page(coloured_in(colour, np.full((SIDE, SIDE), 255, np.uint8)))
    assert not light_on_dark(to_gray(fill_only))
    outline = prepare_query(most_of_the_page(skirt_outline()), SIZE, WIDTH)
    assert ink_iou(prepare_query(fill_only, SIZE, WIDTH), outline) > 0.65
    if fill != "black":  # black lines on a black fill cannot be told apart
        lines = prepare_query(most_of_the_page(drawing(SIDE, 4)), SIZE, WIDTH)
        assert ink_iou(prepare_query(most_of_the_page(coloured_in(colour)), SIZE, WIDTH), lines) > 0.95


def test_light_lines_on_a_dark_ground_are_still_inverted_when_they_run_off_the_edges():
    board = 255 - most_of_the_page(drawing(SIDE, 4))  # the skirt's lines touch the top and the bottom
    assert light_on_dark(board)
    lines = prepare_query(most_of_the_page(drawing(SIDE, 4)), SIZE, WIDTH)
    assert ink_iou(prepare_query(board, SIZE, WIDTH), lines) > 0.95


def white_lines_over(fill: tuple[int, int, int], rows: tuple[int, ...] = ()) -> np.ndarray:
    """The skirt coloured in with ``fill``, its seam and waist drawn over it in white (a white pen, an eraser),
    or else short white gaps across it at ``rows``."""
    image = coloured_in(fill, np.full((SIDE, SIDE), 255, np.uint8))
    if rows:
        for row in rows:
            image[row:row + 3, 150:250] = 255
    else:
        image[(drawing(SIDE, 4) < 128) & ~(skirt_outline(12) < 128)] = 255  # the lines inside, clear of the edge
    return image


@pytest.mark.parametrize("fill", ["black", "navy", "grey"])
def test_lines_drawn_in_white_across_a_fill_are_kept(fill):
    """They were lost with the fill, which left its outline alone (IoU 0.61 against the line drawing)."""
    lines = prepare_query(drawing(SIDE, 4), SIZE, WIDTH)
    assert ink_iou(prepare_query(white_lines_over(FILLS.get(fill, (0, 0, 0))), SIZE, WIDTH), lines) > 0.8


def test_many_gaps_across_a_fill_are_not_lines():
    """Four or more are the paper a quick fill leaves showing: the part searches by its outline alone."""
    solid = prepare_query(coloured_in((0, 0, 0), np.full((SIDE, SIDE), 255, np.uint8)), SIZE, WIDTH)
    gaps = prepare_query(white_lines_over((0, 0, 0), rows=(120, 170, 220, 270, 320)), SIZE, WIDTH)
    assert ink_iou(gaps, solid) > 0.95
    few = prepare_query(white_lines_over((0, 0, 0), rows=(170, 270)), SIZE, WIDTH)
    assert ink_iou(few, solid) < 0.9  # two are lines
