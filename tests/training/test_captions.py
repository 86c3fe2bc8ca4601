"""People-like caption variants for training."""

from __future__ import annotations

import pytest

from sbkit.errors import ConfigError
from sbkit.training.captions import CaptionAugment, caption_options

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
