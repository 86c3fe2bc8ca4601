"""``Retriever``: one loaded run answers every drawing form alike, reports stage timings and checks modes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import sbkit
from sbkit.errors import DataError
from sbkit.retrieval.query import DrawingTooLarge
from sbkit.retrieval.retriever import Retriever


@pytest.fixture(scope="module")
def drawing(retriever: Retriever) -> Path:
    return next(retriever.item(i).sketch for i in retriever.index.ids if retriever.item(i).sketch is not None)


def test_the_package_exports_it():
    assert sbkit.Retriever is Retriever and "Retriever" in sbkit.__all__


def test_a_path_bytes_and_an_array_give_the_same_ranking(retriever, drawing):
    by_path = retriever.search(sketch=drawing, text="a long red trouser", k=5)
    by_bytes = retriever.search(sketch=drawing.read_bytes(), text="a long red trouser", k=5)
    by_array = retriever.search(sketch=np.asarray(Image.open(drawing).convert("L")), text="a long red trouser", k=5)
    for other in (by_bytes, by_array):
        assert [h.id for h in other.hits] == [h.id for h in by_path.hits]
        assert [h.score for h in other.hits] == pytest.approx([h.score for h in by_path.hits], abs=1e-5)
    assert by_path.mode == "sketch+text" and len(by_path.hits) == 5
    assert by_path.sketch.shape == (retriever.run.config.image_size,) * 2
    timings = by_path.timings
    assert timings.decode > 0 and timings.normalise > 0 and timings.encode > 0 and timings.search > 0
    assert by_array.timings.decode < 1  # an array needs no decoding
    assert timings.to_dict()["total"] == pytest.approx(timings.total, abs=1e-3)


def test_hits_carry_gallery_photos_and_captions(retriever):
    result = retriever.search(text="a short skirt", k=len(retriever) + 10)
    assert len(result.hits) == len(retriever) and [h.rank for h in result.hits] == list(range(1, len(retriever) + 1))
    for hit in result.hits:
        item = retriever.item(hit.id)
        assert hit.path == item.image and hit.caption == item.caption


def test_a_mode_ignores_the_other_input_and_needs_its_own(retriever, drawing):
    sketch_only = retriever.search(sketch=drawing, text="a red dress", mode="sketch", k=4)
    assert sketch_only.text is None and [h.id for h in sketch_only.hits] == [
        h.id for h in retriever.search(sketch=drawing, k=4).hits]
    text_only = retriever.search(sketch=b"not even an image", text="a red dress", mode="text", k=4)
    assert text_only.sketch is None and text_only.timings.decode == 0
    with pytest.raises(DataError, match="needs a caption"):
        retriever.search(sketch=drawing, text="  ", mode="sketch+text")
    with pytest.raises(DataError, match="needs a drawing"):
        retriever.search(text="a dress", mode="sketch")
    with pytest.raises(DataError, match="not one of"):
        retriever.search(text="a dress", mode="photo")
    with pytest.raises(DataError, match="a drawing, a caption or both"):
        retriever.search()
    with pytest.raises(DataError, match="k must be"):
        retriever.search(text="a dress", k=0)


def test_bad_drawings_are_refused_before_or_while_decoding(retriever, drawing, tmp_path):
    data = drawing.read_bytes()
    with pytest.raises(DataError, match="truncated"):
        retriever.search(sketch=data[: len(data) // 2])
    with pytest.raises(DataError, match="not a readable image"):
        retriever.search(sketch=b"plain text")
    small = Retriever(retriever.run, retriever.index, retriever.index_dir, retriever.gallery, max_pixels=100)
    with pytest.raises(DrawingTooLarge, match="100-pixel limit"):
        small.search(sketch=data)
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(blank)
    with pytest.raises(DataError, match="blank.png.*no strokes"):
        retriever.search(sketch=blank)


def test_items_are_found_by_index_id_only(retriever):
    item_id = retriever.index.ids[0]
    assert retriever.item(item_id).id == item_id
    photo = retriever.item(item_id).image
    for other in (str(photo), photo.name, f"../{item_id}", item_id + "/", ""):
        assert retriever.item(other) is None


def test_info_names_what_is_loaded(retriever):
    info = retriever.info()
    assert info["sbkit"] == sbkit.__version__ and info["index"]["size"] == len(retriever)
    assert info["model"]["encoder"] == "small" and info["gallery"]["sources"] == ["demo (test split)"]


def test_a_caption_over_the_shared_limit_is_refused_not_cut(retriever):
    from sbkit.limits import MAX_QUERY_TEXT

    long = "a " * 600 + "green trouser"
    with pytest.raises(DataError, match=f"{len(long):,} characters, over the {MAX_QUERY_TEXT}-character limit"):
        retriever.search(text=long, k=3)
    assert retriever.search(text="x" * MAX_QUERY_TEXT, k=3).hits

