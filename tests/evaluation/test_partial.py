"""Retrieval while drawing: strokes per share, m@A and m@B as in Bhunia et al. 2020, and partial renders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sbkit.errors import DataError
from sbkit.evaluation.partial import on_the_fly_summary, partial_renders, ranking_percentile, strokes_at


def test_strokes_at_rounds_up_and_draws_at_least_one():
    assert [strokes_at(3, f) for f in (0.2, 0.4, 0.6, 0.8, 1.0)] == [1, 2, 2, 3, 3]
    assert [strokes_at(10, f) for f in (0.2, 0.4, 0.6, 0.8, 1.0)] == [2, 4, 6, 8, 10]
    assert [strokes_at(1, f) for f in (0.2, 1.0)] == [1, 1]
    with pytest.raises(DataError):
        strokes_at(0, 0.5)


def test_summary_matches_hand_computed_values():
    ranks = torch.tensor([[5, 3, 1], [11, 11, 2]])  # two sketches, three steps, gallery of 11
    summary = on_the_fly_summary(ranks, 11, fractions=(0.5, 0.75, 1.0))
    percentiles = [(11 - r) / 10 for r in (5, 3, 1, 11, 11, 2)]
    assert summary["m@A"] == pytest.approx(sum(percentiles) / 6)
    assert summary["m@B"] == pytest.approx((1 / 5 + 1 / 3 + 1 + 1 / 11 + 1 / 11 + 1 / 2) / 6)
    assert summary["mean_rank"] == [8.0, 7.0, 1.5]
    assert summary["R@1"] == [0.0, 0.0, 0.5] and summary["R@10"] == [0.5, 0.5, 1.0]
    assert summary["queries"] == 2 and summary["fractions"] == [0.5, 0.75, 1.0]
    assert ranking_percentile(torch.tensor([1, 11]), 11).tolist() == [1.0, 0.0]
    with pytest.raises(DataError, match="one column per share"):
        on_the_fly_summary(ranks, 11)


def test_a_perfect_model_scores_one():
    summary = on_the_fly_summary(torch.ones(4, 5, dtype=torch.long), 50)
    assert summary["m@A"] == 1.0 and summary["m@B"] == 1.0


def test_partial_renders_add_ink_stroke_by_stroke():
    strokes = [np.array([[10.0, 10.0], [90.0, 10.0]]), np.array([[10.0, 10.0], [10.0, 90.0]]),
               np.array([[90.0, 10.0], [90.0, 90.0]]), np.array([[10.0, 90.0], [90.0, 90.0]]),
               np.array([[10.0, 10.0], [90.0, 90.0]])]
    renders = partial_renders(strokes, size=64)
    ink = [int((r < 128).sum()) for r in renders]
    assert len(renders) == 5 and all(r.shape == (64, 64) for r in renders)
    assert ink == sorted(ink) and ink[0] > 0 and len(set(ink)) == 5
    with pytest.raises(DataError, match="no strokes"):
        partial_renders([np.zeros((0, 2))])


def test_a_demo_run_reports_retrieval_while_drawing(run_dir):
    import json

    partial = json.loads((run_dir / "metrics.json").read_text())["partial"]
    assert partial["fractions"] == [0.2, 0.4, 0.6, 0.8, 1.0] and partial["queries"] > 0
    for mode in ("sketch+text", "sketch"):
        values = partial["modes"][mode]
        assert 0 <= values["m@A"] <= 1 and 0 < values["m@B"] <= 1 and len(values["median_rank"]) == 5
    report = (run_dir / "report.md").read_text()
    assert "## Retrieval while drawing" in report and "m@A" in report and "m@B" in report
    assert "![rank while drawing](partial_sketch.png)" in report and (run_dir / "partial_sketch.png").is_file()


def test_at_most_max_sketches_are_replayed_evenly_spaced(tmp_path):
    from types import SimpleNamespace

    from sbkit.data.catalogue import CatalogueItem
    from sbkit.pipeline.partial import _stroke_rows

    svg = tmp_path / "s.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><polyline points="0,0 10,10"/>'
                   '<polyline points="10,0 0,10"/></svg>')
    items = [CatalogueItem(id=str(i), image=tmp_path / "x.png", caption="",
                           attributes={"strokes": str(svg)} if i % 2 == 0 else {}) for i in range(20)]
    rows = _stroke_rows(SimpleNamespace(items=items), limit=4)
    assert [row for row, _ in rows] == [0, 6, 12, 18]  # 10 items have strokes; 4 spread over them
    assert all(len(strokes) == 2 for _, strokes in rows)
    assert [row for row, _ in _stroke_rows(SimpleNamespace(items=items), limit=100)] == list(range(0, 20, 2))


def test_one_sketch_vector_serves_both_modes(run_dir):
    from sbkit.retrieval.run_folder import load_run

    model = load_run(run_dir).model
    sketches = torch.randint(0, 256, (4, 1, 32, 32), dtype=torch.uint8)
    captions = ["a red dress", "a long trouser", "a black bag", "a hat"]
    with torch.no_grad():
        sketch_vec = model.encode_sketches(sketches)
        both = model.fuse(sketch_vec, model.encoder.encode_text(captions))
        alone = model.fuse(sketch_vec, None)
        assert torch.allclose(both, model.embed_queries(sketches, captions), atol=1e-6)
        assert torch.allclose(alone, model.embed_queries(sketches, None), atol=1e-6)
