"""What a one-word category caption does to drawn queries: how many it helps, how many it hurts.

    python benchmarks/category_word.py RUN_DIR [RUN_DIR ...] [--weights 0.25,0.5,0.75,1,1.5]

Every test item with a drawn sketch is searched through the run's model and index, sketch only and with its
category word as the caption ("boot"), the caption's vector scaled by each weight before fusion (1 is what
`sbkit search` does). A query is helped when its item enters the first 10 results with the word and hurt when it
leaves them. The run report's probe gives only the net R@10; the counts show how much a word that the drawing
already says reorders the items within the category.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from number_lists import positive_numbers  # noqa: E402 - a sibling script, not a package
from run_queries import TOP, found_in_top, sketch_vectors  # noqa: E402

import sbkit  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402

WEIGHTS = positive_numbers("--weights", float, "0.5,1")


@torch.inference_mode()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+", help="run folders trained and indexed on a catalogue with drawings")
    parser.add_argument("--weights", type=WEIGHTS, default=WEIGHTS("0.25,0.5,0.75,1,1.5"),
                        help="scales of the category word's vector before fusion, comma-separated (1: as searched)")
    args = parser.parse_args()

    print(f"| run | caption weight | R@{TOP} sketch only | with the category word | helped | hurt |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for run_dir in args.run_dirs:
        retriever = sbkit.Retriever.from_run(run_dir)
        model = retriever.run.model
        items = [item for item in (retriever.item(i) for i in retriever.index.ids)
                 if item and item.sketch and item.category]
        if not items:
            parser.error(f"{run_dir}: no test item has both a drawn sketch and a category")
        drawn = sketch_vectors(retriever, (read_image(item.sketch) for item in items))
        words = model.encoder.encode_text([item.category for item in items])
        ids = [item.id for item in items]
        alone = found_in_top(retriever, model.fuse(drawn, None), ids)
        for weight in args.weights:
            with_word = found_in_top(retriever, model.fuse(drawn, weight * words), ids)
            print(f"| {run_dir} | {weight:g} | {alone.mean():.3f} | {with_word.mean():.3f} | "
                  f"{int((with_word & ~alone).sum())} | {int((alone & ~with_word).sum())} |")


if __name__ == "__main__":
    main()
