"""A catalogue without captions: runs measure sketch queries only, and a model that learned no words says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import sbkit
from sbkit.data.resolve import resolve_catalogue
from sbkit.errors import DataError
from sbkit.pipeline.report import NO_CAPTIONS
from sbkit.retrieval.retriever import Retriever

TINY = {"image_size": 32, "epochs": 1, "batch_size": 32, "encoder": {"name": "small", "dim": 32, "width": 8},
        "device": "cpu", "sketchifier": "canny-clahe", "fuser": "concat", "augment": 0.5, "every_mode": False,
        "holdout": "", "sketch_text_positives": 0.0}


def photo_folder(root: Path, by_category: bool) -> Path:
    """The tiny demo's photos copied into a plain folder, in category subfolders or all in one."""
    for item in resolve_catalogue("demo", {"size": 60, "image_size": 64}).items:
        target = root / (f"{item.category}s/{item.id}.png" if by_category else f"{item.id}.png")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(item.image, target)
    return root


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("no-captions")
    data = photo_folder(base / "photos", by_category=False)
    return sbkit.run(data=str(data), out=str(base / "run"), caption_augment=0.5, **TINY).run_dir


def test_a_run_without_captions_measures_sketch_queries_only(flat_run: Path) -> None:
    metrics = json.loads((flat_run / "metrics.json").read_text())
    assert list(metrics["metrics"]) == ["sketch"]
    assert "caption_words" not in metrics
    report = (flat_run / "report.md").read_text()
    assert NO_CAPTIONS in report and "### Caption length" not in report


def test_a_model_that_learned_no_words_leaves_a_caption_out_and_refuses_one_alone(flat_run: Path) -> None:
    retriever = Retriever.from_run(flat_run)
    assert retriever.run.reads_text is False
    sketch = next((flat_run.parent / "photos").glob("*.png"))
    alone = retriever.search(sketch=sketch, k=5)
    both = retriever.search(sketch=sketch, text="a red boot", k=5)
    assert both.mode == "sketch" and both.text_understood is False
    assert [(h.id, h.score) for h in both.hits] == [(h.id, h.score) for h in alone.hits]
    assert "learned no words" in both.warnings[0]
    with pytest.raises(DataError, match="learned no words.*--sketch"):
        retriever.search(text="a red boot")


def test_category_folders_teach_words_and_the_rows_stay_sketch_only(tmp_path: Path) -> None:
    data = photo_folder(tmp_path / "photos", by_category=True)
    run = sbkit.run(data=str(data), out=str(tmp_path / "run"), caption_augment=0.5, **TINY).run_dir
    assert list(json.loads((run / "metrics.json").read_text())["metrics"]) == ["sketch"]
    retriever = Retriever.from_run(run)
    assert retriever.run.reads_text is True
    assert retriever.search(text="boots", k=3).mode == "text"
    without_words = sbkit.run(data=str(data), out=str(tmp_path / "bare"), caption_augment=0.0, **TINY).run_dir
    assert Retriever.from_run(without_words).run.reads_text is False  # no caption variants: no category words
