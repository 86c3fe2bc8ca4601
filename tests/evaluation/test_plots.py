import numpy as np
import pytest
from PIL import Image

from sbkit.errors import DataError
from sbkit.evaluation.plots import bar_chart, line_plot, recall_curve


def _ink(path):
    """Share of pixels that are not white."""
    return float((np.asarray(Image.open(path).convert("L")) < 250).mean())


def test_bar_chart_flat_and_grouped(tmp_path):
    flat = bar_chart({"exact": 1.0, "ivf": 0.3}, tmp_path / "flat.png", "latency", "ms")
    grouped = bar_chart({"sketch": {"a": 0.2, "b": 0.3}, "sketch+text": {"a": 0.4, "b": 0.5}, "text": {"a": 0.1}},
                        tmp_path / "grouped.png", "R@10", "R@10")
    assert Image.open(flat).format == "PNG" and 0.01 < _ink(flat) < 0.6
    assert Image.open(grouped).width > Image.open(flat).width
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_taller_bars_use_more_ink(tmp_path):
    low = _ink(bar_chart({"a": 0.1, "b": 1.0}, tmp_path / "low.png", "t", "y"))
    high = _ink(bar_chart({"a": 1.0, "b": 1.0}, tmp_path / "high.png", "t", "y"))
    assert high > low


def test_recall_curve_and_line_plot(tmp_path):
    curve = recall_curve({"sketch": {1: 0.1, 10: 0.4, 100: 0.8}, "text": {1: 0.2, 10: 0.5}}, tmp_path / "r.png",
                         "Recall@K")
    lines = line_plot({"train": [3.0, 2.0, 1.5], "val": [3.2, 2.5]}, tmp_path / "l.png", "loss", "epoch", "loss")
    assert _ink(curve) > 0.01 and _ink(lines) > 0.01


def test_empty_inputs_are_refused(tmp_path):
    with pytest.raises(DataError):
        bar_chart({}, tmp_path / "x.png", "t", "y")
    with pytest.raises(DataError):
        recall_curve({"a": {}}, tmp_path / "x.png", "t")
    with pytest.raises(DataError, match="x values"):
        line_plot({"a": [1.0, 2.0]}, tmp_path / "x.png", "t", "x", "y", x=[1.0])
