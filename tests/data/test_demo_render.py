"""Demo specs, photos and drawn sketches, one item at a time."""

from __future__ import annotations

import numpy as np
import pytest

from sbkit.data.demo import (
    BRANDS, CATEGORIES, COLOURS, LENGTHS, LIGHT_COLOURS, draw_sketch, make_caption, make_spec, render_item, view_spec,
)
from sbkit.data.demo.drawn import DrawingErrors, drawn_strokes
from sbkit.errors import ConfigError

SIZE = 64


def spec_for(seed: int, **fixed):
    return make_spec(np.random.default_rng(seed), image_size=SIZE, **fixed)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_vocabulary_meets_the_catalogue_contract():
    assert len(CATEGORIES) >= 10 and len(COLOURS) >= 10 and len(set(BRANDS.values())) >= 6
    assert {"white", "ivory", "cream", "light grey"} <= set(LIGHT_COLOURS) <= set(COLOURS)
    assert all(len(LENGTHS[c]) >= 2 for c in CATEGORIES)


@pytest.mark.parametrize("category", CATEGORIES)
def test_render_item_gives_an_rgb_photo_and_a_binary_mask(category):
    image, mask = render_item(spec_for(1, category=category))
    assert image.shape == (SIZE, SIZE, 3) and image.dtype == np.uint8
    assert mask.shape == (SIZE, SIZE) and mask.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 255}
    assert 0.04 < (mask > 0).mean() < 0.8
    sketch = draw_sketch(spec_for(1, category=category), np.random.default_rng(0))
    assert sketch.shape == (SIZE, SIZE) and sketch.dtype == np.uint8
    assert 0.01 < (sketch < 128).mean() < 0.3


def test_fixing_the_colour_keeps_the_same_product_shape():
    masks = [render_item(spec_for(3, category="trouser", colour=c))[1] for c in COLOURS]
    assert all(np.array_equal(masks[0], m) for m in masks[1:])
    photos = {render_item(spec_for(3, category="trouser", colour=c))[0].tobytes() for c in COLOURS}
    assert len(photos) == len(COLOURS)


def test_categories_have_different_silhouettes():
    masks = {c: render_item(spec_for(2, category=c))[1] > 0 for c in CATEGORIES}
    for a in CATEGORIES:
        for b in CATEGORIES:
            if a < b:
                assert iou(masks[a], masks[b]) < 0.9, (a, b)


def test_items_that_share_a_caption_differ_in_shape():
    fixed = dict(category="dress", colour="navy", brand="Brisk", length="midi")
    masks = [render_item(spec_for(seed, **fixed))[1] > 0 for seed in range(6)]
    overlaps = [iou(masks[0], m) for m in masks[1:]]
    assert min(overlaps) < 0.9


def test_length_changes_the_silhouette():
    long, short = (render_item(spec_for(4, category="trouser", length=n))[1] > 0 for n in ("long", "short"))
    aspect = []
    for mask in (long, short):
        rows, cols = np.nonzero(mask)
        aspect.append((np.ptp(rows) + 1) / (np.ptp(cols) + 1))
    assert aspect[0] > 1.5 * aspect[1]


def test_light_items_sit_on_white_with_low_contrast():
    image, mask = render_item(spec_for(6, category="coat", colour="white", brand="Brisk"))
    gray = image.astype(float).mean(axis=2)
    inside, outside = gray[mask > 0], gray[mask == 0]
    assert np.median(inside) > 235
    assert np.median(outside) > 245
    assert abs(np.median(outside) - np.median(inside)) < 15
    dark, dark_mask = render_item(spec_for(6, category="coat", colour="navy", brand="Brisk"))
    assert np.median(dark.astype(float).mean(axis=2)[dark_mask > 0]) < 120


def test_patterns_add_texture_inside_the_item_only():
    plain, mask = render_item(spec_for(8, category="skirt", colour="red", brand="Brisk"))
    striped, _ = render_item(spec_for(8, category="skirt", colour="red", brand="Maison Vell"))
    diff = np.abs(plain.astype(int) - striped.astype(int)).max(axis=2) > 20
    assert diff[mask > 0].mean() > 0.05
    assert not diff[mask == 0].any()


def test_views_move_the_item_but_keep_the_product():
    spec = spec_for(9, category="handbag")
    other = view_spec(spec, np.random.default_rng(1))
    assert other.params == spec.params and other.colour == spec.colour
    first, second = render_item(spec)[1] > 0, render_item(other)[1] > 0
    assert 0.2 < iou(first, second) < 1.0


def test_drawn_sketch_is_made_from_the_spec_not_a_trace_of_the_mask():
    spec = spec_for(10, category="boot")
    a = draw_sketch(spec, np.random.default_rng(0))
    b = draw_sketch(spec, np.random.default_rng(1))
    assert np.array_equal(a, draw_sketch(spec, np.random.default_rng(0)))
    assert not np.array_equal(a, b)
    assert a.max() == 255 and a.min() < 100  # dark strokes on a white page
    # the drawing is placed and proportioned on its own, so it is not the photo's outline
    mask = render_item(spec)[1]
    edges = mask != np.roll(mask, 1, axis=0)
    assert ((a < 128) & edges).sum() < 0.9 * edges.sum()


def _aspect(sketch: np.ndarray) -> float:
    rows, cols = np.nonzero(sketch < 128)
    return (cols.max() - cols.min() + 1) / (rows.max() - rows.min() + 1)


def test_drawing_errors_switch_off_one_at_a_time():
    spec = make_spec(np.random.default_rng(12), category="t-shirt", length="short", image_size=128)
    assert np.array_equal(draw_sketch(spec, np.random.default_rng(3)),
                          draw_sketch(spec, np.random.default_rng(3), DrawingErrors()))
    steady = {"wobble": 0.0, "ends": False}
    exact = [draw_sketch(spec, np.random.default_rng(i), DrawingErrors(proportion=0, stretch=0, turn=0, **steady))
             for i in range(6)]
    misjudged = [draw_sketch(spec, np.random.default_rng(i), DrawingErrors(**steady)) for i in range(6)]
    # an exact drawing keeps the item's proportions whatever else the hand does; a misjudged one does not
    assert np.ptp([_aspect(s) for s in exact]) < 0.05 < np.ptp([_aspect(s) for s in misjudged])
    # an error switched off leaves every later random draw as it was: the same ink and pens
    a, b = drawn_strokes(spec, np.random.default_rng(5)), drawn_strokes(spec, np.random.default_rng(5),
                                                                        DrawingErrors(proportion=0, turn=0))
    assert a.ink == b.ink and [len(w) for w in a.widths] == [len(w) for w in b.widths]
    counts = {lines: len(drawn_strokes(spec, np.random.default_rng(5), DrawingErrors(lines=lines)).strokes)
              for lines in ("none", "some", "all")}
    assert counts["none"] < counts["some"] < counts["all"]  # a t-shirt's photo shows a pocket no drawing has


def test_captions_are_deterministic_and_name_category_and_colour():
    spec = spec_for(11, category="t-shirt", colour="light grey", brand="Okoro", length="short")
    captions = {make_caption(spec, np.random.default_rng(i)) for i in range(40)}
    assert make_caption(spec, np.random.default_rng(0)) == make_caption(spec, np.random.default_rng(0))
    assert all("t-shirt" in c and "light grey" in c for c in captions)
    assert any("short-sleeved" in c for c in captions) and any("Okoro" in c for c in captions)
    assert len(captions) >= 5


@pytest.mark.parametrize("fixed, word", [(dict(category="scarf"), "scarf"), (dict(colour="teal"), "teal"),
                                         (dict(brand="Nobody"), "Nobody"),
                                         (dict(category="hat", length="maxi"), "maxi")])
def test_unknown_values_are_config_errors_that_list_the_choices(fixed, word):
    with pytest.raises(ConfigError, match=f"'{word}'.*choose from"):
        spec_for(0, **fixed)
