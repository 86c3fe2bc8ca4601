"""A colour named in the caption, looked for in the photos themselves: search's colour term.

A query's vector carries a typed colour only as far as training taught it, and beside a drawing it carries less:
the drawing picks its shape, and photos of that shape in other colours follow ("a black handbag" found a red
one first). So search reads each candidate photo's colour, the median of its item's pixels in CIELAB (the
item: pixels unlike the backdrop, which is the median of the photo's border; an item as pale as its backdrop,
a white shirt on white, is the backdrop's colour), and adds ``weight * exp(-(dE / SCALE)^2)`` to the scores of
the best :data:`~sbkit.limits.COLOUR_CANDIDATES`, ``dE`` being the CIEDE2000 difference from the colour named
(:meth:`sbkit.retrieval.colours.ColourReader.main_colour`). In a catalogue with categories, only a photo of a
category among those of the model's own first :data:`~sbkit.limits.COLOUR_CATEGORIES_FROM` results gains: the
colour says which of the items asked for, not which kind of item ("a black handbag" beside a handbag drawing
would otherwise lift a black coat past the burgundy handbags). The term is training-free and reads no caption
of the catalogue, so it serves catalogues and captions that no part of sbkit was tuned on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from sbkit.data.images import read_image
from sbkit.data.sources import ImageSource
from sbkit.errors import DataError
from sbkit.limits import COLOUR_CATEGORIES_FROM, COLOUR_WEIGHT
from sbkit.retrieval.colours import LIGHTNESS_WEIGHT

SCALE = 15.0  # CIEDE2000 difference at which the term falls to 1/e: the catalogue has "no such colour" past it
BACKDROP_DELTA = 12.0  # a pixel this far from the backdrop's colour belongs to the item
LEAST_ITEM = 0.02  # an item covering less of the photo is taken to be the backdrop's colour
SIDE = 64  # photos are read at about this size (every n-th pixel): a median colour needs no more


def item_colour(rgb: np.ndarray) -> np.ndarray:
    """The CIELAB colour (3,) of the item in an (H, W, 3) uint8 product photo: the median of its pixels that
    are unlike the backdrop."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    step = max(1, min(rgb.shape[:2]) // SIDE)
    lab = rgb2lab(rgb[::step, ::step])
    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    backdrop = np.median(border, axis=0)
    item = deltaE_ciede2000(lab, np.broadcast_to(backdrop, lab.shape)) > BACKDROP_DELTA
    return backdrop if item.mean() < LEAST_ITEM else np.median(lab[item], axis=0)


def read_photo(path: ImageSource) -> np.ndarray | None:
    """A photo's pixels at the size :func:`item_colour` reads (a large JPEG decoded small to begin with); None when
    it cannot be read (gone since the index was built, say): it then gets no colour term."""
    try:
        return read_image(path, max_side=2 * SIDE)
    except DataError:
        return None


def colour_match(photos: np.ndarray, named: np.ndarray) -> np.ndarray:
    """(N,) in [0, 1]: how near each of the (N, 3) CIELAB ``photos`` is to the ``named`` colour (3,); a row of
    NaN (a photo that could not be read) is 0."""
    from skimage.color import deltaE_ciede2000

    distance = deltaE_ciede2000(photos, np.broadcast_to(named, photos.shape), kL=LIGHTNESS_WEIGHT)
    return np.nan_to_num(np.exp(-((distance / SCALE) ** 2)), nan=0.0)


class PhotoColours:
    """Item colours of a gallery's photos, each read once, when it is first a candidate (thread-safe)."""

    def __init__(self, read: Callable[[str], np.ndarray | None]) -> None:
        self._read = read  # an id -> its photo's pixels, or None when it has no photo that can be read
        self._known: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def of(self, ids: Sequence[str]) -> np.ndarray:
        """(len(ids), 3) CIELAB item colours; NaN where a photo cannot be read."""
        with self._lock:
            missing = [item_id for item_id in dict.fromkeys(ids) if item_id not in self._known]
        found = {}
        for item_id in missing:  # outside the lock: reading a photo takes milliseconds
            pixels = self._read(item_id)
            found[item_id] = np.full(3, np.nan) if pixels is None else item_colour(pixels)
        with self._lock:
            self._known.update(found)
            return np.stack([self._known[item_id] for item_id in ids]) if ids else np.zeros((0, 3))


def favour_colour(scores: np.ndarray, ids: Sequence[str], named: np.ndarray, colours: PhotoColours,
                  weight: float = COLOUR_WEIGHT, categories: Sequence[str | None] | None = None,
                  ) -> tuple[np.ndarray, list[str]]:
    """One query's ``scores`` (best first) and ``ids`` with the colour term added, sorted again, best first. With
    the ids' ``categories``, only an id of a category among the first
    :data:`~sbkit.limits.COLOUR_CATEGORIES_FROM` ids' gains (None is a category like any other: in a catalogue
    without categories every id gains)."""
    gains = colour_match(colours.of(ids), named)
    if categories is not None:
        asked = set(categories[:COLOUR_CATEGORIES_FROM])
        gains *= np.array([category in asked for category in categories], dtype=bool)
    added = np.asarray(scores, dtype=np.float64) + weight * gains
    order = np.argsort(-added, kind="stable")
    return added[order], [ids[i] for i in order]
