"""Drawings that face the other way: retrieval when a shopper draws the item mirrored from its photos.

    python benchmarks/facing_either_way.py RUN_DIR [RUN_DIR ...] [--categories sneaker,boot]

People draw a shoe with its toe to the left or to the right, whichever way the catalogue photographs it. For
each run, every test item with a drawn sketch is searched through `sbkit.Retriever` (the API that `sbkit search`
and `sbkit serve` use) with its drawing as drawn and mirrored left-right, sketch only and with its caption; the
table gives R@1 / R@10 over the items of ``--categories`` (those that face one way; symmetric items look the
same mirrored) and over every item. Compare a run trained with `--mirror 0` to one with the default. Captions
rank by the model alone (no colour term: ``colour_weight=0``), as a run's own metrics do.
"""

from __future__ import annotations

import argparse

import numpy as np

QUERIES = {"as drawn": False, "mirrored": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+")
    parser.add_argument("--categories", default="sneaker,boot",
                        help="comma-separated categories whose items face one way [sneaker,boot]")
    args = parser.parse_args()
    import sbkit
    from sbkit.data.images import read_image

    facing = set(args.categories.split(","))
    print("| run | queries | sketches | sketch only R@1 / R@10 | sketch+text R@1 / R@10 |")
    print("| --- | --- | --- | ---: | ---: |")
    for run_dir in args.run_dirs:
        retriever = sbkit.Retriever.from_run(run_dir)
        items = [item for item in (retriever.item(i) for i in retriever.index.ids) if item and item.sketch]
        check_items = {"facing one way": [i for i in items if i.category in facing], "every item": items}
        for label, mirrored in QUERIES.items():
            ranks: dict[str, dict[str, int]] = {"sketch": {}, "sketch+text": {}}
            for item in items:
                drawing = read_image(item.sketch)
                drawing = np.ascontiguousarray(drawing[:, ::-1]) if mirrored else drawing
                for mode, text in (("sketch", None), ("sketch+text", item.caption)):
                    ids = [hit.id for hit in retriever.search(sketch=drawing, text=text, k=10, mode=mode,
                                                                      colour_weight=0).hits]
                    ranks[mode][item.id] = ids.index(item.id) if item.id in ids else 10
            for name, chosen in check_items.items():
                cells = []
                for mode in ("sketch", "sketch+text"):
                    found = np.array([ranks[mode][item.id] for item in chosen])
                    cells.append(f"{(found < 1).mean():.3f} / {(found < 10).mean():.3f}" if len(found) else "-")
                print(f"| {run_dir} | {name} ({len(chosen)}) | {label} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
