"""Where a demo run's sketch-only top-1 goes wrong, for drawn sketches against sketchifier sketches.

    python benchmarks/drawn_errors.py RUN_DIR

Every test item of a run on the demo catalogue is searched through `sbkit.Retriever` (as `sbkit search` does),
sketch only, once with its drawn sketch and once with the run's sketchifier applied to its photo. For the first
hit the demo's hidden spec says how far it is from the right item: the same category, the same category and
length (mini / midi / maxi, high / low, ...), or also the same options (sleeve style, neckline, flap, clasp,
belt, ...). Among the items sharing the right item's category, length and options, it also gives how often the
right one ranks first. The demo's drawings show the outline and one or two construction lines, never small
details such as a clasp or a belt, so some options cannot be read from a drawing at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_run import open_demo_run  # noqa: E402 - a sibling script, not a package

from sbkit.data.demo.specs import ItemSpec, sample_spec  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.registry import create  # noqa: E402


def spec_key(spec: ItemSpec, depth: int) -> tuple:
    """The first ``depth`` of category, length and options."""
    return (spec.category, spec.length, tuple(sorted(spec.options.items())))[:depth]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on the demo catalogue")
    args = parser.parse_args()

    retriever, seed, size, items = open_demo_run(parser, args.run_dir)
    config = retriever.run.config
    specs = {item.id: sample_spec(seed, int(item.id.split("-")[-1]), size) for item in items}
    sketchifier = create("sketchifier", config.sketchifier.name, dict(config.sketchifier.params))

    print(f"{len(items)} test queries, sketch only, run {args.run_dir} ({config.sketchifier.name} sketches)")
    print("| queries | R@1 | top-1 category right | category and length right | category, length and options "
          "right | right item first among its category, length and options group |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label in ("drawn", "sketchifier"):
        right = np.zeros((len(items), 5))  # R@1, then the three spec levels, then first within its group
        for row, item in enumerate(items):
            query = read_image(item.sketch) if label == "drawn" else sketchifier(read_image(item.image))
            ids = [hit.id for hit in retriever.search(sketch=query, k=len(retriever), mode="sketch").hits]
            want = specs[item.id]
            group = [i for i in ids if spec_key(specs[i], 3) == spec_key(want, 3)]
            right[row] = [ids[0] == item.id, *(spec_key(specs[ids[0]], depth) == spec_key(want, depth)
                                               for depth in (1, 2, 3)), group[0] == item.id]
        print(f"| {label} | " + " | ".join(f"{value:.3f}" for value in right.mean(axis=0)) + " |")

if __name__ == "__main__":
    main()
