"""Captions: a few phrasing templates over category, colour, length, pattern and brand.

Category and colour are always named. The brand is left out of about 15% of captions and the length
out of about 15%, so text alone is not a perfect key; the hidden shape variation is never named.
"""

from __future__ import annotations

import numpy as np

from sbkit.data.demo.specs import ItemSpec
from sbkit.data.demo.vocab import length_phrase

OMIT_BRAND = 0.15
OMIT_LENGTH = 0.15

PATTERN_NOUNS: dict[str, str | None] = {
    "pinstripes": "pinstripes",
    "checks": "checks",
    "polka dots": "polka dots",
    "monogram": "a monogram print",
    "chevrons": "chevrons",
    "stripes": "stripes",
    "plain": None,
}
PATTERN_ADJECTIVES: dict[str, str] = {
    "pinstripes": "pinstriped",
    "checks": "checked",
    "polka dots": "polka-dot",
    "monogram": "monogrammed",
    "chevrons": "chevron",
    "stripes": "striped",
    "plain": "plain",
}


def _article(text: str) -> str:
    return ("an " if text[:1].lower() in "aeiou" else "a ") + text


def _words(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def make_caption(spec: ItemSpec, rng: np.random.Generator) -> str:
    """A caption for ``spec``, e.g. ``"a long ivory trouser with pinstripes by Maison Vell"``."""
    brand = spec.brand if rng.random() >= OMIT_BRAND else None
    length = length_phrase(spec.category, spec.length) if rng.random() >= OMIT_LENGTH else None
    # Without a brand the pattern is nearly always named; with one, only sometimes (the brand implies it).
    with_pattern = rng.random() < (0.9 if brand is None else 0.55)
    noun = PATTERN_NOUNS[spec.pattern] if with_pattern else None
    adjective = PATTERN_ADJECTIVES[spec.pattern] if with_pattern else None
    template = int(rng.integers(4))
    colour, category = spec.colour, spec.category
    if template == 1 and brand:
        text = _words(brand, length, colour, category) + (f" with {noun}" if noun else "")
    elif template == 2:
        text = _words(length, adjective, category, "in", colour) + (f" by {brand}" if brand else "")
    elif template == 3 and brand:
        text = f"{brand}: " + ", ".join(p for p in (_words(length, category), colour, noun or adjective) if p)
    else:
        text = _article(_words(length, colour, category)) + (f" with {noun}" if noun else "")
        text += f" by {brand}" if brand else ""
    return text
