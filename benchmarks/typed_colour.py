"""Whether the results wear the colour a shopper types beside a drawing ("a black handbag").

    python benchmarks/typed_colour.py RUN_DIR [--weights 1,1.5,2,3] [--colour-weights 0,0.1,0.2] [--limit N]
                                              [--markdown PATH]

Every test item with a drawn sketch and a ``colour`` attribute is searched through the run's model and index
with its drawing and the caption "a {colour} {category}", read as `sbkit search` reads a caption; then with the
run's sketchifier applied to its photo and the same caption, and with the caption alone. For each it reports how
often the first hit has the typed colour, what share of the first 10 has the typed colour and category, and the
most that share can be (the index's items of that colour and category, up to 10, averaged over the queries),
what share of the first 10 has the typed category (a colour term that lifts other kinds of item of that colour
shows there), with R@1 and R@10 of the item itself. The caption's vector is scaled by each ``--weights`` before
fusion (1 is what `sbkit search` does); the last column gives drawn R@10 with the category word alone ("boot", as
the run report's probe asks) at the same weight, beside the drawing alone, so a weight that honours colours by
drowning the drawing shows.

Each ``--colour-weights`` value is search's colour term (``sbkit search --colour-weight``: the photos' own colours
against the colour named, :mod:`sbkit.retrieval.photo_colours`; 0 is the model alone). At caption weight 1 the
queries are also asked with their items' own catalogue captions ("full caption"), the sketch+text queries of the
run's report, so the term's effect on finding the item itself shows too.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from number_lists import positive_numbers  # noqa: E402 - a sibling script, not a package
from run_queries import TOP, found_in_top, sketch_vectors  # noqa: E402

import sbkit  # noqa: E402
from sbkit.data.catalogue import CatalogueItem  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.evaluation.tables import print_table  # noqa: E402
from sbkit.registry import create  # noqa: E402

WEIGHTS = positive_numbers("--weights", float, "1,2")
COLOUR_WEIGHTS = positive_numbers("--colour-weights", float, "0,0.1", allow_zero=True)
COLUMNS = ["query", "caption weight", "colour term", "queries", "first hit of the typed colour",
           f"typed colour and category in the first {TOP}", "at most", f"typed category in the first {TOP}", "R@1",
           f"R@{TOP}", f"drawn R@{TOP}: alone / with the category word"]


def colour_of(item: CatalogueItem) -> str | None:
    return (item.attributes or {}).get("colour")


class Searcher:
    """Captions read and embedded as search does them, and queries searched in the run's index and scored against
    the colour and category typed."""

    def __init__(self, retriever: sbkit.Retriever, items: list[CatalogueItem]) -> None:
        self.retriever, self.items = retriever, items
        self.model = retriever.run.model
        groups = Counter((colour_of(item), item.category)
                         for item in (retriever.item(i) for i in retriever.index.ids) if item)
        self.most = float(np.mean([min(TOP, groups[(colour_of(item), item.category)]) / TOP for item in items]))

    @torch.inference_mode()
    def texts(self, captions: list[str]) -> tuple[torch.Tensor, list[np.ndarray | None]]:
        """The captions' vectors, read as search reads them, and the CIELAB of the colour each names."""
        read = [self.retriever.read_caption(c)[0] for c in captions]
        named = [self.retriever.colour_reader.main_colour(text) for text in read]
        return self.model.encoder.encode_text(read), [None if n is None else n[1] for n in named]

    @torch.inference_mode()
    def score(self, queries: torch.Tensor, named: list[np.ndarray | None], colour_weight: float) -> dict[str, float]:
        hits = [ids for _, ids in self.retriever.ranked(queries, TOP, named, colour_weight)]
        colour, both, category, first, top = [], [], [], [], []
        for item, row in zip(self.items, hits):
            found = [self.retriever.item(i) for i in row]
            colour.append(colour_of(found[0]) == colour_of(item))
            both.append(np.mean([colour_of(f) == colour_of(item) and f.category == item.category for f in found]))
            category.append(np.mean([f.category == item.category for f in found]))
            first.append(row[0] == item.id)
            top.append(item.id in row)
        return {"queries": len(self.items), "first hit of the typed colour": float(np.mean(colour)),
                f"typed colour and category in the first {TOP}": float(np.mean(both)), "at most": self.most,
                f"typed category in the first {TOP}": float(np.mean(category)),
                "R@1": float(np.mean(first)), f"R@{TOP}": float(np.mean(top))}

    def top_share(self, queries: torch.Tensor) -> float:
        """The share of the queries whose own item is among their first :data:`TOP` results."""
        return float(found_in_top(self.retriever, queries, [item.id for item in self.items]).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on a catalogue with drawings and colours")
    parser.add_argument("--weights", type=WEIGHTS, default=WEIGHTS("1,1.5,2,3"),
                        help="scales of the caption's vector before fusion, comma-separated (1: as searched)")
    parser.add_argument("--colour-weights", type=COLOUR_WEIGHTS, default=COLOUR_WEIGHTS("0,0.1"),
                        help="weights of search's colour term, comma-separated (0: the model alone; 0.1: as "
                             "searched)")
    parser.add_argument("--limit", type=int, default=0, help="search only the first N test items (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write the table here as Markdown")
    args = parser.parse_args()

    retriever = sbkit.Retriever.from_run(args.run_dir)
    items = [item for item in (retriever.item(i) for i in retriever.index.ids)
             if item and item.sketch and item.category and colour_of(item)]
    items = items[: args.limit] if args.limit > 0 else items
    if not items:
        parser.error(f"{args.run_dir}: no test item has a drawn sketch, a category and a colour attribute")
    config = retriever.run.config
    sketchifier = create("sketchifier", config.sketchifier.name, dict(config.sketchifier.params))
    searcher = Searcher(retriever, items)
    drawn = sketch_vectors(retriever, (read_image(item.sketch) for item in items))
    traced = sketch_vectors(retriever, (sketchifier(read_image(item.image)) for item in items))
    captions, named = searcher.texts([f"a {colour_of(item)} {item.category}" for item in items])
    full, full_named = searcher.texts([item.caption for item in items])
    words, _ = searcher.texts([str(item.category) for item in items])  # the bare word, as the report's probe asks
    fuse = searcher.model.fuse
    alone = searcher.top_share(fuse(drawn, None))
    probe_column = f"drawn R@{TOP}: alone / with the category word"
    probes = {weight: f"{alone:.3f} / {searcher.top_share(fuse(drawn, weight * words)):.3f}"  # no colour term in it
              for weight in args.weights}

    rows = []
    for colour_weight in args.colour_weights:
        term = f"{colour_weight:g}"
        rows.append({"query": "caption alone", "caption weight": "", "colour term": term,
                     **searcher.score(fuse(None, captions), named, colour_weight), probe_column: ""})
        for weight in args.weights:
            for label, sketches in (("drawn + caption", drawn), (f"{config.sketchifier.name} + caption", traced)):
                scores = searcher.score(fuse(sketches, weight * captions), named, colour_weight)
                rows.append({"query": label, "caption weight": f"{weight:g}", "colour term": term, **scores,
                             probe_column: probes[weight] if sketches is drawn else ""})
        for label, sketches in (("drawn + full caption", drawn), (f"{config.sketchifier.name} + full caption",
                                                                  traced)):
            rows.append({"query": label, "caption weight": "1", "colour term": term,
                         **searcher.score(fuse(sketches, full), full_named, colour_weight), probe_column: ""})
    print_table(f"{len(items)} test items of {args.run_dir}, captions \"a {{colour}} {{category}}\"", rows, COLUMNS,
                args.markdown, left=("query",))


if __name__ == "__main__":
    main()
