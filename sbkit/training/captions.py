"""Captions as people type them: a few words, often one attribute and the category, sometimes none.

Catalogue captions are long and complete ("a maxi navy skirt with polka dots by Lune & Fils"); a shopper
types "navy skirt", "skirt" or nothing. Training only on full captions teaches the text tower to expect
them, and a one-word caption then hurts. :class:`CaptionAugment` replaces a share of the training captions
by one of these, each built from the item itself:

- word dropout: each word kept with chance 0.6 (at least one kept);
- a short span: one to three consecutive words;
- the category alone ("skirt");
- colour and category ("navy skirt"), where the item has a ``colour`` (or ``color``) attribute;
- the brand alone, where the item has a ``brand`` attribute;
- empty.

Options an item cannot fill (no category, no colour) are skipped for that item.

A short caption fits many items: "skirt" fits every skirt in a batch, not only the one it was cut from.
:func:`described_by` says which, against each item's :func:`item_description`, so that a text-only query is
not trained to push away items it describes as well as its own (``caption_positives`` of ``sbkit run``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import torch

from sbkit.errors import ConfigError, check

KINDS = ("dropout", "span", "category", "colour+category", "brand", "empty")


def _attribute(attributes: Mapping[str, Any] | None, *keys: str) -> str:
    for key in keys:
        value = (attributes or {}).get(key)
        if value:
            return str(value)
    return ""


def caption_options(caption: str, category: str | None, attributes: Mapping[str, Any] | None) -> dict[str, str]:
    """The short forms this item allows that need no randomness, by kind (category, colour+category, brand, empty)."""
    colour = _attribute(attributes, "colour", "color")
    brand = _attribute(attributes, "brand")
    options = {"empty": ""}
    if category:
        options["category"] = str(category)
        if colour:
            options["colour+category"] = f"{colour} {category}"
    if brand:
        options["brand"] = brand
    return options


class CaptionAugment:
    """Draws people-like variants of catalogue captions (see the module docstring).

    Args:
        strength: share of captions replaced by a short form, in [0, 1]; 0 keeps every caption whole.
        seed: seed of the generator, so a run can be repeated.
    """

    def __init__(self, strength: float = 0.5, seed: int = 0) -> None:
        check(0 <= strength <= 1, f"caption augmentation strength must be in [0, 1], got {strength}; try 0.5",
              ConfigError)
        self.strength, self.seed = strength, seed
        self.generator = torch.Generator().manual_seed(seed)

    def _uniform(self) -> float:
        return float(torch.rand((), generator=self.generator))

    def _int(self, high: int) -> int:
        return int(torch.randint(high, (), generator=self.generator))

    def variant(self, caption: str, category: str | None = None,
                attributes: Mapping[str, Any] | None = None) -> str:
        """One variant of ``caption``: the caption itself with chance ``1 - strength``, else a short form."""
        if self._uniform() >= self.strength:
            return caption
        options = caption_options(caption, category, attributes)
        words = caption.split()
        kinds = [k for k in KINDS if k in options or (k in ("dropout", "span") and len(words) > 1)]
        kind = kinds[self._int(len(kinds))]
        if kind == "dropout":
            kept = [w for w in words if self._uniform() < 0.6]
            return " ".join(kept or [words[self._int(len(words))]])
        if kind == "span":
            length = 1 + self._int(min(3, len(words)))
            start = self._int(len(words) - length + 1)
            return " ".join(words[start:start + length])
        return options[kind]

    def variants(self, caption: str, category: str | None, attributes: Mapping[str, Any] | None,
                 count: int) -> list[str]:
        """``count`` variants, the first always the full caption."""
        return [caption] + [self.variant(caption, category, attributes) for _ in range(count - 1)]

    def __repr__(self) -> str:
        return f"CaptionAugment(strength={self.strength}, seed={self.seed})"


WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")  # "t-shirt" and "l'or" are one word; "&" and "," are none


@functools.lru_cache(maxsize=1 << 16)  # every batch asks again for the same captions and descriptions
def caption_words(text: str) -> frozenset[str]:
    """The lower-case words of ``text``."""
    return frozenset(WORD.findall(text.lower()))


def item_description(caption: str, category: str | None, attributes: Mapping[str, Any] | None) -> str:
    """Every word a caption of this item may use: its catalogue caption and the short forms' words
    (category, colour, brand)."""
    return " ".join([caption, *caption_options(caption, category, attributes).values()])


def described_by(texts: list[str], descriptions: list[str]) -> torch.Tensor:
    """(B, B) bool: ``[i, j]`` when every word of ``texts[i]`` is a word of item ``j``'s ``descriptions[j]``
    (:func:`item_description`), i.e. the (possibly shortened) caption of row ``i`` describes item ``j`` as well.

    An empty text describes every item; a text with a word that item ``j``'s description lacks does not.
    """
    check(len(texts) == len(descriptions), f"{len(texts)} texts but {len(descriptions)} descriptions", ConfigError)
    asked = [caption_words(text) for text in texts]
    vocabulary = {word: n for n, word in enumerate(frozenset().union(*asked))}
    wanted, known = _word_matrix(asked, vocabulary), _word_matrix(map(caption_words, descriptions), vocabulary)
    return (wanted @ (1 - known).T) == 0  # no word of text i is missing from description j


def _word_matrix(word_sets: Iterable[frozenset[str]], vocabulary: dict[str, int]) -> torch.Tensor:
    """(N, V) float: 1 where set ``n`` holds word ``v`` of ``vocabulary`` (other words are dropped)."""
    found = [[vocabulary[w] for w in words if w in vocabulary] for words in word_sets]
    matrix = torch.zeros(len(found), len(vocabulary))
    matrix[[n for n, columns in enumerate(found) for _ in columns], [c for columns in found for c in columns]] = 1
    return matrix
