"""Edge quality of each sketchifier on the demo catalogue, per colour: where does CLAHE help white items?

    python benchmarks/edge_quality.py [--size 600] [--tolerance 2] [--markdown docs/edge-quality-table.md]

The demo catalogue knows every item's true silhouette. For each sketchifier, outline recall (share of the
true outline with ink within `tolerance` px), precision (share of ink near the outline) and F1 are averaged
per colour, with captions given to the sketchifiers as a run would. It then counts, on the light colours
(white, ivory, cream, light grey) and on the rest, the items where `canny-clahe` beats plain `canny` on F1
by more than 0.02, ties, or loses.
"""

from __future__ import annotations


from rich.console import Console
from rich.table import Table

from sbkit.data.demo import LIGHT_COLOURS
from sbkit.evaluation.edges import edge_benchmark_parser, edge_scores, grouped, wins
from sbkit.evaluation.tables import markdown_table
from sbkit.io import atomic_write_text
from sbkit.registry import create

SKETCHIFIERS = {
    "canny": ("canny", {}),
    "canny-clahe": ("canny-clahe", {}),
    "canny-clahe (hist)": ("canny-clahe", {"equalize": "hist"}),
    "canny-clahe (image only)": ("canny-clahe", {"adaptive": "image"}),
    "xdog": ("xdog", {}),
    "sobel": ("sobel", {}),
}


def main() -> None:
    args = edge_benchmark_parser(__doc__).parse_args()

    items = create("dataset", "demo", {"size": args.size, "seed": args.seed}).load().items
    sketchifiers = {label: create("sketchifier", name, params) for label, (name, params) in SKETCHIFIERS.items()}
    scores = edge_scores(items, sketchifiers, args.tolerance)
    by_colour = grouped(items, scores, "colour")

    rows = []
    for colour, by_label in by_colour.items():
        row = {"colour": colour + (" (light)" if colour in LIGHT_COLOURS else ""), "items": by_label["canny"]["items"]}
        row.update({label: f"{v['f1']:.3f} ({v['recall']:.2f}/{v['precision']:.2f})" for label, v in by_label.items()})
        rows.append(row)
    columns = ["colour", "items", *SKETCHIFIERS]
    light = [r for r, item in enumerate(i for i in items if i.attributes.get("mask"))
             if item.attributes["colour"] in LIGHT_COLOURS]
    other = [r for r in range(len(scores["canny"])) if r not in set(light)]
    duel = [{"items": name, **wins(scores, "canny-clahe", "canny", subset)}
            for name, subset in (("light colours", light), ("other colours", other))]

    console = Console()
    table = Table(title=f"Edge F1 (recall/precision) per colour, tolerance {args.tolerance:g} px, "
                        f"{len(scores['canny'])} demo items")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)
    console.print("canny-clahe vs canny on F1 (margin 0.02):")
    for row in duel:
        console.print(f"  {row['items']}: wins {row['wins']}, ties {row['ties']}, losses {row['losses']}")
    if args.markdown:
        text = "\n".join([
            f"Edge F1 (outline recall / precision) per colour, tolerance {args.tolerance:g} px, "
            f"{len(scores['canny'])} demo items (seed {args.seed}).",
            "", markdown_table(rows, columns), "",
            "`canny-clahe` against `canny`, item by item on F1 (margin 0.02):", "",
            markdown_table(duel, ["items", "wins", "ties", "losses"]), "",
        ])
        atomic_write_text(args.markdown, text)


if __name__ == "__main__":
    main()
