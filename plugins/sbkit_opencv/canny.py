"""``canny``: blur, then Canny with thresholds read from the image; the fast default sketchifier."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sbkit.components import PostprocessedSketchifier
from sbkit.sketch.edges import AutoMethod, blur, canny_sketch, check_canny_params, thresholds_for, to_gray


class Canny(PostprocessedSketchifier):
    """Gaussian blur, then Canny edges with automatic thresholds, drawn dark on white.

    Args:
        sigma: Gaussian blur standard deviation in px before edge detection; 0 turns the blur off.
        t: spread of the automatic thresholds around a reference value v read from the image:
            low = (1 - t) * v, high = (1 + t) * v. Larger keeps fainter edges (between 0 and 1).
        method: the reference value v: "contrast" (grey step between item and background, found by
            Otsu's split; suits light and dark items alike), "otsu" (Otsu's grey level) or "median"
            (the median grey); the last two are the classic rules and lose light items.
        low: lower hysteresis threshold on the Sobel gradient magnitude; None = automatic.
        high: upper hysteresis threshold on the Sobel gradient magnitude; None = automatic.
    """

    name = "canny"
    gray_input = True
    description = "Blur + Canny with thresholds set from the image's contrast; fast, for most product photos."

    def __init__(self, sigma: float = 1.0, t: float = 0.5, method: AutoMethod = "contrast", low: float | None = None,
                 high: float | None = None, **shared: Any) -> None:
        check_canny_params(sigma, t, method, low, high)
        super().__init__(**shared)
        self.sigma, self.t, self.method, self.low, self.high = sigma, t, method, low, high

    def edges(self, gray: np.ndarray, enhance: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """Blurred Canny of a (H, W) uint8 grey image -> (H, W) uint8, 0 on edges, 255 elsewhere.

        ``enhance``, when given, runs on the blurred image before the thresholds are read: blurring
        first keeps contrast enhancement from amplifying pixel noise into edges.
        """
        blurred = blur(gray, self.sigma)
        if enhance is not None:
            blurred = enhance(blurred)
        low, high = thresholds_for(blurred, self.low, self.high, self.t, self.method)
        return canny_sketch(blurred, low, high)

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return self.edges(to_gray(image))
