"""``canny-clahe``: Canny that enhances contrast first when the item is light on a light background."""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from sbkit.components import mentions_light_colour
from sbkit.data.images import border_pixels
from sbkit.errors import ConfigError, check
from sbkit.sketch.edges import AutoMethod, level_backdrop, to_gray
from sbkit_opencv.canny import Canny

# Grey levels by which a pixel must differ from the background to count as part of the item.
_ITEM_DELTA = 6
# Enhanced edges shorter than this many image sides in all have lost the item (e.g. on a textured
# backdrop, whose noise the enhancement flattens together with the faint item), so plain edges are used.
_MIN_EDGE_SIDES = 0.5


def background_level(gray: np.ndarray) -> float:
    """The background grey of a (H, W) uint8 product photo: the median of its border pixels."""
    return float(np.median(border_pixels(gray)))


def light_on_light(gray: np.ndarray, light_level: int = 170, max_contrast: int = 40) -> bool:
    """True when a (H, W) uint8 photo shows a light item on a light background.

    The background is :func:`background_level`. The item is every pixel that differs from it by more
    than a few grey levels; it counts as light when its median grey is at least ``light_level`` and
    within ``max_contrast`` of the background. An item too faint to separate at all counts as light.
    """
    background = background_level(gray)
    if background < light_level:
        return False
    sub = gray[::4, ::4] if min(gray.shape) >= 64 else gray
    item = sub[np.abs(sub.astype(np.int16) - background) > _ITEM_DELTA]
    if item.size < 0.005 * sub.size:
        return True
    level = float(np.median(item))
    return level >= light_level and abs(background - level) <= max_contrast


class CannyClahe(Canny):
    """Canny that equalises contrast first when the item is light on a light background.

    The light case is found from the caption (a light colour word), from the image (light border and
    a light, low-contrast item), or either. Otherwise it behaves exactly like ``canny``, and it takes
    every parameter of ``canny`` as well (sigma, t, method, low, high, post, min_component, line_width).

    Args:
        adaptive: what triggers the enhancement: "caption" (a light colour word such as white, ivory
            or pale), "image" (pixel statistics, works with no caption) or "both" (either one).
        equalize: the enhancement: "clahe" (local, contrast-limited) or "hist" (global histogram
            equalisation; stronger, also boosts background noise).
        clip_limit: CLAHE contrast limit; higher boosts faint edges more, and noise with them.
        tile_grid: CLAHE works on a tile_grid x tile_grid grid of tiles.
        light_level: grey level (0-255) from which background and item count as light.
        max_contrast: the item counts as low-contrast when its median grey is within this of the
            background's.
        flatten: first level an uneven background (a gradient, a vignette, light from one side),
            fitted on the photo's border; an even background is left as it is.
    """

    name = "canny-clahe"
    description = "Canny that equalises contrast first for light items on light backgrounds (caption or pixels)."

    def __init__(self, adaptive: Literal["caption", "image", "both"] = "both",
                 equalize: Literal["clahe", "hist"] = "clahe", clip_limit: float = 2.0, tile_grid: int = 8,
                 light_level: int = 170, max_contrast: int = 40, flatten: bool = True, sigma: float = 1.0,
                 t: float = 0.5, method: AutoMethod = "contrast", low: float | None = None, high: float | None = None,
                 **shared: Any) -> None:
        super().__init__(sigma=sigma, t=t, method=method, low=low, high=high, **shared)
        check(adaptive in ("caption", "image", "both"),
              f"canny-clahe adaptive must be caption, image or both, got {adaptive!r}", ConfigError)
        check(equalize in ("clahe", "hist"), f"canny-clahe equalize must be clahe or hist, got {equalize!r}",
              ConfigError)
        check(clip_limit > 0 and tile_grid >= 1,
              f"canny-clahe needs clip_limit > 0 and tile_grid >= 1, got {clip_limit} and {tile_grid}", ConfigError)
        self.adaptive, self.equalize, self.clip_limit, self.tile_grid = adaptive, equalize, clip_limit, tile_grid
        self.light_level, self.max_contrast, self.flatten = light_level, max_contrast, flatten
        self._clahe = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tile_grid, tile_grid))
        self.last_branch: dict[str, bool] | None = None  # what the last sketch did; see item_edges

    def _triggered(self, gray: np.ndarray, caption: str | None) -> bool:
        if self.adaptive in ("caption", "both") and mentions_light_colour(caption):
            return True
        return self.adaptive in ("image", "both") and light_on_light(gray, self.light_level, self.max_contrast)

    def triggered(self, image: np.ndarray, caption: str | None = None) -> bool:
        """Whether this RGB (H, W, 3) or grey (H, W) image and caption get contrast enhancement before Canny."""
        return self._triggered(self.gray(image), caption)

    def enhance(self, gray: np.ndarray) -> np.ndarray:
        """The contrast enhancement alone: CLAHE or global histogram equalisation of a (H, W) uint8 image.

        Pixels within the background's noise (three standard deviations of the border pixels) are
        first set to the background grey, so the enhancement stretches the item's faint steps and not
        the noise of the paper around it.
        """
        paper = border_pixels(gray)
        background, noise = int(np.median(paper)), max(1, int(np.ceil(3 * paper.std())))
        flat = gray.copy()
        flat[cv2.absdiff(gray, np.full_like(gray, background)) <= noise] = background
        return self._clahe.apply(flat) if self.equalize == "clahe" else cv2.equalizeHist(flat)

    def gray(self, image: np.ndarray) -> np.ndarray:
        """The photo's luminance, with an uneven background levelled when ``flatten`` is on."""
        gray = to_gray(image)
        return level_backdrop(gray) if self.flatten else gray

    def item_edges(self, gray: np.ndarray, caption: str | None) -> np.ndarray:
        """Canny of the (levelled) grey photo, enhanced when triggered unless that leaves almost no edges.

        Records in ``last_branch`` whether this photo triggered the enhancement and whether its sketch kept
        the enhanced edges (``sbkit sketchify`` writes both into its manifest).
        """
        triggered = self._triggered(gray, caption)
        self.last_branch = {"triggered": triggered, "enhanced": False}
        if triggered:
            enhanced = self.edges(gray, self.enhance)
            if np.count_nonzero(enhanced < 128) >= _MIN_EDGE_SIDES * min(gray.shape):
                self.last_branch["enhanced"] = True
                return enhanced
        return self.edges(gray)

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return self.item_edges(self.gray(image), caption)
