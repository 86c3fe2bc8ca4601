"""Human-style sketch augmentation: make edge-map sketches look less like traces of the photo.

People leave strokes out, wobble, press harder or lighter, and skip small details. Each of those is
one step here, on one (H, W) bool ink map with OpenCV (a few tens of microseconds each at 128 px):

- :func:`simplify`: drop short components (small details);
- :func:`drop_strokes`: cut strokes into segments and drop random segments;
- :func:`erase_blobs`: erase a few random round patches;
- :func:`elastic_jitter`: warp by a smooth random displacement field;
- :func:`vary_line_width`: thin or thicken the lines, per sketch;
- :func:`misjudge_proportions`: stretch, shear and turn the whole drawing a little, as people misjudge
  a product's proportions (wider, taller, slanted);
- :func:`mirror_image`: flip left-right, as people draw an item facing either way (a shoe's toe to the left or to the
  right); asked for apart from ``strength``.

:func:`augment_sketches` runs them all on a batch (B, 1, H, W) uint8 of dark-on-white sketches, scaled
by one ``strength`` in [0, 1], then mirrors each with chance ``mirror``; :class:`SketchAugment`
is the same as a per-batch training transform with its own seeded generator. Random numbers come from a
CPU ``torch.Generator``, so a fixed seed gives the same sketches on any device.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import torch

from sbkit.errors import ConfigError, ShapeError, check

INK_LEVEL = 128  # darker than this is ink


def _rand(generator: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.rand(shape, generator=generator)


def simplify(ink: np.ndarray, min_pixels: int) -> np.ndarray:
    """Drop 8-connected components of a (H, W) bool ink map with fewer than ``min_pixels`` pixels."""
    if min_pixels <= 1 or not ink.any():
        return ink
    count, labels = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    keep = np.bincount(labels.ravel(), minlength=count) >= min_pixels
    keep[0] = False
    return np.take(keep, labels)


def drop_strokes(ink: np.ndarray, p: float, cell: int, generator: torch.Generator) -> np.ndarray:
    """Cut a (H, W) bool ink map along a randomly placed grid of ``cell`` px, drop each piece with chance ``p``."""
    offset_y, offset_x = (int(v * cell) for v in _rand(generator, 2))
    if p <= 0 or not ink.any():
        return ink
    cut = ink.copy()
    cut[offset_y::cell] = False
    cut[:, offset_x::cell] = False
    count, labels = cv2.connectedComponents(cut.astype(np.uint8), connectivity=8)
    dropped = (_rand(generator, count) < p).numpy()
    dropped[0] = False
    gone = cv2.dilate(dropped[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # and the cut pixels beside
    return ink & ~gone


def erase_blobs(ink: np.ndarray, p: float, radius: float, generator: torch.Generator, count: int = 3) -> np.ndarray:
    """Erase up to ``count`` discs from a (H, W) bool ink map; each appears with chance ``p``.

    Radii are drawn between half and all of ``radius`` (a fraction of the shorter side).
    """
    draw = _rand(generator, count, 4).numpy()
    if p <= 0 or radius <= 0:
        return ink
    height, width = ink.shape
    erased = np.zeros(ink.shape, np.uint8)
    for active, y, x, r in draw:
        if active < p:
            size = max(1, round((0.5 + 0.5 * r) * radius * min(height, width)))
            cv2.circle(erased, (round(x * (width - 1)), round(y * (height - 1))), size, 1, -1)
    return ink & (erased == 0)


@lru_cache(maxsize=16)
def _spline(size: int, grid: int) -> np.ndarray:
    """(size, grid) weights that resample ``grid`` control values to ``size`` px, as bicubic ``cv2.resize`` does."""
    return cv2.resize(np.eye(grid, dtype=np.float32), (grid, size), interpolation=cv2.INTER_CUBIC)


@lru_cache(maxsize=16)
def _pixel_grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))


def elastic_jitter(ink: np.ndarray, amplitude: float, generator: torch.Generator, grid: int = 5) -> np.ndarray:
    """Warp a (H, W) bool ink map by a smooth random field of up to ``amplitude`` px (a ``grid`` x ``grid`` spline)."""
    control = ((_rand(generator, 2, grid, grid) * 2 - 1) * amplitude).numpy()
    if amplitude <= 0:
        return ink
    height, width = ink.shape
    rows, cols = _spline(height, grid), _spline(width, grid).T
    xs, ys = _pixel_grid(height, width)
    warped = cv2.remap(ink.astype(np.uint8) * 255, xs + rows @ control[0] @ cols, ys + rows @ control[1] @ cols,
                       cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped > 76  # under one half, so 1 px lines that land between pixels survive


_SQUARE = np.ones((3, 3), np.uint8)


def vary_line_width(ink: np.ndarray, p: float, generator: torch.Generator) -> np.ndarray:
    """Thinner or thicker lines for a (H, W) bool ink map, each with chance ``p / 2``.

    Thinner erodes by one pixel but keeps strokes that erosion would remove entirely; thicker dilates
    by one pixel, or by two with chance one half.
    """
    pick, two = _rand(generator, 2).tolist()
    x = ink.astype(np.uint8)
    if pick < p / 2:
        eroded = cv2.erode(x, _SQUARE)
        lone = x & (cv2.dilate(eroded, _SQUARE, iterations=2) == 0)  # strokes that erosion wiped out
        return (eroded | lone) > 0
    if pick >= 1 - p / 2:
        return cv2.dilate(x, _SQUARE, iterations=2 if two < 0.5 else 1) > 0
    return ink


def misjudge_proportions(ink: np.ndarray, amount: float, generator: torch.Generator) -> np.ndarray:
    """Warp a (H, W) bool ink map by a random affine map about its centre: each axis scaled by up to
    ``amount`` (0.15 = 15%), sheared by up to ``amount / 2`` and turned by up to ``amount / 3`` radians."""
    sx, sy, shear, turn = ((_rand(generator, 4) * 2 - 1) * amount).tolist()
    if amount <= 0 or not ink.any():
        return ink
    height, width = ink.shape
    cos, sin = np.cos(turn / 3), np.sin(turn / 3)
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1 + sx, shear / 2], [0, 1 + sy]])
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]]).astype(np.float32)
    warped = cv2.warpAffine(ink.astype(np.uint8) * 255, matrix, (width, height), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped > 76


def mirror_image(ink: np.ndarray, p: float, generator: torch.Generator) -> np.ndarray:
    """A (H, W) bool ink map flipped left-right with chance ``p``.

    The generator is drawn from only when ``p > 0``, so sketches augmented without mirroring are the same
    as before mirroring existed (and so are the feature caches keyed by them).
    """
    if p <= 0:
        return ink
    return ink[:, ::-1] if _rand(generator, 1).item() < p else ink


def augment_sketch(ink: np.ndarray, strength: float, generator: torch.Generator, mirror: float = 0.0) -> np.ndarray:
    """All steps on one (H, W) bool ink map, scaled by ``strength`` in [0, 1], then mirrored with chance
    ``mirror`` (see :func:`augment_sketches`)."""
    side = min(ink.shape)
    ink = simplify(ink, round(strength * 0.06 * side))
    ink = drop_strokes(ink, 0.3 * strength, max(4, side // 5), generator)
    ink = erase_blobs(ink, 0.5 * strength, 0.08 * strength, generator)
    ink = elastic_jitter(ink, 0.025 * strength * side, generator)
    ink = misjudge_proportions(ink, 0.2 * strength, generator)
    ink = vary_line_width(ink, 0.6 * strength, generator)
    return mirror_image(ink, mirror, generator)


def _check_settings(strength: float, mirror: float) -> None:
    """Refuse an augmentation strength or a mirror chance outside [0, 1], naming it."""
    check(0 <= strength <= 1, f"augmentation strength must be in [0, 1], got {strength}; try 0.5", ConfigError)
    check(0 <= mirror <= 1,
          f"mirror chance must be in [0, 1], got {mirror}; try 0.5 (half the variants face the other way)",
          ConfigError)


def augment_sketches(batch: torch.Tensor, strength: float, generator: torch.Generator,
                     mirror: float = 0.0) -> torch.Tensor:
    """Human-style variants of a batch of sketches.

    Args:
        batch: (B, 1, H, W) uint8, dark lines on white.
        strength: 0 returns ``batch`` itself; 1 is the strongest (at 128 px: details under 8 px
            dropped, 30% of stroke segments dropped, jitter up to 3 px, discs up to 10 px erased,
            proportions off by up to 20%).
        generator: a CPU ``torch.Generator``; the same state gives the same sketches.
        mirror: chance that each sketch is also flipped left-right, in [0, 1]; only with ``strength`` > 0.

    Returns:
        (B, 1, H, W) uint8 on ``batch``'s device, 0 on lines and 255 elsewhere.
    """
    check(batch.ndim == 4 and batch.shape[1] == 1, f"augment_sketches expects (B, 1, H, W), got {tuple(batch.shape)}",
          ShapeError)
    check(batch.dtype == torch.uint8, f"augment_sketches expects uint8 sketches, got {batch.dtype}", ShapeError)
    _check_settings(strength, mirror)
    if strength == 0 or batch.numel() == 0:
        return batch
    ink = (batch < INK_LEVEL).cpu().numpy()[:, 0]
    out = np.stack([augment_sketch(sketch, strength, generator, mirror) for sketch in ink])
    return torch.from_numpy(np.where(out, 0, 255).astype(np.uint8)).unsqueeze(1).to(batch.device)


class SketchAugment:
    """A per-batch training transform: each call draws new variants from its own seeded generator.

    Args:
        strength: how far variants stray from the input, in [0, 1]; 0 returns the batch unchanged.
        seed: seed of the generator, so a run can be repeated.
        mirror: chance that a variant is flipped left-right, in [0, 1].
    """

    def __init__(self, strength: float = 0.5, seed: int = 0, mirror: float = 0.0) -> None:
        _check_settings(strength, mirror)
        self.strength, self.seed, self.mirror = strength, seed, mirror
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) uint8 -> (B, 1, H, W) uint8."""
        return augment_sketches(batch, self.strength, self.generator, self.mirror)

    def __repr__(self) -> str:
        return f"SketchAugment(strength={self.strength}, seed={self.seed}, mirror={self.mirror})"
