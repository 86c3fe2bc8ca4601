"""Simple fusers: ``avg``, ``sum``, ``concat``, ``weighted``, ``mlp``. Inputs arrive projected to ``dim``."""

from __future__ import annotations

import math

import torch
from torch import nn

from sbkit.components import Fuser
from sbkit.errors import ConfigError, check


def present(sketch: torch.Tensor | None, text: torch.Tensor | None) -> list[torch.Tensor]:
    """The inputs that are not None (the base class guarantees at least one)."""
    return [x for x in (sketch, text) if x is not None]


def mean_present(sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
    """(B, dim): the mean of the inputs present."""
    xs = present(sketch, text)
    return xs[0] if len(xs) == 1 else (xs[0] + xs[1]) / 2


class MissingVectors(nn.Module):
    """Learned stand-ins for a missing sketch or caption, so layers that concatenate always see both."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.sketch = nn.Parameter(torch.randn(dim) * 0.02)
        self.text = nn.Parameter(torch.randn(dim) * 0.02)

    def forward(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        ref = present(sketch, text)[0]
        shape = (ref.shape[0], self.sketch.shape[0])
        if sketch is None:
            sketch = self.sketch.to(ref.dtype).expand(shape)
        if text is None:
            text = self.text.to(ref.dtype).expand(shape)
        return sketch, text


class Avg(Fuser):
    """Mean of the vectors present; no parameters of its own."""

    name = "avg"
    description = "Mean of the sketch and text vectors present (no parameters beyond input projections)."

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        return mean_present(sketch, text)


class Sum(Fuser):
    """Sum of the vectors present (a missing one counts as zero)."""

    name = "sum"
    description = "Sum of the sketch and text vectors present (a missing one counts as zero)."

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        xs = present(sketch, text)
        return xs[0] if len(xs) == 1 else xs[0] + xs[1]


class Concat(Fuser):
    """Concatenate sketch and text, then project back to ``dim``; a missing one becomes a learned vector.

    Args:
        hidden: hidden size of a two-layer projection; 0 projects with one linear layer.
    """

    name = "concat"
    description = "Concatenation projected back to dim (linear, or MLP when hidden > 0); learned missing vectors."

    def __init__(self, sketch_dim: int, text_dim: int, dim: int, hidden: int = 0) -> None:
        super().__init__(sketch_dim, text_dim, dim)
        self.hidden = hidden
        self.missing = MissingVectors(dim)
        self.proj: nn.Module = (nn.Linear(2 * dim, dim) if hidden <= 0 else
                                nn.Sequential(nn.Linear(2 * dim, hidden), nn.GELU(), nn.Linear(hidden, dim)))

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        return self.proj(torch.cat(self.missing(sketch, text), dim=-1))


class Weighted(Fuser):
    """``g * sketch + (1 - g) * text`` with ``g = sigmoid(w)`` learned; a lone input passes through.

    Args:
        init: initial sketch weight ``g``, in (0, 1).
    """

    name = "weighted"
    description = "Learned sigmoid-gated mix g*sketch + (1-g)*text; a lone input passes through."

    def __init__(self, sketch_dim: int, text_dim: int, dim: int, init: float = 0.5) -> None:
        super().__init__(sketch_dim, text_dim, dim)
        self.init = init
        check(0 < init < 1, f"fuser 'weighted': init must be in (0, 1), got {init}", ConfigError)
        self.logit = nn.Parameter(torch.tensor(math.log(init / (1 - init))))

    @property
    def sketch_weight(self) -> float:
        return float(torch.sigmoid(self.logit.detach()))

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        if sketch is None or text is None:
            return present(sketch, text)[0]
        g = torch.sigmoid(self.logit).to(sketch.dtype)
        return g * sketch + (1 - g) * text


class MLP(Fuser):
    """``avg(present) + MLP([sketch, text])``, a missing input replaced by a learned vector.

    The MLP's last layer starts at zero, so training starts from ``avg`` and learns a correction.

    Args:
        hidden: hidden size of the MLP; 0 uses ``2 * dim``.
        dropout: dropout after the hidden layer.
    """

    name = "mlp"
    description = "Concatenation through a 2-layer MLP, added to the mean of the inputs present (residual)."

    def __init__(self, sketch_dim: int, text_dim: int, dim: int, hidden: int = 0, dropout: float = 0.1) -> None:
        super().__init__(sketch_dim, text_dim, dim)
        self.hidden, self.dropout = hidden, dropout
        width = hidden if hidden > 0 else 2 * dim
        self.missing = MissingVectors(dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, width), nn.GELU(), nn.Dropout(dropout), nn.Linear(width, dim))
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        return mean_present(sketch, text) + self.mlp(torch.cat(self.missing(sketch, text), dim=-1))
