"""``sbkit train --sketches JOB``: the made sketches come from a ``sbkit sketchify`` job folder, not from
sketchifying again, and the job's sketchifier is recorded in the run's config; ``sbkit data export`` from the CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from sbkit.components import Sketchifier
from sbkit.config import RunConfig
from sbkit.data.export import export_catalogue
from sbkit.data.images import read_sketch
from sbkit.data.resolve import resolve_catalogue
from sbkit.data.validate import load_valid
from sbkit.errors import ConfigError
from sbkit.pipeline.train_stage import train_run
from sbkit.sketch import normalize_sketch
from sbkit.sketch.job import sketchify_job

TINY = {"image_size": 32, "batch_size": 16, "encoder": {"name": "small", "dim": 32, "width": 8},
        "fuser": "concat", "caption_augment": 0.0, "every_mode": False, "holdout": "", "device": "cpu", "workers": 0}


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """A 60-product demo catalogue as tar shards, and a canny-clahe sketchify job made from them."""
    root = tmp_path_factory.mktemp("job")
    data = export_catalogue(resolve_catalogue("demo", {"size": 60, "image_size": 64}), root / "wds", "webdataset",
                            shard_items=25).out
    job = root / "job"
    summary = sketchify_job(str(data), job, "canny-clahe", {"sigma": 1.5}, workers=1)
    assert summary.done == 60 and not summary.skipped
    return data, job


@pytest.fixture
def no_sketchifying(monkeypatch):
    def refuse(self, image, caption=None):
        raise AssertionError(f"{self.name} was asked to sketchify a photo the job folder has a sketch of")

    monkeypatch.setattr(Sketchifier, "__call__", refuse)


def test_prepared_sketches_are_the_job_files(shards, no_sketchifying) -> None:
    from sbkit.pipeline.prepare import prepare_split
    from sbkit.registry import create
    from sbkit.sketch.job_use import open_job, sketch_paths

    data, job = shards
    items = load_valid(resolve_catalogue(str(data))).split("train")
    made = sketch_paths(open_job(job, 32), items, str(data))
    split, skipped = prepare_split(items, create("sketchifier", "canny"), 32, 2, "train", workers=0, made=made)
    assert not skipped and len(split.items) == len(items) == len(made)
    for row, item in enumerate(split.items):
        expected = normalize_sketch(read_sketch(job / "sketches" / f"{item.id}.png"), size=32, line_width=2)
        assert np.array_equal(split.sketches[row][0].numpy(), expected), item.id


def test_train_reads_the_job_and_records_its_sketchifier(shards, tmp_path, no_sketchifying) -> None:
    data, job = shards
    result = train_run(out=str(tmp_path / "run"), epochs=1, data=str(data), sketches=str(job),
                       sketchifier="outline", **TINY)
    config = RunConfig.from_toml(result.run_dir / "config.toml")
    assert config.sketches == str(job.resolve())
    assert config.sketchifier.name == "canny-clahe" and config.sketchifier.params["sigma"] == 1.5
    assert json.loads((result.run_dir / "metrics.json").read_text())["counts"]["train"] > 2


def test_a_job_that_does_not_fit_is_refused(shards, tmp_path) -> None:
    data, job = shards
    with pytest.raises(ConfigError, match="no job.json there"):
        train_run(out=str(tmp_path / "a"), epochs=1, data=str(data), sketches=str(tmp_path), **TINY)
    small = tmp_path / "small"
    shutil.copytree(job, small)
    settings = json.loads((small / "job.json").read_text())
    (small / "job.json").write_text(json.dumps({**settings, "size": 16}))
    with pytest.raises(ConfigError, match="resized to 16 px, smaller than the run's 32 px"):
        train_run(out=str(tmp_path / "b"), epochs=1, data=str(data), sketches=str(small), **TINY)
    other = tmp_path / "other"
    shutil.copytree(job, other)
    lines = (other / "manifest.jsonl").read_text().splitlines()
    (other / "manifest.jsonl").write_text("".join(json.dumps({**json.loads(line), "id": f"x{n}"}) + "\n"
                                                  for n, line in enumerate(lines)))
    with pytest.raises(ConfigError, match="sketches of none of the .* items"):
        train_run(out=str(tmp_path / "c"), epochs=1, data=str(data), sketches=str(other), **TINY)
    assert not (tmp_path / "c").exists()


def test_items_the_job_lacks_are_sketchified_with_its_sketchifier(shards, tmp_path) -> None:
    from sbkit.pipeline.prepare import prepare_split
    from sbkit.registry import create
    from sbkit.sketch.job_use import open_job, sketch_paths

    data, job = shards
    items = load_valid(resolve_catalogue(str(data))).split("test")
    made = dict(list(sketch_paths(open_job(job, 32), items, str(data)).items())[1:])  # the first one is missing
    sketchifier = create("sketchifier", "canny-clahe", {"sigma": 1.5})
    mixed, _ = prepare_split(items, sketchifier, 32, 2, "mixed", workers=0, made=made)
    made_here, _ = prepare_split(items[:1], sketchifier, 32, 2, "here", workers=0)
    assert torch.equal(mixed.sketches[0], made_here.sketches[0])


def test_data_export_command(tmp_path) -> None:
    from sbkit.cli.app import create_app

    app = create_app()
    args = ["data", "export", "--data", "demo", "--data.size", "30", "--data.image_size", "64", "--format",
            "parquet", "--out", str(tmp_path / "pq"), "--shard-items", "20"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "wrote 30 items in 2 parquet files" in result.output
    again = CliRunner().invoke(app, args)
    assert isinstance(again.exception, ConfigError) and "already exists" in str(again.exception)
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0
    assert len(resolve_catalogue(str(tmp_path / "pq")).items) == 30
