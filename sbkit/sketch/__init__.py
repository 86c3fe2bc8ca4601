"""Sketch processing shared by every sketchifier and every query: normalisation, post-processing, augmentation."""

from sbkit.sketch.normalize import ensure_dark_on_white, ink_mask, normalize_sketch

__all__ = ["ensure_dark_on_white", "ink_mask", "normalize_sketch"]
