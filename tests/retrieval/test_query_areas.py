"""Coloured-in and hatched areas of a query drawing are searched by their outlines, hatched ones with the lines
drawn across the hatching; line drawings are untouched."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import SIZE, SKIRT, WIDTH, drawing, ink_iou, skirt_outline

from sbkit.retrieval.areas import hatching_directions, outline_areas
from sbkit.retrieval.query import prepare_query
from sbkit.sketch import ink_mask, normalize_sketch

SIDE = 400
def filled() -> np.ndarray:
    image = skirt_outline()
    cv2.fillPoly(image, [SKIRT], 0)
    return image


def hatching(angle: float, spacing: int = 12) -> np.ndarray:
    """Grey 2 px lines across the whole page, ``spacing`` px apart, at ``angle`` degrees (counter-clockwise)."""
    lines = np.full((SIDE, SIDE), 255, np.uint8)
    along = np.array([np.cos(np.radians(angle)), -np.sin(np.radians(angle))])
    centre, normal = np.array([SIDE / 2, SIDE / 2]), np.array([along[1], -along[0]])
    for offset in range(-SIDE, SIDE, spacing):
        start, end = (np.round(centre + normal * offset + along * SIDE * sign).astype(int) for sign in (-1, 1))
        cv2.line(lines, tuple(start.tolist()), tuple(end.tolist()), 60, 2, cv2.LINE_AA)
    return lines


def hatched(spacing: int = 12, angles: tuple[float, ...] = (45,), drawn: np.ndarray | None = None) -> np.ndarray:
    """The skirt hatched inside at each of ``angles``, under ``drawn`` (default: its outline alone)."""
    lines = np.min([hatching(angle, spacing) for angle in angles], axis=0)
    inside = np.zeros((SIDE, SIDE), np.uint8)
    cv2.fillPoly(inside, [SKIRT], 1)
    return np.minimum(np.where(inside > 0, lines, 255), skirt_outline() if drawn is None else drawn).astype(np.uint8)


@pytest.mark.parametrize("shaded", [filled, hatched], ids=["filled in", "hatched"])
def test_a_shaded_area_is_searched_by_its_outline(shaded):
    reference = prepare_query(skirt_outline(), SIZE, WIDTH)
    drawing = shaded()
    assert ink_iou(normalize_sketch(drawing, size=SIZE, line_width=WIDTH), reference) < 0.5  # medial axis, hatching
    assert ink_iou(prepare_query(drawing, SIZE, WIDTH), reference) > 0.8


@pytest.mark.parametrize("angles", [(45,), (135,), (0,), (20,), (30,), (60,), (45, 135), (30, 120)],
                         ids=lambda angles: "x".join(map(str, angles)))
def test_lines_drawn_across_hatching_are_kept(angles):
    lines = drawing(SIDE, 4)  # the skirt with a seam down its middle and a curve at its waist
    reference = prepare_query(lines, SIZE, WIDTH)
    shaded = prepare_query(hatched(angles=angles, drawn=lines), SIZE, WIDTH)
    assert ink_iou(prepare_query(skirt_outline(), SIZE, WIDTH), reference) < 0.75  # the outline alone
    assert ink_iou(shaded, reference) > 0.8, angles


def with_bold_lines(count: int, width: int) -> np.ndarray:
    """The skirt's outline with ``count`` upright lines ``width`` px wide inside it (pleats, creases)."""
    lines = skirt_outline()
    for k in range(count):
        x = round(200 + (k - (count - 1) / 2) * 40)
        cv2.line(lines, (x, 50), (x, 350), 0, width)
    return lines


@pytest.mark.parametrize(("spacing", "count", "width", "angle"),
                         [(16, 2, 10, 45), (8, 3, 14, 45), (16, 3, 6, 20), (12, 3, 10, 20)])
def test_a_few_lines_another_way_than_the_hatching_are_not_hatching(spacing, count, width, angle):
    """Two or three lines running one way are the drawing's own, even bold and even cut into many pieces by the
    hatching crossing them; hatching is many lines."""
    lines = with_bold_lines(count, width)
    reference = prepare_query(lines, SIZE, WIDTH)
    assert ink_iou(prepare_query(skirt_outline(), SIZE, WIDTH), reference) < 0.65  # the outline alone
    shaded = prepare_query(hatched(spacing, (angle,), drawn=lines), SIZE, WIDTH)
    assert ink_iou(shaded, reference) > 0.8


def test_hatching_runs_along_one_or_two_directions_or_none():
    rng = np.random.default_rng(0)
    weights = np.ones(2000)
    one = np.mod(np.radians(40) + rng.normal(0, 0.03, 2000), np.pi)
    assert np.degrees(hatching_directions(one, weights)) == pytest.approx([40], abs=1)
    crossed = np.mod(np.radians(np.r_[np.full(1000, 170), np.full(1000, 80)]) + rng.normal(0, 0.03, 2000), np.pi)
    assert sorted(np.degrees(hatching_directions(crossed, weights))) == pytest.approx([80, 170], abs=1)
    scribbled = rng.uniform(0, np.pi, 2000)  # shading scribbled every way: nothing reads as a line across it
    assert hatching_directions(scribbled, weights) == []
    assert hatching_directions(one, np.zeros(2000)) == []


def line_drawings() -> dict[str, np.ndarray]:
    marker = skirt_outline(width=SIDE // 25)
    brim = np.full((SIDE, SIDE), 255, np.uint8)  # a hat: a crown over a narrow closed brim
    cv2.rectangle(brim, (130, 120), (270, 250), 0, 4)
    cv2.ellipse(brim, (200, 262), (170, 18), 0, 0, 360, 0, 4)
    twice = skirt_outline()
    cv2.polylines(twice, [SKIRT + 7], True, 0, 3, cv2.LINE_AA)  # every line traced a second time, close by
    sleeves = skirt_outline()  # a shirt's sleeve lines running close beside its body
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
