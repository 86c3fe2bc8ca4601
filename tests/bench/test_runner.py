"""The bench runner with a stand-in run: ranking, speed figures, caching, resume, failures and probe figures."""

from __future__ import annotations

import base64
import json
import re
import statistics

import pytest
import tomli_w
from bench_fakes import COUNTS, RATES, FakeRun, load_bench

from sbkit.bench import BenchRunner, bench, expand_grid, make_axes
from sbkit.bench.summary import headline
from sbkit.compat import tomllib
from sbkit.config import RunConfig

GRID = {"sketchifier": "canny,xdog", "fuser": "avg,concat"}
SLUGS = ["canny__small__avg", "canny__small__concat", "xdog__small__avg", "xdog__small__concat"]

SMALL = RunConfig().updated({"encoder": "small"})  # slugs and timings below assume the small encoder


def run_only(grid, out, run_fn, base=None, resume=True):
    """The bench without its reports (plots take most of the time)."""
    axes = make_axes(grid)
    return BenchRunner(out, axes, resume=resume, queries=0, run_fn=run_fn).run(expand_grid(base or SMALL, axes))


def mtimes(out, slugs):
    return {s: (out / "runs" / s / "metrics.json").stat().st_mtime_ns for s in slugs}


def test_records_rank_speed_and_cached_sketches(tmp_path, own_cache):
    out = tmp_path / "bench"
    result = bench(GRID, out, SMALL, queries=30, run_fn=FakeRun())
    data = load_bench(out)
    assert [r["slug"] for r in data["combinations"]] == SLUGS
    assert all(r["status"] == "ok" and not r["resumed"] for r in data["combinations"])
    # ranked by sketch+text R@10 on drawn sketches (which order xdog above canny), not on sketchifier sketches
    ranking = data["ranking"]
    assert sorted(ranking, key=lambda s: -headline(next(r for r in data["combinations"] if r["slug"] == s))) \
        == ranking
    assert ranking[0] == "xdog__small__concat"
    for record in data["combinations"]:
        speed = record["speed"]
        assert speed["sketchify_images_per_s"] == pytest.approx(sum(COUNTS.values()) / 0.5)
        assert speed["train_samples_per_s"] == pytest.approx(statistics.median(RATES))
        assert speed["query_count"] == 30 and 0 < speed["query_p50_ms"] <= speed["query_p95_ms"]
        assert speed["wall_s"] >= 0
        assert record["config"]["sketchifier"]["name"] in ("canny", "xdog")
    # the second combination of each sketchifier found its sketches in the cache; the first made them
    cached = {r["slug"]: r["speed"]["sketchify_cached"] for r in data["combinations"]}
    assert cached == {SLUGS[0]: False, SLUGS[1]: True, SLUGS[2]: False, SLUGS[3]: True}
    assert [r["reused"] for r in data["combinations"]] == [[], ["sketchify"], [], ["sketchify"]]
    report = (out / "report.md").read_text()
    assert "| cached |" in report and "sketchify (cached sketches)" in report
    assert set(result.reports) == {"markdown", "html", "json"}


def test_resume_skips_finished_runs_and_reruns_failed_changed_and_partial_ones(tmp_path, own_cache):
    out = tmp_path / "bench"
    first = FakeRun(fail_once={"xdog"})
    bench(GRID, out, SMALL, queries=5, run_fn=first)
    data = load_bench(out)
    status = {r["slug"]: r["status"] for r in data["combinations"]}
    assert status == {SLUGS[0]: "ok", SLUGS[1]: "ok", SLUGS[2]: "failed", SLUGS[3]: "ok"}
    failed = data["combinations"][2]
    assert failed["error"] == "RuntimeError: flaky failure of xdog" and "metrics" not in failed
    assert "flaky failure" in (out / "runs" / SLUGS[2] / "error.txt").read_text()
    assert "flaky failure of xdog" in (out / "report.md").read_text()
    assert "flaky failure of xdog" in (out / "report.html").read_text()

    before = mtimes(out, [SLUGS[0], SLUGS[1], SLUGS[3]])
    second = FakeRun()
    run_only(GRID, out, second)
    assert second.calls == [SLUGS[2]]  # only the failed one ran again
    assert mtimes(out, before) == before
    data = load_bench(out)
    assert all(r["status"] == "ok" for r in data["combinations"])
    assert [r["resumed"] for r in data["combinations"]] == [True, True, False, True]
    assert data["combinations"][0]["reused"] == ["run"]

    # a run that stopped before its report is not finished
    partial = out / "runs" / SLUGS[1] / "metrics.json"
    metrics = json.loads(partial.read_text())
    del metrics["timings"]["report"]
    partial.write_text(json.dumps(metrics))
    third = FakeRun()
    run_only(GRID, out, third)
    assert third.calls == [SLUGS[1]]

    # another resolved config reruns everything; --no-resume too
    fourth = FakeRun()
    run_only(GRID, out, fourth, SMALL.updated({"epochs": 3}))
    assert fourth.calls == SLUGS
    fifth = FakeRun()
    run_only(GRID, out, fifth, SMALL.updated({"epochs": 3}), resume=False)
    assert fifth.calls == SLUGS


def test_a_failing_rerun_of_a_changed_config_leaves_nothing_to_resume(tmp_path, own_cache):
    out = tmp_path / "bench"
    grid, changed = {"sketchifier": "xdog", "fuser": "avg"}, SMALL.updated({"epochs": 2})
    run_only(grid, out, FakeRun())
    run_only(grid, out, FakeRun(fail_once={"xdog"}), changed)
    assert not (out / "runs" / "xdog__small__avg" / "metrics.json").exists()
    again = FakeRun()
    run_only(grid, out, again, changed)
    assert again.calls == ["xdog__small__avg"]


def test_an_invalid_combination_is_recorded_and_the_others_finish(tmp_path, own_cache):
    out = tmp_path / "bench"
    result = run_only({"sketchifier": "canny", "fuser": "avg,nope"}, out, FakeRun())
    assert [r["status"] for r in result.records] == ["ok", "failed"]
    assert "unknown fuser 'nope'" in result.failed[0]["error"]
    assert load_bench(out)["ranking"] == ["canny__small__avg", "canny__small__nope"]


def test_probe_figures_are_linked_and_embedded(tmp_path, own_cache):
    out = tmp_path / "bench"
    bench(GRID, out, SMALL, queries=0, run_fn=FakeRun(probes={"concat"}))
    data = load_bench(out)
    figures = {r["slug"]: r["probe_figures"] for r in data["combinations"]}
    assert figures[SLUGS[1]] == [f"runs/{SLUGS[1]}/probe-top1.png"] and figures[SLUGS[0]] == []
    assert data["combinations"][1]["probes"] == {"top1": {"top1_sketch+text": 0.4}}
    assert f"](runs/{SLUGS[1]}/probe-top1.png)" in (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    png = base64.b64encode((out / "runs" / SLUGS[1] / "probe-top1.png").read_bytes()).decode()
    assert png in page
    assert "Probes" in page and not re.search(r'<img src="(?!data:)', page)


def test_a_run_saved_before_defaults_were_recorded_still_counts_as_finished(tmp_path, own_cache):
    out, grid = tmp_path / "bench", {"sketchifier": "canny", "fuser": "avg"}
    run_only(grid, out, FakeRun())
    saved_path = out / "runs" / "canny__small__avg" / "config.toml"
    saved = tomllib.loads(saved_path.read_text())
    assert saved["sketchifier"]["sigma"] == 1.0  # the run wrote out the sketchifier's defaults
    saved["sketchifier"] = {"name": "canny"}  # as a config.toml written before that
    saved_path.write_text(tomli_w.dumps(saved))
    again = FakeRun()
    run_only(grid, out, again)
    assert again.calls == []
    saved["sketchifier"] = {"name": "canny", "sigma": 1.5}  # a value that differs from the default is a change
    saved_path.write_text(tomli_w.dumps(saved))
    changed = FakeRun()
    run_only(grid, out, changed)
    assert changed.calls == ["canny__small__avg"]
