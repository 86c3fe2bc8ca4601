"""Fuser ``attention``: cross attention between the two vectors, each split into a few learned tokens."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from sbkit.components import Fuser
from sbkit.errors import ConfigError, check
from sbkit_torch.fusers import mean_present


class Attention(Fuser):
    """``avg(present) + W_o flatten(LN(Q + MHA(Q, K, K)))``: queries from one modality, keys from the other.

    Each vector becomes ``tokens`` tokens of size ``token_dim`` through a linear map. With
    ``text-to-sketch`` the caption's tokens attend to the sketch's; ``sketch-to-text`` is the reverse.
    A missing modality is replaced by learned tokens. ``W_o`` starts at zero, so training starts
    from ``avg``.

    Args:
        direction: which modality asks (the queries): ``text-to-sketch`` or ``sketch-to-text``.
        tokens: tokens each vector is split into.
        token_dim: size of each token; must be divisible by ``heads``.
        heads: attention heads.
        dropout: attention dropout.
    """

    name = "attention"
    description = "Cross attention between sketch and text, each vector split into a few tokens."

    def __init__(self, sketch_dim: int, text_dim: int, dim: int,
                 direction: Literal["text-to-sketch", "sketch-to-text"] = "text-to-sketch", tokens: int = 4,
                 token_dim: int = 64, heads: int = 4, dropout: float = 0.0) -> None:
        super().__init__(sketch_dim, text_dim, dim)
        check(direction in ("text-to-sketch", "sketch-to-text"),
              f"fuser 'attention': direction must be text-to-sketch or sketch-to-text, got {direction!r}", ConfigError)
        check(tokens >= 1 and heads >= 1 and token_dim % heads == 0,
              f"fuser 'attention': token_dim ({token_dim}) must be a multiple of heads ({heads}), tokens >= 1; "
              f"try token_dim={heads * max(1, token_dim // heads)}", ConfigError)
        self.direction, self.tokens, self.token_dim = direction, tokens, token_dim
        self.heads, self.dropout = heads, dropout
        self.to_query = nn.Linear(dim, tokens * token_dim)
        self.to_context = nn.Linear(dim, tokens * token_dim)
        self.missing_query = nn.Parameter(torch.randn(tokens, token_dim) * 0.02)
        self.missing_context = nn.Parameter(torch.randn(tokens, token_dim) * 0.02)
        self.attn = nn.MultiheadAttention(token_dim, heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(token_dim)
        self.out = nn.Linear(tokens * token_dim, dim)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def _tokens(self, x: torch.Tensor | None, proj: nn.Linear, missing: torch.Tensor,
                ref: torch.Tensor) -> torch.Tensor:
        """(B, dim) -> (B, tokens, token_dim); learned ``missing`` tokens when ``x`` is None."""
        if x is None:
            return missing.to(ref.dtype).expand(ref.shape[0], -1, -1)
        return proj(x).view(x.shape[0], self.tokens, self.token_dim)

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        asker, other = (text, sketch) if self.direction == "text-to-sketch" else (sketch, text)
        ref = asker if asker is not None else other
        q = self._tokens(asker, self.to_query, self.missing_query, ref)
        kv = self._tokens(other, self.to_context, self.missing_context, ref)
        attended, _ = self.attn(q, kv, kv, need_weights=False)
        tokens = self.norm(q + attended.to(q.dtype))
        return mean_present(sketch, text) + self.out(tokens.flatten(1))
