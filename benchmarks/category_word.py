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

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from number_lists import positive_numbers  # noqa: E402 - a sibling script, not a package

import sbkit  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.retrieval.query import prepare_query  # noqa: E402

TOP = 10
WEIGHTS = positive_numbers("--weights", float, "0.5,1")


@torch.inference_mode()
def found_in_top(retriever: sbkit.Retriever, queries: torch.Tensor, ids: list[str]) -> np.ndarray:
    """(Q,) bool: whether each query's item is among its first :data:`TOP` results."""
    _, hits = retriever.index.search(queries, TOP)
    return np.array([item_id in row for item_id, row in zip(ids, hits)])


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
        config, model = retriever.run.config, retriever.run.model
        items = [item for item in (retriever.item(i) for i in retriever.index.ids)
                 if item and item.sketch and item.category]
        if not items:
            parser.error(f"{run_dir}: no test item has both a drawn sketch and a category")
        sketches = torch.from_numpy(np.stack([prepare_query(read_image(item.sketch), config.image_size,
                                                            config.line_width) for item in items]))[:, None]
        sketch_vectors = torch.cat([model.encode_sketches(part) for part in sketches.split(64)])
        words = model.encoder.encode_text([item.category for item in items])
        ids = [item.id for item in items]
        alone = found_in_top(retriever, model.fuse(sketch_vectors, None), ids)
        for weight in args.weights:
            with_word = found_in_top(retriever, model.fuse(sketch_vectors, weight * words), ids)
            print(f"| {run_dir} | {weight:g} | {alone.mean():.3f} | {with_word.mean():.3f} | "
                  f"{int((with_word & ~alone).sum())} | {int((alone & ~with_word).sum())} |")


if __name__ == "__main__":
    main()
