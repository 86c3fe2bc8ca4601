"""``python b_run_paused.py OUT``: a tiny ``sbkit.run`` into OUT that prints ``step N`` after each optimizer step
(after that step's checkpoint, if one is due) and then waits for a line on stdin, so a test can act on it,
or kill it, at a known point."""

from __future__ import annotations

import sys

import sbkit
import sbkit.training as training
from b_helpers import TINY

SETTINGS = {**TINY, "epochs": 2, "batch_size": 8}  # 42 train items: 6 steps an epoch, a checkpoint after each epoch


def main(out: str) -> None:
    real_fit = training.fit

    def fit(*args, **kwargs):
        def on_step(step: int, loss) -> None:
            print(f"step {step}", flush=True)
            sys.stdin.readline()

        return real_fit(*args, on_step=on_step, **kwargs)

    training.fit = fit  # the pipeline imports fit from sbkit.training when it reaches training
    sbkit.run(**SETTINGS, out=out)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
