"""People-like caption variants for training."""

from __future__ import annotations

import pytest

from sbkit.errors import ConfigError
from sbkit.training.captions import CaptionAugment, caption_options, caption_words, described_by, item_description

CAPTION = "a maxi navy skirt with polka dots by Lune & Fils"
ATTRS = {"colour": "navy", "brand": "Lune & Fils"}


def test_strength_zero_keeps_every_caption() -> None:
    augment = CaptionAugment(0.0, seed=1)
    assert {augment.variant(CAPTION, "skirt", ATTRS) for _ in range(50)} == {CAPTION}


def test_variants_start_with_the_caption_and_repeat_with_the_seed() -> None:
    first = CaptionAugment(0.8, seed=3).variants(CAPTION, "skirt", ATTRS, 20)
    assert first[0] == CAPTION and first == CaptionAugment(0.8, seed=3).variants(CAPTION, "skirt", ATTRS, 20)
    assert first != CaptionAugment(0.8, seed=4).variants(CAPTION, "skirt", ATTRS, 20)


def test_short_forms_come_from_the_item() -> None:
    seen = set(CaptionAugment(1.0, seed=0).variants(CAPTION, "skirt", ATTRS, 400)[1:])
    assert {"skirt", "navy skirt", "Lune & Fils", ""} <= seen
    words = set(CAPTION.split())
    assert all(set(v.split()) <= words | {"skirt", "navy"} for v in seen)
    assert any(0 < len(v.split()) < len(CAPTION.split()) and v not in ("navy skirt",) for v in seen)


def test_missing_attributes_are_skipped() -> None:
    assert caption_options("red dress", None, None) == {"empty": ""}
    seen = set(CaptionAugment(1.0, seed=0).variants("red dress", None, {}, 200)[1:])
    assert seen <= {"red", "dress", "red dress", ""}


def test_bad_strength_is_refused() -> None:
    with pytest.raises(ConfigError, match="strength"):
        CaptionAugment(1.5)


def test_a_short_caption_describes_every_item_holding_its_words() -> None:
    described = described_by(["skirt", "navy skirt", "", "Lune & Fils", "Boot"],
                             ["a maxi navy skirt by Lune & Fils", "a red skirt", "a navy boot", "A NAVY SKIRT", "x"])
    assert described.tolist() == [[True, True, False, True, False],
                                  [True, False, False, True, False],
                                  [True, True, True, True, True],  # an empty caption says nothing against any item
                                  [True, False, False, False, False],
                                  [False, False, True, False, False]]


def test_an_item_is_described_by_its_own_short_forms() -> None:
    description = item_description("short coat in pink", "coat", {"colour": "pink", "brand": "Okoro"})
    assert caption_words(description) == {"short", "coat", "in", "pink", "okoro"}
    short_forms = CaptionAugment(1.0, seed=0).variants(CAPTION, "skirt", ATTRS, 200)
    assert described_by(short_forms, [item_description(CAPTION, "skirt", ATTRS)] * len(short_forms)).all()
    assert caption_words("a T-shirt, l'or & co") == {"a", "t-shirt", "l'or", "co"}


def test_described_by_refuses_mismatched_rows() -> None:
    with pytest.raises(ConfigError, match="2 texts but 1 descriptions"):
        described_by(["a", "b"], ["a"])
