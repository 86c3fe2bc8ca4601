"""``xdog``: extended difference of Gaussians (Winnemoeller et al., 2012), pencil-like lines."""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from sbkit.components import PostprocessedSketchifier
from sbkit.errors import ConfigError, check
from sbkit.sketch.edges import to_gray

MIN_SPAN = 48.0  # grey levels; a photo spanning fewer is stretched as if it spanned this many


def xdog(gray: np.ndarray, sigma: float = 0.8, k: float = 1.6, tau: float = 0.99, epsilon: float = -0.02,
         phi: float = 200.0, binary: bool = True, stretch: bool = True) -> np.ndarray:
    """(H, W) uint8 grey -> (H, W) uint8 XDoG sketch, dark lines on white.

    ``D = G_sigma(I) - tau * G_(k sigma)(I)`` on ``I`` in [0, 1]; a pixel is paper where ``D >= epsilon``
    and ``1 + tanh(phi * (D - epsilon))`` below it. ``binary`` keeps the pixels under one half as
    ink (0) and the rest as paper (255), without computing the tanh. ``stretch`` first maps the lightest
    grey to 1 and the darkest to 0, so light items get lines as strong as dark ones; the gain is at most
    255 / :data:`MIN_SPAN`.
    """
    image = gray.astype(np.float32)
    if stretch:
        low, high = float(gray.min()), float(gray.max())
        span = max(high - low, MIN_SPAN)  # a nearly flat photo is noise: do not blow it up
        image = (image - (high - span)) * np.float32(1 / span)
    else:
        image *= np.float32(1 / 255)
    fine = cv2.GaussianBlur(image, (0, 0), sigma)
    coarse = cv2.GaussianBlur(image, (0, 0), sigma * k)
    d = cv2.addWeighted(fine, 1.0, coarse, -tau, 0.0)
    if binary:
        # 1 + tanh(phi * (d - epsilon)) < 0.5  <=>  d < epsilon - atanh(0.5) / phi
        return np.where(d < epsilon - math.atanh(0.5) / phi, 0, 255).astype(np.uint8)
    tone = 1 + np.tanh(phi * np.minimum(d - epsilon, 0))
    return (tone * 255).round().astype(np.uint8)


class XDoG(PostprocessedSketchifier):
    """Extended difference of Gaussians: soft, pencil-like lines on the dark side of each edge.

    Args:
        sigma: standard deviation in px of the finer Gaussian; larger draws fewer, broader lines.
        k: ratio of the coarser Gaussian's standard deviation to sigma.
        tau: weight of the coarser Gaussian; closer to 1 keeps only sharper edges, lower fills dark areas.
        epsilon: level of the difference below which a pixel turns to ink; lower (more negative)
            drops faint edges and texture.
        phi: steepness of the soft ramp from ink to paper; larger is harder.
        stretch: stretch the grey range to [0, 1] first, so light and low-contrast items keep their
            lines; False uses the grey as it is.
        binary: True thresholds the ramp into 0/255 lines (the usual contract); False keeps the
            grey pencil ramp.
    """

    name = "xdog"
    gray_input = True
    description = "Extended difference of Gaussians: pencil-like lines, softer and bolder than Canny."

    def __init__(self, sigma: float = 0.8, k: float = 1.6, tau: float = 0.99, epsilon: float = -0.02,
                 phi: float = 200.0, stretch: bool = True, binary: bool = True, **shared: Any) -> None:
        check(sigma > 0 and k > 1, f"xdog needs sigma > 0 and k > 1, got sigma={sigma}, k={k}; try 0.8 and 1.6",
              ConfigError)
        check(phi > 0, f"xdog phi must be > 0, got {phi}; try 200", ConfigError)
        self.sigma, self.k, self.tau, self.epsilon, self.phi = sigma, k, tau, epsilon, phi
        self.stretch, self.binary = stretch, binary
        super().__init__(**shared)

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return xdog(to_gray(image), self.sigma, self.k, self.tau, self.epsilon, self.phi, self.binary, self.stretch)
