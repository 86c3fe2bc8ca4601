"""Loss ``pml``: any pytorch-metric-learning loss by name."""

from __future__ import annotations

import json

import torch
from torch import nn

from sbkit.components import Loss
from sbkit.errors import ConfigError, unknown_name_message


def pml_loss_names() -> list[str]:
    """Loss classes pytorch-metric-learning offers (``NTXentLoss``, ``MultiSimilarityLoss``, ...)."""
    from pytorch_metric_learning import losses as pml_losses  # heavy (scipy); only when the loss is used

    return sorted(n for n, c in vars(pml_losses).items()
                  if isinstance(c, type) and issubclass(c, nn.Module) and n.endswith("Loss")
                  and n != "GenericPairLoss")


class PML(Loss):
    """A pytorch-metric-learning loss on ``cat(query, target)`` with labels ``cat(labels, labels)``.

    Without labels, row ``i``'s label is ``i``, so each query and its target form the only positive pair.

    Args:
        loss: class name in ``pytorch_metric_learning.losses``, e.g. ``NTXentLoss``, ``MultiSimilarityLoss``.
        params: JSON object of keyword arguments for that class, e.g. ``{"temperature": 0.1}``.
    """

    name = "pml"
    description = "Any pytorch-metric-learning loss by name, on the concatenated query and target embeddings."

    def __init__(self, loss: str = "NTXentLoss", params: str = "") -> None:
        super().__init__()
        self.loss, self.params = loss, params
        names = pml_loss_names()
        if loss not in names:
            raise ConfigError(unknown_name_message("pytorch-metric-learning loss", loss, names))
        try:
            kwargs = json.loads(params) if params.strip() else {}
        except ValueError as exc:
            raise ConfigError(f"loss 'pml': params is not valid JSON ({exc}); "
                              'write an object such as {"temperature": 0.1}') from None
        if not isinstance(kwargs, dict):
            raise ConfigError(f"loss 'pml': params must be a JSON object, got {params!r}")
        try:
            from pytorch_metric_learning import losses as pml_losses

            self.inner = getattr(pml_losses, loss)(**kwargs)
        except TypeError as exc:
            raise ConfigError(f"loss 'pml': {loss} rejected params {kwargs}: {exc}") from None

    def compute(self, query: torch.Tensor, target: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if labels is None:
            labels = torch.arange(len(query), device=query.device)
        return self.inner(torch.cat([query, target]).float(), torch.cat([labels, labels]))
