"""What every probe shares: the trained model and test split, query helpers, ranking and a section type."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.data.rows import whole
from sbkit.components import Sketchifier
from sbkit.config import RunConfig
from sbkit.data.images import read_image
from sbkit.data.tensors import SplitTensors
from sbkit.errors import DataError, check
from sbkit.evaluation.embed import batched, embed_gallery
from sbkit.sketch import normalize_sketch

TOP_K = 10
BATCH = 256
PROBE_STREAM = 4_242  # seeds the probes' drawings, apart from the catalogue's own streams
_QUERY_CHUNK = 256


@dataclass
class ProbeSection:
    """One probe's outcome: numbers for ``metrics.json``, Markdown for the report, and the pictures it wrote.

    Attributes:
        key: Short name, the key of its numbers under ``"probes"``.
        title: Heading in the report.
        numbers: JSON-able results.
        markdown: Body of the section (below its heading).
        figures: PNG files written.
        note: Why the probe was left out, when it was; then ``numbers`` is empty.
    """

    key: str
    title: str
    numbers: dict[str, Any] = field(default_factory=dict)
    markdown: str = ""
    figures: list[Path] = field(default_factory=list)
    note: str | None = None


@dataclass
class ProbeContext:
    """The trained model and the test split it is probed on, plus the run settings that shape queries.

    ``sketchifiers`` (label -> sketchifier) are those the white-items probe compares; None means its defaults.
    """

    model: Any
    test: SplitTensors
    config: RunConfig
    device: torch.device
    out_dir: Path
    sketchifiers: dict[str, Sketchifier] | None = None

    @cached_property
    def gallery(self) -> torch.Tensor:
        """(G, D) float32 on the CPU: every test photo embedded once."""
        return embed_gallery(self.model, self.test, BATCH, self.device)

    @cached_property
    def query_sketches(self) -> torch.Tensor:
        """(N, 1, S, S) uint8: each test item's drawn sketch where it has one, else its sketchifier sketch."""
        sketches = whole(self.test.sketches)
        if self.test.drawn is None:
            return sketches
        return torch.where(self.test.has_drawn[:, None, None, None], whole(self.test.drawn), sketches)

    @cached_property
    def every_query(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Q, 1, S, S) uint8 query sketches and (Q,) the test item each asks for: :attr:`query_sketches`,
        then every item's further drawings, so that each drawing asks, as in the run's test table."""
        first = torch.arange(len(self.test.items))
        drawings = self.test.drawings()
        if drawings is None or drawings.more is None:
            return self.query_sketches, first
        return (torch.cat([self.query_sketches, whole(drawings.more)]),
                torch.cat([first, drawings.owners()]))

    @cached_property
    def native_size(self) -> int:
        """Side of the catalogue's own photos (drawings made for the probes match it), at least 32 px."""
        height, width = read_image(self.test.items[0].image).shape[:2]
        return max(32, height, width)

    @property
    def k(self) -> int:
        return min(TOP_K, len(self.test.items))

    def rng(self, *stream: int) -> np.random.Generator:
        """A generator for one probe's drawings, fixed by the run's seed."""
        return np.random.default_rng([self.config.seed, PROBE_STREAM, *stream])

    def normalise(self, sketch: np.ndarray) -> torch.Tensor:
        """A drawing as a (1, 1, S, S) uint8 query, normalised exactly like the training sketches."""
        out = normalize_sketch(sketch, size=self.config.image_size, line_width=self.config.line_width)
        return torch.from_numpy(out)[None, None]

    @torch.no_grad()
    def embed(self, sketches: torch.Tensor | None, texts: list[str] | None) -> torch.Tensor:
        """(Q, D) float32 query vectors on the CPU, in batches; either input may be None."""
        count = len(sketches) if sketches is not None else len(texts or [])

        def one(rows: slice) -> torch.Tensor:
            sketch = None if sketches is None else sketches[rows].to(self.device)
            text = None if texts is None else texts[rows]
            return self.model.embed_queries(sketch, text).float().cpu()

        return batched(one, count, BATCH)

    def attribute(self, key: str) -> list[str | None]:
        """Attribute ``key`` of every gallery item, None where an item lacks it."""
        return [item.attributes.get(key) for item in self.test.items]

    def missing(self, keys: tuple[str, ...]) -> str | None:
        """Why the gallery cannot serve a probe that needs attributes ``keys``, or None when it can."""
        for key in keys:
            lacking = sum(value is None for value in self.attribute(key))
            if lacking:
                return (f"{lacking} of {len(self.test.items)} test items have no `{key}` attribute "
                        "(the demo catalogue has one on every item)")
        return None


def top_k(queries: torch.Tensor, gallery: torch.Tensor, k: int) -> torch.Tensor:
    """(Q, k) gallery rows by descending score; equal scores keep gallery order."""
    check(len(gallery) > 0, "probes: the gallery is empty", DataError)
    k = min(k, len(gallery))
    rows = []
    for start in range(0, len(queries), _QUERY_CHUNK):
        scores = queries[start:start + _QUERY_CHUNK] @ gallery.T
        rows.append(torch.argsort(-scores, dim=1, stable=True)[:, :k])
    return torch.cat(rows) if rows else torch.zeros(0, k, dtype=torch.long)


def product_ranks(queries: torch.Tensor, gallery: torch.Tensor, query_labels: torch.Tensor,
                  gallery_labels: torch.Tensor) -> torch.Tensor:
    """(Q,) 1-based rank of the best-ranked picture of each query's product; ties count against it.

    A query's target is its product, so with several pictures per product any of them counts as found.
    An item of another product whose score equals the best target score, within float rounding, ranks ahead.
    """
    ranks = []
    for start in range(0, len(queries), _QUERY_CHUNK):
        scores = queries[start:start + _QUERY_CHUNK] @ gallery.T
        same = query_labels[start:start + _QUERY_CHUNK, None] == gallery_labels[None, :]
        check(bool(same.any(dim=1).all()), "probes: a query's product is not in the gallery", DataError)
        best = torch.where(same, scores, torch.full_like(scores, float("-inf"))).max(dim=1).values
        threshold = best - 1e-6 * (1.0 + best.abs())
        ranks.append(((scores >= threshold[:, None]) & ~same).sum(dim=1) + 1)
    return torch.cat(ranks) if ranks else torch.zeros(0, dtype=torch.long)


def recalls(ranks: torch.Tensor, ks: tuple[int, ...] = (1, 10)) -> dict[str, float]:
    """``{"R@K": share of ranks <= K}`` for each K."""
    return {f"R@{k}": float((ranks <= k).double().mean()) if len(ranks) else float("nan") for k in ks}


def share(values: list[str | None], wanted: str) -> float:
    """Share of ``values`` equal to ``wanted`` (0 for no values)."""
    return sum(v == wanted for v in values) / len(values) if values else 0.0


def with_article(words: str) -> str:
    """``"a trouser"``, ``"an ivory coat"``."""
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def photo(test: SplitTensors, row: int) -> np.ndarray:
    """Gallery photo ``row`` as (S, S, 3) uint8."""
    return test.images[row].permute(1, 2, 0).numpy()
