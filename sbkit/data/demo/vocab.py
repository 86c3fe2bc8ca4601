"""The demo catalogue's vocabulary: categories, colours, brands and their patterns, and length options."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "trouser", "skirt", "dress", "t-shirt", "coat", "handbag", "clutch", "sneaker", "boot", "hat",
)

COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (248, 248, 246),
    "ivory": (250, 246, 232),
    "cream": (245, 236, 212),
    "light grey": (216, 216, 214),
    "black": (32, 32, 35),
    "navy": (32, 42, 88),
    "forest green": (36, 86, 52),
    "burgundy": (118, 28, 48),
    "chocolate": (96, 60, 40),
    "red": (192, 34, 42),
    "camel": (192, 150, 102),
    "pink": (236, 162, 182),
    "sky blue": (142, 190, 230),
    "mustard": (212, 166, 42),
}

LIGHT_COLOURS: tuple[str, ...] = ("white", "ivory", "cream", "light grey")

# Each brand stands for one surface pattern, so a brand word in a caption carries visual meaning.
BRANDS: dict[str, str] = {
    "Maison Vell": "pinstripes",
    "Okoro": "checks",
    "Lune & Fils": "polka dots",
    "Atelier Sato": "monogram",
    "Kestrel": "chevrons",
    "Halden": "stripes",
    "Brisk": "plain",
}

# Options that change the silhouette, per category (stored as the item's ``length`` attribute).
LENGTHS: dict[str, tuple[str, ...]] = {
    "trouser": ("long", "short"),
    "skirt": ("mini", "midi", "maxi"),
    "dress": ("mini", "midi", "maxi"),
    "t-shirt": ("long", "short"),
    "coat": ("long", "short"),
    "handbag": ("large", "small"),
    "clutch": ("large", "small"),
    "sneaker": ("high", "low"),
    "boot": ("high", "ankle"),
    "hat": ("wide", "narrow"),
}

# How a length reads in a caption, where the bare word would be odd ("a short-sleeved t-shirt").
LENGTH_PHRASES: dict[tuple[str, str], str] = {
    ("t-shirt", "long"): "long-sleeved",
    ("t-shirt", "short"): "short-sleeved",
    ("sneaker", "high"): "high-top",
    ("sneaker", "low"): "low-top",
    ("boot", "high"): "knee-high",
    ("boot", "ankle"): "ankle",
    ("hat", "wide"): "wide-brimmed",
    ("hat", "narrow"): "narrow-brimmed",
}


def colour_group(colour: str) -> str:
    """``light`` for the near-white colours, else ``dark`` or ``mid`` by luminance."""
    if colour in LIGHT_COLOURS:
        return "light"
    r, g, b = COLOURS[colour]
    return "dark" if 0.299 * r + 0.587 * g + 0.114 * b < 80 else "mid"


def length_phrase(category: str, length: str) -> str:
    """The caption words for ``length`` on ``category``."""
    return LENGTH_PHRASES.get((category, length), length)
