"""Edge quality of sketchifiers against true silhouettes, grouped by colour (the white-on-white question)."""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sbkit.components import Sketchifier
from sbkit.data.catalogue import CatalogueItem
from sbkit.data.images import read_image
from sbkit.progress import progress_bar
from sbkit.sketch.quality import edge_quality

METRICS = ("recall", "precision", "f1")


def edge_benchmark_parser(description: str) -> argparse.ArgumentParser:
    """The options of the edge benchmarks: demo products, seed, match tolerance and a Markdown copy."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=600, help="demo products to score")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=2.0, help="px")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    return parser


def edge_scores(items: list[CatalogueItem], sketchifiers: dict[str, Sketchifier], tolerance: float = 2,
                use_captions: bool = True) -> dict[str, list[dict[str, float]]]:
    """Per sketchifier label, one score dict per item (items need a ``mask`` attribute: 255 inside)."""
    masked = [item for item in items if item.attributes.get("mask")]
    scores: dict[str, list[dict[str, float]]] = {label: [] for label in sketchifiers}
    with progress_bar("edge quality", len(masked) * len(sketchifiers)) as advance:
        for item in masked:
            photo = read_image(item.image)
            mask = read_image(item.attributes["mask"])[..., 0]
            for label, sketchifier in sketchifiers.items():
                sketch = sketchifier(photo, item.caption if use_captions else None)
                scores[label].append(edge_quality(sketch, mask, tolerance))
                advance(1)
    return scores


def grouped(items: Iterable[CatalogueItem], scores: dict[str, list[dict[str, float]]],
            key: str) -> dict[str, dict[str, dict[str, float]]]:
    """Mean recall/precision/F1 per value of attribute ``key`` (e.g. colour), per sketchifier label."""
    masked = [item for item in items if item.attributes.get("mask")]
    groups: dict[str, list[int]] = defaultdict(list)
    for row, item in enumerate(masked):
        groups[item.attributes.get(key, "?")].append(row)
    return {
        group: {label: {m: float(np.mean([rows[r][m] for r in members])) for m in METRICS} | {"items": len(members)}
                for label, rows in scores.items()}
        for group, members in sorted(groups.items())
    }


def wins(scores: dict[str, list[dict[str, float]]], better: str, than: str, rows: list[int],
         margin: float = 0.02) -> dict[str, int]:
    """How often ``better`` beats, ties or loses to ``than`` on F1 over ``rows``."""
    result = {"wins": 0, "ties": 0, "losses": 0}
    for r in rows:
        delta = scores[better][r]["f1"] - scores[than][r]["f1"]
        result["wins" if delta > margin else "losses" if delta < -margin else "ties"] += 1
    return result
