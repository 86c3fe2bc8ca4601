"""Text-only retrieval with captions a shopper might type instead of the catalogue's: misspelt, shuffled, cut.

    python benchmarks/caption_robustness.py RUN_DIR [--seed 0] [--drawn] [--colour-weight W]

For every item of the run's test gallery, the caption is sent as it is, with every word of four or more letters
misspelt (one letter dropped, doubled or swapped with its neighbour), with the last two letters swapped in every
word of three letters ("hta"), with its words in random order, with its category word in the plural ("boots",
"dresses"), cut to its colour and category words (also with the category in the plural: "navy trousers"), cut to
three random words (also with their three-letter words swapped), and in everyday words instead of the catalogue's
("pants", "maroon", "plaid"; :data:`EVERYDAY`), whole or cut to three words, cut to its colour and category words
in Spanish, French, German, Italian and Portuguese (:data:`OTHER_LANGUAGES`), and as made-up words; plus a few
captions in other scripts, which the model should flag as not understood. The table gives text-only R@1 and R@10
per variant through `sbkit.Retriever` (the API that `sbkit search` and `sbkit serve` use), the share of queries
whose words were all readable, the share in which search read a typo, a plural or a colour name as a catalogue
word (`sbkit.retrieval.spelling`, `sbkit.retrieval.colours`), and the share flagged as not understood (no word
read: `sbkit.retrieval.lexicon`). Changed captions are searched twice: as search reads them
by default, and with ``exact_text`` (the words as typed). With ``--drawn`` each caption is also searched with its
item's drawn sketch (sketch+text). ``--colour-weight`` is search's colour term (`sbkit search --colour-weight`;
0: the model alone).
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Iterable

from sbkit.data.demo.vocab import CATEGORIES, COLOURS
from sbkit.limits import COLOUR_WEIGHT


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


# The demo's category and colour words in five other languages, in their dictionary forms, as a shopper abroad
# might type them (written for this benchmark; search has no such table).
OTHER_LANGUAGES: dict[str, tuple[dict[str, str], dict[str, str], bool]] = {  # categories, colours, colour first
    "Spanish": ({"trouser": "pantalón", "skirt": "falda", "dress": "vestido", "t-shirt": "camiseta", "coat": "abrigo",
                 "handbag": "bolso", "clutch": "cartera de mano", "sneaker": "zapatilla", "boot": "bota",
                 "hat": "sombrero"},
                {"white": "blanco", "ivory": "marfil", "cream": "crema", "light grey": "gris claro", "black": "negro",
                 "navy": "azul marino", "forest green": "verde bosque", "burgundy": "burdeos",
                 "chocolate": "chocolate", "red": "rojo", "camel": "camel", "pink": "rosa", "sky blue": "celeste",
                 "mustard": "mostaza"}, False),
    "French": ({"trouser": "pantalon", "skirt": "jupe", "dress": "robe", "t-shirt": "tee-shirt", "coat": "manteau",
                "handbag": "sac à main", "clutch": "pochette", "sneaker": "basket", "boot": "botte",
                "hat": "chapeau"},
               {"white": "blanc", "ivory": "ivoire", "cream": "crème", "light grey": "gris clair", "black": "noir",
                "navy": "bleu marine", "forest green": "vert forêt", "burgundy": "bordeaux",
                "chocolate": "chocolat", "red": "rouge", "camel": "camel", "pink": "rose", "sky blue": "bleu ciel",
                "mustard": "moutarde"}, False),
    "German": ({"trouser": "Hose", "skirt": "Rock", "dress": "Kleid", "t-shirt": "T-Shirt", "coat": "Mantel",
                "handbag": "Handtasche", "clutch": "Abendtasche", "sneaker": "Turnschuh", "boot": "Stiefel",
                "hat": "Hut"},
               {"white": "weiß", "ivory": "elfenbein", "cream": "creme", "light grey": "hellgrau",
                "black": "schwarz", "navy": "marineblau", "forest green": "waldgrün", "burgundy": "weinrot",
                "chocolate": "schokobraun", "red": "rot", "camel": "kamelbraun", "pink": "rosa",
                "sky blue": "himmelblau", "mustard": "senfgelb"}, True),
    "Italian": ({"trouser": "pantaloni", "skirt": "gonna", "dress": "vestito", "t-shirt": "maglietta",
                 "coat": "cappotto", "handbag": "borsa", "clutch": "pochette", "sneaker": "scarpa da ginnastica",
                 "boot": "stivale", "hat": "cappello"},
                {"white": "bianco", "ivory": "avorio", "cream": "crema", "light grey": "grigio chiaro",
                 "black": "nero", "navy": "blu navy", "forest green": "verde bosco", "burgundy": "bordeaux",
                 "chocolate": "cioccolato", "red": "rosso", "camel": "cammello", "pink": "rosa",
                 "sky blue": "azzurro", "mustard": "senape"}, False),
    "Portuguese": ({"trouser": "calça", "skirt": "saia", "dress": "vestido", "t-shirt": "camiseta", "coat": "casaco",
                    "handbag": "bolsa", "clutch": "carteira de mão", "sneaker": "tênis", "boot": "bota",
                    "hat": "chapéu"},
                   {"white": "branco", "ivory": "marfim", "cream": "creme", "light grey": "cinza claro",
                    "black": "preto", "navy": "azul-marinho", "forest green": "verde floresta", "burgundy": "bordô",
                    "chocolate": "chocolate", "red": "vermelho", "camel": "caramelo", "pink": "rosa",
                    "sky blue": "azul-celeste", "mustard": "mostarda"}, False),
}


def in_language(language: str) -> Callable[[str, random.Random], str]:
    """The caption's colour and category words alone, put in ``language`` (:data:`OTHER_LANGUAGES`)."""
    categories, colours, colour_first = OTHER_LANGUAGES[language]

    def translate(caption: str, rng: random.Random) -> str:
        category, colour = CATEGORY_WORD.search(caption), COLOUR_WORD.search(caption)
        noun = [categories[category.group(1)]] if category else []
        adjective = [colours[colour.group(1)]] if colour else []
        return " ".join(adjective + noun if colour_first else noun + adjective)
    return translate


def made_up(caption: str, rng: random.Random) -> str:
    """As many made-up words as the caption has words of three letters or more (random letters, 3-8 long)."""
    count = max(1, sum(len(word) >= 3 for word in caption.split()))
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
                    for _ in range(count))


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
    **{f"colour and category words in {language}": (in_language(language), False) for language in OTHER_LANGUAGES},
    "made-up words": (made_up, False),
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
    parser.add_argument("--colour-weight", type=float, default=COLOUR_WEIGHT,
                        help="search's colour term (0: rank by the model alone)")
    args = parser.parse_args()
    import sbkit

    retriever = sbkit.Retriever.from_run(args.run_dir)
    items = [retriever.item(i) for i in retriever.index.ids]
    drawn = [item for item in items if item.sketch] if args.drawn else []
    print(f"{len(items)} gallery items ({len(drawn)} searched with their drawn sketch too), random R@10 = "
          f"{min(1.0, 10 / len(items)):.4f}")
    extra = " sketch+text drawn R@1 | R@10 |" if drawn else ""
    print(f"| captions | R@1 | R@10 | all words read | words read as catalogue words | flagged as not understood |"
          f"{extra}")
    print("| --- | ---: | ---: | ---: | ---: | ---: |" + " ---: | ---: |" * bool(drawn))
    for name, (make, exact_text) in VARIANTS.items():
        rng = random.Random(args.seed)
        captions = {item.id: make(item.caption, rng) for item in items}
        results = [retriever.search(text=captions[item.id], k=10, exact_text=exact_text,
                                    colour_weight=args.colour_weight) for item in items]
        understood = sum(not result.unknown_words for result in results) / len(items)
        corrected = sum(bool(result.corrections) for result in results) / len(items)
        flagged = sum(result.text_understood is False for result in results) / len(items)
        row = f"| {name} | {recall(results, items)} | {understood:.2f} | {corrected:.2f} | {flagged:.2f} |"
        if drawn:
            results = [retriever.search(sketch=str(item.sketch), text=captions[item.id], k=10, exact_text=exact_text,
                                        colour_weight=args.colour_weight) for item in drawn]
            row += f" {recall(results, drawn)} |"
        print(row)
    for text in OTHER_SCRIPTS:
        result = retriever.search(text=text, k=3, colour_weight=args.colour_weight)
        print(f"{text!r}: understood={result.text_understood}, warnings={result.warnings}")


if __name__ == "__main__":
    main()
