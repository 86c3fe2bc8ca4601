"""A catalogue's own drawings are cleaned as `sbkit search` cleans a query drawing, so a run measures what search
will see."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from sbkit.data.catalogue import CatalogueItem
from sbkit.pipeline.prepare import _load_item
from sbkit.registry import create
from sbkit.retrieval.query import prepare_query
from sbkit.sketch import normalize_sketch

SIZE, WIDTH = 48, 2


def skirt(filled: bool) -> np.ndarray:
    image = np.full((300, 300), 255, np.uint8)
    outline = np.array([[110, 30], [190, 30], [250, 270], [50, 270]], np.int32)
    if filled:
        cv2.fillPoly(image, [outline], 0)
    cv2.polylines(image, [outline], True, 0, 4, cv2.LINE_AA)
    return image


def drawn_row(tmp_path: Path, pixels: np.ndarray) -> np.ndarray:
    """The normalised drawing a run keeps for an item whose drawing file holds ``pixels``."""
    Image.fromarray(pixels).save(tmp_path / "sketch.png")
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(tmp_path / "photo.png")
    item = CatalogueItem("a", tmp_path / "photo.png", "a skirt", sketch=tmp_path / "sketch.png")
    return _load_item(item, create("sketchifier", "canny", {}), SIZE, WIDTH).drawn


@pytest.mark.parametrize("drawing", ["coloured in", "chalk on a board"])
def test_a_catalogue_drawing_is_prepared_as_a_query_drawing(tmp_path: Path, drawing: str) -> None:
    pixels = skirt(filled=True) if drawing == "coloured in" else 255 - skirt(filled=False)
    assert np.array_equal(drawn_row(tmp_path, pixels), prepare_query(pixels, SIZE, WIDTH))


def test_a_coloured_in_catalogue_drawing_is_not_thinned_to_a_stick(tmp_path: Path) -> None:
    pixels = skirt(filled=True)
    assert not np.array_equal(drawn_row(tmp_path, pixels), normalize_sketch(pixels, size=SIZE, line_width=WIDTH))


def test_a_blank_catalogue_drawing_stays_a_blank_sketch(tmp_path: Path) -> None:
    drawn = drawn_row(tmp_path, np.full((40, 40), 255, np.uint8))
    assert drawn.shape == (SIZE, SIZE) and (drawn == 255).all()
