"""Product lines: several products share category, colour, brand, length and caption, and differ in cut.

This is what makes the demo catalogue a sketch+text benchmark rather than a text lookup: a caption
narrows the gallery to one line, and only the sketch (the hidden shape variation) tells that line's
products apart. Lines are spread evenly over categories, colours, brands and lengths, in shuffled
blocks, so even a small catalogue covers the whole vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sbkit.data.demo.vocab import BRANDS, CATEGORIES, COLOURS, LENGTHS

PRODUCTS_PER_LINE = 12
MIN_LINES = 40  # small catalogues keep many lines (and so the whole vocabulary) rather than full lines
LINE_TAG = 104_729  # keeps line generators apart from every per-item generator
CATEGORY_FIELD, COLOUR_FIELD, BRAND_FIELD, LENGTH_FIELD, CAPTION_FIELD = range(5)

# Plain items are the most common in any real catalogue: the plain brand comes up twice per block.
BRAND_CYCLE: tuple[str, ...] = tuple(b for b, p in BRANDS.items() for _ in range(2 if p == "plain" else 1))


@dataclass(frozen=True)
class Line:
    """The shared attributes of one product line."""

    index: int
    category: str
    colour: str
    brand: str
    length: str


def line_count(size: int) -> int:
    """How many lines a catalogue of ``size`` products has."""
    return max(1, min(size, max(MIN_LINES, size // PRODUCTS_PER_LINE)))


def line_of(index: int, size: int) -> int:
    """The line of product ``index`` (products are dealt to lines in turn)."""
    return index % line_count(size)


def line_rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, LINE_TAG, *keys])


def _from_block(seed: int, field: int, position: int, choices: tuple[str, ...]) -> str:
    """Entry ``position`` of a sequence made of shuffled copies of ``choices``, one block at a time."""
    block, offset = divmod(position, len(choices))
    return choices[int(line_rng(seed, field, block).permutation(len(choices))[offset])]


def make_line(seed: int, index: int) -> Line:
    """Line ``index`` of the catalogue made from ``seed``."""
    category = _from_block(seed, CATEGORY_FIELD, index, CATEGORIES)
    colour = _from_block(seed, COLOUR_FIELD, index, tuple(COLOURS))
    brand = _from_block(seed, BRAND_FIELD, index, BRAND_CYCLE)
    # Each block of lines holds every category once, so the block number counts this category's lines.
    lengths = LENGTHS[category]
    start = int(line_rng(seed, LENGTH_FIELD, CATEGORIES.index(category)).integers(len(lengths)))
    length = lengths[(index // len(CATEGORIES) + start) % len(lengths)]
    return Line(index, category, colour, brand, length)
