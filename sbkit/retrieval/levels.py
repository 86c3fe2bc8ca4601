"""The grey levels of a drawing's ink and paper, shared by the steps of query cleaning."""

from __future__ import annotations

import cv2
import numpy as np

from sbkit.sketch.edges import median_level

INK_SHARE = 0.0002  # the ink's level is that of the darkest pixels making up this share of the picture


def levels(gray: np.ndarray) -> tuple[int, int, float]:
    """The ink's level (the darkest ``INK_SHARE`` of pixels), the paper's (the median) and the paper's noise
    (the median absolute deviation, scaled to a standard deviation) of a dark-on-light drawing."""
    counts = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    ink = int(np.searchsorted(np.cumsum(counts) / gray.size, INK_SHARE))
    paper = int(median_level(counts))
    spread = np.bincount(np.abs(np.arange(256) - paper), weights=counts, minlength=256)  # counts by |level - paper|
    return ink, paper, 1.4826 * float(median_level(spread))
