"""Encoder: images and sketches to vision vectors (B, D), captions to text vectors (B, D')."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from sbkit.components.base import Component
from sbkit.errors import ShapeError, check


class Encoder(Component, nn.Module):
    """Base class. Subclasses set ``embed_dim`` and ``text_dim`` and implement the ``_encode_*`` methods.

    Images and sketches arrive as float tensors (B, 3, H, W) in [0, 1]; the encoder applies its own
    normalisation (``mean``, ``std``). Image and sketch share one vision tower unless a subclass says otherwise.
    """

    mean: ClassVar[tuple[float, float, float]] = (0.5, 0.5, 0.5)
    std: ClassVar[tuple[float, float, float]] = (0.5, 0.5, 0.5)
    embed_dim: int = 0
    text_dim: int = 0

    def __init__(self) -> None:
        nn.Module.__init__(self)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(self.mean, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
        return (images - mean) / std

    def _check_images(self, images: torch.Tensor, what: str) -> None:
        check(images.ndim == 4 and images.shape[1] == 3,
              f"encoder {self.name!r}: {what} must be (B, 3, H, W), got {tuple(images.shape)}", ShapeError)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] -> (B, embed_dim)."""
        self._check_images(images, "images")
        return self._encode_image(self.normalize(images))

    def encode_sketch(self, sketches: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] -> (B, embed_dim); the image tower by default."""
        self._check_images(sketches, "sketches")
        return self._encode_sketch(self.normalize(sketches))

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """list of B captions -> (B, text_dim)."""
        check(isinstance(texts, (list, tuple)) and all(isinstance(t, str) for t in texts),
              f"encoder {self.name!r}: texts must be a list of strings", ShapeError)
        return self._encode_text(list(texts))

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError  # abstract

    def _encode_sketch(self, sketches: torch.Tensor) -> torch.Tensor:
        return self._encode_image(sketches)

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        raise NotImplementedError  # abstract

    def unknown_words(self, text: str) -> list[str]:
        """The words of ``text`` (split on white space) that this encoder cannot read at all.

        A text tower with a fixed word vocabulary names the words it never saw in training; a subword
        tokenizer reads any text, so the default is none. ``sbkit search`` warns when every word is unknown.
        """
        return []

    def knows_word(self, word: str) -> bool:
        """Whether the text tower knows the lower-case ``word`` as a whole word of its vocabulary.

        Search reads a caption's words that the catalogue never uses as typos of its words
        (:mod:`sbkit.retrieval.spelling`), except those known here. The default knows no word.
        """
        return False

    def prepare(self, captions: list[str]) -> None:
        """Called once with the training captions before training (e.g. to build a vocabulary)."""

    def save_extra(self, folder: Path) -> None:
        """Write state that is not a tensor (a vocabulary, a tokenizer) beside the weights."""

    def load_extra(self, folder: Path) -> None:
        """Read what :meth:`save_extra` wrote, before the weights are loaded."""


def whole_token(tokenizer: Any, word: str) -> bool:
    """Whether a Hugging Face ``tokenizer`` reads ``word`` as one token (a word of its vocabulary, not pieces)."""
    return len(tokenizer(word, add_special_tokens=False)["input_ids"]) == 1
