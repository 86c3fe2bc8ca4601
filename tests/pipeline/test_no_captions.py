"""A catalogue without captions: runs measure sketch queries only, and a model that learned no words says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sbkit
from sbkit.errors import DataError
from sbkit.pipeline.report import NO_CAPTIONS
from sbkit.retrieval.retriever import Retriever

def test_a_run_without_captions_measures_sketch_queries_only(wordless_run: Path) -> None:
    metrics = json.loads((wordless_run / "metrics.json").read_text())
    assert list(metrics["metrics"]) == ["sketch"]
    assert "caption_words" not in metrics
    report = (wordless_run / "report.md").read_text()
    assert NO_CAPTIONS in report and "### Caption length" not in report


def test_a_model_that_learned_no_words_leaves_a_caption_out_and_refuses_one_alone(wordless_run: Path) -> None:
    retriever = Retriever.from_run(wordless_run)
    assert retriever.run.reads_text is False
    assert retriever.info()["modes"] == ["sketch"]
    sketch = next((wordless_run.parent / "photos").glob("*.png"))
    alone = retriever.search(sketch=sketch, k=5)
    both = retriever.search(sketch=sketch, text="a red boot", k=5)
    assert both.mode == "sketch" and both.text_understood is False
    assert [(h.id, h.score) for h in both.hits] == [(h.id, h.score) for h in alone.hits]
    assert "learned no words" in both.warnings[0]
    with pytest.raises(DataError, match="learned no words.*search with a drawing"):
        retriever.search(text="a red boot")


def test_category_folders_teach_words_and_the_rows_stay_sketch_only(tmp_path: Path, photo_folder,
                                                                   tiny_run_settings: dict) -> None:
    data = photo_folder(tmp_path / "photos", by_category=True)
    run = sbkit.run(data=str(data), out=str(tmp_path / "run"), **{**tiny_run_settings, "caption_augment": 0.5}).run_dir
    assert list(json.loads((run / "metrics.json").read_text())["metrics"]) == ["sketch"]
    retriever = Retriever.from_run(run)
    assert retriever.run.reads_text is True
    assert retriever.search(text="boots", k=3).mode == "text"
    without_words = sbkit.run(data=str(data), out=str(tmp_path / "bare"), **tiny_run_settings).run_dir
    assert Retriever.from_run(without_words).run.reads_text is False  # no caption variants: no category words


def test_a_gallery_without_captions_reads_typed_words_toward_the_runs_own(run_dir: Path, tmp_path: Path,
                                                                         photo_folder) -> None:
    from sbkit.retrieval.build import build_index
    from sbkit.retrieval.gallery import DataSource
    from sbkit.retrieval.run_folder import load_run

    photos = photo_folder(tmp_path / "photos", by_category=True)  # folders named "boots", "hats", ...
    build_index(load_run(run_dir), DataSource.of(str(photos)), tmp_path / "index")
    retriever = Retriever.from_run(run_dir, index=tmp_path / "index")
    words = retriever.run.training_words
    assert "boot" in words.categories and any("boot" in caption for caption in words.captions)
    result = retriever.search(text="a red boot", k=3)
    assert (result.text, result.corrections) == ("a red boot", {})  # the run learned "boot", not the folder's "boots"
