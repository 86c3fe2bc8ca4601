"""Probe 1: does a sketch plus a caption put the wanted item first, more often than either alone?"""

from __future__ import annotations

import numpy as np
import torch

from sbkit.evaluation.contact_sheet import SheetRow, contact_sheet
from sbkit.evaluation.probes.common import ProbeContext, ProbeSection, photo, product_ranks, top_k
from sbkit.evaluation.tables import markdown_table

KEY = "top1"
TITLE = "Sketch plus caption puts the target first"
NEEDS: tuple[str, ...] = ()
FIGURE = "probe-top1.png"
SHEET_EACH = 3  # successes and failures shown
SHEET_RESULTS = 5


def _sheet_rows(ctx: ProbeContext, queries: torch.Tensor, picks: list[int]) -> list[SheetRow]:
    test, labels = ctx.test, ctx.test.labels
    found = top_k(queries[picks], ctx.gallery, SHEET_RESULTS)
    rows = []
    for pick, result_rows in zip(picks, found.tolist()):
        scores = (queries[pick] @ ctx.gallery[result_rows].T).tolist()
        rows.append(SheetRow(
            query_sketch=ctx.query_sketches[pick, 0].numpy(), caption=test.captions[pick],
            results=[photo(test, r) for r in result_rows], hits=[bool(labels[r] == labels[pick]) for r in result_rows],
            labels=[f"{s:.2f}" for s in scores], query_image=photo(test, pick),
        ))
    return rows


def _spread(rows: list[int], count: int) -> list[int]:
    """Up to ``count`` evenly spaced members of ``rows``."""
    if len(rows) <= count:
        return rows
    return [rows[i] for i in np.linspace(0, len(rows) - 1, count).round().astype(int).tolist()]


def run(ctx: ProbeContext) -> ProbeSection:
    """Top-1 rate of sketch+text, sketch-only and text-only queries over the test gallery, and a contact sheet."""
    test = ctx.test
    sketches, labels = ctx.query_sketches, test.labels
    queries = {
        "sketch+text": ctx.embed(sketches, test.captions),
        "sketch": ctx.embed(sketches, None),
        "text": ctx.embed(None, test.captions),
    }
    ranks = {mode: product_ranks(q, ctx.gallery, labels, labels) for mode, q in queries.items()}
    same_product = (labels[:, None] == labels[None, :]).sum(dim=1).double()
    chance = float((same_product / len(labels)).mean())
    drawn = int(test.has_drawn.sum()) if test.drawn is not None else 0
    numbers = {f"top1_{mode}": float((r == 1).double().mean()) for mode, r in ranks.items()}
    numbers.update({"chance": chance, "queries": len(labels), "drawn_queries": drawn})

    hits = (ranks["sketch+text"] == 1).nonzero().squeeze(1).tolist()
    misses = (ranks["sketch+text"] != 1).nonzero().squeeze(1).tolist()
    picks = _spread(hits, SHEET_EACH) + _spread(misses, SHEET_EACH)
    figure = contact_sheet(
        _sheet_rows(ctx, queries["sketch+text"], picks), ctx.out_dir / FIGURE,
        title=f"Sketch + caption, top {SHEET_RESULTS}: {len(_spread(hits, SHEET_EACH))} rows with the target "
              f"first, then {len(_spread(misses, SHEET_EACH))} without")

    table = markdown_table(
        [{"query": mode, "top-1 rate": numbers[f"top1_{mode}"]} for mode in queries]
        + [{"query": "random ranking", "top-1 rate": chance}], ["query", "top-1 rate"])
    source = (f"drawn sketches for {drawn} of {len(labels)} queries, sketchifier sketches for the rest"
              if drawn else "sketchifier sketches (the test items have no drawn sketches)")
    verdict = ("Sketch plus caption puts the target first more often than either alone."
               if numbers["top1_sketch+text"] > max(numbers["top1_sketch"], numbers["top1_text"])
               else "Sketch plus caption does **not** beat the better single modality at top 1 here.")
    markdown = "\n".join([
        (f"Each test item queries the gallery of {len(labels)} photos with its caption and a sketch ({source}). "
         "A hit is a picture of the queried product at rank 1 (ties count against it)."),
        "",
        table,
        verdict,
        "",
        f"![sketch + caption: successes, then failures]({FIGURE})",
    ])
    return ProbeSection(KEY, TITLE, numbers, markdown, [figure])
