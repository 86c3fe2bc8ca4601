"""Garment words a catalogue never uses, read as the catalogue's word for the same thing: "pants" as "trouser".

A shop calls its items by its own words and a shopper types theirs: "pants" for trousers, "purse" for a
handbag, "gown" for a dress, "overcoat" for a coat. The text model reads such pairs as related at best, and
the heads, trained on the catalogue's captions, learn the catalogue's word: in the demo "a pants" lowers the
ranking of trousers. :class:`GarmentWordReader` reads them with WordNet's nouns for clothing, footwear, bags
and jewellery (``garment_words.json``, built by :mod:`sbkit.retrieval.garment_words_build`; WordNet 3.1,
Princeton University, under the WordNet licence kept in that file). A caption word or phrase the catalogue
never uses, whose first WordNet sense is such an item, is read as the catalogue word that:

1. names the same sense ("purse" -> "handbag": WordNet's {bag, handbag, pocketbook, purse}), or else
2. names a sense one or two steps more general ("overcoat" -> "coat", "jeans" -> "trouser"), never one as
   general as "garment", "clothing" or "footwear";

trying its senses in WordNet's order, its plural or singular too ("pants" -> "pant", {trousers, pant}). The
catalogue's plural or singular of a word counts as the word ("trousers" -> "trouser"). The catalogue words read
into are its category names where its items have categories, else any of its captions' garment words. It leaves
alone:

- words and phrases the catalogue uses, and words whose most common sense is not an item ("heel", "top");
- a word before another garment word, which describes it rather than naming the item ("a denim jacket",
  "a sweater dress");
- a word with no catalogue word among its synonyms and their two more general senses ("a shoe" where the
  catalogue has "sneaker" and "boot", which WordNet puts beside it, not above).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from sbkit.retrieval.spelling import WORD, in_case_of, number_forms, phrase_lengths

TABLE = Path(__file__).with_name("garment_words.json")
ARTICLE = re.compile(r"\b(an?)(\s+)$", re.IGNORECASE)  # "a" or "an" just before a word read anew
LONGEST = 3  # words in the longest phrase looked up ("pair of trousers")
STEPS_UP = 2  # how many senses more general a reading may go


@cache
def garment_table() -> dict:
    """The WordNet table: ``senses`` (words, hypernyms, general) and ``lemmas`` (senses, first_in_domain)."""
    return json.loads(TABLE.read_text(encoding="utf-8"))


def other_numbers(phrase: str) -> list[str]:
    """``phrase`` with its last word in the other number ("pair of trousers" -> "pair of trouser", ...)."""
    *head, last = phrase.split(" ")
    return [" ".join([*head, form]) for form in sorted(number_forms(last))]


@cache
def garment_phrases() -> tuple[frozenset[str], dict[str, int]]:
    """The table's words and phrases, each also with its last word in the other number, and for each first
    word the most words of one it starts: what a catalogue's captions are scanned for."""
    lemmas = garment_table()["lemmas"]
    wanted = frozenset(lemmas).union(*map(other_numbers, lemmas))
    return wanted, phrase_lengths(wanted)


def article(match: re.Match[str], word: str) -> str:
    """The indefinite article ``match`` found, made to fit ``word`` ("an overcoat" -> "a coat")."""
    fitting = "an" if word[:1].lower() in "aeiou" else "a"
    typed = match.group(1)
    return in_case_of(typed, fitting) + match.group(2)


class GarmentWordReader:
    """Reads a caption's garment words as the words the catalogue's ``captions`` use for the same item."""

    def __init__(self, captions: Iterable[str], categories: Iterable[str] = ()) -> None:
        self.table = garment_table()
        wanted, starts = garment_phrases()  # only the captions' garment phrases matter
        self.used: Counter[str] = Counter()  # the captions' garment phrases: "trouser", "t shirt"
        self.surface: dict[str, Counter[str]] = {}  # a phrase -> how the captions write it ("t shirt" -> "t-shirt")
        for caption in set(captions):
            lower = caption.lower()
            matches = list(WORD.finditer(lower))
            for start, match in enumerate(matches):
                for end in range(start + 1, min(len(matches), start + starts.get(match.group(0), 0)) + 1):
                    phrase = " ".join(m.group(0) for m in matches[start:end])
                    if phrase in wanted:
                        self.used[phrase] += 1
                        self.surface.setdefault(phrase, Counter())[lower[match.start():matches[end - 1].end()]] += 1
        # What a word may be read as: the catalogue's category names where it has them ("top" in the demo's
        # captions is a bag's top handle, not a garment), else any phrase of its captions.
        named = {" ".join(WORD.findall(name.lower())) for name in categories} - {""}
        self.targets = named or set(self.used)
        for name in named:
            self.surface.setdefault(name, Counter())[name] += 0  # a category no caption writes out
        self.reading = lru_cache(maxsize=4096)(self._reading)

    def _catalogue_form(self, phrase: str) -> str | None:
        """``phrase`` as one of the catalogue's targets: itself, or its last word in the other number."""
        if phrase in self.targets:
            return phrase
        return max((form for form in other_numbers(phrase) if form in self.targets), key=self.used.__getitem__,
                   default=None)

    def _senses(self, phrase: str) -> list[int]:
        """The senses of a typed ``phrase`` whose first sense is an item, then those of its other number."""
        lemmas = self.table["lemmas"]
        entry = lemmas.get(phrase)
        if entry is None or not entry["first_in_domain"]:
            return []
        others = [sense for form in other_numbers(phrase) if form in lemmas for sense in lemmas[form]["senses"]]
        return list(dict.fromkeys([*entry["senses"], *others]))

    def _reading(self, phrase: str) -> str | None:
        """The catalogue phrase a typed garment ``phrase``, one the captions never use, is read as; None to keep
        it as typed."""
        senses = self.table["senses"]
        for sense in self._senses(phrase):
            level = [sense]
            for _ in range(STEPS_UP + 1):
                found = Counter({form: self.used[form] for item in level if not senses[item]["general"]
                                 for word in senses[item]["words"] if (form := self._catalogue_form(word))})
                if found:
                    return max(sorted(found), key=found.__getitem__)
                level = [parent for item in level for parent in senses[item]["hypernyms"]]
        return None

    def _names_an_item(self, words: list[str], start: int) -> bool:
        """Whether a word or phrase with a garment sense ("skirt", "tote bag") starts at ``words[start]``."""
        lemmas = self.table["lemmas"]
        last = min(len(words), start + LONGEST)
        return any(" ".join(words[start:end]) in lemmas for end in range(start + 1, last + 1))

    def _span(self, words: list[str], start: int) -> tuple[int, str | None]:
        """The longest phrase at ``words[start]`` that the catalogue uses or that is read as a catalogue word:
        where it ends and its reading (None: keep it; a single word kept when none is)."""
        for end in range(min(len(words), start + LONGEST), start, -1):
            phrase = " ".join(words[start:end])
            if phrase in self.used:  # the catalogue's own words, kept whole
                return end, None
            if not self._names_an_item(words, end) and (read := self.reading(phrase)) is not None:
                return end, read
        return start + 1, None

    def read(self, text: str) -> tuple[str, dict[str, str]]:
        """``text`` with each garment word or phrase the catalogue never uses read as its catalogue word, and
        the changes (typed -> read)."""
        matches = list(WORD.finditer(text))
        words = [match.group(0).lower() for match in matches]
        pieces: list[str] = []
        changed: dict[str, str] = {}
        done = start = 0
        while start < len(words):
            end, read = self._span(words, start)
            if read is not None:
                left, right = matches[start].start(), matches[end - 1].end()
                written = self.surface[read].most_common(1)[0][0]
                written = in_case_of(text[left:right], written)
                pieces += [ARTICLE.sub(lambda a: article(a, written), text[done:left]), written]
                changed[text[left:right]] = written
                done = right
            start = end
        return "".join([*pieces, text[done:]]), changed
