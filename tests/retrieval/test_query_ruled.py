"""Drawings on ruled or squared paper: the printed lines are erased, so a pencil as light as the rules is found."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import FORMS, SIDE, SIZE, WIDTH, drawing, in_pencil, ink_iou, plain, plain_page, scanned

import sbkit.retrieval.query as query
from sbkit.retrieval.query import clean_drawing, prepare_query, to_gray
from sbkit.retrieval.ruled import erase_printed_lines, printed_lines

RULE, MARGIN = (170, 200, 235), (235, 150, 150)  # pale blue rules, a red margin


def ruled_page(squared: bool = False) -> np.ndarray:
    page = plain_page()
    for at in range(30, SIDE, 24):
        cv2.line(page, (0, at), (SIDE, at), RULE, 1, cv2.LINE_AA)
        if squared:
            cv2.line(page, (at, 0), (at, SIDE), RULE, 1, cv2.LINE_AA)
    if not squared:
        cv2.line(page, (70, 0), (70, SIDE), MARGIN, 2, cv2.LINE_AA)
    return page


@pytest.mark.parametrize("grey", [100, 160, 200])
def test_pencil_on_ruled_paper_is_searched_like_ink(grey, reference):
    assert ink_iou(plain(), reference) > 0.9
    assert ink_iou(prepare_query(in_pencil(ruled_page(), grey), SIZE, WIDTH), plain()) > 0.95


@pytest.mark.parametrize("grey", [100, 160, 200])
def test_scanned_pencil_is_found(grey):
    assert ink_iou(prepare_query(scanned(in_pencil(ruled_page(), grey)), SIZE, WIDTH), plain()) > 0.95


def test_without_erasing_the_rules_the_same_page_is_lost(reference, monkeypatch):
    monkeypatch.setattr(query, "erase_printed_lines", lambda gray: gray)
    for grey in (100, 160, 200):
        assert ink_iou(prepare_query(in_pencil(ruled_page(), grey), SIZE, WIDTH), reference) < 0.5


@pytest.mark.parametrize("turn", [-3.0, 2.0])
def test_a_turned_page_loses_its_lines_too(turn):
    assert ink_iou(prepare_query(in_pencil(ruled_page(), 150, turn), SIZE, WIDTH), plain(turn)) > 0.95


def test_squared_paper_loses_its_lines_too():
    assert ink_iou(prepare_query(in_pencil(ruled_page(squared=True), 150), SIZE, WIDTH), plain()) > 0.95


def test_the_rules_and_the_margin_are_found_across_the_page():
    lines, paper = printed_lines(to_gray(in_pencil(ruled_page(), 150)))
    assert paper >= 245
    horizontal = np.abs(lines[:, 3] - lines[:, 1]) < 0.05 * SIDE
    assert horizontal.sum() >= 3 and (~horizontal).sum() >= 1  # rules, and the margin square to them
    rows = np.round((lines[horizontal, 1] + lines[horizontal, 3]) / 2)
    assert len({int(row) // 24 for row in rows}) >= 20  # nearly every one of the 24 rules


@pytest.mark.parametrize("form", list(FORMS))
def test_drawings_on_plain_paper_are_left_alone(form):
    gray = to_gray(FORMS[form]())
    assert printed_lines(gray) is None and erase_printed_lines(gray) is gray, form


def test_stripes_within_a_drawing_and_one_long_line_stay():
    skirt = np.ascontiguousarray(drawing(400, 4)[:, 60:340])  # the item reaches the page's sides ...
    for y in range(140, 350, 20):
        cv2.line(skirt, (0, y), (280, y), 0, 2)  # ... and its stripes run across it, edge to edge
    assert printed_lines(skirt) is None
    ground = np.full((300, 300), 255, np.uint8)
    ground[40:260, 40:260] = drawing(220, 3)
    cv2.line(ground, (0, 280), (300, 280), 0, 2)  # a single line drawn under the item, edge to edge
    assert printed_lines(ground) is None


def ink_parts(gray: np.ndarray) -> int:
    """How many separate strokes a cleaned picture holds."""
    return cv2.connectedComponents((gray < 128).astype(np.uint8), connectivity=8)[0] - 1


@pytest.mark.parametrize("turn", [0.0, -2.5])
def test_pen_strokes_that_cross_the_rules_stay_whole(turn):
    """A dark pen crosses the pale rules; only the rules are erased, so the strokes keep their ink there."""
    on_plain = clean_drawing(in_pencil(plain_page(), 40, turn))
    on_ruled = clean_drawing(in_pencil(ruled_page(), 40, turn))
    assert ink_parts(on_ruled) == ink_parts(on_plain)
    assert ink_iou(on_ruled, on_plain) > 0.95


@pytest.mark.parametrize(("turn", "grey"), [(-1.4, 190), (-1.0, 120), (-0.6, 190), (2.2, 190), (-2.6, 120)])
def test_no_trace_of_the_rules_or_the_margin_is_left(turn, grey):
    """Every rule is traced at full size, so none leaves a row of dots that would frame the drawing, and a
    pencil nearly as light as the rules is kept."""
    ink = clean_drawing(scanned(in_pencil(ruled_page(), grey, turn))) < 128
    drawn = cv2.dilate((clean_drawing(in_pencil(plain_page(), grey, turn)) < 128)
                       .astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert ink.sum() > 0.5 * drawn.sum() / 9 and (ink & ~drawn).sum() < 0.002 * ink.sum()


def test_a_dark_line_drawn_along_a_rule_stays():
    page = ruled_page()
    cv2.line(page, (150, 246), (450, 246), (60, 60, 60), 2)  # over the rule at 246
    erased = erase_printed_lines(to_gray(page))
    assert (erased[244:249, 160:440] < 128).any(axis=0).all()
    assert (erased[:, 480:] >= 245).all()  # the rules beside it are gone


def test_a_long_curved_stroke_as_light_as_the_rules_is_not_a_rule():
    page = ruled_page()
    cv2.ellipse(page, (300, 150), (260, 60), 0, 20, 160, (200, 200, 200), 2, cv2.LINE_AA)  # a wide, shallow arc
    arc = cv2.ellipse(np.zeros((SIDE, SIDE), np.uint8), (300, 150), (260, 60), 0, 20, 160, 1, 1) > 0
    off_the_rules = np.ones(SIDE, bool)
    for at in range(30, SIDE, 24):
        off_the_rules[at - 5:at + 6] = False
    erased = erase_printed_lines(to_gray(page))
    assert np.mean(erased[arc & off_the_rules[:, None]] < 230) > 0.99  # only where it crosses a rule
