"""Human-style augmentation: contract, determinism, and what each step does."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from sbkit.errors import ConfigError, ShapeError
from sbkit.sketch.augment import (
    SketchAugment,
    augment_sketches,
    drop_strokes,
    elastic_jitter,
    erase_blobs,
    mirror_image,
    simplify,
    vary_line_width,
)


def sketches(count: int = 4, size: int = 64) -> torch.Tensor:
    """Dark-on-white outlines: boxes and circles of varied size, plus a small detail each."""
    out = np.full((count, 1, size, size), 255, np.uint8)
    for i in range(count):
        cv2.rectangle(out[i, 0], (8 + i, 10), (size - 10, size - 8 - i), 0, 2)
        cv2.circle(out[i, 0], (size // 2, size // 2), 8 + i, 0, 1)
        out[i, 0, 3:5, 3:5] = 0
    return torch.from_numpy(out)


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def ink(batch: torch.Tensor) -> np.ndarray:
    return (batch < 128).numpy()


def test_keeps_shape_and_dtype() -> None:
    batch = sketches()
    out = augment_sketches(batch, 0.7, generator())
    assert out.shape == batch.shape and out.dtype == torch.uint8
    assert set(torch.unique(out).tolist()) <= {0, 255}
    assert (out == 0).any(axis=(1, 2, 3)).all(), "every sketch keeps some ink"


def test_strength_zero_is_identity() -> None:
    batch = sketches()
    assert torch.equal(augment_sketches(batch, 0.0, generator()), batch)
    assert torch.equal(SketchAugment(strength=0.0)(batch), batch)


def test_strength_changes_sketches_and_more_with_more_strength() -> None:
    batch = sketches(8)
    changed = {s: (augment_sketches(batch, s, generator()) != batch).float().mean().item() for s in (0.2, 1.0)}
    assert changed[0.2] > 0
    assert changed[1.0] > changed[0.2]
    assert all((augment_sketches(batch, 0.5, generator()) != batch).any(axis=(1, 2, 3)))


def test_fixed_seed_is_deterministic_and_calls_differ() -> None:
    batch = sketches()
    assert torch.equal(augment_sketches(batch, 0.5, generator(3)), augment_sketches(batch, 0.5, generator(3)))
    assert not torch.equal(augment_sketches(batch, 0.5, generator(3)), augment_sketches(batch, 0.5, generator(4)))
    transform, again = SketchAugment(0.5, seed=1), SketchAugment(0.5, seed=1)
    first, second = transform(batch), transform(batch)
    assert not torch.equal(first, second), "each call draws new variants"
    assert torch.equal(again(batch), first) and torch.equal(again(batch), second)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ShapeError, match=r"\(B, 1, H, W\)"):
        augment_sketches(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), 0.5, generator())
    with pytest.raises(ShapeError, match="uint8"):
        augment_sketches(torch.zeros(2, 1, 8, 8), 0.5, generator())
    with pytest.raises(ConfigError, match="strength"):
        SketchAugment(strength=1.5)
    with pytest.raises(ConfigError, match="mirror chance must be in \\[0, 1\\], got -0.1"):
        augment_sketches(sketches(), 0.5, generator(), mirror=-0.1)
    with pytest.raises(ConfigError, match="mirror chance"):
        SketchAugment(0.5, mirror=2.0)


def test_mirror_flips_left_right_with_its_chance() -> None:
    asymmetric = np.zeros((8, 8), bool)
    asymmetric[2:6, 1] = True
    flipped = [bool(mirror_image(asymmetric, 0.5, generator(seed))[2, 6]) for seed in range(400)]
    assert 0.4 < np.mean(flipped) < 0.6
    assert np.array_equal(mirror_image(asymmetric, 1.0, generator()), asymmetric[:, ::-1])


def test_no_mirror_draws_nothing_so_earlier_augmentations_repeat() -> None:
    batch = sketches()
    plain, asked_none = generator(5), generator(5)
    first = augment_sketches(batch, 0.5, plain)
    assert torch.equal(augment_sketches(batch, 0.5, asked_none, mirror=0.0), first)
    assert torch.equal(plain.get_state(), asked_none.get_state())


def test_a_mirrored_variant_is_the_flip_of_the_same_augmentation() -> None:
    one = sketches(1)
    assert torch.equal(augment_sketches(one, 0.5, generator(2), mirror=1.0),
                       torch.flip(augment_sketches(one, 0.5, generator(2)), dims=[-1]))
    assert torch.equal(SketchAugment(0.5, seed=2, mirror=1.0)(one), torch.flip(SketchAugment(0.5, seed=2)(one), [-1]))


def test_simplify_drops_short_components() -> None:
    lines = ink(sketches(1))[0, 0]
    out = simplify(lines, min_pixels=10)
    assert not out[3:5, 3:5].any(), "the 4 px detail is gone"
    assert out.sum() == lines.sum() - 4


def test_drop_strokes_bounds() -> None:
    lines = ink(sketches(1))[0, 0]
    assert np.array_equal(drop_strokes(lines, 0.0, 12, generator()), lines)
    assert not drop_strokes(lines, 1.0, 12, generator()).any()
    half = drop_strokes(lines, 0.5, 12, generator())
    assert 0 < half.sum() < lines.sum() and not (half & ~lines).any()


def test_erase_blobs_only_removes_ink() -> None:
    lines = ink(sketches(1))[0, 0]
    assert np.array_equal(erase_blobs(lines, 0.0, 0.2, generator()), lines)
    erased = erase_blobs(lines, 1.0, 0.3, generator())
    assert erased.sum() < lines.sum() and not (erased & ~lines).any()


def test_elastic_jitter_moves_lines_a_little() -> None:
    lines = ink(sketches(1))[0, 0]
    assert np.array_equal(elastic_jitter(lines, 0.0, generator()), lines)
    warped = elastic_jitter(lines, 3.0, generator())
    assert not np.array_equal(warped, lines)
    distance = cv2.distanceTransform((~lines).astype(np.uint8), cv2.DIST_L2, 3)
    assert distance[warped].max() <= 5, "no ink lands far from a line"


def test_vary_line_width_thins_or_thickens() -> None:
    lines = ink(sketches(1))[0, 0]
    assert np.array_equal(vary_line_width(lines, 0.0, generator()), lines)
    counts = {int(vary_line_width(lines, 1.0, generator(seed)).sum()) for seed in range(8)}
    assert any(c > lines.sum() for c in counts) and any(c < lines.sum() for c in counts)
