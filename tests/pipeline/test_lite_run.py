"""A tiny ``sbkit run`` with the frozen-feature encoder: features cached, checks reported, resume, hold-out."""

from __future__ import annotations

import json

import pytest

import sbkit
from sbkit.errors import ConfigError
from sbkit.pipeline.checks import choose_holdout, cut_caption
from sbkit_timm.lite_minilm import LiteMiniLMEncoder


def _run(tmp_path, out, **overrides):
    params = LiteMiniLMEncoder.example_params(tmp_path / "weights")
    settings = dict(data={"name": "demo", "size": 60, "image_size": 64}, image_size=48, epochs=2, batch_size=16,
                    encoder={"name": "lite-minilm", **params}, fuser="avg", device="cpu", out=str(out),
                    sheet_queries=2)
    settings.update(overrides)
    return sbkit.run(**settings)


@pytest.fixture(scope="module")
def lite_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lite-run")
    return root, _run(root, root / "run", holdout="coat,dress")


def test_run_reports_untrained_baseline_caption_curve_and_holdout(lite_run) -> None:
    _, result = lite_run
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert set(metrics["untrained"]["sketch"]) == {"synthetic", "drawn"}
    assert set(metrics["caption_words"]) == {"0", "1", "2", "3", "5", "full", "category"}
    held = metrics["heldout"]
    assert held["categories"] == ["coat", "dress"] and held["queries"] > 0
    assert held["check"]["sketch"]["drawn"]["queries"] <= held["queries"]
    assert metrics["features_computed"] > 0 and "features" in metrics["timings"]
    report = (result.run_dir / "report.md").read_text()
    for heading in ("What training added", "Caption length", "Held-out categories", "Drawn vs sketchifier"):
        assert heading in report
    assert (result.run_dir / "caption_words.png").is_file()


def test_second_run_reads_every_feature_from_the_cache(lite_run) -> None:
    root, _ = lite_run
    again = _run(root, root / "again", holdout="")
    assert again.metrics["features_computed"] == 0
    assert "heldout" not in again.metrics


def test_holdout_names_are_checked_before_any_work() -> None:
    categories = ["coat", "dress", "hat", "boot", None]
    assert choose_holdout("", categories, 0, True) == frozenset()
    assert len(choose_holdout("auto", categories, 0, True)) == 2
    assert choose_holdout("auto", categories, 0, frozen=False) == frozenset()
    assert choose_holdout("auto", categories, 0, True) == choose_holdout("auto", categories, 0, True)
    assert choose_holdout(" hat, boot ", categories, 0, False) == {"hat", "boot"}
    with pytest.raises(ConfigError, match="'hats'.*coat"):
        choose_holdout("hats", categories, 0, True)
    with pytest.raises(ConfigError, match="at least one category"):
        choose_holdout("coat,dress,hat,boot", categories, 0, True)


def test_cut_caption_keeps_words_in_order() -> None:
    import random

    cut = cut_caption("a long ivory trouser by Okoro", 3, random.Random(0))
    words = "a long ivory trouser by Okoro".split()
    assert len(cut.split()) == 3 and [words.index(w) for w in cut.split()] == sorted(words.index(w) for w in
                                                                                     cut.split())
    assert cut_caption("two words", 5, random.Random(0)) == "two words"


def test_a_frozen_feature_run_resumes_to_more_epochs(tmp_path) -> None:
    out = tmp_path / "resumed"
    first = _run(tmp_path, out, epochs=1, holdout="")
    assert len(json.loads((out / "checkpoint" / "history.json").read_text())) == 1
    again = sbkit.run(out=str(out), resume=True, epochs=2)
    history = json.loads((out / "checkpoint" / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    assert again.metrics["features_computed"] == 0 and first.metrics["counts"] == again.metrics["counts"]
