"""Learning-rate schedule: linear warm-up, then cosine decay to zero, computed from the optimizer step."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class WarmupCosine:
    """``factor(step)``: ``(step + 1) / (warmup + 1)`` while warming up, then ``(1 + cos(pi * progress)) / 2``.

    Stateless: the trainer sets each group's ``lr = base_lr * factor(step)`` before each step, so a resumed
    run needs only the step count.
    """

    total_steps: int
    warmup_steps: int

    @classmethod
    def from_fraction(cls, total_steps: int, warmup: float) -> WarmupCosine:
        return cls(total_steps, round(warmup * total_steps))

    def factor(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / (self.warmup_steps + 1)
        progress = (step - self.warmup_steps) / max(1, self.total_steps - self.warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    def apply(self, optimizer: torch.optim.Optimizer, step: int) -> None:
        """Set every group's ``lr`` from its ``base_lr`` for optimizer step ``step`` (0-based)."""
        factor = self.factor(step)
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * factor
