"""How search ranks a drawing of several views of one item side by side, as designers draw flats.

    python benchmarks/drawing_views.py RUN_DIR [--limit N] [--markdown PATH] [--sheet PNG]

A designer's technical flat shows the item from the front and from the back, side by side; a shopper may draw a
pair of shoes. A catalogue photo shows the item once. This draws every test item of a demo run again from its
drawing's strokes (the SVG the demo keeps beside each drawn sketch) in such layouts, 2 px lines on a white page,
and searches each, sketch only, through ``sbkit.Retriever``: once as search prepares a drawing, keeping its first
view (:mod:`sbkit.retrieval.views`), and once with that step switched off, the baseline, in the same run.

The back view is the front's mirror image: the demo draws no backs, and a garment's back has the front's outline.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_run import open_demo_run  # noqa: E402
from drawing_styles import Drawn, draw, svg_strokes  # noqa: E402

import sbkit.retrieval.query  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.evaluation.contact_sheet import photo_sketch_grid  # noqa: E402
from sbkit.evaluation.tables import print_table  # noqa: E402
from sbkit.progress import progress_bar  # noqa: E402
from sbkit.retrieval.query import prepare_query  # noqa: E402

VIEW, GAP, MARGIN = 360, 40, 50  # px: each view's square, the space between views, the page's margin


def mirrored(drawn: Drawn) -> Drawn:
    return drawn._replace(strokes=[np.column_stack([drawn.frame - s[:, 0], s[:, 1]]) for s in drawn.strokes])


def views(*drawings: Drawn) -> np.ndarray:
    """The drawings side by side on one page, each in a VIEW px square."""
    page = np.full((VIEW + 2 * MARGIN, 2 * MARGIN + len(drawings) * VIEW + (len(drawings) - 1) * GAP), 255, np.uint8)
    for number, drawn in enumerate(drawings):
        draw(drawn.strokes, drawn.frame, page.shape, (MARGIN + number * (VIEW + GAP), MARGIN, VIEW), 2, canvas=page)
    return page


LAYOUTS: dict[str, Callable[[Drawn], np.ndarray]] = {
    "one view": lambda d: views(d),
    "front and back": lambda d: views(d, mirrored(d)),
    "the same view twice": lambda d: views(d, d),
    "front, back and front": lambda d: views(d, mirrored(d), d),
}


def ranks_of(retriever, items, drawings: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    """Each layout's rank of every item's own photo, sketch only."""
    found = {label: [] for label in drawings}
    with progress_bar("search", len(items) * len(drawings)) as advance:
        for label, pages in drawings.items():
            for item, image in zip(items, pages):
                ids = [hit.id for hit in retriever.search(sketch=image, k=len(retriever), mode="sketch").hits]
                found[label].append(ids.index(item.id) + 1)
                advance(1)
    return {label: np.asarray(rank) for label, rank in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on the demo catalogue")
    parser.add_argument("--limit", type=int, default=0, help="search only the first N test items (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    parser.add_argument("--sheet", type=Path, help="also draw the first item in every layout, as searched")
    args = parser.parse_args()

    retriever, _, _, drawn = open_demo_run(parser, args.run_dir)
    items = [item for item in drawn if item.attributes.get("strokes")]
    items = items[: args.limit] if args.limit > 0 else items
    strokes = [Drawn(svg_strokes(item.attributes["strokes"]), read_image(item.sketch).shape[0]) for item in items]
    drawings = {label: [layout(d) for d in strokes] for label, layout in LAYOUTS.items()}
    kept = ranks_of(retriever, items, drawings)
    with mock.patch.object(sbkit.retrieval.query, "first_view", lambda ink: ink):
        whole = ranks_of(retriever, items, drawings)

    rows = [{"layout": label, "baseline R@1": float(np.mean(whole[label] == 1)),
             "baseline R@10": float(np.mean(whole[label] <= 10)), "R@1": float(np.mean(kept[label] == 1)),
             "R@10": float(np.mean(kept[label] <= 10)), "median rank": float(np.median(kept[label])),
             "R@10 x baseline": float(np.mean(kept[label] <= 10) / max(np.mean(whole[label] <= 10), 1e-9))}
            for label in LAYOUTS]
    title = (f"Sketch-only retrieval of {len(items)} demo test items drawn as views side by side (run "
             f"{args.run_dir}); baseline: every view kept")
    print_table(title, rows, list(rows[0]), args.markdown, left=["layout"])
    if args.sheet:
        config = retriever.run.config
        columns = {label: [pages[0], prepare_query(pages[0], config.image_size, config.line_width)]
                   for label, pages in drawings.items()}
        print(f"sheet: {photo_sketch_grid(columns, args.sheet, thumb=160)} ({items[0].id})")


if __name__ == "__main__":
    main()
