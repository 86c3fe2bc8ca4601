"""Typed captions: typos of the catalogue's words are read as those words, everything else as typed."""

from __future__ import annotations

import pytest

from sbkit.retrieval.retriever import Retriever
from sbkit.retrieval.spelling import Speller, in_case_of, neighbours_swapped, number_forms, typos_allowed

CAPTIONS = ["a long black leather trouser", "a quilted black clutch", "an ivory dress", "a wavy ivory dress",
            "a red hat", "a tan bag"]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(CAPTIONS, known=lambda word: word in {"navy", "quilt"})


@pytest.mark.parametrize(("typed", "word"), [
    ("blak", "black"),  # a letter dropped
    ("blackk", "black"),  # a letter doubled
    ("balck", "black"),  # neighbours swapped
    ("bkack", "black"),  # a letter changed
    ("trousre", "trouser"),
    ("quiltde", "quilted"),
    ("lether", "leather"),
])
def test_one_typo_is_read_as_the_catalogue_word(speller: Speller, typed: str, word: str) -> None:
    assert speller.correct(f"a {typed} bag") == (f"a {word} bag", {typed: word})


def test_long_words_may_hold_two_typos_and_shorter_ones_one(speller: Speller) -> None:
    assert typos_allowed("red") == 0 and typos_allowed("dress") == 1 and typos_allowed("trousers") == 2
    assert speller.correct("qiultedd")[0] == "quilted"  # 8 letters typed: two typos allowed
    assert speller.correct("qiulted")[0] == "quilted"  # 7: one
    assert speller.correct("qiultd")[0] == "qiultd"  # 6 letters, two typos
    assert speller.correct("lnog blcak tosruer") == ("long black tosruer", {"lnog": "long", "blcak": "black"})
    assert speller.correct("cluttchh")[0] == "clutch"  # 8 letters, two letters added
    assert speller.correct("clutchhes")[0] == "clutchhes"  # three typos


def test_a_plural_or_singular_of_a_catalogue_word_is_read_as_it_even_when_the_model_knows_it() -> None:
    speller = Speller(CAPTIONS, known=lambda word: word in {"trousers", "clutches", "hats", "bags", "dresses"})
    assert speller.correct("long black trousers, quilted clutches") == (
        "long black trouser, quilted clutch", {"trousers": "trouser", "clutches": "clutch"})
    assert speller.correct("Red Hats and tan bags; ivory dresses")[0] == "Red Hat and tan bag; ivory dress"
    plural = Speller(["a pair of trousers", "white sneakers", "wool scarves", "travel accessories"])
    assert plural.correct("a trouser, a sneaker, a scarf, an accessory")[0] == (
        "a trousers, a sneakers, a scarves, an accessories")
    assert Speller(["a wool scarf", "a knife"]).correct("scarves, knives")[0] == "scarf, knife"


def test_number_forms_follow_the_regular_noun_endings_and_leave_short_words_alone() -> None:
    assert {"boots", "boot"} & number_forms("boot") == {"boots"} and "boot" in number_forms("boots")
    assert {"dresses", "accessories", "scarves"} <= number_forms("dress") | number_forms("accessory") | \
        number_forms("scarf")
    speller = Speller(["a hat", "it is a bu"])
    for text in ("as", "its", "bus", "is"):  # a form of two letters, or a word of three
        assert speller.correct(text) == (text, {})


def test_short_known_and_catalogue_words_stay_as_typed(speller: Speller) -> None:
    for text in ("a red bag", "a navy dress", "a quilt", "an ivory dress", "a wavy dress"):
        assert speller.correct(text) == (text, {})


def test_three_letter_words_are_read_only_through_two_swapped_neighbours(speller: Speller) -> None:
    assert speller.correct("a rde hta, bga") == ("a red hat, bag", {"rde": "red", "hta": "hat", "bga": "bag"})
    assert speller.correct("atn")[0] == "tan"
    for typed in ("rad", "rd", "bg", "nat", "dre", "gba"):  # a letter changed or dropped, or two swaps
        assert speller.correct(typed)[0] == typed
    assert neighbours_swapped("red") == {"erd", "rde"} and neighbours_swapped("aab") == {"aba"}


def test_words_far_from_every_catalogue_word_stay_as_typed(speller: Speller) -> None:
    for text in ("красное платье", "赤いドレス", "a sequinned gown", "!?.,;:", "", "1990s"):
        assert speller.correct(text) == (text, {})


def test_case_punctuation_and_spacing_are_kept(speller: Speller) -> None:
    assert speller.correct("Blak,  LETHER trousre!") == ("Black,  LEATHER trouser!",
                                                         {"Blak": "Black", "LETHER": "LEATHER", "trousre": "trouser"})


def test_the_more_frequent_of_two_equally_near_words_is_taken() -> None:
    speller = Speller(["a coat", "a coat", "a boat"])
    assert speller.correct("a cot")[0] == "a cot"  # three letters: a letter changed is never corrected
    assert speller.correct("a goat")[0] == "a coat"
    assert Speller(["a boat", "a boat", "a coat"]).correct("goat")[0] == "boat"


def test_no_captions_no_corrections() -> None:
    assert Speller([]).correct("a blak dress") == ("a blak dress", {})


@pytest.fixture(scope="module")
def caption_with_typos(retriever: Retriever) -> tuple[str, str]:
    """A gallery caption, and the same with a letter dropped from each of its catalogue words of 4+ letters."""
    caption = next(item.caption for item in (retriever.item(i) for i in retriever.index.ids)
                   if item.caption and sum(len(word) >= 5 and word.isalpha() for word in item.caption.split()) >= 2)
    typed = " ".join(word[:2] + word[3:] if len(word) >= 5 and word.isalpha() else word for word in caption.split())
    return caption, typed


def test_search_reads_typos_as_the_gallery_words_and_says_so(retriever: Retriever, caption_with_typos) -> None:
    caption, typed = caption_with_typos
    spelt = retriever.search(text=caption, k=10)
    result = retriever.search(text=typed, k=10)
    assert result.text == caption and result.corrections and spelt.corrections == {}
    assert [(hit.id, hit.score) for hit in result.hits] == [(hit.id, hit.score) for hit in spelt.hits]
    assert result.reading and all(f"{typed!r} as {word!r}" in result.reading
                                  for typed, word in result.corrections.items())
    assert result.warnings == [] and spelt.reading is None


def test_exact_text_reads_the_caption_as_typed(retriever: Retriever, caption_with_typos) -> None:
    caption, typed = caption_with_typos
    result = retriever.search(text=typed, k=10, exact_text=True)
    assert result.text == typed and result.corrections == {} and result.reading is None
    assert result.unknown_words  # the small encoder's word vocabulary has no typos


def test_a_sketch_only_search_reads_no_caption(retriever: Retriever, caption_with_typos) -> None:
    from sketch_helpers import drawing

    result = retriever.search(sketch=drawing(256, 3), text=caption_with_typos[1], mode="sketch", k=3)
    assert result.text is None and result.corrections == {}


def test_the_speller_reads_the_gallery_captions_and_the_encoder_vocabulary(retriever: Retriever) -> None:
    encoder = retriever.run.model.encoder
    gallery_words = {word for i in retriever.index.ids for word in retriever.item(i).caption.lower().split()}
    assert set(retriever.speller.words) >= {word for word in gallery_words if word.isalpha()}
    assert encoder.knows_word("dress") and not encoder.knows_word("dres")  # the small encoder's own vocabulary


@pytest.mark.parametrize(("typed", "read"), [("BOOTS", "BOOT"), ("Boots", "Boot"), ("boots", "boot"), ("A", "A")])
def test_a_word_read_anew_keeps_the_case_it_was_typed_in(typed: str, read: str):
    assert in_case_of(typed, read.lower()) == read
