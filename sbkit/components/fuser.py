"""Fuser: a sketch vector and a text vector (either may be missing) to one query vector (B, dim)."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from sbkit.components.base import Component
from sbkit.errors import check


class Fuser(Component, nn.Module):
    """Base class. The pipeline injects ``sketch_dim``, ``text_dim`` and ``dim`` (the image embedding size).

    Subclasses implement :meth:`fuse`, which receives both inputs already projected to ``dim`` by
    :attr:`sketch_in` / :attr:`text_in` (identity when the sizes already agree), either of them None.
    """

    context_params: ClassVar[tuple[str, ...]] = ("sketch_dim", "text_dim", "dim")

    def __init__(self, sketch_dim: int, text_dim: int, dim: int) -> None:
        nn.Module.__init__(self)
        self.sketch_dim, self.text_dim, self.dim = sketch_dim, text_dim, dim
        self.sketch_in = nn.Identity() if sketch_dim == dim else nn.Linear(sketch_dim, dim)
        self.text_in = nn.Identity() if text_dim == dim else nn.Linear(text_dim, dim)

    def forward(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        check(sketch is not None or text is not None, f"fuser {self.name!r}: needs a sketch, a text or both")
        if sketch is not None:
            check(sketch.ndim == 2 and sketch.shape[1] == self.sketch_dim,
                  f"fuser {self.name!r}: sketch must be (B, {self.sketch_dim}), got {tuple(sketch.shape)}")
        if text is not None:
            check(text.ndim == 2 and text.shape[1] == self.text_dim,
                  f"fuser {self.name!r}: text must be (B, {self.text_dim}), got {tuple(text.shape)}")
        if sketch is not None and text is not None:
            check(len(sketch) == len(text), f"fuser {self.name!r}: batch sizes differ ({len(sketch)} vs {len(text)})")
        out = self.fuse(None if sketch is None else self.sketch_in(sketch), None if text is None else self.text_in(text))
        check(out.shape[-1] == self.dim, f"fuser {self.name!r}: returned {tuple(out.shape)}, expected (B, {self.dim})")
        return out

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError  # abstract
