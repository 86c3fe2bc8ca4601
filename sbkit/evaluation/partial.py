"""Retrieval while drawing: the true item's rank as strokes are added, summarised as m@A and m@B.

Following Bhunia et al., CVPR 2020, "Sketch Less for More: On-the-Fly Fine-Grained Sketch Based Image
Retrieval", a query sketch is replayed stroke by stroke and searched after each step. With ``rank`` the
1-based rank of the true item among ``N`` gallery items at one step:

- ranking percentile = (N - rank) / (N - 1): 1 when the true item comes first, 0 when it comes last;
- m@A = the mean ranking percentile over every step of every sketch (the area under the
  percentile-vs-completeness curve);
- m@B = the mean of 1/rank over every step of every sketch (the area under the 1/rank curve).

Both reward a model that finds the item early, before the drawing is finished. sbkit samples the steps at
fixed shares of the strokes (:data:`FRACTIONS`), so sketches with many and few strokes weigh alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from sbkit.errors import DataError, check

FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)


def strokes_at(total: int, fraction: float) -> int:
    """How many of ``total`` strokes are drawn at ``fraction`` of the drawing: at least one, rounded up."""
    check(total >= 1 and 0 < fraction <= 1, f"need at least one stroke and a share in (0, 1], got {total} strokes "
          f"at {fraction}", DataError)
    return max(1, min(total, math.ceil(fraction * total - 1e-9)))


def ranking_percentile(ranks: torch.Tensor, gallery_size: int) -> torch.Tensor:
    """(N - rank) / (N - 1) per entry: 1 for rank 1, 0 for rank N (1 everywhere for a gallery of one)."""
    if gallery_size <= 1:
        return torch.ones_like(ranks, dtype=torch.float64)
    return (gallery_size - ranks.double()) / (gallery_size - 1)


def on_the_fly_summary(ranks: torch.Tensor, gallery_size: int,
                       fractions: Sequence[float] = FRACTIONS) -> dict[str, object]:
    """Summarise (Q, F) ranks, one column per share of strokes drawn.

    Returns:
        ``m@A`` and ``m@B`` (floats), and per share: ``mean_rank``, ``median_rank``, ``R@1``, ``R@10``
        and ``mean_inverse_rank`` (lists of F floats), plus ``fractions`` and ``queries``.
    """
    check(ranks.ndim == 2 and ranks.shape[1] == len(fractions),
          f"ranks must be (Q, {len(fractions)}), one column per share of strokes, got {tuple(ranks.shape)}",
          DataError)
    check(len(ranks) > 0, "no partial-sketch queries to summarise", DataError)
    ranks = ranks.long()
    inverse = 1.0 / ranks.double()
    return {
        "fractions": [float(f) for f in fractions],
        "queries": int(len(ranks)),
        "m@A": float(ranking_percentile(ranks, gallery_size).mean()),
        "m@B": float(inverse.mean()),
        "mean_rank": [float(v) for v in ranks.double().mean(0)],
        "median_rank": [float(v) for v in ranks.double().median(0).values],
        "R@1": [float(v) for v in (ranks <= 1).double().mean(0)],
        "R@10": [float(v) for v in (ranks <= 10).double().mean(0)],
        "mean_inverse_rank": [float(v) for v in inverse.mean(0)],
    }


def partial_renders(strokes: list[np.ndarray], fractions: Sequence[float] = FRACTIONS, size: int = 256,
                    stroke_width: int = 3) -> list[np.ndarray]:
    """The drawing with the first strokes only, one (size, size) uint8 picture per share in ``fractions``."""
    from sbkit.data.adapters.svg import render_strokes

    strokes = [s for s in strokes if len(s)]
    check(bool(strokes), "the sketch holds no strokes", DataError)
    return [render_strokes(strokes[:strokes_at(len(strokes), f)], size, stroke_width) for f in fractions]
