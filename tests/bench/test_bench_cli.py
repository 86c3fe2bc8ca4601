"""`sbkit bench` end to end on a tiny demo catalogue: 2 sketchifiers x 2 fusers, reports, resume and a failure."""

from __future__ import annotations

import base64
import json
import re
import shutil

import pytest
import typer
from typer.testing import CliRunner

from sbkit.cli import bench as bench_cli
from sbkit.cli.app import create_app

TINY = ["--data.size", "60", "--data.image_size", "64", "--image-size", "32", "--epochs", "1", "--batch-size", "32",
        "--device", "cpu", "--queries", "50", "--encoder", "small"]
SLUGS = ["canny__small__avg", "canny__small__concat", "xdog__small__avg", "xdog__small__concat"]
runner = CliRunner()


def app() -> typer.Typer:
    """The sbkit app, with the bench command added if the built-in commands do not list it yet."""
    built = create_app()
    if not any(command.name == "bench" for command in built.registered_commands):
        bench_cli.register(built)
    return built


def invoke(*args: str):
    return runner.invoke(app(), ["--quiet", "bench", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def finished_bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "grid"
    result = invoke("--sketchifier", "canny,xdog", "--fuser", "avg,concat", *TINY, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_a_tiny_grid_writes_markdown_html_and_json_reports(finished_bench):
    out = finished_bench
    data = json.loads((out / "bench.json").read_text())
    records = data["combinations"]
    assert [r["slug"] for r in records] == SLUGS
    assert all(r["status"] == "ok" for r in records)
    assert data["bench"]["grid"] == {"data.size": ["60"], "data.image_size": ["64"], "sketchifier": ["canny", "xdog"],
                                     "encoder": ["small"], "fuser": ["avg", "concat"]}
    for record in records:
        assert (out / record["run_dir"] / "metrics.json").is_file()
        assert record["config"]["data"]["size"] == 60 and record["config"]["epochs"] == 1
        speed = record["speed"]
        assert speed["train_samples_per_s"] > 0 and speed["wall_s"] > 0
        assert speed["query_count"] == 50 and 0 < speed["query_p50_ms"] <= speed["query_p95_ms"]
        assert set(record["metrics"]) == {"sketch+text", "sketch", "text"}
    # the second fuser of each sketchifier reused the prepared sketches of the first
    assert records[1]["speed"]["sketchify_cached"] and records[3]["speed"]["sketchify_cached"]
    headline = {r["slug"]: r["metrics"]["sketch+text"]["drawn"]["R@10"] for r in records}
    assert [headline[s] for s in data["ranking"]] == sorted(headline.values(), reverse=True)

    report = (out / "report.md").read_text()
    assert "## Ranking" in report and "## Speed" in report and "### sketch+text, drawn" in report
    for name in ("r10_by_mode.png", "recall_at_k_drawn.png", "recall_at_k_synthetic.png"):
        assert f"(figures/{name})" in report and (out / "figures" / name).read_bytes()[:4] == b"\x89PNG"
    table = report.split("## Ranking", 1)[1].split("##", 1)[0]
    assert table.index(data["ranking"][0]) < table.index(data["ranking"][-1])


def test_the_html_report_is_one_file_with_embedded_images(finished_bench):
    page = (finished_bench / "report.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) >= 3 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert base64.b64decode(sources[0].split(",", 1)[1])[:4] == b"\x89PNG"
    assert not re.search(r'<link\b|<script src=|url\(', page)  # no other file is needed
    assert "<style>" in page and page.count("<tr") >= 4 + 2
    for slug in SLUGS:
        assert slug in page


def test_a_rerun_skips_finished_combinations_and_records_a_failing_one(finished_bench, tmp_path):
    out = tmp_path / "grid"
    shutil.copytree(finished_bench, out)
    finished = ["canny__small__avg", "xdog__small__avg"]
    before = {s: (out / "runs" / s / "metrics.json").stat().st_mtime_ns for s in finished}
    result = invoke("--sketchifier", "canny,xdog", "--fuser", "avg,nope", *TINY, "--out", str(out))
    assert result.exit_code == 1, result.output
    assert {s: (out / "runs" / s / "metrics.json").stat().st_mtime_ns for s in finished} == before
    records = {r["slug"]: r for r in json.loads((out / "bench.json").read_text())["combinations"]}
    assert [records[s]["status"] for s in finished] == ["ok", "ok"]
    assert all(records[s]["resumed"] for s in finished)
    for slug in ("canny__small__nope", "xdog__small__nope"):
        assert records[slug]["status"] == "failed" and "unknown fuser 'nope'" in records[slug]["error"]
    assert "unknown fuser 'nope'" in (out / "report.md").read_text()
    assert "unknown fuser &#x27;nope&#x27;" in (out / "report.html").read_text()
