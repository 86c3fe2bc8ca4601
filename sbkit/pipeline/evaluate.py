"""Embed a gallery and its queries, then score each query mode with each sketch source."""

from __future__ import annotations

from collections.abc import Callable

import torch

from sbkit.data.rows import Rows
from sbkit.data.tensors import SplitTensors
from sbkit.evaluation.embed import batched, embed_gallery
from sbkit.evaluation.metrics import retrieval_metrics

MODES = ("sketch+text", "sketch", "text")
SOURCES = {"synthetic": "sketchifier sketches", "drawn": "drawn sketches"}


def has_captions(split: SplitTensors) -> bool:
    """Whether any item of ``split`` has a caption; without one, text and sketch+text queries measure nothing."""
    return any(caption.strip() for caption in split.captions)


def query_modes(split: SplitTensors, modes: tuple[str, ...] = MODES) -> tuple[str, ...]:
    """``modes`` without the text ones (text, sketch+text) where ``split`` has no caption."""
    return modes if has_captions(split) else tuple(mode for mode in modes if mode == "sketch")


def query_groups(split: SplitTensors, source: str) -> list[tuple[Rows | None, torch.Tensor]]:
    """What ``source`` (``synthetic``, ``drawn`` or ``caption``) asks with, as groups of sketch rows (None for
    captions alone), each with the item every row asks for (-1: a row that asks nothing, for an item with no
    drawing). Drawn sketches are every drawing of every item, the first of each and then the others, as
    Sketchy's and QMUL-Shoe-V2's protocols count every sketch as a query."""
    every = torch.arange(len(split.items))
    if source == "caption":
        return [(None, every)]
    if source == "synthetic":
        return [(split.sketches, every)]
    groups = [(split.drawn, torch.where(split.has_drawn, every, -1))]
    drawings = split.drawings()
    if drawings is not None and drawings.more is not None:
        groups.append((drawings.more, drawings.owners()))
    return groups


def ask(split: SplitTensors, source: str, embed: Callable[[Rows | None, torch.Tensor], torch.Tensor],
        queries_from: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(Q, D) query vectors of ``source`` and (Q,) the item each asks for, over :func:`query_groups`, limited to
    the items of ``queries_from`` (N,) bool; ``embed(sketches, owner)`` embeds one group."""
    asked = torch.ones(len(split.items), dtype=torch.bool) if queries_from is None else queries_from
    vectors, targets = [], []
    for sketches, owner in query_groups(split, source):
        keep = (owner >= 0) & asked[owner.clamp(min=0)]
        vectors.append(embed(sketches, owner)[keep])
        targets.append(owner[keep])
    return torch.cat(vectors), torch.cat(targets)


@torch.no_grad()
def embed_group(model, sketches: Rows | None, captions: list[str] | None, batch_size: int,
                device: torch.device) -> torch.Tensor:
    """Query vectors of ``sketches`` (None: none) with ``captions`` (None: none), row by row, in batches."""
    count = len(captions) if sketches is None else len(sketches)

    def one(rows: slice) -> torch.Tensor:
        sketch = sketches[rows].to(device) if sketches is not None else None
        text = captions[rows] if captions is not None else None
        return model.embed_queries(sketch, text).float().cpu()

    return batched(one, count, batch_size)


def embed_queries(model, split: SplitTensors, mode: str, source: str, batch_size: int,
                  device: torch.device) -> torch.Tensor:
    """One query vector per item for ``mode`` using ``source`` sketches, its first drawing for ``drawn`` (rows
    without a drawn sketch are still computed)."""
    sketches = split.sketches if source == "synthetic" else split.drawn
    return embed_group(model, sketches if mode != "text" else None, split.captions if mode != "sketch" else None,
                       batch_size, device)


def category_labels(split: SplitTensors) -> torch.Tensor | None:
    categories = [item.category for item in split.items]
    if any(c is None for c in categories):
        return None
    index: dict[str, int] = {}
    return torch.tensor([index.setdefault(c, len(index)) for c in categories], dtype=torch.long)


def evaluate_split(model, split: SplitTensors, batch_size: int, device: torch.device,
                   gallery: torch.Tensor | None = None, modes: tuple[str, ...] = MODES,
                   queries_from: torch.Tensor | None = None, drawn: bool = True,
                   ci: bool = True) -> dict[str, dict[str, dict[str, float]]]:
    """``{mode: {source: metrics}}`` with every gallery item as its own query's target; with drawn sketches
    every drawing of an item is a query (``queries`` counts them, ``items`` the items they ask for). Where no
    item of ``split`` has a caption, the text modes are left out (:func:`query_modes`).

    ``queries_from`` (N,) bool limits the queries to those items (e.g. held-out categories); the gallery
    stays the whole split. ``split`` may hold pictures or features, as long as ``model`` takes them.
    ``drawn=False`` leaves the drawn sketches out and ``ci=False`` the bootstrap intervals, for a check that
    reads one figure (the validation after each epoch).
    """
    model.eval()
    if gallery is None:
        gallery = embed_gallery(model, split, batch_size, device)
    labels = category_labels(split)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for mode in query_modes(split, modes):
        asks_drawn = drawn and split.drawn is not None
        sources = ["caption"] if mode == "text" else ["synthetic"] + (["drawn"] if asks_drawn else [])
        results[mode] = {}

        def embed(sketches: Rows | None, owner: torch.Tensor, mode: str = mode) -> torch.Tensor:
            captions = [split.captions[i] for i in owner.clamp(min=0).tolist()] if mode != "sketch" else None
            return embed_group(model, sketches if mode != "text" else None, captions, batch_size, device)

        for source in sources:
            queries, target = ask(split, source, embed, queries_from)
            metrics = retrieval_metrics(
                queries, gallery, target,
                query_labels=None if labels is None else labels[target], gallery_labels=labels, ci=ci,
                ci_groups=target if ci else None,
            )
            metrics["queries"] = len(target)
            if len(target) != len(torch.unique(target)):
                metrics["items"] = len(torch.unique(target))
            results[mode][source] = metrics
    return results
