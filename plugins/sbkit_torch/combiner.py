"""Fuser ``combiner``: the CLIP4Cir Combiner, a learned gate mixing sketch and text plus a residual MLP."""

from __future__ import annotations

import torch
from torch import nn

from sbkit.components import Fuser
from sbkit_torch.fusers import MissingVectors


class Combiner(Fuser):
    """``out = MLP([p_s, p_t]) + g * text + (1 - g) * sketch`` with ``g = sigmoid(gate([p_s, p_t]))``.

    ``p_s = relu(W_s sketch)`` and ``p_t = relu(W_t text)`` are projections; the gate is per example.
    A missing input is replaced by a learned vector inside the projections and left out of the mix,
    so a lone input gives ``MLP(...) + input``.

    Args:
        proj_dim: size of each projection; 0 uses ``dim``.
        hidden: hidden size of the gate and the residual MLP; 0 uses ``2 * dim``.
        dropout: dropout on the projections and hidden layers.
    """

    name = "combiner"
    description = "CLIP4Cir Combiner: projections, a learned per-example gate mixing sketch and text, residual MLP."

    def __init__(self, sketch_dim: int, text_dim: int, dim: int, proj_dim: int = 0, hidden: int = 0,
                 dropout: float = 0.1) -> None:
        super().__init__(sketch_dim, text_dim, dim)
        self.proj_dim, self.hidden, self.dropout = proj_dim, hidden, dropout
        p = proj_dim if proj_dim > 0 else dim
        h = hidden if hidden > 0 else 2 * dim
        self.missing = MissingVectors(dim)
        self.sketch_proj = nn.Sequential(nn.Linear(dim, p), nn.ReLU(), nn.Dropout(dropout))
        self.text_proj = nn.Sequential(nn.Linear(dim, p), nn.ReLU(), nn.Dropout(dropout))
        self.gate = nn.Sequential(nn.Linear(2 * p, h), nn.ReLU(), nn.Dropout(dropout), nn.Linear(h, 1))
        self.mlp = nn.Sequential(nn.Linear(2 * p, h), nn.ReLU(), nn.Dropout(dropout), nn.Linear(h, dim))

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        s, t = self.missing(sketch, text)
        joint = torch.cat([self.sketch_proj(s), self.text_proj(t)], dim=-1)
        residual = self.mlp(joint)
        if sketch is None or text is None:
            return residual + (text if sketch is None else sketch)
        g = torch.sigmoid(self.gate(joint))
        return residual + g * text + (1 - g) * sketch
