"""A drawing of one item seen from the front and from the back, side by side (a designer's flat), or of a pair
drawn the same way round, is searched with its first view; halves of one item and other layouts are kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import SIZE, WIDTH, drawing, ink_iou, parts_of_one_drawing

from sbkit.retrieval.query import prepare_query
from sbkit.retrieval.views import first_view, likeness, symmetry
from sbkit.sketch import ink_mask

SNEAKER = np.array([[60, 200], [200, 180], [260, 230], [350, 260], [350, 320], [60, 320]], np.int32)  # side
BOOT = np.array([[120, 40], [200, 40], [210, 250], [340, 290], [340, 360], [110, 360]], np.int32)  # from the side
JACKET_HALF = np.array([[190, 40], [120, 60], [40, 200], [80, 220], [110, 150], [110, 360], [190, 360],
                        [190, 120]], np.int32)  # the left half of an open jacket, its front edge on the right


def page(*figures: np.ndarray, gap: int = 60, stacked: bool = False) -> np.ndarray:
    """``figures`` (each a 400 px square drawing) laid out in a row, or a column, ``gap`` px apart."""
    pieces = []
    for figure in figures:
        pieces += [figure, np.full((400, gap) if not stacked else (gap, 400), 255, np.uint8)]
    return np.pad(np.concatenate(pieces[:-1], axis=0 if stacked else 1), 40, constant_values=255)


def outline(points: np.ndarray, mirrored: bool = False) -> np.ndarray:
    image = np.full((400, 400), 255, np.uint8)
    cv2.polylines(image, [points], True, 0, 5, cv2.LINE_AA)
    return image[:, ::-1].copy() if mirrored else image


@pytest.mark.parametrize("layout", [
    pytest.param(lambda: page(drawing(400, 5), drawing(400, 5)[:, ::-1].copy()), id="front and back"),
    pytest.param(lambda: page(drawing(400, 5), drawing(400, 5), gap=30), id="twice, close together"),
    pytest.param(lambda: page(drawing(400, 5), drawing(400, 5), drawing(400, 5)), id="three views"),
])
def test_views_side_by_side_are_searched_by_the_first(layout, reference):
    views = layout()
    assert ink_iou(prepare_query(views, SIZE, WIDTH), reference) > 0.8


@pytest.mark.parametrize(("shoe", "second"), [(BOOT, False), (SNEAKER, False), (SNEAKER, True)],
                         ids=["boots the same way round", "sneakers the same way round", "sneakers facing each other"])
def test_a_pair_of_shoes_is_searched_by_one(shoe, second):
    pair, one = page(outline(shoe), outline(shoe, mirrored=second)), np.pad(outline(shoe), 40, constant_values=255)
    assert ink_iou(prepare_query(pair, SIZE, WIDTH), prepare_query(one, SIZE, WIDTH)) > 0.8


@pytest.mark.parametrize("layout", [
    pytest.param(lambda: page(outline(JACKET_HALF), outline(JACKET_HALF, mirrored=True), gap=20),
                 id="halves of an open jacket"),
    pytest.param(lambda: page(outline(BOOT), outline(BOOT, mirrored=True)), id="tall boots facing each other"),
    pytest.param(lambda: page(drawing(400, 5), drawing(400, 5), stacked=True), id="stacked in a column"),
    pytest.param(lambda: page(drawing(400, 5), np.pad(cv2.resize(drawing(400, 5), (200, 200)), 100,
                                                      constant_values=255)), id="a smaller detail beside"),
    *[pytest.param(lambda name=name: parts_of_one_drawing()[name], id=name)
      for name in ("broken outline", "brim apart from the crown")],
])
def test_other_layouts_are_left_whole(layout):
    ink = ink_mask(layout())
    assert np.array_equal(first_view(ink), ink)


def test_a_blank_page_is_left_alone():
    assert not first_view(np.zeros((30, 30), bool)).any()


def test_symmetry_and_likeness_tell_a_whole_item_from_its_halves():
    skirt, half = ink_mask(drawing(400, 5)), ink_mask(outline(JACKET_HALF))
    assert symmetry(skirt) > 0.9 and symmetry(half) < 0.75 and symmetry(ink_mask(outline(BOOT))) < 0.75
    assert symmetry(ink_mask(outline(SNEAKER))) < 0.75  # a pair of them facing each other is kept by its width
    assert likeness(half, half) > 0.99 and likeness(half, ink_mask(outline(JACKET_HALF, mirrored=True))) < 0.75
