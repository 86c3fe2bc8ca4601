"""Render a spec as a product photo on white, plus the mask of its true silhouette."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from sbkit.data.demo.patterns import pattern_ink
from sbkit.data.demo.shapes import apply, fit_matrix
from sbkit.data.demo.specs import ItemSpec

AA = cv2.LINE_AA
SHIFT = 4  # sub-pixel bits for OpenCV drawing
BACKGROUND = 255.0


def to_fixed(points: np.ndarray) -> np.ndarray:
    """Pixel coordinates as OpenCV fixed-point integers (``SHIFT`` fractional bits)."""
    return np.round(points * (1 << SHIFT)).astype(np.int32)


def fill(canvas: np.ndarray, polygons: list[np.ndarray], value: int = 255) -> np.ndarray:
    """Fill each polygon (pixel coordinates) onto ``canvas`` with anti-aliased edges; overlaps make a union."""
    for poly in polygons:
        cv2.fillPoly(canvas, [to_fixed(poly)], value, AA, SHIFT)
    return canvas


def _contrast(rgb: np.ndarray, light: bool) -> np.ndarray:
    """A colour that stands out moderately from ``rgb``: darker on light and mid colours, lighter on dark."""
    luminance = float(rgb.ravel() @ np.array([0.299, 0.587, 0.114]))
    if light:
        return rgb * 0.74
    if luminance > 140:
        return rgb * 0.62
    return rgb + (255.0 - rgb) * 0.42


def _accent_colour(tone: str, rgb: np.ndarray, light: bool) -> np.ndarray:
    """The colour of an accent part, shaped like ``rgb``."""
    if tone == "sole-light":
        colour = np.array([238.0, 236.0, 230.0])
    elif tone == "sole-dark":
        colour = np.array([44.0, 38.0, 34.0])
    else:
        return np.array([58.0, 52.0, 48.0]).reshape(rgb.shape) if light else rgb * 0.55
    return colour.reshape(rgb.shape)


def _soft(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``alpha``, computed at a quarter of the size (it is smooth anyway)."""
    size = alpha.shape[0]
    small = cv2.resize(alpha, (max(4, size // 4),) * 2, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, sigma * small.shape[0] / size))
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_LINEAR)


@lru_cache(maxsize=4)
def _noise_field(size: int) -> np.ndarray:
    """A fixed field of unit Gaussian noise, twice the frame; each picture takes a window of it."""
    return np.random.default_rng(size).standard_normal((2 * size, 2 * size), dtype=np.float32)


def _noise(size: int, seed: int) -> np.ndarray:
    y, x = (seed // size) % size, seed % size
    return _noise_field(size)[y : y + size, x : x + size]


def _shading(spec: ItemSpec, soft: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Multiplicative light: a soft gradient across the item and a little fall-off towards its edges."""
    size, pose = spec.image_size, spec.pose
    theta = np.radians(pose.light_angle)
    coords = np.arange(size, dtype=np.float32) / (size / 2)
    gx = (coords - centre[0] / (size / 2)) * np.float32(np.cos(theta) * pose.light)
    gy = (coords - centre[1] / (size / 2)) * np.float32(-np.sin(theta) * pose.light)
    falloff = np.float32(0.04 if spec.light else 0.16)
    return (1.0 + gx[None, :] + gy[:, None]) * (1.0 - falloff * (1.0 - soft))


def render_item(spec: ItemSpec) -> tuple[np.ndarray, np.ndarray]:
    """A product photo (H, W, 3) uint8 RGB and its mask (H, W) uint8: 255 inside the silhouette, 0 outside."""
    size, pose = spec.image_size, spec.pose
    shape = spec.shape()
    matrix = fit_matrix(np.concatenate(shape.all_polygons()), size, pose.fill, pose.dx, pose.dy, pose.angle)
    body = [apply(matrix, p) for p in shape.polygons]

    alpha8 = fill(np.zeros((size, size), np.uint8), body)
    accents = [(fill(np.zeros((size, size), np.uint8), [apply(matrix, p)]), tone) for p, tone in shape.accents]
    for layer, _ in accents:
        np.maximum(alpha8, layer, out=alpha8)
    mask = np.where(alpha8 >= 128, 255, 0).astype(np.uint8)
    alpha = alpha8.astype(np.float32) / 255.0
    placed = np.concatenate(body)
    centre = (placed.min(axis=0) + placed.max(axis=0)) / 2

    # Colour planes are (3, H, W) so every broadcast runs along whole rows, not three values at a time.
    # Pattern and seams both pull the base colour towards one contrasting colour.
    rgb = np.asarray(spec.rgb, dtype=np.float32)[:, None, None]
    contrast = _contrast(rgb, spec.light).astype(np.float32)
    step = size / 11.0 * pose.fill / 0.74
    ink = pattern_ink(spec.pattern, size, step, spec.pattern_phase, pose.angle, (float(centre[0]), float(centre[1])))
    seams = np.zeros((size, size), np.uint8)
    cv2.polylines(seams, [to_fixed(apply(matrix, line)) for line in shape.lines + shape.details], False, 255, 1, AA,
                  SHIFT)
    pull = ink * np.float32(0.85) + seams.astype(np.float32) * np.float32((0.22 if spec.light else 0.4) / 255.0)
    item = rgb + pull[None] * (contrast - rgb)
    for layer, tone in accents:
        a = layer.astype(np.float32)[None] / 255.0
        item += (_accent_colour(tone, rgb, spec.light).astype(np.float32) - item) * a

    soft = _soft(alpha, size * 0.04)
    item *= _shading(spec, soft, centre)[None]
    shift = np.float32([[1, 0, pose.shadow_dx * size], [0, 1, pose.shadow_dy * size]])
    background = BACKGROUND * (1.0 - np.float32(pose.shadow) * cv2.warpAffine(soft, shift, (size, size)))

    photo = background[None] + (item - background[None]) * alpha[None]
    photo += (_noise(size, pose.seed) * np.float32(pose.noise) + 0.5)[None]
    np.clip(photo, 0, 255, out=photo)
    return np.ascontiguousarray(photo.astype(np.uint8).transpose(1, 2, 0)), mask
