"""A note written beside a drawing, with a line or an arrow pointing at it, is dropped with its leader; a
drawing's own straight strokes, its separate parts and a second item are kept."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from sketch_helpers import FORMS, SIZE, WIDTH, drawing, ink_iou, parts_of_one_drawing

from sbkit.retrieval.marks import drop_pointed_notes
from sbkit.retrieval.query import prepare_query, to_gray
from sbkit.sketch import ink_mask, normalize_sketch

Page = Callable[[], np.ndarray]
Noted = tuple[np.ndarray, tuple[int, int, int, int]]  # a page, and the box around its drawing's ink


def page_with_drawing(height: int, width: int, left: int, top: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A page with the 400 px drawing at (left, top), and the box around its ink (left, top, right, bottom)."""
    page = np.full((height, width), 255, np.uint8)
    page[top:top + 400, left:left + 400] = drawing(400, 5)
    return page, (left + 70, top + 40, left + 330, top + 360)


def write(page: np.ndarray, text: str, org: tuple[int, int], font: int = cv2.FONT_HERSHEY_SIMPLEX,
          scale: float = 1.0) -> np.ndarray:
    """``text`` on the page with its baseline starting at ``org``."""
    cv2.putText(page, text, org, font, scale, 0, 2, cv2.LINE_AA)
    return page


def write_before(page: np.ndarray, text: str, right: int, baseline: int, scale: float = 1.0,
                 font: int = cv2.FONT_HERSHEY_SIMPLEX) -> np.ndarray:
    """``text`` on the page, ending at x = ``right``."""
    width = cv2.getTextSize(text, font, scale, 2)[0][0]
    return write(page, text, (right - width, baseline), font, scale)


def arrow_from_the_right() -> Noted:
    page, inked = page_with_drawing(500, 900, 20, 50)
    right = inked[2]
    cv2.arrowedLine(page, (right + 115, 250), (right + 25, 250), 0, 3, cv2.LINE_AA, tipLength=0.2)
    return write(page, "like this", (right + 125, 262), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.2), inked


def arrow_from_the_left() -> Noted:
    page, inked = page_with_drawing(500, 900, 480, 50)
    left = inked[0]
    cv2.arrowedLine(page, (left - 150, 300), (left - 30, 300), 0, 2, cv2.LINE_AA, tipLength=0.15)
    return write_before(page, "gold buttons", left - 162, 308, 0.8), inked


def arrow_from_below() -> Noted:
    page, inked = page_with_drawing(700, 500, 50, 20)
    bottom = inked[3]
    cv2.arrowedLine(page, (250, bottom + 130), (250, bottom + 25), 0, 3, cv2.LINE_AA, tipLength=0.15)
    return write(page, "wider hem", (180, bottom + 165), cv2.FONT_HERSHEY_DUPLEX), inked


def writing_that_touches_the_arrow() -> Noted:
    page, inked = page_with_drawing(500, 900, 20, 50)
    right = inked[2]
    cv2.arrowedLine(page, (right + 115, 250), (right + 25, 250), 0, 3, cv2.LINE_AA, tipLength=0.2)
    return write(page, "gold buttons", (right + 110, 262)), inked


def a_line_without_a_head() -> Noted:
    page, inked = page_with_drawing(500, 900, 20, 50)
    right = inked[2]
    cv2.line(page, (right + 20, 200), (right + 140, 170), 0, 2, cv2.LINE_AA)
    return write(page, "leather?", (right + 152, 172), cv2.FONT_HERSHEY_COMPLEX), inked


def a_note_on_either_side() -> Noted:
    page, inked = page_with_drawing(500, 1300, 450, 50)
    left, right = inked[0], inked[2]
    cv2.arrowedLine(page, (left - 140, 200), (left - 25, 200), 0, 3, cv2.LINE_AA, tipLength=0.2)
    write_before(page, "pleats", left - 152, 210)
    cv2.arrowedLine(page, (right + 140, 330), (right + 25, 330), 0, 3, cv2.LINE_AA, tipLength=0.2)
    return write(page, "no zip", (right + 152, 340)), inked


def notes_on_a_wide_page(left_note: str, left_font: int, left_scale: float, right_note: str, right_scale: float,
                         arrow: int, gap: int) -> Noted:
    """A note on either side of a drawing on a page wide enough that its notes are found shrunk: on the left
    in ``left_font``, ``gap`` px before a thin ``arrow`` px long, on the right in bold print."""
    page, inked = page_with_drawing(560, 1300, 500, 80)
    left, right = inked[0], inked[2]
    cv2.arrowedLine(page, (left - 30 - arrow, 250), (left - 30, 250), 0, 2, cv2.LINE_AA, tipLength=0.15)
    write_before(page, left_note, left - 30 - arrow - gap, 260, left_scale, left_font)
    cv2.arrowedLine(page, (right + 30 + arrow, 330), (right + 30, 330), 0, 3, cv2.LINE_AA, tipLength=0.2)
    return write(page, right_note, (right + 40 + arrow, 340), cv2.FONT_HERSHEY_DUPLEX, right_scale), inked


def small_bold_print() -> Noted:
    """Bold print whose letters run together once the page is shrunk."""
    return notes_on_a_wide_page("gold buttons", cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 0.9, "leather?", 0.9, 110, 15)


def a_word_written_joined_up() -> Noted:
    """A joined-up word ("buttons") as long and as straight as a short arrow."""
    return notes_on_a_wide_page("gold buttons", cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 1.0, "wider hem", 0.9, 80, 14)


NOTES: dict[str, Callable[[], Noted]] = {
    "an arrow from the right, script": arrow_from_the_right,
    "an arrow from the left": arrow_from_the_left,
    "an arrow from below": arrow_from_below,
    "writing that touches the arrow": writing_that_touches_the_arrow,
    "a line without a head": a_line_without_a_head,
    "a note on either side": a_note_on_either_side,
    "small bold print on a wide page": small_bold_print,
    "a word written joined up": a_word_written_joined_up,
}


@pytest.mark.parametrize("name", list(NOTES))
def test_a_pointed_note_is_dropped_with_its_leader(name, reference):
    page, _ = NOTES[name]()
    assert ink_iou(normalize_sketch(page, size=SIZE, line_width=WIDTH), reference) < 0.6  # the note is in the crop
    assert ink_iou(prepare_query(page, SIZE, WIDTH), reference) > 0.85


@pytest.mark.parametrize("name", list(NOTES))
def test_the_drawing_keeps_every_stroke_and_nothing_else(name):
    page, (left, top, right, bottom) = NOTES[name]()
    ink = ink_mask(page)
    drawing_area = np.zeros_like(ink)
    drawing_area[top - 4:bottom + 4, left - 4:right + 4] = True
    kept = drop_pointed_notes(ink)
    assert np.array_equal(kept, ink & drawing_area)


def a_belt_beside() -> np.ndarray:
    """A straight belt drawn beside a skirt, pointing at it, with its square buckle: one item's parts, not
    writing."""
    page, (_, _, right, _) = page_with_drawing(500, 900, 20, 50)
    cv2.line(page, (right + 20, 250), (right + 180, 250), 0, 5, cv2.LINE_AA)
    cv2.rectangle(page, (right + 195, 230), (right + 235, 270), 0, 5)
    return page


def two_items_joined_by_a_line() -> np.ndarray:
    page = np.full((500, 1000), 255, np.uint8)
    page[50:450, 20:420] = drawing(400, 5)
    page[50:450, 580:980] = drawing(400, 5)
    cv2.line(page, (440, 250), (560, 250), 0, 3, cv2.LINE_AA)
    return page


KEPT: dict[str, Page] = {"a belt with its buckle beside": a_belt_beside,
                         "two items with a line between": two_items_joined_by_a_line,
                         **{name: (lambda image=image: image) for name, image in parts_of_one_drawing().items()},
                         **FORMS}


@pytest.mark.parametrize("name", list(KEPT))
def test_drawings_without_a_pointed_note_are_left_alone(name):
    ink = ink_mask(to_gray(KEPT[name]()))
    assert np.array_equal(drop_pointed_notes(ink), ink), name


def test_an_empty_mask_has_no_pointed_notes():
    assert not drop_pointed_notes(np.zeros((20, 20), bool)).any()
