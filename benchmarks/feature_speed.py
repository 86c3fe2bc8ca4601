"""Frozen-feature extraction of the default encoder (`lite-minilm`) beside a bare timm loop.

    python benchmarks/feature_speed.py [--batches 16,32,64] [--pictures 512] [--size 128] [--rounds 3]

The feature stage of a first `sbkit run` pushes every photo, sketch and sketch variant through the frozen
EfficientNet-Lite0 tower. This times that forward pass on the same random pictures, every loop once per round
(so load from other processes hits all alike), the best round of each kept:

- bare: the timm model as built (`tf_efficientnet_lite0`), `forward_features` on contiguous (N, C, H, W)
  batches under `torch.no_grad()`, batches of 64 (what sbkit did before);
- channels-last: the same tower and batches of 64, the input made channels-last, one pass per batch;
- sbkit: `encoder.vision_features` (normalising, pooled vector and 4x4 grid) called with batches of each size
  in `--batches`; on CPU it feeds the tower channels-last input in passes of 16 pictures.

Reported: pictures per second and the ratio sbkit / bare, and the largest difference
between the pooled features of the two (channels-last against contiguous input; they should agree to float error).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from sbkit.io import atomic_write_json  # noqa: E402
from sbkit.registry import create  # noqa: E402


def seconds(step, batches: list[torch.Tensor]) -> float:
    """Seconds ``step`` takes over every batch in ``batches``."""
    start = time.perf_counter()
    with torch.no_grad():
        for batch in batches:
            step(batch)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="16,64,256", help="sbkit batch sizes to time, comma-separated")
    parser.add_argument("--pictures", type=int, default=512, help="pictures per round")
    parser.add_argument("--size", type=int, default=128, help="picture side in pixels (the encoder's input size)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per setting; the best is kept")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    encoder = create("encoder", "lite-minilm", input_size=args.size).eval()
    trunk = encoder.trunk
    pictures = torch.rand(args.pictures, 3, args.size, args.size)
    console = Console()
    console.print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or 'cpu'}; "
                  f"{args.pictures} pictures of {args.size} px, best of {args.rounds} rounds")

    with torch.no_grad():
        sample = pictures[:16]
        pooled = encoder.vision_features(sample)[:, :trunk.num_features]  # channels-last inside
        bare_pooled = trunk.forward_features(encoder.normalize(sample)).mean(dim=(2, 3))  # contiguous
    difference = (pooled - bare_pooled).abs().max().item()
    console.print(f"largest difference of the pooled features, sbkit vs bare: {difference:.1e} "
                  f"(values up to {bare_pooled.abs().max().item():.1f})")

    loops = {"bare timm forward_features, batch 64": (trunk.forward_features, list(pictures.split(64))),
             "channels-last forward_features, batch 64": (
                 trunk.forward_features, [b.contiguous(memory_format=torch.channels_last) for b in pictures.split(64)])}
    for size in (int(b) for b in args.batches.split(",")):
        loops[f"sbkit vision_features, batch {size}"] = (encoder.vision_features, list(pictures.split(size)))
    for step, batches in loops.values():
        seconds(step, batches[:1])  # warm-up: first-call allocation and kernel choice
    best = {name: float("inf") for name in loops}
    for _ in range(args.rounds):  # every loop once per round, so load from other processes hits all alike
        for name, (step, batches) in loops.items():
            best[name] = min(best[name], seconds(step, batches))
    table = Table(title="Frozen EfficientNet-Lite0 features")
    for column in ("loop", "pictures/s", "x bare"):
        table.add_column(column, justify="left" if column == "loop" else "right")
    bare = args.pictures / best[next(iter(loops))]
    rates = {name: args.pictures / time_taken for name, time_taken in best.items()}
    for name, value in rates.items():
        table.add_row(name, f"{value:.0f}", f"{value / bare:.2f}")
    console.print(table)
    if args.out:
        atomic_write_json(args.out, {"pictures_per_second": rates, "x_bare": {n: v / bare for n, v in rates.items()},
                                     "largest_difference": difference, "pictures": args.pictures, "size": args.size})


if __name__ == "__main__":
    main()
