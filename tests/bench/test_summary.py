"""What the bench ranks on: sketch+text R@10, or sketch-only R@10 for runs on a catalogue without captions."""

from __future__ import annotations

from sbkit.bench.report_md import ranking_rows
from sbkit.bench.summary import headline, headline_label, ranked


def record(slug: str, metrics: dict) -> dict:
    return {"slug": slug, "status": "ok", "run_dir": f"runs/{slug}", "values": {}, "metrics": metrics}


def scores(r10: float) -> dict:
    return {"R@1": r10 / 2, "R@10": r10, "mAP": r10 / 3}


def test_runs_without_text_queries_rank_on_sketch_only_recall() -> None:
    captioned = record("captioned", {"sketch+text": {"drawn": scores(0.6), "synthetic": scores(0.9)},
                                     "sketch": {"drawn": scores(0.5), "synthetic": scores(0.8)},
                                     "text": {"caption": scores(0.4)}})
    bare = record("bare", {"sketch": {"synthetic": scores(0.7)}})
    assert (headline(captioned), headline_label(captioned)) == (0.6, "drawn")
    assert (headline(bare), headline_label(bare)) == (0.7, "sketch only, sketchifier")
    assert [r["slug"] for r in ranked([captioned, bare])] == ["bare", "captioned"]
    rows = {row["run"].split("]")[0].strip("["): row for row in ranking_rows([captioned, bare])}
    assert rows["bare"]["sketch+text R@10"] is None and rows["bare"]["sketch R@10"] == 0.7
    assert rows["captioned"]["sketch+text R@10"] == 0.6
