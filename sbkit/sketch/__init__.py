"""Sketch processing shared by every sketchifier and every query: normalisation, post-processing, quality.

Augmentation (:mod:`sbkit.sketch.augment`) imports torch, so it is imported from its module, not here.
"""

from sbkit.sketch.normalize import ensure_dark_on_white, ink_mask, normalize_sketch, redraw_lines
from sbkit.sketch.postprocess import Postprocessor, postprocess
from sbkit.sketch.quality import edge_quality, sketch_agreement

__all__ = [
    "Postprocessor",
    "edge_quality",
    "ensure_dark_on_white",
    "ink_mask",
    "normalize_sketch",
    "postprocess",
    "redraw_lines",
    "sketch_agreement",
]
