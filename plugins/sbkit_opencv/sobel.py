"""``sobel``: Sobel gradient magnitude with hysteresis thresholds; bold, marker-like outlines."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from sbkit.components import PostprocessedSketchifier
from sbkit.sketch.edges import AutoMethod, blur, check_canny_params, thresholds_for, to_gray


def hysteresis(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Boolean mask of the 8-connected regions of ``values > low`` that hold a pixel ``> high``.

    The same result as ``skimage.filters.apply_hysteresis_threshold``, from one OpenCV labelling pass.
    """
    count, labels = cv2.connectedComponents((values > low).astype(np.uint8), connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[labels[values > high]] = True
    keep[0] = False  # label 0 is everything at or under ``low``
    return keep[labels]


def sobel_magnitude(gray: np.ndarray) -> np.ndarray:
    """(H, W) uint8 -> (H, W) float32 L2 magnitude of the unnormalised 3x3 Sobel gradient."""
    return cv2.magnitude(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))


class Sobel(PostprocessedSketchifier):
    """Sobel gradient magnitude, kept by hysteresis: bold lines (2-4 px) that follow every strong edge.

    There is no non-maximum suppression, so lines keep the width of the edge's blur; add the
    "thickness" post-processing step for even, thin lines.

    Args:
        sigma: Gaussian blur standard deviation in px before the gradient; 0 turns the blur off.
        t: spread of the automatic thresholds around the reference value v: low = (1 - t) * v,
            high = (1 + t) * v (between 0 and 1).
        method: the reference value v: "contrast", "otsu" or "median" (see canny).
        low: lower hysteresis threshold on the gradient magnitude; None = automatic.
        high: upper hysteresis threshold on the gradient magnitude; None = automatic.
    """

    name = "sobel"
    gray_input = True
    description = "Sobel gradient magnitude with hysteresis thresholds: bold, marker-like outlines."

    def __init__(self, sigma: float = 1.0, t: float = 0.33, method: AutoMethod = "contrast", low: float | None = None,
                 high: float | None = None, **shared: Any) -> None:
        check_canny_params(sigma, t, method, low, high)
        super().__init__(**shared)
        self.sigma, self.t, self.method, self.low, self.high = sigma, t, method, low, high

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        blurred = blur(to_gray(image), self.sigma)
        low, high = thresholds_for(blurred, self.low, self.high, self.t, self.method)
        ink = hysteresis(sobel_magnitude(blurred), low, high)
        return np.where(ink, 0, 255).astype(np.uint8)
