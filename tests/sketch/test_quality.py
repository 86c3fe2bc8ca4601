"""Edge quality on synthetic shapes whose answer is known."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sbkit.errors import ShapeError
from sbkit.sketch.quality import edge_quality, outline, sketch_agreement


def disc_mask(size: int = 64, radius: int = 20) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    cv2.circle(mask, (size // 2, size // 2), radius, 255, -1)
    return mask


def traced(mask: np.ndarray, shift: int = 0) -> np.ndarray:
    """A sketch whose ink is exactly the mask's outline, moved ``shift`` px to the right."""
    sketch = np.full(mask.shape, 255, np.uint8)
    sketch[np.roll(outline(mask), shift, axis=1)] = 0
    return sketch


def test_perfect_outline_scores_one() -> None:
    mask = disc_mask()
    scores = edge_quality(traced(mask), mask)
    assert scores["recall"] == pytest.approx(1.0) and scores["precision"] == pytest.approx(1.0)
    assert scores["f1"] == pytest.approx(1.0)
    assert scores["ink_px"] == scores["outline_px"] > 0


def test_blank_sketch_has_no_recall() -> None:
    scores = edge_quality(np.full((64, 64), 255, np.uint8), disc_mask())
    assert scores == {**scores, "recall": 0.0, "precision": 0.0, "f1": 0.0, "ink_px": 0.0}


def test_far_noise_lowers_precision_only() -> None:
    mask = disc_mask()
    noisy = traced(mask)
    noisy[2:6, 2:30] = 0  # a stroke far from the disc
    clean_scores, noisy_scores = edge_quality(traced(mask), mask), edge_quality(noisy, mask)
    assert noisy_scores["recall"] == pytest.approx(clean_scores["recall"])
    expected = clean_scores["ink_px"] / (clean_scores["ink_px"] + 4 * 28)
    assert noisy_scores["precision"] == pytest.approx(expected)
    assert noisy_scores["f1"] < clean_scores["f1"]


def test_tolerance_decides_what_matches() -> None:
    mask = disc_mask()
    near, far = traced(mask, shift=2), traced(mask, shift=6)
    assert edge_quality(near, mask, tolerance=2)["recall"] > 0.95
    assert edge_quality(far, mask, tolerance=2)["recall"] < 0.5
    assert edge_quality(far, mask, tolerance=6)["recall"] > 0.95


def test_frame_edge_is_not_an_outline() -> None:
    mask = np.zeros((32, 32), np.uint8)
    mask[:, :16] = 255  # the item runs off the left, top and bottom of the frame
    line = outline(mask)
    assert line.sum() == 32 and line[:, 15].all()


def test_sketch_agreement_compares_two_sketches() -> None:
    mask = disc_mask()
    assert sketch_agreement(traced(mask), traced(mask))["f1"] == pytest.approx(1.0)
    assert sketch_agreement(traced(mask, shift=8), traced(mask))["f1"] < 0.5


def test_shapes_must_agree() -> None:
    with pytest.raises(ShapeError, match="edge_quality"):
        edge_quality(np.zeros((10, 10), np.uint8), np.zeros((12, 10), np.uint8))
