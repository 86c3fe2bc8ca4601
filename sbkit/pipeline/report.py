"""The run report: ``report.md`` with metric tables, a training curve, a recall chart and a contact sheet."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sbkit.config import COMPONENT_FIELDS, RunConfig
from sbkit.evaluation.contact_sheet import SheetRow, contact_sheet
from sbkit.evaluation.plots import bar_chart, line_plot
from sbkit.evaluation.tables import markdown_table
from sbkit.io import atomic_write_text
from sbkit.pipeline.evaluate import SOURCES, has_captions
from sbkit.pipeline.partial import PLOT, partial_rows, plot_partial
from sbkit.pipeline.prepare import SplitTensors
from sbkit.pipeline.report_checks import caption_section, gap_line, heldout_section, untrained_section

HEADLINE = ("R@1", "R@5", "R@10", "mAP", "MRR")
NO_CAPTIONS = ("The test items have no captions (a plain folder of images, or an empty caption column), so only "
               "sketch queries are measured: text and sketch+text queries need a caption to ask with.")


def metrics_rows(metrics: dict[str, dict[str, dict[str, float]]]) -> list[dict[str, Any]]:
    """One row per (query mode, sketch source) with the headline metrics."""
    rows = []
    for mode, by_source in metrics.items():
        for source, values in by_source.items():
            queries = values["queries"]
            if "items" in values:  # several drawings of an item, each a query
                queries = f"{queries} (of {values['items']} items)"
            row: dict[str, Any] = {"query": mode, "sketches": SOURCES.get(source, "-"), "queries": queries}
            row.update({key: values[key] for key in HEADLINE})
            low, high = values.get("R@10_ci", (float("nan"), float("nan")))
            row["R@10 95% CI"] = f"{low:.3f}-{high:.3f}"
            rows.append(row)
    return rows


CATEGORY = ("cat_mAP", "cat_mAP@10", "cat_P@10", "cat_P@100")


def category_rows(metrics: dict[str, dict[str, dict[str, float]]]) -> list[dict[str, Any]]:
    """Category-level relevance (any gallery item of the query's category counts), as SBIR papers report it."""
    rows = []
    for mode, by_source in metrics.items():
        for source, values in by_source.items():
            if "cat_mAP" in values:
                rows.append({"query": mode, "sketches": SOURCES.get(source, "-"),
                             **{key.removeprefix("cat_"): values[key] for key in CATEGORY}})
    return rows


def side_by_side(metrics: dict[str, dict[str, dict[str, float]]], key: str = "R@10") -> list[dict[str, Any]]:
    """Sketch modes with made and drawn sketches next to each other, for one metric."""
    rows = []
    for mode, by_source in metrics.items():
        row: dict[str, Any] = {"query": mode}
        for source, label in SOURCES.items():
            row[label] = by_source[source][key] if source in by_source else by_source.get("caption", {}).get(key, "")
        rows.append(row)
    return rows


def drawn_section(metrics: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """R@10 of sketchifier and drawn sketches side by side and the gap line; a note where no test item has a
    drawing."""
    if not any("drawn" in by_source for by_source in metrics.values()):
        return ["No test item has a drawn sketch (the catalogue's `sketch` column), so this run cannot show how far "
                "drawings fall behind sketchifier sketches; docs/evaluation.md shows how to check a run with "
                "drawings made by people.", ""]
    return ["R@10 with sketchifier sketches beside drawn sketches (the gap is what a person who draws will feel):",
            "", markdown_table(side_by_side(metrics), ["query", *SOURCES.values()]), "",
            *([f"{gap}.", ""] if (gap := gap_line(metrics)) else [])]


def category_section(metrics: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    rows = category_rows(metrics)
    if not rows:
        return []
    return ["Category-level relevance (every gallery item of the query's category counts; mAP over the whole "
            "ranking, P@K = share of the top K in the category):", "",
            markdown_table(rows, ["query", "sketches", *(k.removeprefix("cat_") for k in CATEGORY)]), ""]


def drawings_line(drawings: dict[str, int] | None) -> str:
    """" Trained on N drawings of M items ..." when the run trained on drawings of its training items."""
    if not drawings:
        return ""
    return (f" Trained on {drawings['drawings']} drawings of {drawings['items']} training items beside the "
            "sketchifier's sketches.")


def partial_section(partial: dict[str, Any] | None, run_dir: Path) -> list[str]:
    """Retrieval while drawing: rank per share of strokes, m@A and m@B, and the rank plot."""
    if not partial:
        return []
    plot_partial(partial, run_dir / PLOT)
    modes = list(partial["modes"])
    summary = [{"query": mode, "m@A": partial["modes"][mode]["m@A"], "m@B": partial["modes"][mode]["m@B"]}
               for mode in modes]
    sample, total = partial["queries"], partial.get("with_strokes", partial["queries"])
    sketches = f"{sample} drawn test sketches that keep their stroke order" + (
        f" (evenly spaced over the {total} that do)" if total > sample else "")
    columns = ["strokes drawn", *(f"{mode} {key}" for mode in modes for key in ("median rank", "mean rank",
                                                                                   "R@10"))]
    return [
        "## Retrieval while drawing",
        "",
        f"{sketches}, searched after the first 20%, 40%, "
        f"60%, 80% and 100% of their strokes (at least one stroke) among {partial['gallery']} gallery photos, as the "
        "page of `sbkit serve` searches while a person draws. m@A is the mean ranking percentile, (N - rank) / "
        "(N - 1), and m@B the mean of 1/rank, both over every step of every sketch (Bhunia et al., CVPR 2020); "
        "higher is better, 1 is the best.",
        "",
        markdown_table(summary, ["query", "m@A", "m@B"]),
        "",
        markdown_table(partial_rows(partial), columns, floatfmt=".2f"),
        "",
        f"![rank while drawing]({PLOT})",
        "",
    ]


def sheet_rows(model, test: SplitTensors, index, device: torch.device, count: int) -> list[SheetRow]:
    """Evenly spaced test queries, drawn sketches where they exist, with the top 5 results; a query whose item
    has no caption is the sketch alone, as search asks it."""
    picks = np.linspace(0, len(test.items) - 1, num=min(count, len(test.items))).round().astype(int)
    by_id = {item.id: row for row, item in enumerate(test.items)}
    rows = []
    for pick in picks.tolist():
        use_drawn = test.drawn is not None and bool(test.has_drawn[pick])
        sketch = (test.drawn if use_drawn else test.sketches)[pick : pick + 1]
        caption = test.captions[pick]
        with torch.no_grad():
            query = model.embed_queries(sketch.to(device), [caption] if caption.strip() else None).float().cpu()
        scores, ids = index.search(query, 5)
        results = [test.images[by_id[i]].permute(1, 2, 0).numpy() for i in ids[0]]
        rows.append(SheetRow(
            query_sketch=sketch[0, 0].numpy(), caption=caption, results=results,
            hits=[i == test.items[pick].id for i in ids[0]], labels=[f"{s:.2f}" for s in scores[0].tolist()],
            query_image=test.images[pick].permute(1, 2, 0).numpy(),
        ))
    return rows


def write_report(run_dir: Path, config: RunConfig, result: dict[str, Any], history: list[dict], model,
                 test: SplitTensors, index, device: torch.device, probes: str | None = None) -> Path:
    metrics = result["metrics"]
    captions = has_captions(test)
    contact_sheet(sheet_rows(model, test, index, device, config.sheet_queries), run_dir / "contact_sheet.png",
                  title=f"Test queries: {'sketch + caption' if captions else 'sketch'}, top 5 (green frame = the "
                        "true item)")
    line_plot({"train loss": [row["loss"] for row in history]}, run_dir / "training_loss.png",
              "Training loss", "epoch", "loss")
    if history and "val_R@10" in history[0]:
        line_plot({f"val R@10 ({'sketch+text' if captions else 'sketch'})": [row["val_R@10"] for row in history]},
                  run_dir / "validation.png", "Validation R@10", "epoch", "R@10")
    bar_chart({row["query"]: {k: v for k, v in row.items() if k != "query" and v != ""}
               for row in side_by_side(metrics)}, run_dir / "recall.png", "Test R@10 by query mode", "R@10")

    components = [{"kind": kind, "name": getattr(config, kind).name,
                   "params": ", ".join(f"{k}={v}" for k, v in getattr(config, kind).params.items()) or "defaults"}
                  for kind in COMPONENT_FIELDS]
    counts = ", ".join(f"{name}: {count}" for name, count in result["counts"].items())
    epochs = [{"epoch": i + 1, **{k: v for k, v in row.items() if isinstance(v, (int, float))}}
              for i, row in enumerate(history)]
    lines = [
        f"# sbkit run: {config.sketchifier.name} / {config.encoder.name} / {config.fuser.name}",
        "",
        f"Written {datetime.now().isoformat(timespec='seconds')} in `{run_dir}`. "
        "Repeat it with `sbkit run --config config.toml`.",
        "",
        "## Components",
        "",
        markdown_table(components, ["kind", "name", "params"]),
        "",
        f"Epochs {config.epochs}, image size {config.image_size}, batch {config.batch_size}, lr {config.lr}, "
        f"sketch augmentation {config.augment} (mirrored at {config.mirror}), "
        f"modality dropout {config.modality_dropout}, seed {config.seed}, device {device}.",
        "",
        "## Data",
        "",
        f"Items per split: {counts}. Skipped inputs: {result['skipped']} (listed in `skipped.jsonl`)."
        + drawings_line(result.get("train_drawings")),
        "",
        "## Test results",
        "",
        f"Every test item is a query for its own photo among {result['counts']['test']} gallery photos. "
        f"Random ranking gives R@10 = {result['random_R@10']:.4f}.",
        "",
        markdown_table(metrics_rows(metrics), ["query", "sketches", "queries", *HEADLINE, "R@10 95% CI"]),
        "",
        *([] if captions else [NO_CAPTIONS, ""]),
        *drawn_section(metrics),
        *category_section(metrics),
        *untrained_section(result),
        *caption_section(result, run_dir),
        *heldout_section(result),
        "![R@10 by query mode](recall.png)",
        "",
        *partial_section(result.get("partial"), run_dir),
        "## Contact sheet",
        "",
        "![contact sheet](contact_sheet.png)",
        "",
        *([probes, ""] if probes else []),
        "## Training",
        "",
        markdown_table(epochs, list(epochs[0]) if epochs else ["epoch"]),
        "",
        "![training loss](training_loss.png)",
        *(["", "![validation R@10](validation.png)"] if (run_dir / "validation.png").exists() else []),
        "",
        "## Timings (seconds)",
        "",
        markdown_table([{"stage": k, "seconds": v} for k, v in result["timings"].items()], ["stage", "seconds"],
                       floatfmt=".1f"),
        "",
    ]
    return atomic_write_text(run_dir / "report.md", "\n".join(lines))
