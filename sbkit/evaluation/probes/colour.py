"""Probe 2: one trouser drawing with each colour named in the caption; does the colour steer the results?

It runs on any catalogue whose test gallery has ``trouser`` items and a ``colour`` on every item, and asks for
the gallery's own colours (a user catalogue with a ``colour`` column gets its colours asked, not the demo's).
"""

from __future__ import annotations

from sbkit.data.demo import COLOURS, draw_sketch, make_spec
from sbkit.evaluation.contact_sheet import SheetRow, contact_sheet
from sbkit.evaluation.plots import bar_chart
from sbkit.evaluation.probes.common import ProbeContext, ProbeSection, photo, share, top_k
from sbkit.evaluation.tables import markdown_table

KEY = "colour_swap"
TITLE = "Colour swap"
NEEDS = ("colour",)
CHART = "probe-colour.png"
SHEET = "probe-colour-sheet.png"
SHEET_COLOURS = ("white", "black", "red", "sky blue", "mustard")
SHEET_RESULTS = 5
QUERY_CATEGORY = "trouser"  # what the drawing shows
STREAM = 2


def caption(colour: str) -> str:
    """The query caption for ``colour``."""
    return f"a long {colour} trouser"


def colours_held(ctx: ProbeContext) -> list[str]:
    """The colours the test gallery holds: the demo's in the demo's order, then any others alphabetically."""
    present = {str(c) for c in ctx.attribute("colour") if c}
    return [c for c in COLOURS if c in present] + sorted(present - set(COLOURS))


def unfit(ctx: ProbeContext) -> str | None:
    """Why the probe means nothing on this gallery (no trousers to draw, fewer than two colours), or None."""
    categories = sorted({str(item.category) for item in ctx.test.items if item.category})
    if QUERY_CATEGORY not in categories:
        return (f"it sends a drawn long {QUERY_CATEGORY} and the test gallery has no `{QUERY_CATEGORY}` items "
                f"(its categories: {', '.join(categories[:8]) or 'none'}{', ...' if len(categories) > 8 else ''})")
    if len(colours_held(ctx)) < 2:
        return "the test gallery has fewer than two colours, so there is no colour to swap"
    return None


def run(ctx: ProbeContext) -> ProbeSection:
    """Share of the top 10 in the asked colour, per colour of the gallery, beside that colour's gallery share."""
    rng = ctx.rng(STREAM)
    spec = make_spec(rng, category=QUERY_CATEGORY, length="long", image_size=ctx.native_size)
    drawing = ctx.normalise(draw_sketch(spec, rng))
    colours = colours_held(ctx)
    queries = ctx.embed(drawing.expand(len(colours), -1, -1, -1), [caption(c) for c in colours])
    found = top_k(queries, ctx.gallery, ctx.k)
    gallery_colours = ctx.attribute("colour")
    categories = [item.category for item in ctx.test.items]
    per_colour, chance, trousers = {}, {}, {}
    for colour, rows in zip(colours, found.tolist()):
        per_colour[colour] = share([gallery_colours[r] for r in rows], colour)
        chance[colour] = share(gallery_colours, colour)
        trousers[colour] = share([categories[r] for r in rows], QUERY_CATEGORY)
    mean = sum(per_colour.values()) / len(colours)
    mean_chance = sum(chance.values()) / len(colours)
    numbers = {"mean": mean, "chance": mean_chance, "k": ctx.k, "per_colour": per_colour,
               "chance_per_colour": chance, "trouser_share": sum(trousers.values()) / len(colours)}

    chart = bar_chart({c: {f"top-{ctx.k} share": per_colour[c], "gallery share (chance)": chance[c]}
                       for c in colours}, ctx.out_dir / CHART,
                      f"Colour swap: share of the top {ctx.k} in the asked colour", "share")
    rows = []
    for colour in [c for c in SHEET_COLOURS if c in colours] or colours[:len(SHEET_COLOURS)]:
        result_rows = found[colours.index(colour), :SHEET_RESULTS].tolist()
        rows.append(SheetRow(
            query_sketch=drawing[0, 0].numpy(), caption=caption(colour),
            results=[photo(ctx.test, r) for r in result_rows],
            hits=[gallery_colours[r] == colour for r in result_rows],
            labels=[str(gallery_colours[r]) for r in result_rows]))
    sheet = contact_sheet(rows, ctx.out_dir / SHEET,
                          title="One trouser drawing, one colour per caption (green frame: the asked colour)")

    table = markdown_table(
        [{"colour": c, f"top-{ctx.k} share": per_colour[c], "chance": chance[c],
          f"trousers in top {ctx.k}": trousers[c]} for c in colours]
        + [{"colour": "mean", f"top-{ctx.k} share": mean, "chance": mean_chance,
            f"trousers in top {ctx.k}": numbers["trouser_share"]}],
        ["colour", f"top-{ctx.k} share", "chance", f"trousers in top {ctx.k}"])
    lift = mean / mean_chance if mean_chance > 0 else float("nan")
    markdown = "\n".join([
        (f"One drawn long trouser is sent {len(colours)} times, with the caption \"{caption('<colour>')}\" for "
         f"each colour. The score is the share of the top {ctx.k} whose colour is the asked one; chance is that "
         "colour's share of the gallery. A model that ignores the caption scores chance on average."),
        "",
        table,
        f"Mean share {mean:.3f} against chance {mean_chance:.3f} ({lift:.1f}x).",
        "",
        f"![colour swap: share per colour]({CHART})",
        "",
        f"![colour swap: top {SHEET_RESULTS} per colour]({SHEET})",
    ])
    return ProbeSection(KEY, TITLE, numbers, markdown, [chart, sheet])
