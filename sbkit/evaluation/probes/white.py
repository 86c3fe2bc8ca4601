"""Probe 5: white items on white; do CLAHE edges trace them better, and do they retrieve better as queries?"""

from __future__ import annotations

import torch

from sbkit.components import Sketchifier
from sbkit.data.catalogue import CatalogueItem
from sbkit.data.demo import LIGHT_COLOURS
from sbkit.data.images import read_image, sketch_input
from sbkit.errors import SbkitError
from sbkit.evaluation.edges import METRICS, edge_scores, grouped
from sbkit.evaluation.plots import bar_chart
from sbkit.evaluation.probes.common import ProbeContext, ProbeSection, product_ranks, recalls
from sbkit.evaluation.tables import markdown_table

KEY = "white"
TITLE = "White items"
NEEDS = ("colour",)
CHART = "probe-white.png"
DEFAULT_SKETCHIFIERS = ("canny", "canny-clahe")
MODES = ("sketch", "sketch+text")


def default_sketchifiers(ctx: ProbeContext) -> dict[str, Sketchifier]:
    """``canny`` and ``canny-clahe`` from the registry; the run's own sketchifier keeps the run's params."""
    from sbkit.registry import create

    run = ctx.config.sketchifier
    return {name: create("sketchifier", name, run.params if name == run.name else {})
            for name in DEFAULT_SKETCHIFIERS}


def query_sketches(ctx: ProbeContext, items: list[CatalogueItem], sketchifier: Sketchifier) -> torch.Tensor:
    """(N, 1, S, S) uint8 sketches of ``items``' photos, made and normalised exactly as for training."""
    out = []
    for item in items:
        out.append(ctx.normalise(sketchifier(sketch_input(read_image(item.image)), item.caption)))
    return torch.cat(out)


def _edges(items: list[CatalogueItem], sketchifiers: dict[str, Sketchifier]) -> dict[str, dict[str, dict]]:
    """``{colour: {label: {recall, precision, f1, items}}}`` plus an ``all light`` row."""
    scores = edge_scores(items, sketchifiers)
    by_colour = grouped(items, scores, "colour")
    by_colour["all light"] = {
        label: {m: sum(s[m] for s in per_item) / len(per_item) for m in METRICS} | {"items": len(per_item)}
        for label, per_item in scores.items()}
    return by_colour


def verdict(what: str, values: dict[str, float]) -> str:
    """One sentence naming the best label for ``what`` (or the tie), with every value."""
    best = max(values.values())
    leaders = [label for label, value in values.items() if abs(value - best) < 1e-9]
    outcome = f"`{leaders[0]}` wins" if len(leaders) == 1 else " and ".join(f"`{x}`" for x in leaders) + " tie"
    return f"{what}: {outcome} ({', '.join(f'{k} {v:.3f}' for k, v in values.items())})."


def run(ctx: ProbeContext) -> ProbeSection:
    """Edge quality per light colour and R@1/R@10 of light-item queries, per sketchifier in ``ctx``."""
    rows = [r for r, item in enumerate(ctx.test.items) if item.attributes.get("colour") in LIGHT_COLOURS]
    if not rows:
        return ProbeSection(KEY, TITLE, note=f"the test split has no items in {', '.join(LIGHT_COLOURS)}")
    sketchifiers = ctx.sketchifiers
    if sketchifiers is None:
        try:
            sketchifiers = default_sketchifiers(ctx)
        except SbkitError as exc:  # a disabled plugin: the rest of the report still comes out
            return ProbeSection(KEY, TITLE, note=f"the sketchifiers {', '.join(DEFAULT_SKETCHIFIERS)} are not "
                                                 f"available ({exc})")
    items = [ctx.test.items[r] for r in rows]
    labels = ctx.test.labels
    masked = [item for item in items if item.attributes.get("mask")]
    edges = _edges(masked, sketchifiers) if masked else {}

    retrieval: dict[str, dict[str, dict[str, float]]] = {}
    for label, sketchifier in sketchifiers.items():
        sketches = query_sketches(ctx, items, sketchifier)
        retrieval[label] = {}
        for mode in MODES:
            texts = [item.caption for item in items] if mode == "sketch+text" else None
            ranks = product_ranks(ctx.embed(sketches, texts), ctx.gallery, labels[rows], labels)
            retrieval[label][mode] = recalls(ranks)
    numbers = {"items": len(rows), "colours": sorted({str(i.attributes["colour"]) for i in items}),
               "edges": edges, "retrieval": retrieval}

    groups: dict[str, dict[str, float]] = {f"edge F1 {colour}": {label: v["f1"] for label, v in by_label.items()}
                                           for colour, by_label in edges.items() if colour != "all light"}
    groups.update({f"R@10 {mode}": {label: retrieval[label][mode]["R@10"] for label in sketchifiers}
                   for mode in MODES})
    chart = bar_chart(groups, ctx.out_dir / CHART, f"Light items ({len(rows)} test queries): edges and retrieval",
                      "F1 / recall")

    lines = [
        (f"The {len(rows)} test items in {', '.join(LIGHT_COLOURS)} are sketched by "
         f"{' and '.join(f'`{s}`' for s in sketchifiers)}. (a) Edge quality: outline recall, precision and F1 of "
         "each sketch against the item's true silhouette (`sbkit.evaluation.edges`, 2 px tolerance). "
         "(b) Retrieval: the same sketches, normalised like training sketches, query the whole test gallery "
         "with the same trained model."),
        "",
    ]
    verdicts = []
    if edges:
        table = [{"colour": colour, "items": next(iter(by_label.values()))["items"],
                  **{f"{label} {m}": v[m] for label, v in by_label.items() for m in METRICS}}
                 for colour, by_label in edges.items()]
        columns = ["colour", "items", *(f"{label} {m}" for label in sketchifiers for m in METRICS)]
        lines += ["**(a) Edge quality**", "", markdown_table(table, columns)]
        overall = {label: v["f1"] for label, v in edges["all light"].items()}
        verdicts.append(verdict("Edge F1 on light items", overall))
    else:
        lines += ["(a) Edge quality is left out: the light items have no `mask` attribute.", ""]
    table = [{"sketchifier": label, **{f"{mode} {k}": v for mode in MODES for k, v in by_mode[mode].items()}}
             for label, by_mode in retrieval.items()]
    columns = ["sketchifier", *(f"{m} R@{k}" for m in MODES for k in (1, 10))]
    lines += ["**(b) Retrieval**", "", markdown_table(table, columns)]
    for mode in MODES:
        at10 = {label: retrieval[label][mode]["R@10"] for label in sketchifiers}
        verdicts.append(verdict(f"{mode} R@10 on light items", at10))
    if ctx.config.sketchifier.name in sketchifiers:
        verdicts.append(f"The model was trained on `{ctx.config.sketchifier.name}` sketches, which favours that "
                        "sketchifier's queries in (b).")
    lines += [" ".join(verdicts), "", f"![light items: edge F1 and R@10 per sketchifier]({CHART})"]
    return ProbeSection(KEY, TITLE, numbers, "\n".join(lines), [chart])
