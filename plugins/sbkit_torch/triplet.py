"""Loss ``triplet``: batch-hard triplet loss on cosine similarity."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sbkit.components import Loss
from sbkit_torch.infonce import positives_mask, query_positives


def batch_hard(sim: torch.Tensor, positives: torch.Tensor, margin: float) -> torch.Tensor:
    """Mean over rows of ``relu(max_neg sim - min_pos sim + margin)``; rows without a negative are skipped."""
    hardest_pos = sim.masked_fill(~positives, float("inf")).min(dim=1).values
    hardest_neg = sim.masked_fill(positives, float("-inf")).max(dim=1).values
    valid = ~positives.all(dim=1)
    if not valid.any():
        return sim.sum() * 0
    return F.relu(hardest_neg - hardest_pos + margin)[valid].mean()


class Triplet(Loss):
    """Batch-hard triplet loss, both directions: each query's hardest positive target against its hardest negative.

    ``L = mean_i relu(max_{j not in P(i)} s_ij - min_{j in P(i)} s_ij + margin)`` with ``s`` the
    cosine similarity, averaged over query->target and target->query.

    Args:
        margin: required gap between the hardest positive and the hardest negative similarity.
    """

    name = "triplet"
    description = "Batch-hard triplet loss on cosine similarity, both directions."
    takes_positives = True

    def __init__(self, margin: float = 0.2) -> None:
        super().__init__()
        self.margin = margin

    def compute(self, query: torch.Tensor, target: torch.Tensor, labels: torch.Tensor | None,
                positives: torch.Tensor | None = None) -> torch.Tensor:
        sim = F.normalize(query.float(), dim=-1) @ F.normalize(target.float(), dim=-1).T
        own = positives_mask(labels, len(sim), sim.device)  # extra positives: query -> target only, as infonce
        fits = query_positives(own, positives)
        return (batch_hard(sim, fits, self.margin) + batch_hard(sim.T, own.T, self.margin)) / 2
