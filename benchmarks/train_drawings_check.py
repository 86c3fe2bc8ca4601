"""Training on every drawing of an item, checked end to end on a copy of the demo whose training items are drawn.

    python benchmarks/train_drawings_check.py [--out runs/train-drawings] [--settings 0:3,1:3,1:7,3:7]
        [--test-drawings 1] [--seed 0] [--table FILE]

The demo draws only its validation and test items, so its runs never train on drawings. This script writes a
folder catalogue (``OUT/catalogue-K/captions.jsonl``: the demo's photos, captions, splits and attributes, by
absolute path) in which each training item also has K drawings from the demo's drawing program, each with random
numbers of its own, listed in the ``sketches`` column, and runs ``sbkit run`` on it with ``--sketch-variants V``
for each ``K:V`` setting (K = 0: no drawings, as the demo). The test queries are the demo's own drawings and
sketchifier sketches, so the figures compare with the demo's. The training drawings come from the program that
drew the test drawings: this checks that a catalogue with several drawings per item trains on them all, and what
that is worth; it is not a lever for the demo, whose training items have none.

With ``--test-drawings T`` each test item has T drawings (its own, then T - 1 more, with random numbers of their
own), each of which asks: the figures then average over T times as many drawn queries, as Sketchy's and
QMUL-Shoe-V2's protocols do.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from default_model import heldout_text, show_table, timed_run  # noqa: E402

from sbkit.data.catalogue import CatalogueItem  # noqa: E402
from sbkit.data.demo.drawn import draw_sketch  # noqa: E402
from sbkit.data.demo.specs import SKETCH_STREAM, item_rng, sample_spec  # noqa: E402
from sbkit.io import atomic_write_png, atomic_write_text  # noqa: E402
from sbkit.progress import track  # noqa: E402

DEMO = {"size": 3000, "seed": 0, "image_size": 128}  # the default run's demo catalogue
FIRST_TRAINING_DRAWING = 1000  # a stream of its own: apart from the test drawing's
FIRST_EXTRA_TEST_DRAWING = 2000  # and apart from the training drawings'


def drawings_of(item: CatalogueItem, count: int, folder: Path, demo: dict[str, int],
                first: int = FIRST_TRAINING_DRAWING) -> list[str]:
    """``count`` drawings of an item of the demo made with ``demo``, from random streams ``first``, ``first + 1``,
    ...; written once into ``folder``; their paths."""
    index = int(str(item.product).rsplit("-", 1)[-1])
    spec = sample_spec(demo["seed"], index, demo["size"], demo["image_size"])
    paths = []
    for number in range(count):
        path = folder / f"{item.product}-{number}.png"
        if not path.is_file():
            rng = item_rng(demo["seed"], index, SKETCH_STREAM, first + number)
            atomic_write_png(path, draw_sketch(spec, rng))
        paths.append(str(path))
    return paths


def write_catalogue(items: list[CatalogueItem], drawings: int, out: Path, demo: dict[str, int] = DEMO,
                    test_drawings: int = 1) -> Path:
    """The demo (``items``, made with ``demo``) as a folder catalogue whose training items have ``drawings``
    drawings each and whose test items ``test_drawings`` (their own first)."""
    folder = out / (f"catalogue-{drawings}" + (f"-test{test_drawings}" if test_drawings > 1 else ""))
    lines = []
    for item in track(items, f"catalogue with {drawings} drawings per training item"):
        record = {"id": item.id, "image": str(item.image), "caption": item.caption, "split": item.split,
                  "category": item.category, "product": item.product, **item.attributes}
        if item.split == "train" and drawings:
            record["sketches"] = drawings_of(item, drawings, out / "drawings", demo)
        elif item.split == "test" and item.sketch is not None and test_drawings > 1:
            record["sketches"] = [str(item.sketch), *drawings_of(item, test_drawings - 1, out / "test-drawings", demo,
                                                                 FIRST_EXTRA_TEST_DRAWING)]
        elif item.sketch is not None:
            record["sketch"] = str(item.sketch)
        lines.append(json.dumps(record, ensure_ascii=False))
    atomic_write_text(folder / "captions.jsonl", "\n".join(lines) + "\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/train-drawings", help="folder for the catalogues and the runs")
    parser.add_argument("--settings", default="0:3,1:3,1:7,3:7",
                        help="K:V pairs: K drawings per training item, V stored sketch variants")
    parser.add_argument("--test-drawings", type=int, default=1,
                        help="drawings per test item, each a query (1: the demo's own only)")
    parser.add_argument("--seed", type=int, default=0, help="the runs' seed")
    parser.add_argument("--table", default="", help="also write the Markdown table to this file")
    args = parser.parse_args()
    try:
        settings = [tuple(int(v) for v in pair.split(":")) for pair in args.settings.split(",")]
        assert all(len(s) == 2 and s[0] >= 0 and s[1] >= 1 for s in settings)
    except (ValueError, AssertionError):
        parser.error(f"--settings {args.settings!r}: give K:V pairs such as 0:3,3:7")
    if args.test_drawings < 1:
        parser.error(f"--test-drawings {args.test_drawings}: give 1 or more")
    from sbkit.data.resolve import resolve_catalogue

    out = Path(args.out).resolve()  # the catalogue names its files by absolute path
    items = resolve_catalogue("demo", DEMO).items
    lines = ["| drawings per training item | `--sketch-variants` | drawn R@1 / R@10 | sketchifier R@1 | ratio "
             "| s+t R@1 sketchifier / drawn | held-out drawn R@10 | wall |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for drawings, variants in settings:
        folder = write_catalogue(items, drawings, out, test_drawings=args.test_drawings)
        options = ["--data", "folder", "--data.path", str(folder), "--data.allow_outside", "true",
                   "--sketch-variants", str(variants), "--seed", str(args.seed)]
        test = f"-test{args.test_drawings}" if args.test_drawings > 1 else ""
        metrics, wall = timed_run(options, out / f"run-{drawings}-{variants}{test}")
        m = metrics["metrics"]
        drawn, made, both = m["sketch"]["drawn"], m["sketch"]["synthetic"], m["sketch+text"]
        lines.append(f"| {drawings} | {variants} | {drawn['R@1']:.3f} / {drawn['R@10']:.3f} | {made['R@1']:.3f} "
                     f"| {drawn['R@1'] / max(made['R@1'], 1e-9):.2f}x "
                     f"| {both['synthetic']['R@1']:.3f} / {both['drawn']['R@1']:.3f} "
                     f"| {heldout_text(metrics.get('heldout'))} | {wall:.0f} s |")
        print(lines[-1], flush=True)
    show_table(lines, args.table)


if __name__ == "__main__":
    main()
