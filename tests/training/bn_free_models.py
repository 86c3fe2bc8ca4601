"""A tiny encoder without BatchNorm, for tests whose chunked or sharded passes must equal one full pass."""

from __future__ import annotations

import torch
from sbkit_torch import MLP, Concat
from sbkit_torch.word_text import WordTextEncoder
from torch import nn

from sbkit.components import Encoder
from sbkit.training import RetrievalModel, TrainData


class TinyEncoder(Encoder):
    """Two strided convolutions, mean pooling and a linear head; the word-level text tower for captions."""

    name = "tiny-test"
    description = "Test encoder without BatchNorm."

    def __init__(self, dim: int = 8, width: int = 4) -> None:
        super().__init__()
        self.embed_dim = self.text_dim = dim
        self.vision = nn.Sequential(nn.Conv2d(3, width, 5, 4, 2), nn.GELU(), nn.Conv2d(width, 2 * width, 3, 2, 1),
                                    nn.GELU())
        self.head = nn.Linear(2 * width, dim)
        self.text = WordTextEncoder(dim)

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.vision(images).mean(dim=(2, 3)))

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        return self.text(texts)

    def prepare(self, captions: list[str]) -> None:
        self.text.prepare(captions)


def tiny_model(data: TrainData, fuser: str = "concat", dropout: float = 0.0, seed: int = 0) -> RetrievalModel:
    """The same weights for the same ``seed``: a :class:`TinyEncoder` and a ``concat`` or ``mlp`` fuser."""
    torch.manual_seed(seed)
    encoder = TinyEncoder()
    encoder.prepare(data.captions)
    dim = encoder.embed_dim
    made = MLP(dim, dim, dim, dropout=dropout) if fuser == "mlp" else Concat(dim, dim, dim)
    if fuser == "mlp":  # start the residual branch away from zero, so its gradients (and dropout) matter
        nn.init.normal_(made.mlp[-1].weight, std=0.3)
    return RetrievalModel(encoder, made)
