"""The built-in demo catalogue: procedurally rendered fashion products with captions, made on demand.

Deterministic from a seed, offline, and small enough to generate in seconds. Each product has a photo
on white, the mask of its silhouette, a caption, and (in val and test) a drawn-style sketch.

Example:
    >>> import numpy as np
    >>> from sbkit.data.demo import draw_sketch, make_spec, render_item
    >>> spec = make_spec(np.random.default_rng(0), category="trouser", colour="ivory", image_size=64)
    >>> image, mask = render_item(spec)
    >>> image.shape, mask.shape, draw_sketch(spec, np.random.default_rng(1)).shape
    ((64, 64, 3), (64, 64), (64, 64))
"""

from sbkit.data.demo.captions import make_caption
from sbkit.data.demo.drawn import draw_sketch
from sbkit.data.demo.generate import cache_folder, generate_demo
from sbkit.data.demo.render import render_item
from sbkit.data.demo.specs import ItemSpec, Pose, make_spec, sample_spec, view_spec
from sbkit.data.demo.vocab import BRANDS, CATEGORIES, COLOURS, LENGTHS, LIGHT_COLOURS, colour_group

__all__ = [
    "BRANDS",
    "CATEGORIES",
    "COLOURS",
    "LENGTHS",
    "LIGHT_COLOURS",
    "ItemSpec",
    "Pose",
    "cache_folder",
    "colour_group",
    "draw_sketch",
    "generate_demo",
    "make_caption",
    "make_spec",
    "render_item",
    "sample_spec",
    "view_spec",
]
