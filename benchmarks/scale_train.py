"""Peak memory of `sbkit train` against catalogue size: it should stay flat, since photos stream from disk.

For each size N it writes a synthetic catalogue folder of N small generated photos (64 px PNGs, a
captions.csv with a split column: all but 200 items train, 100 val, 100 test), then runs one epoch of
`sbkit train` over it in a subprocess with the small trainable encoder, and reports the subprocess's peak
resident memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the largest of the processes it waited for: the
training process, or a decoding worker if one were larger). The baseline in the same run is the smallest size:
the table gives each size's peak RSS as a ratio to it (target <= 1.3x from 10k to 100k items).

Usage: python benchmarks/scale_train.py [--sizes 10000 100000] [--workdir DIR]
One JSON line per size: {"items", "seconds", "peak_rss_mb", "train_items", "steps"}.

``measure_training(n_items, workdir)`` is the importable entry point (benchmarks/scale.py calls it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIDE = 64
HELD_OUT = 100  # val and test items each; the rest train
BATCH = 256
COLOURS = ("red", "blue", "green", "black", "white", "yellow", "grey", "pink")
SHAPES = ("dress", "coat", "shirt", "bag", "boot", "hat", "skirt", "scarf")


def _photo(rng: np.random.Generator) -> np.ndarray:
    """A white 64 px picture with one filled shape in a random colour and place (enough for an edge map)."""
    import cv2

    image = np.full((SIDE, SIDE, 3), 255, np.uint8)
    colour = tuple(int(c) for c in rng.integers(0, 200, 3))
    x, y = (int(v) for v in rng.integers(12, SIDE - 12, 2))
    if rng.random() < 0.5:
        cv2.circle(image, (x, y), int(rng.integers(6, 14)), colour, -1)
    else:
        cv2.rectangle(image, (x - 10, y - 12), (x + int(rng.integers(4, 12)), y + 10), colour, -1)
    return image


def build_catalogue(n_items: int, folder: Path, seed: int = 0) -> Path:
    """A folder catalogue of ``n_items`` generated photos (kept when it is complete already)."""
    import cv2

    folder = Path(folder)
    captions = folder / "captions.csv"
    if captions.is_file():
        return folder
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        name = f"images/{i // 1000:04d}/{i:07d}.png"
        path = folder / name
        if not path.is_file():
            path.parent.mkdir(exist_ok=True)
            cv2.imwrite(str(path), _photo(rng)[:, :, ::-1])
        split = "val" if i < HELD_OUT else "test" if i < 2 * HELD_OUT else "train"
        category = SHAPES[i % len(SHAPES)]
        rows.append({"id": f"item{i:07d}", "image": name, "caption": f"{COLOURS[i % len(COLOURS)]} {category} {i}",
                     "category": category, "split": split})
    tmp = captions.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tmp.rename(captions)  # last: a folder with captions.csv is complete
    return folder


def train_command(catalogue: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "sbkit", "-q", "train", "--data", str(catalogue), "--out", str(out), "--force",
            "--encoder", "small", "--encoder.dim", "32", "--encoder.width", "8", "--image-size", "32",
            "--batch-size", str(BATCH), "--epochs", "1", "--holdout", "", "--device", "cpu", "--workers", "1"]


def measure_training(n_items: int, workdir: Path) -> dict:
    """Build (or reuse) a catalogue of ``n_items`` under ``workdir`` and time one epoch of `sbkit train` on it in a
    subprocess; returns ``{"items", "seconds", "peak_rss_mb", ...}`` (peak RSS of that subprocess tree)."""
    workdir = Path(workdir)
    catalogue = build_catalogue(n_items, workdir / f"catalogue-{n_items}")
    env = {**os.environ, "SBKIT_CACHE": str(workdir / f"cache-{n_items}")}  # a cold cache: sketchify included
    command = [sys.executable, __file__, "--child", *train_command(catalogue, workdir / f"run-{n_items}")]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"sbkit train on {n_items} items failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    train_items = n_items - 2 * HELD_OUT
    return {"items": n_items, "seconds": round(seconds, 1), "peak_rss_mb": measured["peak_rss_mb"],
            "train_items": train_items, "steps": -(-train_items // BATCH)}


def _child(command: list[str]) -> None:
    """Run ``command`` and print the peak RSS of it and its descendants, so earlier sizes do not count."""
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        sys.exit(done.returncode)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1)}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workdir", type=Path, default=Path("runs/scale_train"))
    args = parser.parse_args()
    results = []
    for size in args.sizes:
        result = measure_training(size, args.workdir)
        results.append(result)
        print(json.dumps(result), flush=True)
    base = results[0]["peak_rss_mb"]
    for result in results:
        print(f"{result['items']:>9,} items: peak RSS {result['peak_rss_mb']:8.1f} MB = "
              f"{result['peak_rss_mb'] / base:.2f}x the smallest; {result['seconds']:.0f} s")


if __name__ == "__main__":
    main()
