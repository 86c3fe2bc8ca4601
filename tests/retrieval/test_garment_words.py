"""Garment words a catalogue never uses are read as its word for the same item; every other caption as typed."""

from __future__ import annotations

import json

import pytest

from sbkit.retrieval.garment_words import GarmentWordReader, garment_table
from sbkit.retrieval.retriever import Retriever

CAPTIONS = ["a long black trouser", "a burgundy dress", "a camel coat", "an ivory t-shirt", "a small black handbag",
            "a quilted clutch with a top handle", "a white sneaker", "a navy hat"]
CATEGORIES = ["trouser", "dress", "coat", "t-shirt", "handbag", "clutch", "sneaker", "hat"]


@pytest.fixture(scope="module")
def reader() -> GarmentWordReader:
    return GarmentWordReader(CAPTIONS, CATEGORIES)


@pytest.mark.parametrize(("typed", "read"), [
    ("navy pants", "navy trouser"),  # {trousers, pant}: the catalogue's singular counts
    ("a purse", "a handbag"),  # {bag, handbag, pocketbook, purse}
    ("a gown", "a dress"),  # one step more general
    ("jeans", "trouser"),  # jeans -> {trousers, pant}
    ("a tee shirt", "a t-shirt"),  # a phrase, written as the catalogue writes it
    ("a fedora", "a hat"),
])
def test_a_garment_word_the_catalogue_never_uses_is_read_as_its_word(reader: GarmentWordReader, typed: str,
                                                                      read: str) -> None:
    assert reader.read(typed)[0] == read


def test_the_article_fits_the_word_read_and_case_is_kept(reader: GarmentWordReader) -> None:
    assert reader.read("An overcoat, camel!") == ("A coat, camel!", {"overcoat": "coat"})
    assert reader.read("Pants") == ("Trouser", {"Pants": "Trouser"})


def test_catalogue_words_modifiers_and_other_senses_stay_as_typed(reader: GarmentWordReader) -> None:
    for text in ("a long black trouser", "a quilted clutch",  # the catalogue's own words
                 "a denim skirt", "a sweater dress",  # a garment word describing the next one
                 "a heel", "a shoe", "a tote",  # first sense not an item; nothing above it in the catalogue
                 "a blouse",  # WordNet's "top": a catalogue word, but not one of its categories
                 "красное платье", "!?", ""):
        assert reader.read(text) == (text, {}), text


def test_without_categories_any_caption_phrase_is_a_reading() -> None:
    assert GarmentWordReader(CAPTIONS).read("a blouse") == ("a top", {"blouse": "top"})
    assert GarmentWordReader(["a plain top", "a black bag"]).read("a purse") == ("a bag", {"purse": "bag"})


def test_the_shipped_table_carries_wordnet_and_its_licence() -> None:
    table = garment_table()
    assert "Princeton University" in table["licence"] and "WordNet" in table["source"]
    assert len(table["senses"]) > 500 and table["lemmas"]["purse"]["first_in_domain"]
    assert not table["lemmas"]["top"]["first_in_domain"]  # its most common sense is no item
    assert "heel" not in table["lemmas"]  # none of its senses is (a shoe's heel is a part, not a kind)
    general = [sense["words"] for sense in table["senses"] if sense["general"]]
    assert ["garment"] in general and all("handbag" not in words for words in general)


def test_the_table_builder_reads_a_wordnet_dict_folder(tmp_path) -> None:
    from sbkit.retrieval.garment_words_build import build

    folder = tmp_path / "dict"
    folder.mkdir()
    (folder / "data.noun").write_text(  # clothing, and under it trousers; a breath, outside it
        "  licence header line\n"
        "03055525 06 n 01 clothing 0 000 | a covering designed to be worn\n"
        "04496264 06 n 02 trousers 0 pant 0 001 @ 03055525 n 0000 | a garment\n"
        "00838759 04 n 01 pant 0 000 | a short labored intake of breath\n", encoding="latin-1")
    (folder / "index.noun").write_text(
        "  licence header line\n"
        "clothing n 1 0 1 0 03055525  \n"
        "pant n 2 1 @ 2 0 00838759 04496264  \n"
        "trousers n 1 1 @ 1 0 04496264  \n", encoding="latin-1")
    table = build(folder, "the licence")
    words = [sense["words"] for sense in table["senses"]]
    assert words == [["clothing"], ["trousers", "pant"]] and table["senses"][1]["hypernyms"] == [0]
    assert table["lemmas"]["pant"] == {"senses": [1], "first_in_domain": False}
    assert table["lemmas"]["trousers"]["first_in_domain"] and table["licence"] == "the licence"
    json.dumps(table)  # what the builder writes


def test_search_reads_a_garment_word_the_gallery_never_uses_and_says_so(retriever: Retriever) -> None:
    assert "trouser" in {item.category for item in retriever.gallery.items.values()}  # the demo's test split
    result = retriever.search(text="black pants", k=5)
    assert result.text == "black trouser" and result.corrections == {"pants": "trouser"}
    exact = retriever.search(text="black pants", k=5, exact_text=True)
    assert exact.text == "black pants" and exact.corrections == {}
