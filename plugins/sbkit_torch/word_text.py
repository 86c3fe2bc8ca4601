"""A small text tower trained from scratch: a word vocabulary from the catalogue, mean of embeddings, an MLP."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import torch
from torch import nn

from sbkit.errors import DataError, check
from sbkit.io import atomic_write_json

PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens: ``"A Red-Dress!"`` -> ``["a", "red", "dress"]``."""
    return _WORD.findall(text.lower())


class WordTextEncoder(nn.Module):
    """list of B captions -> (B, dim): mean of word embeddings, then a two-layer MLP.

    Unknown words map to ``<unk>``; a caption without words embeds as the MLP of a zero vector, a fixed
    finite vector. Call :meth:`prepare` with the training captions to build the vocabulary; it replaces
    the embedding table, so do it before training or loading weights.

    Args:
        dim: output size.
        max_vocab: most frequent words kept, besides ``<pad>`` and ``<unk>``.
        min_count: words seen fewer times than this map to ``<unk>``.
    """

    vocab_file = "vocab.json"

    def __init__(self, dim: int = 256, max_vocab: int = 5000, min_count: int = 1) -> None:
        super().__init__()
        self.dim, self.max_vocab, self.min_count = dim, max_vocab, min_count
        self.words: list[str] = [PAD, UNK]
        self.index: dict[str, int] = {PAD: 0, UNK: 1}
        self.embedding = nn.EmbeddingBag(len(self.words), dim, mode="mean", padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, dim))

    @property
    def vocab_size(self) -> int:
        return len(self.words)

    def set_vocabulary(self, words: list[str]) -> None:
        """Use ``words`` (after ``<pad>``, ``<unk>``) as the vocabulary, with a freshly initialised table."""
        self.words = [PAD, UNK] + [w for w in words if w not in (PAD, UNK)]
        self.index = {w: i for i, w in enumerate(self.words)}
        old = self.embedding.weight
        self.embedding = nn.EmbeddingBag(len(self.words), self.dim, mode="mean", padding_idx=0)
        self.embedding.to(device=old.device, dtype=old.dtype)

    def prepare(self, captions: list[str]) -> None:
        """Build the vocabulary from the catalogue's captions (most frequent first, ties alphabetical)."""
        counts = Counter(w for caption in captions for w in tokenize(caption or ""))
        ranked = sorted((w for w, n in counts.items() if n >= self.min_count), key=lambda w: (-counts[w], w))
        self.set_vocabulary(ranked[: self.max_vocab])

    def unknown_words(self, text: str) -> list[str]:
        """The white-space-separated words of ``text`` holding no token of the vocabulary (``!?``, ``платье``)."""
        return [word for word in text.split() if not any(t in self.index for t in tokenize(word))]

    def token_ids(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Flat word ids and per-caption offsets, the input of :class:`torch.nn.EmbeddingBag`."""
        ids: list[int] = []
        offsets: list[int] = []
        for text in texts:
            offsets.append(len(ids))
            ids.extend(self.index.get(w, 1) for w in tokenize(text))
        device = self.embedding.weight.device
        return torch.tensor(ids, dtype=torch.long).to(device), torch.tensor(offsets, dtype=torch.long).to(device)

    def forward(self, texts: list[str]) -> torch.Tensor:
        ids, offsets = self.token_ids(texts)
        return self.mlp(self.embedding(ids, offsets))

    def save(self, folder: Path) -> None:
        """Write the vocabulary as JSON into ``folder``."""
        atomic_write_json(Path(folder) / self.vocab_file, {"words": self.words, "dim": self.dim})

    def load(self, folder: Path) -> None:
        """Read the vocabulary :meth:`save` wrote; the table is resized to it, ready for the weights."""
        path = Path(folder) / self.vocab_file
        check(path.is_file(), f"no vocabulary at {path}; was the model saved with this text encoder?", DataError)
        try:
            words = json.loads(path.read_text(encoding="utf-8"))["words"]
        except (ValueError, KeyError) as exc:
            raise DataError(f"unreadable vocabulary {path}: {exc}; save the model again") from None
        check(isinstance(words, list) and words[:2] == [PAD, UNK],
              f"vocabulary {path} does not start with {PAD!r}, {UNK!r}; save the model again", DataError)
        self.set_vocabulary(words[2:])


class WordTextTower:
    """Mixin for encoders whose text tower is a :class:`WordTextEncoder` stored as ``self.text``."""

    text: WordTextEncoder

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        return self.text(texts)

    def prepare(self, captions: list[str]) -> None:
        self.text.prepare(captions)

    def unknown_words(self, text: str) -> list[str]:
        return self.text.unknown_words(text)

    def knows_word(self, word: str) -> bool:
        return word in self.text.index

    def save_extra(self, folder: Path) -> None:
        self.text.save(folder)

    def load_extra(self, folder: Path) -> None:
        self.text.load(folder)
