"""Which words of a caption mean anything to search: words of English, of the catalogue, or of the text model.

A subword text model reads any string of letters: "falda", "xqzvw" and "blorf" become pieces such as "fa"
and "##lda", whose vectors point somewhere, so a caption of them still moves the ranking: on the demo, made-up
words beside a drawing pull its own item down (drawn R@1 0.190 for the drawing alone, 0.147 with them). :class:`Lexicon`
names the words that no part of search can read: a word (white-space separated) is read when any run of its
letters is

- a word of the catalogue's captions, or the plural or singular of one;
- a word of English (the ``web2`` and GCIDE word lists of the ``english-words`` package, MIT), or one with a
  regular English ending (:func:`english_stems`: "handbags", "crocheted", "embellished");
- a whole word of the text model's vocabulary (``Encoder.knows_word``), such as a name it learned.

Words of other languages that none of these know ("falda", "zapato", "Handtasche") are named as not read.
Words that English shares with them ("rouge", "noir", "rosa", "gonna") count as read, as the text model reads
them, in their English sense.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cache

from sbkit.retrieval.spelling import WORD, number_forms

ENDINGS = ("s", "es", "d", "ed", "ing", "er", "est", "ly")  # the regular endings English adds to a word
SHORTEST_STEM = 3


@cache
def english_words() -> frozenset[str]:
    """Lower-case English words (letters only) of the ``english-words`` package's ``web2`` and ``gcide`` lists."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def english_stems(word: str) -> set[str]:
    """What a lower-case ``word`` may be before a regular English ending: "crocheted" -> "crochet", "zipped" ->
    "zip", "making" -> "make", "tidied" -> "tidy" (with wrong guesses beside them, which a word list sorts out)."""
    stems = set()
    for ending in ENDINGS:
        stem = word.removesuffix(ending)
        if stem == word or len(stem) < SHORTEST_STEM:
            continue
        stems.update({stem, stem + "e"})
        if stem[-1] == stem[-2]:
            stems.add(stem[:-1])
        if stem.endswith("i"):
            stems.add(stem[:-1] + "y")
    return stems


class Lexicon:
    """Says which words of a caption nothing in search can read.

    Args:
        words: the lower-case words of the catalogue's captions (:func:`~sbkit.retrieval.spelling.word_counts`),
            which count as read.
        known: whether the text model knows a lower-case word as a whole word of its vocabulary.
    """

    def __init__(self, words: Collection[str], known: Callable[[str], bool] = lambda word: False) -> None:
        self.catalogue = words
        self.known = known

    def reads(self, run: str) -> bool:
        """Whether a run of letters (any case) is a catalogue, English or text-model word, in either number."""
        run = run.lower()
        forms = {run} | number_forms(run)
        return bool(any(form in self.catalogue for form in forms)
                    or (forms | english_stems(run)) & english_words() or self.known(run))

    def unread(self, text: str) -> list[str]:
        """The white-space separated words of ``text`` that hold letters, none of whose letter runs is read."""
        return [word for word in text.split() if (runs := WORD.findall(word)) and not any(map(self.reads, runs))]
