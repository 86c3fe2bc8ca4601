"""``sbkit.bench(...)`` reads like ``sbkit bench``: component names as keywords are the grid's axes."""

from __future__ import annotations

import pytest
from bench_fakes import FakeRun, load_bench

import sbkit
from sbkit.config import RunConfig
from sbkit.errors import ConfigError


def test_sbkit_bench_is_the_package_and_the_function() -> None:
    import sbkit.bench.grid  # importing a submodule leaves sbkit.bench callable

    assert callable(sbkit.bench) and sbkit.bench.grid.make_axes is sbkit.bench.make_axes


def test_names_given_as_keywords_are_axes_and_tables_are_shared(tmp_path, own_cache) -> None:
    out = tmp_path / "bench"
    result = sbkit.bench(sketchifier="canny,xdog", fuser=["avg", "concat"], encoder={"name": "small"},
                         out=out, queries=0, run_fn=FakeRun(), epochs=3)
    data = load_bench(out)
    assert result.out_dir == out
    assert data["bench"]["grid"] == {"sketchifier": ["canny", "xdog"], "fuser": ["avg", "concat"]}
    assert [r["slug"] for r in data["combinations"]] == ["canny__small__avg", "canny__small__concat",
                                                         "xdog__small__avg", "xdog__small__concat"]
    assert all(r["config"]["epochs"] == 3 and r["config"]["encoder"]["name"] == "small"
               for r in data["combinations"])


def test_the_grid_argument_and_keywords_combine(tmp_path, own_cache) -> None:
    out = tmp_path / "bench"
    sbkit.bench({"sketchifier.sigma": [1.0, 2.0]}, out, RunConfig().updated({"encoder": "small"}),
                sketchifier="canny", queries=0, run_fn=FakeRun())
    data = load_bench(out)
    assert data["bench"]["grid"] == {"sketchifier": ["canny"], "sketchifier.sigma": ["1.0", "2.0"]}
    assert [r["config"]["sketchifier"]["sigma"] for r in data["combinations"]] == [1.0, 2.0]


def test_a_kind_given_twice_is_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="fuser is given twice"):
        sbkit.bench({"fuser": "avg"}, tmp_path / "b", fuser="concat", run_fn=FakeRun())
    assert not (tmp_path / "b").exists()


def test_a_folder_of_other_files_is_refused_and_a_bench_folder_resumes(tmp_path, own_cache) -> None:
    run_like = tmp_path / "run"
    run_like.mkdir()
    (run_like / "report.md").write_text("a run's report")
    with pytest.raises(ConfigError, match=r"holds files an earlier sbkit bench did not write \(report.md\)"):
        sbkit.bench(fuser="avg", encoder={"name": "small"}, out=run_like, queries=0, run_fn=FakeRun())
    assert (run_like / "report.md").read_text() == "a run's report" and sorted(run_like.iterdir()) == [
        run_like / "report.md"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file; give --out a folder"):
        sbkit.bench(fuser="avg", encoder={"name": "small"}, out=tmp_path / "file", queries=0, run_fn=FakeRun())
    out = tmp_path / "bench"
    for _ in range(2):  # the second call resumes in the bench's own folder
        sbkit.bench(fuser="avg", encoder={"name": "small"}, sketchifier="canny", out=out, queries=0,
                    run_fn=FakeRun())
    assert (out / "bench.json").is_file()


def test_without_out_a_new_folder_under_runs(tmp_path, monkeypatch, own_cache) -> None:
    monkeypatch.chdir(tmp_path)
    result = sbkit.bench(fuser="avg", encoder={"name": "small"}, sketchifier="canny", queries=0, run_fn=FakeRun())
    folder = tmp_path / result.out_dir  # the relative runs/bench-<time>, or its absolute form
    assert folder.parent.resolve() == (tmp_path / "runs").resolve() and folder.name.startswith("bench-")
    assert (folder / "bench.json").is_file()
