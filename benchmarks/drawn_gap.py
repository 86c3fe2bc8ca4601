"""What costs a demo run's drawings their first place: errors of shape, the hand, or what a drawing never shows.

    python benchmarks/drawn_gap.py RUN_DIR [--drawings N] [--limit N] [--markdown PATH] [--sheet PNG]

A demo drawing is made from its item's hidden spec, never from the photo: each shape param is misjudged by up
to 10%, the whole is stretched sideways by up to 6% and turned by up to 6 degrees (the photo is turned by up to
4 degrees of its own), and the outline is drawn in one to three wobbly strokes that sometimes overshoot or stop
short, with one or two construction lines (:mod:`sbkit.data.demo.drawn`). This script draws every test item of
a demo run again with the demo's drawing program, switching those errors off one at a time with the same
random numbers otherwise, then, with no error of shape left and the item turned as in its photo, changes the
hand. Beside them rank the demo's own drawings, the exact outline of the photo's own silhouette (the demo's
mask), and the run's sketchifier applied to each photo (for ``outline``, also with no interior lines). Every
query is searched through `sbkit.Retriever`, sketch only, as `sbkit search` does; R@1 is also given for plain
items and for patterned ones apart. A row that gains much over "every error" names an error that costs
drawings their first place; what a drawing with no error at all still loses against the sketchifier is what
a sketch made from the photo itself carries and a drawing does not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_run import open_demo_run  # noqa: E402 - a sibling script, not a package

import sbkit  # noqa: E402
from sbkit.data.demo.drawn import DrawingErrors, draw_sketch  # noqa: E402
from sbkit.data.demo.specs import SKETCH_STREAM, ItemSpec, item_rng, sample_spec  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.evaluation.contact_sheet import photo_sketch_grid  # noqa: E402
from sbkit.evaluation.tables import print_table  # noqa: E402
from sbkit.progress import progress_bar  # noqa: E402
from sbkit.registry import create  # noqa: E402

AS_DRAWN, SKETCHIFIER = "the demo's drawings", "the run's sketchifier"
MASK_OUTLINE = "the photo's own outline (its mask's contour)"
SKETCHIFIER_OUTLINE = "the run's sketchifier, outline only (interior 0)"
REDRAWN = 1 + SKETCH_STREAM  # the stream of the redrawings, apart from the demo's own drawings


def as_photographed(spec: ItemSpec, **hand) -> DrawingErrors:
    """No errors of shape, the item turned as in its photo, and the hand as given."""
    return DrawingErrors(proportion=0.0, stretch=0.0, turn=0.0, angle=spec.pose.angle, **hand)


# Redrawings: label -> the errors given the item's spec. The first rows switch shape errors off; the rest keep
# none of them, the item turned as in its photo, and change the hand.
SETTINGS: dict[str, Callable[[ItemSpec], DrawingErrors]] = {
    "every error (redrawn)": lambda spec: DrawingErrors(),
    "proportions exact": lambda spec: DrawingErrors(proportion=0.0),
    "no stretch or turn, upright": lambda spec: DrawingErrors(stretch=0.0, turn=0.0),
    "no stretch or turn, turned as the photo": lambda spec: DrawingErrors(stretch=0.0, turn=0.0,
                                                                          angle=spec.pose.angle),
    "no shape errors, upright": lambda spec: DrawingErrors(proportion=0.0, stretch=0.0, turn=0.0),
    "no shape errors, turned as the photo": as_photographed,
    "... and no wobble": lambda spec: as_photographed(spec, wobble=0.0),
    "... and no overshoot or gap": lambda spec: as_photographed(spec, ends=False),
    "... and the outline only": lambda spec: as_photographed(spec, lines="none"),
    "... and every line the photo shows": lambda spec: as_photographed(spec, lines="all"),
    "... and a steady hand with every line": lambda spec: as_photographed(spec, wobble=0.0, ends=False, lines="all"),
}
SHEET_ITEMS = 6


def mask_outline(item: sbkit.data.catalogue.CatalogueItem) -> np.ndarray:
    """The outer contour of the item's true silhouette (the demo's mask), 1 px dark on white."""
    mask = read_image(Path(item.image).parents[1] / item.attributes["mask"])
    mask = mask if mask.ndim == 2 else mask[..., 0]
    contours, _ = cv2.findContours((mask >= 128).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return cv2.drawContours(np.full(mask.shape, 255, np.uint8), contours, -1, 0, 1)


def fixed_queries(item: sbkit.data.catalogue.CatalogueItem, photo: np.ndarray,
                  sketchifiers: dict[str, Callable]) -> dict[str, np.ndarray]:
    """One item's query sketches that do not change between redrawings, by label: the demo's drawing, the
    photo's own outline and the sketchifiers'."""
    return ({AS_DRAWN: read_image(item.sketch), MASK_OUTLINE: mask_outline(item)}
            | {label: sketchifier(photo) for label, sketchifier in sketchifiers.items()})


def redrawings(spec: ItemSpec, seed: int, index: int, drawing: int) -> dict[str, np.ndarray]:
    """Redrawing number ``drawing`` of one item in every setting, by label, each from the same random numbers."""
    return {label: draw_sketch(spec, item_rng(seed, index, REDRAWN, drawing), errors(spec))
            for label, errors in SETTINGS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on the demo catalogue")
    parser.add_argument("--drawings", type=int, default=1,
                        help="redrawings of each item per setting, each a query (default 1)")
    parser.add_argument("--limit", type=int, default=0, help="search only the first N test items (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    parser.add_argument("--sheet", type=Path, help=f"also draw the first {SHEET_ITEMS} items in every setting (a "
                        "PNG; its columns are numbered as the table's rows)")
    args = parser.parse_args()
    if args.drawings < 1:
        parser.error(f"--drawings {args.drawings}: give at least 1")

    retriever, seed, size, items = open_demo_run(parser, args.run_dir)
    config = retriever.run.config
    items = items[: args.limit] if args.limit > 0 else items
    params = dict(config.sketchifier.params)
    sketchifiers = {SKETCHIFIER: create("sketchifier", config.sketchifier.name, params)}
    if config.sketchifier.name == "outline":
        sketchifiers[SKETCHIFIER_OUTLINE] = create("sketchifier", "outline", params | {"interior": 0})

    labels = [AS_DRAWN, *SETTINGS, MASK_OUTLINE, *sketchifiers]
    patterned = np.array([item.attributes.get("pattern", "plain") != "plain" for item in items])
    ranks: dict[str, list[int]] = {label: [] for label in labels}
    sheet: dict[str, list[np.ndarray]] = {"photo": []} | {label: [] for label in labels}
    with progress_bar("drawing errors", len(items) * args.drawings) as advance:
        for item in items:
            index = int(item.id.split("-")[-1])
            spec = sample_spec(seed, index, size, config.data.params.get("image_size", 128))
            photo = read_image(item.image)
            shown = len(sheet["photo"]) < SHEET_ITEMS
            for drawing in range(args.drawings):
                asked = redrawings(spec, seed, index, drawing)
                if not drawing:
                    asked |= fixed_queries(item, photo, sketchifiers)
                for label, sketch in asked.items():
                    result = retriever.search(sketch=sketch, k=len(retriever), mode="sketch")
                    ranks[label].append([hit.id for hit in result.hits].index(item.id) + 1)
                    if shown and not drawing:
                        sheet[label].append(result.sketch)  # as the model was given it
                advance(1)
            if shown:
                sheet["photo"].append(photo)

    sketchifier_r1 = float(np.mean(np.asarray(ranks[SKETCHIFIER]) == 1))
    rows = []
    for label in labels:
        rank = np.asarray(ranks[label]).reshape(len(items), -1)  # item by drawing
        r1 = float(np.mean(rank == 1))
        rows.append({"#": str(len(rows) + 1), "queries": label, "count": rank.size, "R@1": r1,
                     "R@10": float(np.mean(rank <= 10)), "median rank": float(np.median(rank)),
                     "R@1 / sketchifier's": r1 / max(sketchifier_r1, 1e-9),
                     "R@1 plain": float(np.mean(rank[~patterned] == 1)) if (~patterned).any() else float("nan"),
                     "R@1 patterned": float(np.mean(rank[patterned] == 1)) if patterned.any() else float("nan")})
    columns = ["#", "queries", "count", "R@1", "R@10", "median rank", "R@1 / sketchifier's", "R@1 plain",
               "R@1 patterned"]
    title = (f"Sketch-only retrieval of {len(items)} demo test items, drawn with errors switched off "
             f"(run {args.run_dir}, {len(retriever)} items in the gallery)")
    print_table(title, rows, columns, args.markdown, left=["queries"])
    if args.sheet:
        numbered = {"photo": sheet.pop("photo")} | {str(labels.index(label) + 1): images
                                                    for label, images in sheet.items()}
        Console().print(f"sheet: {photo_sketch_grid(numbered, args.sheet, thumb=112)}")


if __name__ == "__main__":
    main()
