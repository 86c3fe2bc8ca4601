"""Drawings on dot-grid paper: the printed dots are erased, so the drawing is not lost among them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sketch_helpers import FORMS, SIDE, SIZE, WIDTH, in_pencil, ink_iou, plain, plain_page, scanned

import sbkit.retrieval.query as query
from sbkit.retrieval.dotted import erase_grid_dots, grid_dots
from sbkit.retrieval.query import prepare_query, to_gray


def dot_grid_page(grey: int = 160, radius: int = 2, spacing: int = 20) -> np.ndarray:
    """A dot-grid journal page: dots of level ``grey``, ``radius`` px, ``spacing`` px apart."""
    page = plain_page()
    for y in range(8, SIDE, spacing):
        for x in range(12, SIDE, spacing):
            cv2.circle(page, (x, y), radius, (grey, grey, grey), -1, cv2.LINE_AA)
    return page


@pytest.mark.parametrize(("grey", "radius"), [(130, 1), (160, 2), (200, 3), (140, 3)])
def test_pencil_on_dot_grid_paper_is_searched_like_ink(grey, radius):
    page = in_pencil(dot_grid_page(grey, radius), 150)
    assert ink_iou(prepare_query(page, SIZE, WIDTH), plain()) > 0.9


@pytest.mark.parametrize("turn", [-3.0, 2.0])
def test_a_scanned_turned_page_loses_its_dots_too(turn):
    page = scanned(in_pencil(dot_grid_page(), 150, turn))
    assert ink_iou(prepare_query(page, SIZE, WIDTH), plain(turn)) > 0.9


def test_without_erasing_the_dots_the_same_page_is_lost(monkeypatch):
    monkeypatch.setattr(query, "erase_grid_dots", lambda gray: gray)
    page = in_pencil(dot_grid_page(), 150)
    assert ink_iou(prepare_query(page, SIZE, WIDTH), plain()) < 0.5


def test_only_the_dots_go():
    page = to_gray(in_pencil(dot_grid_page(), 120))
    found = grid_dots(page)
    assert found is not None
    dots, _ = found
    assert not (dots & (to_gray(in_pencil(plain_page(), 0)) < 128)).any()  # no stroke pixel is taken for a dot
    printed = to_gray(dot_grid_page()) < 200
    assert dots[printed].mean() > 0.8  # most dots are found on their own; those under a stroke stay with it


def test_a_drawings_own_dots_stay():
    """Buttons drawn as dots, larger than the printed ones, and a polka-dot item filling the page."""
    buttons = in_pencil(dot_grid_page(), 100)
    for y in (200, 260, 320):
        cv2.circle(buttons, (340, y), 7, (100, 100, 100), -1, cv2.LINE_AA)
    cleaned = query.clean_drawing(buttons)
    assert all(cleaned[y, 340] == 0 for y in (200, 260, 320))
    polka = np.full((SIDE, SIDE), 255, np.uint8)
    cv2.rectangle(polka, (20, 20), (SIDE - 20, SIDE - 20), 0, 3)
    for y in range(40, SIDE - 30, 24):
        for x in range(40, SIDE - 30, 24):
            cv2.circle(polka, (x, y), 3, 0, -1, cv2.LINE_AA)
    assert grid_dots(polka) is None


@pytest.mark.parametrize("name", list(FORMS))
def test_drawings_on_other_paper_are_left_alone(name):
    gray = to_gray(FORMS[name]())
    gray = 255 - gray if query.light_on_dark(gray) else gray  # as clean_drawing hands it on
    assert np.array_equal(erase_grid_dots(gray), gray), name
