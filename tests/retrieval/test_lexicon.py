"""Lexicon: which caption words no part of search can read."""

from __future__ import annotations

import pytest

from sbkit.retrieval.lexicon import Lexicon, english_stems
from sbkit.retrieval.spelling import word_counts

CAPTIONS = ["a quilted black clutch by Okoro", "a long ivory trouser"]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(word_counts(CAPTIONS).keys(), known=lambda word: word == "zara")


@pytest.mark.parametrize("caption", [
    "a quilted black clutch",  # the catalogue's words
    "Okoro clutches",  # a brand of the catalogue; the plural of its word
    "embellished crocheted handbags",  # English words the text model reads only in pieces; a plural
    "T-Shirt, off-white!",  # any English run of letters in a word reads it
    "zara",  # a whole word of the text model
    "42 & -",  # no letters: left to the encoder
])
def test_words_of_the_catalogue_english_or_the_text_model_are_read(lexicon: Lexicon, caption: str):
    assert lexicon.unread(caption) == []


@pytest.mark.parametrize(("caption", "unread"), [
    ("falda roja", ["falda", "roja"]),
    ("a Handtasche in schwarz", ["Handtasche"]),  # "schwarz" is in English dictionaries
    ("xqzvw blorf", ["xqzvw", "blorf"]),
    ("azul-marinho saia", ["azul-marinho", "saia"]),
])
def test_words_of_no_language_search_knows_are_named(lexicon: Lexicon, caption: str, unread: list[str]):
    assert lexicon.unread(caption) == unread


def test_the_text_model_is_asked_in_lower_case():
    asked = []
    Lexicon([], known=lambda word: asked.append(word) or False).unread("ZZQX")
    assert asked == ["zzqx"]


@pytest.mark.parametrize(("word", "stem"), [("crocheted", "crochet"), ("zipped", "zip"), ("making", "make"),
                                            ("tidied", "tidy"), ("boots", "boot"), ("darker", "dark")])
def test_english_stems_undo_regular_endings(word: str, stem: str):
    assert stem in english_stems(word)
    assert not english_stems("red") and not english_stems("bag")  # too short to hold an ending
