"""Colour names a catalogue never uses, read as the nearest colour it does: "maroon" as "burgundy".

A shop names its colours its own way, and a shopper types their own: "brown" for chocolate, "tan" for camel,
"yellow" for mustard. A sentence model reads such pairs as related words at best (MiniLM puts "brown" nearer
"grey" and "green" than "chocolate"), so the caption steers the search to the wrong colour.
:class:`ColourReader` knows the colour of each of the xkcd colour survey's 949 names (shipped with matplotlib;
"grey" may be spelt "gray"), finds the names a catalogue's captions use, and reads a caption's colour name that
the catalogue never uses as the catalogue's name nearest in colour (CIEDE2000 in CIELAB), when that is near.
It leaves alone:

- a caption that already names one of the catalogue's colours ("dark blue" where the catalogue has "sky blue":
  "blue" is its word), and every colour after the first in a caption;
- the names that come after a caption's first colour in the catalogue: "leather" in "a black leather bag" is a
  word of the catalogue (a caption with it stays as typed), but no colour to read another as; the survey
  names materials too (leather, denim, stone) by their colour, and a caption names the colour first;
- a colour the catalogue has nothing near (a CIEDE2000 difference over ``FURTHEST``): "black" where the
  nearest is chocolate, "purple" where it is navy;
- a shade word on its own ("light", "dark", "pale"), which says how light a colour is, not which;
- every caption, in a catalogue whose captions name no colour from the survey.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sbkit.retrieval.spelling import WORD  # a run of letters: "off-white" is two words

SHADES = frozenset({"light", "dark", "pale", "bright", "deep", "very", "dull", "dusty", "pastel", "faded", "dirty",
                    "medium", "neon", "soft", "muted", "vivid"})
LIGHTNESS_WEIGHT = 2.0  # CIEDE2000's kL as textile colour matching sets it: hue outweighs lightness
FURTHEST = 15.0  # CIEDE2000 difference past which the gallery has no such colour: black is 18 from chocolate


def colour_names() -> dict[str, tuple[float, float, float]]:
    """The xkcd survey's colour names (lower case, hyphens as spaces, "grey" also spelt "gray") and their RGB
    in [0, 1]."""
    from matplotlib.colors import XKCD_COLORS, to_rgb

    names = {name.removeprefix("xkcd:").replace("-", " "): to_rgb(value) for name, value in XKCD_COLORS.items()}
    return names | {name.replace("grey", "gray"): rgb for name, rgb in names.items() if "grey" in name}


class ColourReader:
    """Reads a caption's colour name as the nearest one the catalogue's ``captions`` use."""

    def __init__(self, captions: Iterable[str]) -> None:
        self.names = colour_names()
        self.longest: dict[str, int] = {}  # the most words of a name starting with each first word
        for name in self.names:
            first, *rest = name.split()
            self.longest[first] = max(self.longest.get(first, 0), 1 + len(rest))
        self.used: set[str] = set()  # every name in the captions: "blue" within "sky blue", "leather" after "black"
        targets: set[str] = set()  # each caption's first name, whole: "sky blue", "black"
        for caption in set(captions):
            spans = self._spans(WORD.findall(caption.lower()))
            self.used.update(name for name, _ in spans)
            targets.update(name for name, _ in spans[:1])
        self.targets = sorted(targets)
        self._lab = _to_lab([self.names[name] for name in self.targets])

    def _spans(self, words: list[str]) -> list[tuple[str, int]]:
        """The colour names among ``words`` and the word each starts at, leftmost first and longest first at
        each start ("sky blue", then "sky", then "blue"); a shade word alone is none."""
        return [(name, start) for start, word in enumerate(words) if word in self.longest
                for end in range(min(len(words), start + self.longest[word]), start, -1)
                if (name := " ".join(words[start:end])) in self.names and not (end - start == 1 and name in SHADES)]

    def nearest(self, name: str) -> str | None:
        """The catalogue's colour name nearest in colour to the survey's ``name``; None when none is within
        ``FURTHEST``."""
        from skimage.color import deltaE_ciede2000

        if not self.targets:
            return None
        distances = deltaE_ciede2000(_to_lab([self.names[name]]), self._lab, kL=LIGHTNESS_WEIGHT)
        nearest = int(np.argmin(distances))
        return self.targets[nearest] if distances[nearest] <= FURTHEST else None

    def read(self, text: str) -> tuple[str, dict[str, str]]:
        """``text`` with its first colour name read as the catalogue's nearest, and the change (typed -> read);
        ``text`` as it is when the caption names one of the catalogue's colours, or the catalogue has none near
        its first."""
        matches = list(WORD.finditer(text))
        words = [match.group(0).lower() for match in matches]
        spans = self._spans(words)
        if not spans or any(name in self.used for name, _ in spans):
            return text, {}
        name, start = spans[0]
        left, right = matches[start].start(), matches[start + len(name.split()) - 1].end()
        read = self.nearest(name)
        if read is None:
            return text, {}
        read = read.capitalize() if text[left].isupper() else read
        return text[:left] + read + text[right:], {text[left:right]: read}


def _to_lab(colours: list[tuple[float, float, float]]) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.asarray(colours, dtype=np.float64).reshape(-1, 1, 3))[:, 0]
