"""Typed captions read with the catalogue's own words, so that a typo does not steer the search away.

People misspell: "a blak lether bagg". A subword text model still reads such words, but as other pieces, and
the ranking drifts (text-only R@10 on the demo falls from 1.000 to 0.443 when every longer word has one typo).
:class:`Speller` reads a word the catalogue's captions never use as the catalogue word one typo away (two for
words of eight letters and more), the way a shop's search box does, and a word whose singular or plural the
catalogue uses as that form: "boots" as "boot", "trousers" as "trouser", "dress" as "dresses", even where the
text model knows the word as typed (a catalogue word plus or minus an English noun ending: -s, -es, -ies for -y,
-ves for -f or -fe; the word typed four letters or more and the catalogue's three, so "as" is never "a";
"shorts" is read as "short" where the catalogue uses only the latter). It leaves alone:

- words of two letters or fewer, and words of three letters ("tan", "red") unless two neighbours were swapped
  ("rde", "hta"): any other edit of a three-letter word reaches too many other words;
- words the catalogue uses, and words the text model knows as a whole word (``Encoder.knows_word``), so
  "navy" is never read as "wavy" in a catalogue that has only the latter;
- words with no catalogue word within reach, as most words of another language are.

A typo is one letter dropped, added, changed, or two neighbours swapped (the optimal string alignment
distance, from RapidFuzz). Where two catalogue words are equally near, the more frequent one is taken.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

WORD = re.compile(r"[^\W\d_]+")  # a run of letters, in any script
SHORTEST = 4  # shorter words are read as a catalogue word only ...
SWAPPED = 3  # ... when they are this long and two neighbours were swapped
LONG = 8  # words this long may hold two typos


def typos_allowed(word: str) -> int:
    """How many typos (of any kind) a word of this length may hold and still be read as a catalogue word."""
    return 0 if len(word) < SHORTEST else 1 if len(word) < LONG else 2


def number_forms(word: str) -> set[str]:
    """The spellings ``word`` may have in the other grammatical number, by the regular English noun endings:
    "boot" -> "boots", "dress" -> "dresses", "accessory" -> "accessories", "scarf" -> "scarves", and back."""
    forms = {word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith(("f", "fe")):
        forms.add(word.removesuffix("e")[:-1] + "ves")
    if word.endswith("s"):
        forms.add(word[:-1])
    if word.endswith("es"):
        forms.add(word[:-2])
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    if word.endswith("ves"):
        forms.update({word[:-3] + "f", word[:-3] + "fe"})
    return forms - {word, ""}


def phrase_lengths(phrases: Iterable[str]) -> dict[str, int]:
    """Each first word of ``phrases`` (words joined by spaces) -> the most words of a phrase it starts."""
    lengths: dict[str, int] = {}
    for phrase in phrases:
        first, *rest = phrase.split(" ")
        lengths[first] = max(lengths.get(first, 0), 1 + len(rest))
    return lengths


def word_counts(captions: Iterable[str]) -> Counter[str]:
    """How often each lower-case word (run of letters) occurs in ``captions``."""
    return Counter(word for caption in captions for word in WORD.findall(caption.lower()))


def in_case_of(typed: str, word: str) -> str:
    """``word`` in the case ``typed`` was written in: "BOOTS" -> "BOOT", "Boots" -> "Boot", "boots" -> "boot"."""
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    return word.capitalize() if typed[:1].isupper() else word


def neighbours_swapped(word: str) -> set[str]:
    """The words ``word`` is a swap of two neighbouring letters away from."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)} - {word}


class Speller:
    """Reads captions with the words of ``captions`` (the catalogue's); ``known`` says whether the text model
    knows a lower-case word as a whole word, which is then kept as typed."""

    def __init__(self, captions: Iterable[str], known: Callable[[str], bool] = lambda word: False) -> None:
        self.counts = word_counts(captions)
        self.words = list(self.counts)
        self.known = known
        self.nearest = lru_cache(maxsize=4096)(self._nearest)

    def _nearest(self, word: str) -> str | None:
        """The catalogue word a lower-case ``word`` is the other number or a typo of, or None when it is to be read
        as typed."""
        if word in self.counts:
            return None
        if len(word) >= SHORTEST:
            numbered = {form for form in number_forms(word) & self.counts.keys() if len(form) >= SWAPPED}
            if numbered:
                return min(numbered, key=lambda match: (-self.counts[match], match))
        allowed = typos_allowed(word)
        if not (allowed or len(word) == SWAPPED) or self.known(word):
            return None
        if not allowed:
            swapped = neighbours_swapped(word) & self.counts.keys()
            return min(swapped, key=lambda match: (-self.counts[match], match)) if swapped else None
        found = process.extract(word, self.words, scorer=OSA.distance, score_cutoff=allowed, limit=None)
        if not found:
            return None
        return min(found, key=lambda match: (match[1], -self.counts[match[0]], match[0]))[0]

    def correct(self, text: str) -> tuple[str, dict[str, str]]:
        """``text`` with each typo read as its catalogue word, and the words changed (as typed -> as read)."""
        changed: dict[str, str] = {}

        def read(match: re.Match[str]) -> str:
            typed = match.group(0)
            nearest = self.nearest(typed.lower())
            if nearest is None:
                return typed
            changed[typed] = in_case_of(typed, nearest)
            return changed[typed]

        return WORD.sub(read, text), changed
