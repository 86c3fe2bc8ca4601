"""Comparing prepared query sketches in the retrieval tests."""

from __future__ import annotations

import cv2
import numpy as np


def ink_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the two sketches' ink after a 3x3 dilation (forgives one-pixel shifts)."""
    kernel = np.ones((3, 3), np.uint8)
    ink_a = cv2.dilate((a < 128).astype(np.uint8), kernel) > 0
    ink_b = cv2.dilate((b < 128).astype(np.uint8), kernel) > 0
    return float((ink_a & ink_b).sum() / (ink_a | ink_b).sum())
