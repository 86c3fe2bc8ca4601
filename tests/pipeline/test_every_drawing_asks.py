"""Evaluation asks with every drawing of a test item (Sketchy's and QMUL-Shoe-V2's protocol), not its first only."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from sbkit.config import RunConfig
from sbkit.data.catalogue import CatalogueItem
from sbkit.data.tensors import SplitTensors
from sbkit.evaluation.bootstrap import bootstrap_ci
from sbkit.pipeline.checks import caption_length_curve, untrained_metrics
from sbkit.pipeline.evaluate import evaluate_split
from sbkit.pipeline.report import metrics_rows
from sbkit.training.features import SplitFeatures

ITEMS = 3


def marked(values: list[int], channels: int) -> torch.Tensor:
    """Pictures whose first pixel names the item they show."""
    pictures = torch.zeros(len(values), channels, 4, 4, dtype=torch.uint8)
    pictures[:, :, 0, 0] = torch.tensor(values, dtype=torch.uint8)[:, None]
    return pictures


class ReadsTheMark(torch.nn.Module):
    """A model that finds exactly the item a picture's first pixel names; captions name their item too."""

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.one_hot(images[:, 0, 0, 0].long(), ITEMS).float()

    def embed_queries(self, sketches: torch.Tensor | None, texts: list[str] | None) -> torch.Tensor:
        if sketches is not None:
            return self.embed_images(sketches)
        return F.one_hot(torch.tensor([int(t.split()[-1]) for t in texts]), ITEMS).float()


def split_with_drawings(kind=SplitTensors) -> SplitTensors:
    """Item 0 has two drawings, the second of which looks like item 1; item 1 has one; item 2 has none."""
    items = [CatalogueItem(f"p{k}", f"p{k}.png", f"item {k}", split="test", category="bag") for k in range(ITEMS)]
    return kind(items=items, images=marked([0, 1, 2], 3), sketches=marked([0, 1, 2], 1),
                drawn=marked([0, 1, 0], 1), has_drawn=torch.tensor([True, True, False]),
                captions=[item.caption for item in items], labels=torch.arange(ITEMS),
                more_drawn=marked([1], 1), drawn_count=torch.tensor([2, 1, 0]))


def test_every_drawing_of_an_item_is_a_query() -> None:
    metrics = evaluate_split(ReadsTheMark(), split_with_drawings(), 2, torch.device("cpu"))
    drawn = metrics["sketch"]["drawn"]
    assert (drawn["queries"], drawn["items"]) == (3, 2)  # item 2 has no drawing: it asks nothing
    assert abs(drawn["R@1"] - 2 / 3) < 1e-6  # item 0's second drawing finds item 1
    assert metrics["sketch"]["synthetic"]["queries"] == 3 and "items" not in metrics["sketch"]["synthetic"]
    assert metrics["sketch+text"]["drawn"]["queries"] == 3
    assert metrics["text"]["caption"]["R@1"] == 1.0
    # the interval resamples items, each with all its drawings: item 0's two, item 1's one
    assert drawn["R@1_ci"] == list(bootstrap_ci([1.0, 1.0, 0.0], groups=[0, 1, 0]))
    rows = {(row["query"], row["sketches"]): row["queries"] for row in metrics_rows(metrics)}
    assert rows[("sketch", "drawn sketches")] == "3 (of 2 items)" and rows[("text", "-")] == 3


def test_queries_from_limits_every_drawing_to_its_items() -> None:
    only_item_0 = torch.tensor([True, False, False])
    drawn = evaluate_split(ReadsTheMark(), split_with_drawings(), 2, torch.device("cpu"),
                           modes=("sketch",), queries_from=only_item_0)["sketch"]["drawn"]
    assert (drawn["queries"], drawn["items"], drawn["R@1"]) == (2, 1, 0.5)


def test_the_untrained_baseline_asks_with_every_drawing_too() -> None:
    split = split_with_drawings()
    features = SplitFeatures(**{**vars(split), "images": F.one_hot(torch.arange(ITEMS)).float(),
                                "sketches": F.one_hot(torch.arange(ITEMS)).float(),
                                "drawn": F.one_hot(torch.tensor([0, 1, 0]), ITEMS).float(),
                                "more_drawn": F.one_hot(torch.tensor([1]), ITEMS).float()})
    zero = torch.zeros(ITEMS)
    drawn = untrained_metrics(features, zero, zero)["sketch"]["drawn"]
    assert drawn["queries"] == 3 and abs(drawn["R@1"] - 2 / 3) < 1e-6


def test_the_printed_table_says_how_many_drawings_asked_and_fits_80_columns() -> None:
    from rich.console import Console

    from sbkit.cli.results import results_table

    console = Console(width=80, record=True)
    console.print(results_table("test results", evaluate_split(ReadsTheMark(), split_with_drawings(), 2,
                                                               torch.device("cpu"))))
    text = console.export_text()
    assert "every drawing asks: 3 drawings of 2 items" in text
    assert "…" not in text and "sketchifier" in text


class HeardCaptions(ReadsTheMark):
    """Reads the mark, and keeps every batch of captions it was sent beside sketches."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[list[str] | None] = []

    def embed_queries(self, sketches: torch.Tensor | None, texts: list[str] | None) -> torch.Tensor:
        if sketches is not None:
            self.heard.append(texts)
        return super().embed_queries(sketches, texts)


def test_the_caption_length_curve_asks_with_every_drawing_and_its_items_caption() -> None:
    model = HeardCaptions()
    curve = caption_length_curve(model, split_with_drawings(), 8, torch.device("cpu"), lengths=(0,))
    assert set(curve) == {"0", "full", "category"}
    # per variant: the first drawings (item 2 has none: its row is embedded and dropped), then item 0's second
    assert model.heard[:2] == [None, None]
    (first, second), category = model.heard[2:4], model.heard[4:]
    assert first[:2] == ["item 0", "item 1"] and second == ["item 0"]
    assert category == [["bag"] * 3, ["bag"]]


def test_the_caption_probe_asks_with_every_drawing(tmp_path: Path) -> None:
    from sbkit.evaluation.probes import caption
    from sbkit.evaluation.probes.common import ProbeContext

    section = caption.run(ProbeContext(HeardCaptions(), split_with_drawings(), RunConfig(), torch.device("cpu"),
                                       tmp_path))
    # item 2 has no drawing and asks with its sketchifier sketch; item 0's second drawing finds item 1
    assert (section.numbers["queries"], section.numbers["items"]) == (4, 3)
    assert section.numbers["no_caption"]["R@1"] == 0.75
    assert "4 test sketches (every drawing of the 3 items; the sketchifier's for an item with none)" in section.markdown


def test_the_per_epoch_validation_ranks_sketchifier_sketches_without_intervals() -> None:
    metrics = evaluate_split(ReadsTheMark(), split_with_drawings(), 2, torch.device("cpu"), modes=("sketch+text",),
                             drawn=False, ci=False)
    assert list(metrics["sketch+text"]) == ["synthetic"]
    assert "R@10" in metrics["sketch+text"]["synthetic"] and "R@1_ci" not in metrics["sketch+text"]["synthetic"]
