"""Early stopping and best weights: watch one value of the epoch record, keep the weights of its best epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model

from sbkit.errors import ConfigError, check
from sbkit.training.history import flatten
from sbkit.training.model import RetrievalModel

BEST = "best.safetensors"


@dataclass
class BestWeights:
    """The best epoch so far by ``monitor``, its weights (``best.safetensors`` in ``folder``, or a copy in
    memory without one), and whether ``patience`` epochs have passed without improvement.

    The best epoch is recomputed from the history on resume, so it needs no state of its own.
    """

    monitor: str
    higher_is_better: bool
    patience: int
    folder: Path | None
    value: float | None = None
    epoch: int = 0
    weights: dict[str, torch.Tensor] | None = None

    def read(self, record: dict[str, Any]) -> float:
        """The monitored value of ``record``; NaN when it is not a number."""
        flat = flatten(record)
        check(self.monitor in flat,
              f"monitor {self.monitor!r} is not in the epoch record (keys: {', '.join(sorted(flat))}); return it "
              f"from on_epoch_end or set TrainOptions.monitor to one of the keys", ConfigError)
        value = flat[self.monitor]
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan

    def improves(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.value is None:
            return True
        return value > self.value if self.higher_is_better else value < self.value

    def replay(self, history: list[dict[str, Any]]) -> None:
        """Find the best epoch of a resumed run's history (its weights are already on disk)."""
        for record in history:
            value = self.read(record)
            if self.improves(value):
                self.value, self.epoch = value, int(record["epoch"])

    def update(self, record: dict[str, Any], model: RetrievalModel, write: bool) -> bool:
        """Note ``record``'s value; on improvement keep the weights (written only when ``write``). Adds
        ``best_epoch`` to the record. Returns whether it improved."""
        value = self.read(record)
        improved = self.improves(value)
        if improved:
            self.value, self.epoch = value, int(record["epoch"])
            if self.folder is None:
                self.weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            elif write:
                model.save(self.folder, metadata={"epoch": str(self.epoch), "monitor": self.monitor,
                                                  "value": repr(value)}, filename=BEST)
        record["best_epoch"] = self.epoch
        return improved

    def should_stop(self, epochs_done: int) -> bool:
        return self.patience > 0 and epochs_done - self.epoch >= self.patience

    def restore(self, model: RetrievalModel) -> bool:
        """Load the best weights into ``model``; False when there are none."""
        if self.weights is not None:
            model.load_state_dict(self.weights)
            return True
        if self.folder is not None and (self.folder / BEST).is_file():
            load_model(model, str(self.folder / BEST), strict=True, device=str(model.device))
            return True
        return False
