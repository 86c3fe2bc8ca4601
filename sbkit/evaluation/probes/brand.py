"""Probe 3: brand names in the caption; does "by Okoro" bring Okoro's items (its pattern) forward?

Its reading rests on the demo's brands, each of which stands for one surface pattern, and its queries are
drawings of the demo's categories; on a gallery with other brands, or none of those categories, it is left out.
"""

from __future__ import annotations

import torch

from sbkit.data.demo import BRANDS, CATEGORIES, draw_sketch, make_spec
from sbkit.evaluation.plots import bar_chart
from sbkit.evaluation.probes.common import ProbeContext, ProbeSection, share, top_k, with_article
from sbkit.evaluation.tables import markdown_table

KEY = "brand"
TITLE = "Brand names"
NEEDS = ("brand",)
CHART = "probe-brand.png"
STREAM = 3
FULL, ONLY = "category + brand", "brand only"


def _category_sketches(ctx: ProbeContext, categories: list[str]) -> torch.Tensor:
    """(C, 1, S, S): one drawing per category (no pattern is ever drawn, so one serves every brand)."""
    drawings = []
    for number, category in enumerate(categories):
        rng = ctx.rng(STREAM, number)
        drawings.append(ctx.normalise(draw_sketch(make_spec(rng, category=category, image_size=ctx.native_size),
                                                  rng)))
    return torch.cat(drawings)


def _categories(ctx: ProbeContext) -> list[str]:
    """The demo categories the test gallery holds, in the demo's order."""
    present = {item.category for item in ctx.test.items}
    return [c for c in CATEGORIES if c in present]


def unfit(ctx: ProbeContext) -> str | None:
    """Why the probe means nothing on this gallery (brands that are not the demo's, no demo category), or None."""
    foreign = sorted({str(b) for b in ctx.attribute("brand") if b} - set(BRANDS))
    if foreign:
        return (f"its reading rests on the demo's brands, each standing for one surface pattern, and the test "
                f"gallery's brands {', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''} are not among them")
    if not _categories(ctx):
        return f"it draws the demo's categories ({', '.join(CATEGORIES)}) and the test gallery has none of them"
    return None


def run(ctx: ProbeContext) -> ProbeSection:
    """Per brand: share of the top 10 by that brand, for "a {category} by {brand}" and for the brand alone."""
    categories = _categories(ctx)
    sketches = _category_sketches(ctx, categories)
    present = set(ctx.attribute("brand"))
    brands = [b for b in BRANDS if b in present]
    gallery_brands = ctx.attribute("brand")
    scores: dict[str, dict[str, float]] = {FULL: {}, ONLY: {}}
    for brand in brands:
        captions = {FULL: [f"{with_article(c)} by {brand}" for c in categories], ONLY: [brand] * len(categories)}
        for variant, texts in captions.items():
            found = top_k(ctx.embed(sketches, texts), ctx.gallery, ctx.k)
            shares = [share([gallery_brands[r] for r in rows], brand) for rows in found.tolist()]
            scores[variant][brand] = sum(shares) / len(shares)
    chance = {brand: share(gallery_brands, brand) for brand in brands}
    means = {variant: sum(values.values()) / len(brands) for variant, values in scores.items()}
    numbers = {"mean_category_brand": means[FULL], "mean_brand_only": means[ONLY],
               "chance": sum(chance.values()) / len(brands), "k": ctx.k, "categories": categories,
               "per_brand": {b: {"category_brand": scores[FULL][b], "brand_only": scores[ONLY][b],
                                 "chance": chance[b]} for b in brands}}

    chart = bar_chart({b: {f"sketch + {FULL}": scores[FULL][b], f"sketch + {ONLY}": scores[ONLY][b],
                           "gallery share (chance)": chance[b]} for b in brands},
                      ctx.out_dir / CHART, f"Brand names: share of the top {ctx.k} by the named brand", "share")
    rows = [{"brand": b, "pattern": BRANDS[b], FULL: scores[FULL][b], ONLY: scores[ONLY][b], "chance": chance[b]}
            for b in brands]
    rows.append({"brand": "mean", "pattern": "", FULL: means[FULL], ONLY: means[ONLY], "chance": numbers["chance"]})
    markdown = "\n".join([
        (f"A drawing of each of {len(categories)} categories is sent with \"a <category> by <brand>\" "
         f"({FULL}) and with the brand's name alone ({ONLY}). The score is the share of the top {ctx.k} made "
         "by the named brand, averaged over the categories; chance is the brand's share of the gallery. "
         "Each demo brand stands for one surface pattern, so a score above chance means the model has tied "
         "the name to what the brand's items look like."),
        "",
        markdown_table(rows, ["brand", "pattern", FULL, ONLY, "chance"]),
        f"![brand names: share of the top {ctx.k} by the named brand]({CHART})",
    ])
    return ProbeSection(KEY, TITLE, numbers, markdown, [chart])
