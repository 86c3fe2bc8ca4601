"""Loss ``infonce``: symmetric InfoNCE with a learnable temperature and optional multi-positive labels."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from sbkit.components import Loss
from sbkit.errors import ConfigError, check

MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 1.0


def positives_mask(labels: torch.Tensor | None, batch: int, device: torch.device) -> torch.Tensor:
    """(B, B) bool: row i and column j are positives (same label; the diagonal without labels)."""
    if labels is None:
        return torch.eye(batch, dtype=torch.bool, device=device)
    return labels.view(-1, 1) == labels.view(1, -1)


def query_positives(own: torch.Tensor, extra: torch.Tensor | None) -> torch.Tensor:
    """The query -> target positives: ``own`` (from the labels) and the targets ``extra`` says a query also fits."""
    return own if extra is None else own | extra.to(own.device)


def multi_positive_nce(logits: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """Mean over rows of ``-mean_{j in P(i)} log softmax(logits_i)_j`` (supervised-contrastive style)."""
    log_prob = F.log_softmax(logits, dim=1)
    pos = positives.to(log_prob.dtype)
    return -((log_prob * pos).sum(1) / pos.sum(1)).mean()


class InfoNCE(Loss):
    """Symmetric InfoNCE on L2-normalised vectors: ``(L(q -> t) + L(t -> q)) / 2`` with logits ``q t^T / T``.

    Rows with equal labels are positives of each other (their log-probabilities are averaged) and never serve
    as negatives; without labels, only row ``i`` of the targets is positive for query ``i``. ``positives`` adds
    targets a query fits (a short caption and every item it describes) in the query -> target direction only;
    each target still picks its own queries, which keeps the photos apart.
    ``T`` is learned as ``log(1/T)`` and kept in [0.01, 1].

    Args:
        temperature: initial (or fixed) temperature ``T``.
        learn_temperature: learn ``T`` with the model.
    """

    name = "infonce"
    description = "Symmetric InfoNCE with a learnable temperature; equal labels are positives (multi-positive)."
    takes_positives = True

    def __init__(self, temperature: float = 0.07, learn_temperature: bool = True) -> None:
        super().__init__()
        check(MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE,
              f"loss 'infonce': temperature must be in [{MIN_TEMPERATURE}, {MAX_TEMPERATURE}], got {temperature}",
              ConfigError)
        self.temperature, self.learn_temperature = temperature, learn_temperature
        log_scale = torch.tensor(math.log(1 / temperature))
        if learn_temperature:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer("log_scale", log_scale)

    @property
    def current_temperature(self) -> float:
        with torch.no_grad():
            return float(1 / self.scale())

    def scale(self) -> torch.Tensor:
        return self.log_scale.clamp(math.log(1 / MAX_TEMPERATURE), math.log(1 / MIN_TEMPERATURE)).exp()

    def compute(self, query: torch.Tensor, target: torch.Tensor, labels: torch.Tensor | None,
                positives: torch.Tensor | None = None) -> torch.Tensor:
        q, t = F.normalize(query.float(), dim=-1), F.normalize(target.float(), dim=-1)
        logits = self.scale() * q @ t.T
        own = positives_mask(labels, len(q), q.device)
        return (multi_positive_nce(logits, query_positives(own, positives)) + multi_positive_nce(logits.T, own.T)) / 2
