"""``sbkit run``'s partial-sketch stage: test queries replayed stroke by stroke, ranked at each share of strokes.

It uses the test items whose drawn sketch carries stroke order: ``attributes["strokes"]`` names an SVG whose
strokes, in document order, are the order they were drawn (the demo writes one beside each drawn sketch).
Each partial drawing is normalised like every other sketch and searched against the test gallery, in the
sketch+text and sketch-only modes. See :mod:`sbkit.evaluation.partial` for m@A and m@B.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.errors import DataError
from sbkit.evaluation.metrics import rank_of_targets
from sbkit.evaluation.partial import FRACTIONS, on_the_fly_summary, partial_renders
from sbkit.evaluation.plots import line_plot
from sbkit.pipeline.prepare import SplitTensors
from sbkit.sketch import normalize_sketch

PARTIAL_MODES = ("sketch+text", "sketch")
PLOT = "partial_sketch.png"
MAX_SKETCHES = 300  # evenly spaced over the test split: enough for m@A and m@B, a few seconds on 2 cores


def _stroke_rows(test: SplitTensors, limit: int = MAX_SKETCHES) -> list[tuple[int, list[np.ndarray]]]:
    """(row, strokes) of up to ``limit`` test items with a readable stroke file, evenly spaced over the split."""
    from sbkit.data.adapters.svg import svg_strokes

    candidates = [row for row, item in enumerate(test.items) if item.attributes.get("strokes")]
    if len(candidates) > limit:
        candidates = [candidates[i] for i in np.linspace(0, len(candidates) - 1, limit).round().astype(int)]
    rows = []
    for row in candidates:
        item = test.items[row]
        path = item.attributes.get("strokes")
        if not path or not Path(path).is_file():
            continue
        try:
            strokes = [s for s in svg_strokes(path) if len(s)]
        except DataError:
            continue
        if strokes:
            rows.append((row, strokes))
    return rows


@torch.no_grad()
def evaluate_partial(model, test: SplitTensors, gallery: torch.Tensor, image_size: int, line_width: int,
                     device: torch.device, batch_size: int = 256) -> dict[str, Any] | None:
    """Rank each stroke-ordered test sketch at every share of :data:`FRACTIONS`; None when no item has strokes.

    Returns:
        ``{"fractions", "queries", "modes": {mode: on_the_fly_summary(...)}}``.
    """
    rows = _stroke_rows(test)
    if not rows:
        return None
    sketches = np.stack([normalize_sketch(render, size=image_size, line_width=line_width)
                         for _, strokes in rows for render in partial_renders(strokes, FRACTIONS)])
    tensors = torch.from_numpy(sketches)[:, None]
    per = len(FRACTIONS)
    targets = torch.tensor([row for row, _ in rows for _ in FRACTIONS])
    captions = [test.captions[row] for row, _ in rows for _ in FRACTIONS]
    model.eval()
    vectors: dict[str, list[torch.Tensor]] = {mode: [] for mode in PARTIAL_MODES}
    for start in range(0, len(tensors), batch_size):
        rows_slice = slice(start, start + batch_size)
        sketch_vec = model.encode_sketches(tensors[rows_slice].to(device))  # once, for both modes
        text_vec = model.encoder.encode_text(captions[rows_slice])
        vectors["sketch+text"].append(model.fuse(sketch_vec, text_vec).float().cpu())
        vectors["sketch"].append(model.fuse(sketch_vec, None).float().cpu())
    modes = {}
    for mode in PARTIAL_MODES:
        ranks = rank_of_targets(torch.cat(vectors[mode]), gallery, targets).view(len(rows), per)
        modes[mode] = on_the_fly_summary(ranks, len(gallery), FRACTIONS)
    return {"fractions": list(FRACTIONS), "queries": len(rows), "gallery": len(gallery),
            "with_strokes": sum(1 for item in test.items if item.attributes.get("strokes")), "modes": modes}


def plot_partial(result: dict[str, Any], path: Path) -> Path:
    """Median rank of the true item against the share of strokes drawn, one line per query mode."""
    xs = [round(100 * f) for f in result["fractions"]]
    series = {mode: values["median_rank"] for mode, values in result["modes"].items()}
    return line_plot(series, path, f"Rank while drawing ({result['queries']} test sketches, gallery of "
                     f"{result['gallery']})", "% of strokes drawn", "median rank of the true item", x=xs)


def partial_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One report row per share of strokes: median and mean rank and R@10 per mode."""
    rows = []
    for i, fraction in enumerate(result["fractions"]):
        row: dict[str, Any] = {"strokes drawn": f"{round(100 * fraction)}%"}
        for mode, values in result["modes"].items():
            row[f"{mode} median rank"] = values["median_rank"][i]
            row[f"{mode} mean rank"] = values["mean_rank"][i]
            row[f"{mode} R@10"] = values["R@10"][i]
        rows.append(row)
    return rows
