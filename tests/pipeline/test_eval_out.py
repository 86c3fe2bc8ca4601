"""``sbkit eval --out``: a run's results or another evaluation's are replaced only with ``--force``; a file or a
folder inside the catalogue is refused with one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sbkit.errors import ConfigError
from sbkit.pipeline.eval_stage import evaluate_run

DATA = ("demo", {"size": 60, "image_size": 64})


def evaluate(run: Path, out: Path, split: str = "test", force: bool = False):
    return evaluate_run(run, *DATA, split=split, out=out, device="cpu", workers=0, force=force)


def test_the_runs_own_results_need_force(run_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    before = {name: (run / name).read_bytes() for name in ("metrics.json", "report.md", "skipped.jsonl")}
    with pytest.raises(ConfigError, match="holds a run, whose metrics.json and report.md would be replaced.*--force"):
        evaluate(run, run)
    assert {name: (run / name).read_bytes() for name in before} == before
    assert evaluate(run, run, force=True).out == run
    assert json.loads((run / "metrics.json").read_text())["stage"] == "eval"


def test_a_rerun_replaces_its_own_results_but_not_another_evaluations(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval"
    evaluate(run_dir, out)
    evaluate(run_dir, out)  # the same evaluation again: its own files
    before = (out / "metrics.json").read_bytes()
    with pytest.raises(ConfigError, match=r"results of another evaluation \(run .*split test\).*--force"):
        evaluate(run_dir, out, split="train")
    assert (out / "metrics.json").read_bytes() == before
    evaluate(run_dir, out, split="train", force=True)
    assert json.loads((out / "metrics.json").read_text())["split"] == "train"
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "report.md").write_text("my notes")
    with pytest.raises(ConfigError, match="holds report.md that sbkit eval did not write"):
        evaluate(run_dir, foreign)
    assert (foreign / "report.md").read_text() == "my notes"


def test_a_file_or_a_folder_in_the_catalogue_is_one_clean_error(run_dir: Path, tmp_path: Path) -> None:
    from sbkit.cli.app import create_app
    from sbkit.data.resolve import resolve_catalogue

    photo = tmp_path / "good.png"
    photo.write_bytes(b"not yet a sheet")
    result = CliRunner().invoke(create_app(), ["eval", str(run_dir), "--data", "demo", "--data.size", "60",
                                               "--data.image_size", "64", "-o", str(photo), "--device", "cpu"])
    assert isinstance(result.exception, ConfigError), result.output
    assert str(result.exception) == f"--out {photo} is a file; give --out a folder"
    assert photo.read_bytes() == b"not yet a sheet"
    inside = resolve_catalogue(*DATA).root / "eval-here"
    with pytest.raises(ConfigError, match="lies inside the catalogue"):
        evaluate(run_dir, inside, force=True)
    assert not inside.exists()
