"""Embed a gallery and its queries, then score each query mode with each sketch source."""

from __future__ import annotations

import torch

from sbkit.data.tensors import SplitTensors
from sbkit.evaluation.embed import batched, embed_gallery
from sbkit.evaluation.metrics import retrieval_metrics

MODES = ("sketch+text", "sketch", "text")
SOURCES = {"synthetic": "sketchifier sketches", "drawn": "drawn sketches"}


@torch.no_grad()
def embed_queries(model, split: SplitTensors, mode: str, source: str, batch_size: int,
                  device: torch.device) -> torch.Tensor:
    """Query vectors for ``mode`` using ``source`` sketches (rows without a drawn sketch are still computed)."""
    sketches = split.sketches if source == "synthetic" else split.drawn
    use_sketch, use_text = mode != "text", mode != "sketch"

    def one(rows: slice) -> torch.Tensor:
        sketch = sketches[rows].to(device) if use_sketch else None
        text = split.captions[rows] if use_text else None
        return model.embed_queries(sketch, text).float().cpu()

    return batched(one, len(split.items), batch_size)


def category_labels(split: SplitTensors) -> torch.Tensor | None:
    categories = [item.category for item in split.items]
    if any(c is None for c in categories):
        return None
    index: dict[str, int] = {}
    return torch.tensor([index.setdefault(c, len(index)) for c in categories], dtype=torch.long)


def evaluate_split(model, split: SplitTensors, batch_size: int, device: torch.device,
                   gallery: torch.Tensor | None = None, modes: tuple[str, ...] = MODES,
                   queries_from: torch.Tensor | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """``{mode: {source: metrics}}`` with every gallery item as its own query's target.

    ``queries_from`` (N,) bool limits the queries to those rows (e.g. held-out categories); the gallery
    stays the whole split. ``split`` may hold pictures or features, as long as ``model`` takes them.
    """
    model.eval()
    if gallery is None:
        gallery = embed_gallery(model, split, batch_size, device)
    labels = category_labels(split)
    targets = torch.arange(len(split.items))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for mode in modes:
        sources = ["caption"] if mode == "text" else ["synthetic"] + (["drawn"] if split.drawn is not None else [])
        results[mode] = {}
        for source in sources:
            queries = embed_queries(model, split, mode, "synthetic" if source == "caption" else source, batch_size,
                                    device)
            rows = split.has_drawn if source == "drawn" else torch.ones(len(split.items), dtype=torch.bool)
            if queries_from is not None:
                rows = rows & queries_from
            metrics = retrieval_metrics(
                queries[rows], gallery, targets[rows],
                query_labels=None if labels is None else labels[rows], gallery_labels=labels, ci=True,
            )
            metrics["queries"] = int(rows.sum())
            results[mode][source] = metrics
    return results
