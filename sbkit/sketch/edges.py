"""Shared pieces of the edge sketchifiers: grey conversion, blur, and thresholds read from the image.

Thresholds are in the units of the unnormalised 3x3 Sobel gradient of a 0-255 image, the units
``cv2.Canny`` and ``kornia.filters.canny`` (on a 0-255 float image) both use.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from sbkit.errors import ConfigError, check, unknown_name_message

AutoMethod = Literal["contrast", "otsu", "median"]

# Below this the auto high threshold only finds noise (JPEG ringing, paper texture); a faint item
# needs contrast enhancement (``canny-clahe``), not a lower threshold.
MIN_HIGH = 24.0


def to_gray(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB uint8 -> (H, W) uint8 luminance; a (H, W) grey image is returned as it is."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def blur(gray: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` px; ``sigma <= 0`` returns ``gray`` as is."""
    return cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0 else gray


def _otsu(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Otsu's split level and the mean-grey gap between its two classes, for histograms (..., 256)."""
    levels = np.arange(256, dtype=np.float64)
    p = hist / hist.sum(-1, keepdims=True).clip(min=1)
    w0 = np.cumsum(p, -1)
    m0 = np.cumsum(p * levels, -1)
    mean = m0[..., -1:]
    between = (mean * w0 - m0) ** 2 / (w0 * (1 - w0)).clip(min=1e-12)
    level = np.argmax(between, -1)
    w = np.take_along_axis(w0, level[..., None], -1)[..., 0]
    m = np.take_along_axis(m0, level[..., None], -1)[..., 0]
    gap = (mean[..., 0] - m) / np.clip(1 - w, 1e-12, None) - m / np.clip(w, 1e-12, None)
    return level.astype(np.float64), np.where((w > 0) & (w < 1), gap, 0.0)


def otsu_level(hist: np.ndarray) -> np.ndarray:
    """Otsu's grey level for each histogram in ``hist`` (..., 256) -> (...,)."""
    return _otsu(hist)[0]


def contrast_level(hist: np.ndarray) -> np.ndarray:
    """Mean grey of Otsu's light class minus that of its dark class, per histogram (..., 256) -> (...,).

    On a product photo that is the step from item to background, the height of the outline's edge.
    """
    return _otsu(hist)[1]


def median_level(hist: np.ndarray) -> np.ndarray:
    """Median grey level for each histogram in ``hist`` (..., 256) -> (...,)."""
    cum = np.cumsum(hist, -1)
    return np.argmax(cum >= cum[..., -1:] / 2, -1).astype(np.float64)


LEVELS = {"contrast": contrast_level, "otsu": otsu_level, "median": median_level}


def reference_levels(hist: np.ndarray, method: AutoMethod = "contrast") -> np.ndarray:
    """The reference value ``v`` of :func:`auto_thresholds` for each histogram in ``hist`` (..., 256)."""
    if method not in LEVELS:
        raise ConfigError(unknown_name_message("threshold method", method, LEVELS))
    return LEVELS[method](hist)


# The automatic thresholds read a sample of about this many px on the image's short side: plenty for
# a 256-bin histogram, and it keeps their cost flat as photos grow.
SAMPLE_SIDE = 128


def sample_step(shape: tuple[int, ...]) -> int:
    """Pixel stride of the sample :func:`reference_level` reads: every other pixel or more, ~128 px a side."""
    return max(2, round(min(shape[:2]) / SAMPLE_SIDE))


def reference_level(gray: np.ndarray, method: AutoMethod = "contrast") -> float:
    """:func:`reference_levels` for one (H, W) uint8 image, read from a strided sample with OpenCV calls."""
    step = sample_step(gray.shape)
    height, width = gray.shape
    sub = cv2.resize(gray, (-(-width // step), -(-height // step)), interpolation=cv2.INTER_NEAREST)
    if method == "median":
        return float(median_level(cv2.calcHist([sub], [0], None, [256], [0, 256]).ravel()))
    if method not in LEVELS:
        raise ConfigError(unknown_name_message("threshold method", method, LEVELS))
    level, light = cv2.threshold(sub, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if method == "otsu":
        return float(level)
    n_light, n = cv2.countNonZero(light), sub.size
    if n_light in (0, n):
        return 0.0
    light_mean, total = cv2.mean(sub, light)[0], cv2.sumElems(sub)[0]
    return light_mean - (total - light_mean * n_light) / (n - n_light)


def auto_thresholds(level: np.ndarray | float, t: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Canny thresholds ``(low, high)`` from reference values ``v`` (see :func:`reference_levels`).

    ``low = (1 - t) * v`` and ``high = (1 + t) * v``, with ``high`` at least :data:`MIN_HIGH`. ``v`` is
    :func:`contrast_level` (the item-to-background step, so light and dark items both keep their
    outline), :func:`otsu_level` or :func:`median_level` (the classic grey-level rules, which set high
    thresholds on light photos). The ratio ``low / high`` is the same for every image, which lets a
    batch share one pair of thresholds after rescaling.
    """
    check(0 <= t < 1, f"canny t must be in [0, 1), got {t}; try 0.5", ConfigError)
    high = np.maximum((1 + t) * np.asarray(level, dtype=np.float64), MIN_HIGH)
    return high * (1 - t) / (1 + t), high


def fill_thresholds(auto_low: float, auto_high: float, low: float | None,
                    high: float | None) -> tuple[float, float]:
    """The given ``low`` / ``high``, with None replaced by the automatic value (kept ``low <= high``)."""
    if high is None:
        high = float(auto_high) if low is None else max(float(auto_high), low)
    if low is None:
        low = min(float(auto_low), high)
    check(0 <= low <= high, f"canny thresholds must satisfy 0 <= low <= high, got low={low}, high={high}", ConfigError)
    return float(low), float(high)


def thresholds_for(gray: np.ndarray, low: float | None, high: float | None, t: float,
                   method: AutoMethod) -> tuple[float, float]:
    """``(low, high)`` for one blurred grey image: the given values, with None filled in from the image."""
    if low is not None and high is not None:
        return fill_thresholds(low, high, low, high)
    auto_low, auto_high = auto_thresholds(reference_level(gray, method), t)
    return fill_thresholds(float(auto_low), float(auto_high), low, high)


# Backgrounds are fitted on a band this wide (a fraction of the short side) around the frame, read from a
# copy about FIT_SIDE px on its short side; a fitted background that varies by less than LEVEL_RANGE grey
# levels across the frame counts as even and is left alone, so plain studio white is never touched.
BORDER_BAND, FIT_SIDE, LEVEL_RANGE = 0.04, 128, 8.0
# A backdrop pixel lies within BACKDROP_TOLERANCE grey levels of the fitted surface (noise, JPEG), and the
# backdrop must make up at least MIN_BACKDROP_SHARE of the border band for a fit to be trusted.
BACKDROP_TOLERANCE, MIN_BACKDROP_SHARE = 12.0, 0.5


def _quadratic_terms(y: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
    """The terms of a quadratic surface in frame coordinates y, x in [-0.5, 0.5] (broadcast together)."""
    return [np.ones_like(x * y), x, y, x * x, x * y, y * y]


def backdrop_surface(gray: np.ndarray) -> tuple[np.ndarray, float, float]:
    """A quadratic fitted to the frame's border band of a (H, W) uint8 photo, robust to an item touching it.

    Returns the six coefficients (over :func:`_quadratic_terms`), the surface's range across the frame and
    its median level. A border whose grey levels (5th to 95th percentile) span less than ``LEVEL_RANGE`` is
    even: its surface is flat at the border's median, with no fit.
    """
    height, width = gray.shape
    scale = min(1.0, FIT_SIDE / min(height, width))
    small = cv2.resize(gray, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else gray
    h, w = small.shape
    band = max(1, round(BORDER_BAND * min(h, w)))
    inner = np.zeros((h, w), bool)
    inner[band:h - band, band:w - band] = True
    ys, xs = np.nonzero(~inner)
    values = small[ys, xs].astype(np.float64)
    low, mid, high = np.percentile(values, [5, 50, 95])
    if high - low < LEVEL_RANGE:
        return np.array([mid, 0, 0, 0, 0, 0], np.float64), 0.0, float(mid)
    terms = np.stack(_quadratic_terms((ys + 0.5) / h - 0.5, (xs + 0.5) / w - 0.5), axis=1)
    # Start from the border's commonest grey, so an item that covers much of the border is not averaged in.
    counts = np.convolve(np.bincount(values.astype(np.int64), minlength=256), np.ones(9), mode="same")
    keep = np.abs(values - float(np.argmax(counts))) <= 2 * BACKDROP_TOLERANCE
    for _ in range(3):  # refit on the pixels near the surface, leaving out an item, a shadow or a logo
        kept = terms[keep]
        coef = np.linalg.solve(kept.T @ kept + 1e-9 * np.eye(6), kept.T @ values[keep])
        residual = np.abs(values - terms @ coef)
        keep = residual <= min(3 * (1.4826 * np.median(residual[keep]) + 1.0), BACKDROP_TOLERANCE)
    if keep.mean() < MIN_BACKDROP_SHARE:  # no smooth backdrop along most of the border: leave the photo alone
        return np.array([mid, 0, 0, 0, 0, 0], np.float64), 0.0, float(mid)
    grid = np.linspace(-0.5, 0.5, 17)
    surface = sum(c * t for c, t in zip(coef, _quadratic_terms(grid[:, None], grid[None, :])))
    return coef, float(surface.max() - surface.min()), float(np.median(surface))


def level_backdrop(gray: np.ndarray) -> np.ndarray:
    """Subtract an uneven background (a gradient, a vignette, light from one side) from a (H, W) uint8 photo.

    The background is :func:`backdrop_surface`; where it varies by less than ``LEVEL_RANGE`` grey levels
    the photo is returned as it is. Otherwise the surface is replaced by its median level, so the item keeps
    its contrast to the background all round and thresholds read from the whole photo fit every part of it.
    """
    coef, spread, level = backdrop_surface(gray)
    if spread < LEVEL_RANGE:
        return gray
    height, width = gray.shape
    h, w = min(height, FIT_SIDE), min(width, FIT_SIDE)  # smooth enough to evaluate small and enlarge
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h - 0.5)[:, None]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / w - 0.5)[None, :]
    surface = sum(np.float32(c) * t for c, t in zip(coef, _quadratic_terms(y, x)))
    if (h, w) != (height, width):
        surface = cv2.resize(surface, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(gray.astype(np.float32) - surface + np.float32(level), 0, 255).round().astype(np.uint8)


def check_canny_params(sigma: float, t: float, method: str, low: float | None, high: float | None) -> None:
    """Reject bad Canny settings when a sketchifier is built, not on its first image."""
    check(sigma >= 0, f"canny sigma must be >= 0, got {sigma}; try 1.0", ConfigError)
    check(method in LEVELS, unknown_name_message("threshold method", method, LEVELS), ConfigError)
    auto_low, auto_high = auto_thresholds(0.0, t)
    fill_thresholds(float(auto_low), float(auto_high), low, high)


def canny_sketch(gray: np.ndarray, low: float, high: float) -> np.ndarray:
    """Canny on a blurred grey image -> (H, W) uint8, 0 on edges and 255 elsewhere."""
    return cv2.bitwise_not(cv2.Canny(gray, low, high, L2gradient=True))
