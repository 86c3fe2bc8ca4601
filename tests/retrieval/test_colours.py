"""Colour names the catalogue never uses are read as its nearest colour; every other caption as typed."""

from __future__ import annotations

import pytest

from sbkit.retrieval.colours import ColourReader, colour_names
from sbkit.retrieval.retriever import Retriever

CAPTIONS = ["a long black leather trouser", "a burgundy dress", "a sky blue coat", "a mustard hat",
            "a chocolate bag", "a camel coat", "an ivory t-shirt", "a cream skirt"]


@pytest.fixture(scope="module")
def reader() -> ColourReader:
    return ColourReader(CAPTIONS)


def test_the_catalogue_colours_are_the_names_its_captions_give(reader: ColourReader) -> None:
    assert reader.targets == ["black", "burgundy", "camel", "chocolate", "cream", "ivory", "mustard", "sky blue"]
    assert {"blue", "sky"} <= reader.used  # within "sky blue": a caption naming them is left alone
    names = colour_names()
    assert len([name for name in names if "gray" not in name]) == 949 and names["maroon"] != names["burgundy"]


def test_grey_and_gray_are_one_colour() -> None:
    assert colour_names()["light gray"] == colour_names()["light grey"]
    assert ColourReader(["a gray coat"]).read("a Grey coat") == ("a Gray coat", {"Grey": "Gray"})
    assert ColourReader(["a light grey coat"]).read("a light gray coat") == ("a light grey coat",
                                                                             {"light gray": "light grey"})


@pytest.mark.parametrize(("typed", "read"), [
    ("maroon", "burgundy"),
    ("brown", "chocolate"),
    ("dark brown", "chocolate"),  # a name of two words
    ("tan", "camel"),
    ("yellow", "mustard"),  # hue outweighs lightness (kL 2); at kL 1 it is read as cream
    ("charcoal", "black"),
    ("light blue", "sky blue"),  # "blue" is a word of the catalogue's, "light blue" a colour it never names
    ("baby blue", "sky blue"),
    ("blue", "blue"),  # used only within "sky blue": no colour of the catalogue's to read it by
])
def test_a_colour_the_catalogue_never_names_is_read_as_its_nearest(reader: ColourReader, typed: str,
                                                                    read: str) -> None:
    assert reader.read(f"a {typed} coat") == (f"a {read} coat", {typed: read} if typed != read else {})


def test_a_caption_naming_a_catalogue_colour_stays_as_typed(reader: ColourReader) -> None:
    for text in ("a black maroon bag", "a maroon bag, sky blue lining", "a blue dress", "a burgundy dress"):
        assert reader.read(text) == (text, {})


def test_a_shade_of_a_word_the_catalogue_uses_within_its_colours_is_read_by_its_colour() -> None:
    reader = ColourReader(["a navy coat", "a sky blue coat", "a forest green hat", "a light grey skirt"])
    assert reader.read("a dark blue coat") == ("a navy coat", {"dark blue": "navy"})
    assert reader.read("a dark green hat") == ("a forest green hat", {"dark green": "forest green"})
    for text in ("a blue coat", "a green hat", "a grey skirt"):  # words of its colours, no colour of their own
        assert reader.read(text) == (text, {})


def test_only_the_commonest_colour_is_read_and_case_and_punctuation_are_kept(reader: ColourReader) -> None:
    assert reader.read("Maroon and tan!") == ("Maroon and camel!", {"tan": "camel"})
    assert reader.read("Maroon and khaki!") == ("Burgundy and khaki!", {"Maroon": "Burgundy"})
    assert reader.read("Maroon, tan and teal!") == ("Maroon, tan and teal!", {})  # teal: the catalogue has none


def test_a_material_named_before_the_colour_is_not_read_as_the_colour() -> None:
    """The survey names materials by their colour ("leather" is a brown), but gave them far less often."""
    reader = ColourReader(["a camel coat", "a burgundy dress", "a sky blue coat"])
    assert reader.read("a leather bag in maroon") == ("a leather bag in burgundy", {"maroon": "burgundy"})
    assert reader.read("a denim jacket, tan") == ("a denim jacket, camel", {"tan": "camel"})
    assert reader.read("a leather bag") == ("a camel bag", {"leather": "camel"})  # the only colour it names
    assert ColourReader(["leather bag in camel"]).targets == ["camel"]  # a catalogue's caption alike


def test_a_colour_with_nothing_near_in_the_catalogue_stays_as_typed(reader: ColourReader) -> None:
    """Purple is 20 from navy and red 24 from burgundy (CIEDE2000): the catalogue has no such colour, and the
    text model may still read the word better than any one of its colours."""
    for text in ("a purple coat", "a red coat", "a white coat", "an orange coat"):
        assert reader.read(text) == (text, {})
    assert reader.nearest("white") is None and reader.nearest("off white") == "ivory"


def test_shade_words_alone_and_captions_with_no_colour_stay_as_typed(reader: ColourReader) -> None:
    for text in ("a pale dress", "a light coat", "a dark hat", "a long trouser", "красное платье", "!?", ""):
        assert reader.read(text) == (text, {})


def test_a_catalogue_that_names_no_colour_reads_nothing() -> None:
    reader = ColourReader(["a long trouser", "a quilted clutch"])
    assert reader.targets == [] and reader.read("a maroon clutch") == ("a maroon clutch", {})


def test_search_reads_a_colour_the_gallery_never_names_and_says_so(retriever: Retriever) -> None:
    colours = retriever.colour_reader
    assert colours.targets, "the demo's captions name colours"
    typed = next(name for name in ("maroon", "tan", "brown", "scarlet") if name not in colours.used)
    read = colours.nearest(typed)
    result = retriever.search(text=f"a {typed} coat", k=5)
    assert result.text == f"a {read} coat" and result.corrections == {typed: read}
    assert f"{typed!r} as {read!r}" in (result.reading or "")
    exact = retriever.search(text=f"a {typed} coat", k=5, exact_text=True)
    assert exact.text == f"a {typed} coat" and exact.corrections == {}
    assert typed in exact.unknown_words and typed not in result.unknown_words  # the small encoder's word list
