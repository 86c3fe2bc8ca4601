"""Encoder ``small``: a compact CNN shared by photos and sketches, and a word-level text tower, both from scratch."""

from __future__ import annotations

import torch

from sbkit.components import Encoder
from sbkit.errors import ConfigError, check
from sbkit_torch.small_cnn import SmallCNN
from sbkit_torch.word_text import WordTextEncoder, WordTextTower


class SmallEncoder(WordTextTower, Encoder):
    """A 4-block CNN for images and sketches plus a mean-of-word-embeddings text tower; fast on CPU.

    Args:
        dim: size of the image and sketch vectors.
        width: channels of the CNN's first block (later blocks use 2x, 4x, 8x).
        text_dim: size of the text vectors; None uses ``dim``.
        max_vocab: most frequent caption words kept in the vocabulary; the rest map to an unknown-word id.
    """

    name = "small"
    description = "Compact CNN (images and sketches) and word-embedding text tower, trained from scratch; fast on CPU."

    def __init__(self, dim: int = 256, width: int = 32, text_dim: int | None = None, max_vocab: int = 5000) -> None:
        super().__init__()
        for name, value in (("dim", dim), ("width", width), ("text_dim", dim if text_dim is None else text_dim),
                            ("max_vocab", max_vocab)):
            check(value >= 1, f"encoder 'small': {name} must be at least 1, got {value}", ConfigError)
        self.dim, self.width, self.max_vocab = dim, width, max_vocab
        self.embed_dim = dim
        self.text_dim = dim if text_dim is None else text_dim
        self.vision = SmallCNN(dim, width)
        self.text = WordTextEncoder(self.text_dim, max_vocab)

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.vision(images)

