"""Search's colour term: a photo's item colour, its nearness to the colour named, and the re-ranking it gives."""

from __future__ import annotations

import numpy as np
import pytest

from sbkit.errors import DataError
from sbkit.limits import COLOUR_CATEGORIES_FROM
from sbkit.retrieval.colours import _to_lab
from sbkit.retrieval.photo_colours import PhotoColours, colour_match, favour_colour, item_colour

RED, WHITE, BLACK, BLUE = (_to_lab([rgb])[0] for rgb in ((0.8, 0.1, 0.1), (1.0, 1.0, 1.0), (0, 0, 0),
                                                          (0.1, 0.2, 0.8)))


def photo(item_rgb: tuple[int, int, int], backdrop: tuple[int, int, int] = (255, 255, 255), side: int = 200,
          share: float = 0.5) -> np.ndarray:
    """A product photo: a rectangle of ``item_rgb`` covering about ``share`` of a ``backdrop``."""
    pixels = np.full((side, side, 3), backdrop, np.uint8)
    margin = round(side * (1 - share ** 0.5) / 2)
    pixels[margin:side - margin, margin:side - margin] = item_rgb
    return pixels


def distance(lab: np.ndarray, other: np.ndarray) -> float:
    return float(np.linalg.norm(lab - other))


@pytest.mark.parametrize(("pixels", "expected"), [
    (photo((204, 26, 26)), RED),  # a red item on white
    (photo((0, 0, 0), backdrop=(235, 235, 235)), BLACK),  # a black item on light grey
    (photo((255, 255, 255)), WHITE),  # a white item on white is the backdrop's colour
    (np.full((90, 60, 3), (26, 51, 204), np.uint8), BLUE),  # no backdrop: the item fills the frame
])
def test_the_item_colour_is_read_from_the_photo(pixels: np.ndarray, expected: np.ndarray) -> None:
    assert distance(item_colour(pixels), expected) < 3


def test_a_print_reads_as_its_main_colour() -> None:
    pixels = photo((204, 26, 26))
    pixels[60:140:10, 60:140] = 255  # white stripes over a fifth of the red item
    assert distance(item_colour(pixels), RED) < 3


def test_the_match_is_one_for_the_colour_named_and_falls_with_the_difference() -> None:
    photos = np.stack([RED, _to_lab([(0.7, 0.15, 0.15)])[0], BLUE, np.full(3, np.nan)])
    match = colour_match(photos, RED)
    assert match[0] == pytest.approx(1.0) and 0.3 < match[1] < 1 and match[2] < 0.01 and match[3] == 0


def test_photo_colours_are_read_once_each() -> None:
    asked: list[str] = []

    def read(item_id: str) -> np.ndarray | None:
        asked.append(item_id)
        return None if item_id == "gone" else photo((204, 26, 26))

    colours = PhotoColours(read)
    first = colours.of(["a", "gone", "a"])
    again = colours.of(["gone", "a", "b"])
    assert asked == ["a", "gone", "b"]
    assert np.isnan(first[1]).all() and np.array_equal(first[0], first[2]) and np.array_equal(again[1], first[0])


def test_the_colour_named_moves_photos_of_it_up_by_at_most_the_weight() -> None:
    pixels = {"blue": photo((26, 51, 204)), "red": photo((204, 26, 26)), "far red": photo((204, 26, 26))}
    colours = PhotoColours(pixels.get)
    scores, ids = np.array([0.50, 0.45, 0.30]), ["blue", "red", "far red"]
    added, order = favour_colour(scores, ids, RED, colours, weight=0.1)
    assert order == ["red", "blue", "far red"]  # 0.45 + 0.1 passes 0.50; 0.30 + 0.1 does not
    assert added[0] == pytest.approx(0.45 + 0.1 * colour_match(colours.of(["red"]), RED)[0])
    kept, same = favour_colour(scores, ids, RED, colours, weight=0.0)
    assert same == ids and np.array_equal(kept, scores)


def test_only_photos_of_the_categories_asked_for_gain() -> None:
    ids = [f"blue bag {i}" for i in range(COLOUR_CATEGORIES_FROM)] + ["red coat", "red bag"]
    colours = PhotoColours(lambda item_id: photo((204, 26, 26) if "red" in item_id else (26, 51, 204)))
    scores = np.linspace(0.5, 0.3, len(ids))
    categories = ["coat" if "coat" in item_id else "bag" for item_id in ids]
    added, order = favour_colour(scores, ids, RED, colours, 0.3, categories)
    assert order[0] == "red bag" and order[-1] == "red coat"  # coats are not among the first results' categories
    assert added[-1] == pytest.approx(scores[-2])
    _, anyhow = favour_colour(scores, ids, RED, colours, 0.3, [None] * len(ids))
    assert anyhow[:2] == ["red coat", "red bag"]  # a catalogue without categories: every photo may gain


def worn_colour_caption(retriever) -> tuple[str, list, set]:
    """A caption "a {colour} dress" whose colour some photo wears among the categories of the model's first
    results for it; with those results (colour term off) and categories."""
    for colour in sorted({retriever.item(i).attributes.get("colour") for i in retriever.index.ids} - {None}):
        caption = f"a {colour} dress"
        named = retriever.colour_reader.main_colour(caption)
        plain = retriever.search(text=caption, k=len(retriever), colour_weight=0)
        asked = {retriever.item(hit.id).category for hit in plain.hits[:COLOUR_CATEGORIES_FROM]}
        of_kind = [hit.id for hit in plain.hits if retriever.item(hit.id).category in asked]
        if named and colour_match(retriever.photo_colours.of(of_kind), named[1]).max() > 0.5:
            return caption, plain.hits, asked
    pytest.fail("no photo of the tiny demo wears a colour it names among the categories the model puts first")


def test_search_ranks_toward_the_colour_named_and_says_so(retriever) -> None:
    caption, model_hits, asked = worn_colour_caption(retriever)
    coloured = retriever.search(text=caption, k=len(retriever))
    assert coloured.colour == caption.split()[1]
    assert sorted(h.id for h in coloured.hits) == sorted(h.id for h in model_hits)
    strong = retriever.search(text=caption, k=len(retriever), colour_weight=10)
    of_kind = np.array([retriever.item(hit.id).category in asked for hit in strong.hits])
    matches = colour_match(retriever.photo_colours.of([h.id for h in strong.hits]),
                           retriever.colour_reader.main_colour(caption)[1])[of_kind]
    # 10 times a match more than 0.2 higher outweighs any cosine gap (at most 2): among the categories the model
    # puts first, such a photo comes first
    assert all(matches[i] >= matches[j] - 0.2 for i in range(len(matches)) for j in range(i + 1, len(matches)))
    model_scores = {hit.id: hit.score for hit in model_hits}
    others = [hit for hit, kind in zip(strong.hits, of_kind) if not kind]
    assert others and all(hit.score == pytest.approx(model_scores[hit.id]) for hit in others)  # no gain
    assert [h.score for h in strong.hits] == sorted((h.score for h in strong.hits), reverse=True)
    uncoloured = retriever.search(text="a long dress", k=10)
    assert uncoloured.colour is None
    assert [h.id for h in uncoloured.hits] == [h.id for h in retriever.search(text="a long dress", k=10,
                                                                               colour_weight=0).hits]


def test_a_drawing_alone_has_no_colour_term(retriever) -> None:
    drawing = next(retriever.item(i).sketch for i in retriever.index.ids if retriever.item(i).sketch is not None)
    alone = retriever.search(sketch=drawing, text="a red dress", mode="sketch", k=5)
    assert alone.colour is None


@pytest.mark.parametrize("weight", [-0.1, float("nan"), float("inf"), 11, True, "0.1"])
def test_a_bad_colour_weight_is_refused(retriever, weight) -> None:
    with pytest.raises(DataError, match="colour_weight must be a number from 0 to 10"):
        retriever.search(text="a red dress", colour_weight=weight)
