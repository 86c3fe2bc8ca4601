"""Probe 4: the same sketches with no caption, a one-word category caption, and the full caption."""

from __future__ import annotations

from sbkit.evaluation.plots import bar_chart
from sbkit.evaluation.probes.common import ProbeContext, ProbeSection, product_ranks, recalls
from sbkit.evaluation.tables import markdown_table

KEY = "caption"
TITLE = "Caption versus no caption"
NEEDS: tuple[str, ...] = ()
CHART = "probe-caption.png"
NONE, WORD, FULL = "no caption", "category word", "full caption"


def run(ctx: ProbeContext) -> ProbeSection:
    """R@1 and R@10 of every test drawing (sketchifier sketch where an item has none) with an empty, a one-word
    and the full caption."""
    test = ctx.test
    sketches, owners = ctx.every_query
    labels = test.labels[owners]
    categories = [item.category for item in test.items]
    texts: dict[str, list[str] | None] = {NONE: None}
    if all(categories):
        texts[WORD] = [str(categories[i]) for i in owners.tolist()]
    texts[FULL] = [test.captions[i] for i in owners.tolist()]
    results = {}
    for variant, captions in texts.items():
        ranks = product_ranks(ctx.embed(sketches, captions), ctx.gallery, labels, test.labels)
        results[variant] = recalls(ranks)
    numbers = {variant.replace(" ", "_"): values for variant, values in results.items()}
    numbers["queries"] = len(labels)
    if len(labels) != len(test.items):
        numbers["items"] = len(test.items)

    chart = bar_chart({variant: dict(values) for variant, values in results.items()}, ctx.out_dir / CHART,
                      "The same sketches with less and more caption", "recall")
    rows = [{"caption": variant, **values} for variant, values in results.items()]
    example = next((i for i, c in enumerate(categories) if c), 0)
    lines = [
        (f"Each of the {asking(len(labels), len(test.items))} is sent three ways: "
         "alone, through the fuser's missing-text path (\"no caption\"); with its category as a one-word caption "
         f"(\"{categories[example] or ''}\"); and with its full caption (\"{test.captions[example]}\"). "
         "The gap from no caption to the category word is what a single word buys; the gap from there to the "
         "full caption is what colour, length and brand words add."),
        "",
        markdown_table(rows, ["caption", "R@1", "R@10"]),
    ]
    if WORD not in texts:
        lines += ["The category-word caption is left out: some test items have no category.", ""]
    lines.append(f"![R@1 and R@10 by caption]({CHART})")
    return ProbeSection(KEY, TITLE, numbers, "\n".join(lines), [chart])


def asking(queries: int, items: int) -> str:
    """The query sketches in words, e.g. "1800 test sketches (every drawing of the 600 items, ...)"."""
    which = "drawn where there is one" if queries == items else f"every drawing of the {items} items"
    return f"{queries} test sketches ({which}; the sketchifier's for an item with none)"
