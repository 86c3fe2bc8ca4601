"""sbkit-pencil: a pencil-sketch sketchifier (colour-dodge blend), packaged as a third-party sbkit plugin."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from sbkit.components import PostprocessedSketchifier
from sbkit.hookspecs import hookimpl


class Pencil(PostprocessedSketchifier):
    """Pencil-style lines from a colour-dodge blend of the gray image with its blurred inverse.

    Args:
        blur: Gaussian kernel size (odd, px) of the dodge layer; larger gives softer, thicker lines.
        threshold: dodge values below this (0-255) become ink.
    """

    name = "pencil"
    description = "Pencil-style lines from a colour-dodge blend (example third-party plugin)."
    gray_input = True  # it reads only luminance, so it also takes (H, W) grey images

    def __init__(self, blur: int = 21, threshold: int = 235, **shared: Any) -> None:
        super().__init__(**shared)  # post, min_component, line_width: shared by every sketchifier
        self.blur = blur
        self.threshold = threshold

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        kernel = self.blur if self.blur % 2 else self.blur + 1
        blurred_inverse = cv2.GaussianBlur(255 - gray, (kernel, kernel), 0)
        dodge = cv2.divide(gray, 255 - blurred_inverse, scale=256)
        return np.where(dodge < self.threshold, 0, 255).astype(np.uint8)


@hookimpl
def register_sketchifiers() -> list[type]:
    return [Pencil]
