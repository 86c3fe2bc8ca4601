"""A short training run for the kill-and-resume test: ``python kill_resume_run.py OUT_DIR [--resume]``.

It prints ``step N`` after each optimizer step (after that step's checkpoint, if one is due), then waits for
a line on stdin, so the test can kill it at a known step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from sbkit_torch import InfoNCE
from synthetic_catalogue import synthetic_data
from bn_free_models import tiny_model

from sbkit import progress
from sbkit.training import TrainOptions, fit

OPTIONS = TrainOptions(epochs=2, batch_size=8, lr=5e-3, amp="off", modality_dropout=(0.25, 0.25),
                       checkpoint_every=2, seed=3)  # 48 items: 6 steps per epoch, checkpoints at steps 2 and 4


class Flips:
    """A sketch transform with its own generator, like stroke augmentation."""

    def __init__(self) -> None:
        self.generator = torch.Generator().manual_seed(7)

    def __call__(self, sketches: torch.Tensor) -> torch.Tensor:
        flips = torch.rand(sketches.shape, generator=self.generator) < 0.02
        return torch.where(flips, 255 - sketches, sketches)


def build():
    """The model (mlp fuser with dropout, so the global RNG matters), loss and data of every run."""
    data = synthetic_data(n=48)
    data.sketch_transform = Flips()
    return tiny_model(data, "mlp", dropout=0.2), InfoNCE(), data


def main(out_dir: Path, resume: bool) -> None:
    torch.set_num_threads(1)
    progress.set_quiet(True)
    model, loss, data = build()

    def on_step(step: int, value: torch.Tensor) -> None:
        print(f"step {step} loss {value.item():.6f}", flush=True)
        sys.stdin.readline()

    fit(model, loss, data, OPTIONS, out_dir=out_dir, resume=resume, on_step=on_step)
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), "--resume" in sys.argv[2:])
