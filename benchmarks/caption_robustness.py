"""Text-only retrieval with captions a shopper might type instead of the catalogue's: misspelt, shuffled, cut.

    python benchmarks/caption_robustness.py RUN_DIR [--seed 0] [--drawn]

For every item of the run's test gallery, the caption is sent as it is, with every word of four or more letters
misspelt (one letter dropped, doubled or swapped with its neighbour), with the last two letters swapped in every
word of three letters ("hta"), with its words in random order, with its category word in the plural ("boots",
"dresses"), cut to its colour and category words (also with the category in the plural: "navy trousers"), cut to
three random words (also with their three-letter words swapped), and in everyday words instead of the catalogue's
("pants", "maroon", "plaid"; :data:`EVERYDAY`), whole or cut to three words; plus a few captions in other scripts,
which the model should flag as not understood. The table gives text-only R@1 and R@10 per variant through
`sbkit.Retriever` (the API that `sbkit search` and `sbkit serve` use), the share of queries whose words were all
readable, and the share in which search read a typo, a plural or a colour name as a catalogue word
(`sbkit.retrieval.spelling`, `sbkit.retrieval.colours`). Changed captions are searched twice: as search reads them
by default, and with ``exact_text`` (the words as typed). With ``--drawn`` each caption is also searched with its
item's drawn sketch (sketch+text).
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Iterable

from sbkit.data.demo.vocab import CATEGORIES, COLOURS


def misspell(caption: str, rng: random.Random) -> str:
    words = []
    for word in caption.split():
        if len(word) >= 4 and word.isalpha():
            i = rng.randrange(1, len(word) - 1)
            edit = rng.choice(("drop", "double", "swap"))
            word = (word[:i] + word[i + 1:] if edit == "drop" else word[:i] + word[i] + word[i:] if edit == "double"
                    else word[:i] + word[i + 1] + word[i] + word[i + 2:])
        words.append(word)
    return " ".join(words)


def swap_short(caption: str, rng: random.Random) -> str:
    """The last two letters swapped in every word of three letters ("hat" -> "hta"). It draws nothing from
    ``rng``, so a variant that swaps after cutting the caption cuts it as the plain cut does."""
    return " ".join(word[0] + word[2] + word[1] if len(word) == 3 and word.isalpha() else word
                    for word in caption.split())


# The demo's words as a shopper might put them instead (written from common shop usage, before search read
# colour names): category, colour, pattern and length words, never brands.
EVERYDAY = {
    "trouser": "pants", "t-shirt": "tee", "sneaker": "trainer", "handbag": "purse", "clutch": "evening bag",
    "coat": "overcoat", "dress": "gown",
    "light grey": "light gray", "navy": "dark blue", "forest green": "dark green", "burgundy": "maroon",
    "chocolate": "brown", "camel": "tan", "sky blue": "light blue", "mustard": "yellow", "ivory": "off-white",
    "cream": "beige", "red": "scarlet", "pink": "rose",
    "pinstripes": "thin stripes", "pinstriped": "thin-striped", "checks": "plaid", "checked": "plaid",
    "polka dots": "spots", "polka-dot": "spotted", "monogram print": "logo print", "monogrammed": "logo",
    "chevrons": "zigzags", "chevron": "zigzag", "striped": "stripy",
    "maxi": "floor-length", "midi": "mid-length", "long-sleeved": "long sleeve", "short-sleeved": "short sleeve",
    "knee-high": "tall", "wide-brimmed": "wide brim", "narrow-brimmed": "small brim", "large": "big",
}


def phrases(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` as a whole word or phrase (not within "off-white" or "long-sleeved"), longest first."""
    return re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True))
                      + r")(?![\w-])")


EVERYDAY_PHRASE = phrases(EVERYDAY)


def everyday(caption: str, rng: random.Random) -> str:
    """Every catalogue word or phrase of :data:`EVERYDAY` put as a shopper might ("maroon" for "burgundy")."""
    return EVERYDAY_PHRASE.sub(lambda match: EVERYDAY[match.group(1)], caption)


def three_words_everyday(caption: str, rng: random.Random) -> str:
    return everyday(three_words(caption, rng), rng)


CATEGORY_WORD = phrases(CATEGORIES)
PLURALS = {"dress": "dresses", "clutch": "clutches"}  # the other categories take -s


def plural(caption: str, rng: random.Random) -> str:
    """The demo's category word in the plural, as shoppers often type it ("black boots", "red dresses")."""
    return CATEGORY_WORD.sub(lambda match: PLURALS.get(match.group(1), match.group(1) + "s"), caption)


COLOUR_WORD = phrases(COLOURS)


def colour_and_category(caption: str, rng: random.Random) -> str:
    """The caption's colour and category words alone, the two words a shopper types most ("navy trouser")."""
    return " ".join(match.group(1) for match in (COLOUR_WORD.search(caption), CATEGORY_WORD.search(caption))
                    if match)


def colour_and_plural(caption: str, rng: random.Random) -> str:
    return plural(colour_and_category(caption, rng), rng)


def shuffle(caption: str, rng: random.Random) -> str:
    words = caption.split()
    rng.shuffle(words)
    return " ".join(words)


def three_words(caption: str, rng: random.Random) -> str:
    from sbkit.pipeline.checks import cut_caption

    return cut_caption(caption, 3, rng)


def three_words_swapped(caption: str, rng: random.Random) -> str:
    return swap_short(three_words(caption, rng), rng)


VARIANTS: dict[str, tuple[Callable[[str, random.Random], str], bool]] = {  # (change, exact_text)
    "catalogue caption": (lambda caption, rng: caption, False),
    "misspelt": (misspell, False),
    "misspelt, read exactly as typed": (misspell, True),
    "three-letter words with two letters swapped": (swap_short, False),
    "three-letter words swapped, read exactly as typed": (swap_short, True),
    "shuffled": (shuffle, False),
    "category word in the plural": (plural, False),
    "category word in the plural, read exactly as typed": (plural, True),
    "colour and category words alone": (colour_and_category, False),
    "colour and category words alone, category in the plural": (colour_and_plural, False),
    "colour and category words alone, category in the plural, read as typed": (colour_and_plural, True),
    "three random words": (three_words, False),
    "three random words, three-letter ones swapped": (three_words_swapped, False),
    "three random words, three-letter ones swapped, read as typed": (three_words_swapped, True),
    "everyday words for the catalogue's": (everyday, False),
    "everyday words, read exactly as typed": (everyday, True),
    "three random words, in everyday words": (three_words_everyday, False),
    "three random words, in everyday words, read as typed": (three_words_everyday, True),
}
OTHER_SCRIPTS = ["красное платье", "赤いドレス", "फ़ैशन बैग", "!?.,;:"]


def recall(results: list, items: list) -> str:
    """R@1 and R@10 of ``results`` for their ``items``, as two table cells."""
    ranked = [[hit.id for hit in result.hits] for result in results]
    at1 = sum(ids[:1] == [item.id] for ids, item in zip(ranked, items)) / len(items)
    at10 = sum(item.id in ids for ids, item in zip(ranked, items)) / len(items)
    return f"{at1:.3f} | {at10:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drawn", action="store_true", help="also search each caption with the item's drawn "
                        "sketch (sketch+text R@1 and R@10; about 40 s more per row on 2 cores)")
    args = parser.parse_args()
    import sbkit

    retriever = sbkit.Retriever.from_run(args.run_dir)
    items = [retriever.item(i) for i in retriever.index.ids]
    drawn = [item for item in items if item.sketch] if args.drawn else []
    print(f"{len(items)} gallery items ({len(drawn)} searched with their drawn sketch too), random R@10 = "
          f"{min(1.0, 10 / len(items)):.4f}")
    extra = " sketch+text drawn R@1 | R@10 |" if drawn else ""
    print(f"| captions | R@1 | R@10 | all words read | words read as catalogue words |{extra}")
    print("| --- | ---: | ---: | ---: | ---: |" + " ---: | ---: |" * bool(drawn))
    for name, (make, exact_text) in VARIANTS.items():
        rng = random.Random(args.seed)
        captions = {item.id: make(item.caption, rng) for item in items}
        results = [retriever.search(text=captions[item.id], k=10, exact_text=exact_text) for item in items]
        understood = sum(not result.unknown_words for result in results) / len(items)
        corrected = sum(bool(result.corrections) for result in results) / len(items)
        row = f"| {name} | {recall(results, items)} | {understood:.2f} | {corrected:.2f} |"
        if drawn:
            results = [retriever.search(sketch=str(item.sketch), text=captions[item.id], k=10, exact_text=exact_text)
                       for item in drawn]
            row += f" {recall(results, drawn)} |"
        print(row)
    for text in OTHER_SCRIPTS:
        result = retriever.search(text=text, k=3)
        print(f"{text!r}: understood={result.text_understood}, warnings={result.warnings}")


if __name__ == "__main__":
    main()
