"""Colour names a catalogue never uses, read as the nearest colour it does: "maroon" as "burgundy".

A shop names its colours its own way, and a shopper types their own: "brown" for chocolate, "tan" for camel,
"yellow" for mustard. A sentence model reads such pairs as related words at best (MiniLM puts "brown" nearer
"grey" and "green" than "chocolate"), so the caption steers the search to the wrong colour.
:class:`ColourReader` knows the colour of each of the xkcd colour survey's 949 names (shipped with matplotlib;
"grey" may be spelt "gray"), finds the names a catalogue's captions use, and reads a caption's colour name that
the catalogue never uses as the catalogue's name nearest in colour (CIEDE2000 in CIELAB), when that is near.
It leaves alone:

- a caption that already names one of the catalogue's colours, whole ("a black bag", "a sky blue coat");
- every colour in a caption but its main one: the name the survey's people gave most often. The survey names
  materials and things by their colour too (leather, denim, stone, straw), far less often than colour words,
  so "a leather bag in maroon" is read by "maroon";
- the names a catalogue uses only within or beside its colours: "blue" within "sky blue" ("a blue dress"
  stays as typed, while "dark blue" may read as navy), "leather" in "a black leather bag" (a word of the
  catalogue, but no colour to read another as);
- a colour the catalogue has nothing near (a CIEDE2000 difference over ``FURTHEST``): "black" where the
  nearest is chocolate, "purple" where it is navy;
- a shade word on its own ("light", "dark", "pale"), which says how light a colour is, not which;
- every caption, in a catalogue whose captions name no colour from the survey.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sbkit.retrieval.spelling import WORD, in_case_of, phrase_lengths  # a run of letters: "off-white" is two words

SHADES = frozenset({"light", "dark", "pale", "bright", "deep", "very", "dull", "dusty", "pastel", "faded", "dirty",
                    "medium", "neon", "soft", "muted", "vivid"})
LIGHTNESS_WEIGHT = 2.0  # CIEDE2000's kL as textile colour matching sets it: hue outweighs lightness
FURTHEST = 15.0  # CIEDE2000 difference past which the gallery has no such colour: black is 18 from chocolate


def colour_names() -> dict[str, tuple[float, float, float]]:
    """The xkcd survey's colour names (lower case, hyphens as spaces, "grey" also spelt "gray") and their RGB
    in [0, 1], the names its people gave least often first (the order of its rgb.txt; its web page lists the
    most common first: purple, green, blue, pink, brown, red, ...)."""
    from matplotlib.colors import XKCD_COLORS, to_rgb

    names: dict[str, tuple[float, float, float]] = {}
    for key, value in XKCD_COLORS.items():
        name = key.removeprefix("xkcd:").replace("-", " ")
        names[name] = to_rgb(value)
        if "grey" in name:
            names[name.replace("grey", "gray")] = names[name]
    return names


class ColourReader:
    """Reads a caption's colour name as the nearest one the catalogue's ``captions`` use."""

    def __init__(self, captions: Iterable[str]) -> None:
        self.names = colour_names()
        self.commonness = {name: rank for rank, name in enumerate(self.names)}  # higher: named more often
        self.longest = phrase_lengths(self.names)  # the most words of a name starting with each first word
        self.used: set[str] = set()  # every name in the captions: "blue" within "sky blue", "leather" after "black"
        targets: set[str] = set()  # each caption's main name, whole: "sky blue", "black"
        for caption in set(captions):
            spans = self._spans(WORD.findall(caption.lower()))
            self.used.update(name for name, _ in spans)
            if main := self._main(self._whole(spans)):
                targets.add(main[0])
        self.targets, self._targets = sorted(targets), targets
        self._lab = _to_lab([self.names[name] for name in self.targets])

    def _spans(self, words: list[str]) -> list[tuple[str, int]]:
        """The colour names among ``words`` and the word each starts at, leftmost first and longest first at
        each start ("sky blue", then "sky", then "blue"); a shade word alone is none."""
        return [(name, start) for start, word in enumerate(words) if word in self.longest
                for end in range(min(len(words), start + self.longest[word]), start, -1)
                if (name := " ".join(words[start:end])) in self.names and not (end - start == 1 and name in SHADES)]

    @staticmethod
    def _whole(spans: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """The whole names among ``spans``: "sky blue", not "sky" or "blue" within it."""
        whole, end = [], 0
        for name, start in spans:  # leftmost first, longest first at each start
            if start >= end:
                whole.append((name, start))
                end = start + len(name.split())
        return whole

    def _main(self, whole: list[tuple[str, int]]) -> tuple[str, int] | None:
        """The one colour among a caption's ``whole`` names: the name the survey's people gave most often (None
        without any). A material or thing that names a colour too is named less often than a colour word:
        "maroon", not "leather", in "a leather bag in maroon"."""
        return max(whole, key=lambda span: self.commonness[span[0]], default=None)

    def nearest(self, name: str) -> str | None:
        """The catalogue's colour name nearest in colour to the survey's ``name``; None when none is within
        ``FURTHEST``."""
        from skimage.color import deltaE_ciede2000

        if not self.targets:
            return None
        distances = deltaE_ciede2000(_to_lab([self.names[name]]), self._lab, kL=LIGHTNESS_WEIGHT)
        nearest = int(np.argmin(distances))
        return self.targets[nearest] if distances[nearest] <= FURTHEST else None

    def main_colour(self, text: str) -> tuple[str, np.ndarray] | None:
        """The colour ``text`` names (its main name: :meth:`_main`) and its CIELAB (3,); None when it names
        none ("a red boot" -> red; "a black leather bag" -> black)."""
        main = self._main(self._whole(self._spans([word.lower() for word in WORD.findall(text)])))
        return None if main is None else (main[0], _to_lab([self.names[main[0]]])[0])

    def read(self, text: str) -> tuple[str, dict[str, str]]:
        """``text`` with its main colour name (:meth:`_main`) read as the catalogue's nearest, and the change
        (typed -> read). ``text`` as it is when the caption names one of the catalogue's colours, names only
        colours its captions use otherwise ("blue" within "sky blue", "leather" after "black"), or the
        catalogue has none near its main one."""
        matches = list(WORD.finditer(text))
        words = [match.group(0).lower() for match in matches]
        whole = self._whole(self._spans(words))
        if any(name in self._targets for name, _ in whole):
            return text, {}
        main = self._main([(name, start) for name, start in whole if name not in self.used])
        if main is None:
            return text, {}
        name, start = main
        left, right = matches[start].start(), matches[start + len(name.split()) - 1].end()
        read = self.nearest(name)
        if read is None:
            return text, {}
        read = in_case_of(text[left:right], read)
        return text[:left] + read + text[right:], {text[left:right]: read}


def _to_lab(colours: list[tuple[float, float, float]]) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.asarray(colours, dtype=np.float64).reshape(-1, 1, 3))[:, 0]
