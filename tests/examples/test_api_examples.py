"""Each script in examples/ that shows the Python API runs, with tiny settings given as its own arguments."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY = ["--epochs", "1", "--data-size", "60", "--image-size", "32", "--encoder", "small", "--device", "cpu"]


def run_example(name: str, args: list[str], monkeypatch, capsys) -> str:
    """Run ``examples/<name>`` as ``python examples/<name> ARGS`` would, in this process; its printed output."""
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / name), *map(str, args)])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out


def test_every_api_example_is_tested() -> None:
    scripts = {path.name for path in EXAMPLES.glob("api_*.py")}
    tested = {"api_run.py", "api_create.py", "api_search.py", "api_bench.py"}
    assert scripts == tested


def test_api_run(tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "run"
    printed = run_example("api_run.py", ["--out", out, *TINY], monkeypatch, capsys)
    config = (out / "config.toml").read_text()
    assert 'name = "small"' in config and "epochs = 1" in config and (out / "report.md").is_file()
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    assert f"sketch+text  R@10 {metrics['sketch+text']['drawn']['R@10']:.3f}  (drawn)" in printed
    assert f"run folder: {out}" in printed


def test_api_create(tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "sketch.png"
    printed = run_example("api_create.py", ["--sketchifier", "canny", "--sigma", "2", "--out", out], monkeypatch,
                          capsys)
    sketch = Image.open(out)
    assert sketch.size == (128, 128) and sketch.mode == "L"
    assert printed.startswith("canny: 128x128 photo -> sketch with ") and "concat fuser:" in printed


def test_api_create_refuses_an_unknown_sketchifier(tmp_path, monkeypatch, capsys) -> None:
    from sbkit.errors import UnknownComponentError

    with pytest.raises(UnknownComponentError, match="did you mean 'canny'"):
        run_example("api_create.py", ["--sketchifier", "cany", "--out", tmp_path / "x.png"], monkeypatch, capsys)


def test_api_search(run_dir, monkeypatch, capsys) -> None:
    printed = run_example("api_search.py", [run_dir, "-k", "3"], monkeypatch, capsys)
    lines = printed.splitlines()
    assert lines[0].endswith(f"gallery items in {run_dir}")
    assert [line.split()[0] for line in lines[1:] if not line.startswith("  ")] == ["sketch+text", "sketch", "text"]
    assert all(line.count("demo-") == 3 for line in lines[1:] if not line.startswith("  "))


def test_api_bench(tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "bench"
    printed = run_example("api_bench.py", ["--out", out, "--sketchifier", "canny", "--fuser", "avg,concat",
                                           "--queries", "5", *TINY], monkeypatch, capsys)
    data = json.loads((out / "bench.json").read_text())
    assert [r["slug"] for r in data["combinations"]] == ["canny__small__avg", "canny__small__concat"]
    assert all(r["status"] == "ok" for r in data["combinations"])
    assert data["bench"]["grid"]["fuser"] == ["avg", "concat"]
    assert (out / "report.md").is_file() and f"report: {out / 'report.md'}" in printed
