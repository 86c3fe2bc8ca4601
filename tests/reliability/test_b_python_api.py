"""What the Python search API is given: pixel types, k, captions, drawing objects and folder types."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.errors import DataError, ShapeError
from sbkit.retrieval.retriever import Retriever


@pytest.fixture(scope="module")
def drawing(retriever: Retriever) -> Path:
    return next(retriever.item(i).sketch for i in retriever.index.ids if retriever.item(i).sketch is not None)


def _gray(drawing: Path) -> np.ndarray:
    return np.asarray(Image.open(drawing).convert("L"))


@pytest.mark.parametrize("as_pixels", [
    lambda g: g.astype(np.uint16) * 257,  # a 16-bit scan
    lambda g: g / 255.0,  # float in [0, 1]
    lambda g: g.astype(np.float32),  # float in [0, 255]
], ids=["uint16", "float-0-1", "float-0-255"])
def test_other_pixel_types_give_the_sketch_of_the_8_bit_drawing(retriever, drawing, as_pixels):
    gray = _gray(drawing)
    expected = retriever.search(sketch=gray, k=3).sketch
    got = retriever.search(sketch=as_pixels(gray), k=3).sketch
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_a_bool_mask_is_read_as_a_drawing_of_either_polarity(retriever, drawing):
    gray = _gray(drawing)
    expected = retriever.search(sketch=np.where(gray > 127, 255, 0).astype(np.uint8), k=3)
    for mask in (gray > 127, gray <= 127):
        assert [h.id for h in retriever.search(sketch=mask, k=3).hits] == [h.id for h in expected.hits]


@pytest.mark.parametrize(("pixels", "message"), [
    (lambda g: np.where(g > 127, np.nan, 1.0), "NaN or infinite"),
    (lambda g: g.astype(np.int32) * 1000, "values run from .* to 255000"),
    (lambda g: g.astype(np.complex64), "dtype complex64"),
    (lambda g: g.astype(object), "dtype object"),
], ids=["nan", "int-over-16-bit", "complex", "object"])
def test_pixels_that_are_not_an_image_are_refused_by_name(retriever, drawing, pixels, message):
    with pytest.raises(ShapeError, match=message):
        retriever.search(sketch=pixels(_gray(drawing)), k=3)


def test_k_is_a_whole_number(retriever):
    assert len(retriever.search(text="a red dress", k=np.int64(2)).hits) == 2
    for k in (True, 5.0, "5"):
        with pytest.raises(DataError, match="k must be a whole number"):
            retriever.search(text="a red dress", k=k)


@pytest.mark.parametrize("text", [5, ["red", "dress"], b"red dress"], ids=["int", "list", "bytes"])
def test_a_caption_that_is_not_a_str_is_refused_by_name(retriever, text):
    with pytest.raises(DataError, match=f"the caption must be a str, got {type(text).__name__}"):
        retriever.search(text=text)


def test_a_pil_image_is_a_drawing_and_other_objects_are_refused(retriever, drawing):
    by_path = retriever.search(sketch=drawing, k=5)
    by_pil = retriever.search(sketch=Image.open(drawing), k=5)
    assert [h.id for h in by_pil.hits] == [h.id for h in by_path.hits]
    for sketch in ([[0, 255]], 5, {"path": str(drawing)}):
        with pytest.raises(DataError, match=f"sketch must be a file path.*got {type(sketch).__name__}"):
            retriever.search(sketch=sketch)


def test_from_run_takes_paths_as_str_or_path_and_names_other_types(run_dir, tmp_path):
    with pytest.raises(DataError, match="no file or folder") as as_path:
        Retriever.from_run(run_dir, data=tmp_path / "moved")
    with pytest.raises(DataError, match="no file or folder") as as_str:
        Retriever.from_run(run_dir, data=str(tmp_path / "moved"))
    assert str(as_path.value) == str(as_str.value)
    for arguments in ({"run_dir": None}, {"run_dir": run_dir, "index": 5}):
        with pytest.raises(DataError, match="must be a folder path"):
            Retriever.from_run(**arguments)
