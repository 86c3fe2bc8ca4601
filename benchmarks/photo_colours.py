"""Whether search's colour term reads a photo's colour right on backgrounds other than studio white.

    python benchmarks/photo_colours.py [--size 600] [--seed 0] [--markdown PATH]

Each demo photo is put on each background of ``benchmarks/backgrounds.py`` (grey, dark and beige backdrops,
light from one side, a vignette, texture, close crops, a tall photo squared), and its item colour is read as
search reads it (:func:`sbkit.retrieval.photo_colours.item_colour`, with no silhouette given). The table gives the
share of photos whose colour is nearest (CIEDE2000, as search compares colours) to the product's own colour name
among the demo's colour names, beside the same with the median colour inside the true silhouette on white: the
most the names allow, since the survey's colour of a name is not the demo's palette colour.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backgrounds import BACKGROUNDS  # noqa: E402 - a sibling script, not a package

from sbkit.data.images import read_image  # noqa: E402
from sbkit.evaluation.tables import print_table  # noqa: E402
from sbkit.progress import progress_bar  # noqa: E402
from sbkit.registry import create  # noqa: E402
from sbkit.retrieval.colours import ColourReader  # noqa: E402
from sbkit.retrieval.photo_colours import colour_match, item_colour  # noqa: E402

TRUE_SILHOUETTE = "studio white, median inside the true silhouette"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=600, help="demo products to read")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args()
    from skimage.color import rgb2lab

    items = [item for item in create("dataset", "demo", {"size": args.size, "seed": args.seed}).load().items
             if item.attributes.get("mask") and item.attributes.get("colour")]
    reader = ColourReader(item.caption for item in items)
    names = reader.targets
    name_colours = np.stack([reader.main_colour(name)[1] for name in names])

    def named(lab: np.ndarray) -> str:  # the demo's colour name nearest to a CIELAB colour
        return names[int(np.argmax(colour_match(name_colours, lab)))]

    right = dict.fromkeys([TRUE_SILHOUETTE, *BACKGROUNDS], 0)
    rng = np.random.default_rng(args.seed)
    with progress_bar("photo colours", len(items)) as advance:
        for item in items:
            photo = read_image(item.image)
            mask = read_image(item.attributes["mask"])[..., 0]
            colour = item.attributes["colour"]
            right[TRUE_SILHOUETTE] += named(np.median(rgb2lab(photo)[mask > 127], axis=0)) == colour
            for background, place in BACKGROUNDS.items():
                shown, _ = place(photo.astype(np.float32), mask, rng)
                right[background] += named(item_colour(np.clip(shown, 0, 255).astype(np.uint8))) == colour
            advance(1)
    rows = [{"photo": label, "colour named right": count / len(items)} for label, count in right.items()]
    print_table(f"{len(items)} demo photos (seed {args.seed}), {len(reader.targets)} colour names", rows,
                ["photo", "colour named right"], args.markdown, left=("photo",))


if __name__ == "__main__":
    main()
