"""`sbkit run` end to end on tiny catalogues: the demo, a third-party plugin, a broken plugin, human sketches."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sbkit import plugins
from sbkit.cli.app import create_app
from sbkit.compat import tomllib
from sbkit.params import component_params
from sbkit.plugins import reset_host
from sbkit.registry import get_registry

REPO = Path(__file__).resolve().parents[1]
TINY = ["--data.size", "60", "--data.image_size", "64", "--image-size", "32", "--epochs", "1",
        "--batch-size", "32", "--device", "cpu"]
runner = CliRunner()


def run_cli(*args: str) -> None:
    result = runner.invoke(create_app(), ["--quiet", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def check_run_folder(out: Path, sources: set[str]) -> dict:
    for name in ("config.toml", "metrics.json", "report.md", "contact_sheet.png", "recall.png", "skipped.jsonl",
                 "model/model.safetensors", "index/manifest.json"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    assert set(metrics) == {"sketch+text", "sketch", "text"}
    assert set(metrics["sketch+text"]) == sources and set(metrics["sketch"]) == sources
    for by_source in metrics.values():
        for values in by_source.values():
            assert 0.0 <= values["R@1"] <= values["R@5"] <= values["R@10"] <= 1.0
    report = (out / "report.md").read_text()
    assert "sketchifier sketches" in report and "contact_sheet.png" in report
    return metrics


def test_run_on_the_demo_catalogue_writes_a_complete_run_folder(tmp_path, fresh_plugins):
    out = tmp_path / "run"
    run_cli("run", *TINY, "--sketchifier", "canny-clahe", "--fuser", "concat", "--probes", "--out", str(out))
    check_run_folder(out, {"synthetic", "drawn"})
    probes = json.loads((out / "metrics.json").read_text())["probes"]
    assert {"top1", "colour_swap", "brand", "caption", "white"} <= set(probes) and probes["skipped"] == {}
    assert "## Probes" in (out / "report.md").read_text() and list(out.glob("probe-*.png"))
    saved = tomllib.loads((out / "config.toml").read_text())
    assert saved["sketchifier"]["name"] == "canny-clahe" and saved["data"]["size"] == 60


def test_a_saved_config_repeats_the_run(tmp_path, fresh_plugins):
    first, second = tmp_path / "first", tmp_path / "second"
    run_cli("run", *TINY, "--fuser", "avg", "--out", str(first))
    run_cli("run", "--config", str(first / "config.toml"), "--out", str(second))
    one, two = (json.loads((d / "metrics.json").read_text())["metrics"] for d in (first, second))
    assert one["text"]["caption"]["R@10"] == pytest.approx(two["text"]["caption"]["R@10"])
    # Every parameter is written out, the defaults too, so a later change of a default cannot change the repeat.
    saved = tomllib.loads((first / "config.toml").read_text())
    registry = get_registry()
    for kind in ("sketchifier", "encoder", "fuser", "loss", "index"):
        cls = registry.get(kind, saved[kind]["name"])
        plain = {p.name for p in component_params(cls) if isinstance(p.default, (bool, int, float, str))}
        assert plain <= set(saved[kind]), (kind, plain - set(saved[kind]))
    assert saved["encoder"]["name"] == "lite-minilm" and saved["encoder"]["grid"] == 4
    assert tomllib.loads((second / "config.toml").read_text()) == {**saved, "out": str(second)}


@pytest.fixture
def extra_entry_points(monkeypatch):
    """Add entry points beside the installed ones, as if more packages were installed."""
    added: list = []
    real = importlib.metadata.entry_points

    def entry_points(group=None, **kwargs):
        found = list(real(group=group, **kwargs))
        return found + added if group == "sbkit" else found

    monkeypatch.setattr(plugins.importlib.metadata, "entry_points", entry_points)
    reset_host()
    yield added
    reset_host()


def example_entry_point() -> importlib.metadata.EntryPoint:
    """The entry point that `pip install examples/sbkit-pencil` would install, read from its pyproject."""
    project = tomllib.loads((REPO / "examples/sbkit-pencil/pyproject.toml").read_text())
    (name, value), = project["project"]["entry-points"]["sbkit"].items()
    return importlib.metadata.EntryPoint(name, value, "sbkit")


def test_third_party_example_plugin_runs_end_to_end(tmp_path, extra_entry_points, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "examples/sbkit-pencil"))
    extra_entry_points.append(example_entry_point())
    reset_host()
    listed = runner.invoke(create_app(), ["list", "sketchifier", "--json"])
    assert "pencil" in {e["name"] for e in json.loads(listed.output)}
    out = tmp_path / "run"
    run_cli("run", *TINY, "--sketchifier", "pencil", "--sketchifier.blur", "15", "--out", str(out))
    check_run_folder(out, {"synthetic", "drawn"})


def test_a_broken_plugin_is_reported_and_run_still_works(tmp_path, extra_entry_points):
    extra_entry_points.append(importlib.metadata.EntryPoint("broken", "sbkit_does_not_exist", "sbkit"))
    reset_host()
    listing = runner.invoke(create_app(), ["plugins", "--json"])
    records = {r["name"]: r for r in json.loads(listing.output)}
    assert records["broken"]["status"] == "failed" and "sbkit_does_not_exist" in records["broken"]["error"]
    assert records["opencv"]["status"] == "ok"
    out = tmp_path / "run"
    run_cli("run", *TINY, "--out", str(out))
    assert (out / "report.md").is_file()
    strict = runner.invoke(create_app(), ["--strict", "plugins"])
    assert strict.exit_code != 0


def test_human_sketches_are_evaluated_beside_synthetic_ones(tmp_path, fresh_plugins):
    sys.path.insert(0, str(REPO / "tests"))
    from data.fixtures import make_shoev2_fixture

    folder = make_shoev2_fixture(tmp_path / "data", n_photos=24, n_test=8, image_size=64)
    out = tmp_path / "run"
    run_cli("run", "--data", str(folder), "--image-size", "32", "--epochs", "1", "--batch-size", "16",
            "--device", "cpu", "--out", str(out))
    metrics = check_run_folder(out, {"synthetic", "drawn"})
    drawn = metrics["sketch"]["drawn"]
    assert (drawn["queries"], drawn["items"]) == (16, 8)  # both sketches of each test photo ask, as in QMUL's protocol


def test_resume_continues_a_run_folder(tmp_path, fresh_plugins):
    out = tmp_path / "run"
    run_cli("run", *TINY, "--out", str(out))
    first = json.loads((out / "metrics.json").read_text())["metrics"]
    run_cli("run", "--resume", str(out))
    again = json.loads((out / "metrics.json").read_text())["metrics"]
    assert again["text"]["caption"]["R@10"] == pytest.approx(first["text"]["caption"]["R@10"])
    failed = runner.invoke(create_app(), ["run", "--resume", str(tmp_path / "nothing")])
    assert failed.exit_code != 0


def hand_made_catalogue(root: Path) -> Path:
    """A catalogue as a person assembles it: nested folders, a CSV with odd captions, and some bad rows."""
    import csv

    sys.path.insert(0, str(REPO / "tests"))
    from data.fixtures import make_bomb_png, make_folder_catalogue

    root = make_folder_catalogue(root, n_items=30, image_size=48, pictures_per_product=1)
    good = (root / "images" / "dress" / "item000.png").read_bytes()
    (root / "bad").mkdir()
    (root / "bad" / "truncated.png").write_bytes(good[: len(good) // 2])
    make_bomb_png(root / "bad" / "bomb.png")
    odd = ["白いロングスカート、プリーツ", "فستان أبيض طويل", "длинное белое платье", 'a "quoted", comma, caption',
           "a caption\nover two lines"]
    rows = list(csv.DictReader((root / "captions.csv").open(encoding="utf-8")))
    for row, caption in zip(rows, odd):
        row["caption"] = caption
    rows += [
        {"id": "truncated", "image": "bad/truncated.png", "caption": "a truncated file"},
        {"id": "bomb", "image": "bad/bomb.png", "caption": "a 20000 x 20000 png"},
        {"id": "gone", "image": "bad/gone.png", "caption": "a missing image"},
        {"id": "item003", "image": "images/dress/item000.png", "caption": "the same id again"},
        {"id": "empty", "image": "images/dress/item000.png", "caption": ""},
    ]
    with (root / "captions.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_a_hand_made_folder_catalogue_with_bad_items_runs_to_completion(tmp_path, fresh_plugins):
    folder = hand_made_catalogue(tmp_path / "catalogue")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    out = tmp_path / "run"
    run_cli("run", "--data", str(folder), "--image-size", "32", "--epochs", "1", "--batch-size", "16",
            "--device", "cpu", "--out", str(out))
    check_run_folder(out, {"synthetic", "drawn"})
    skipped = {json.loads(line)["item"].split(" (")[0] for line in (out / "skipped.jsonl").read_text().splitlines()}
    assert {"truncated", "bomb", "gone", "item003"} <= skipped
    assert before == {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}, "inputs must not change"


def test_clip_from_a_local_folder_runs_end_to_end(tmp_path, fresh_plugins):
    from sbkit_transformers.tiny import make_tiny_clip

    model = make_tiny_clip(tmp_path / "tiny-clip")
    out = tmp_path / "run"
    run_cli("run", *TINY, "--encoder", "clip", "--encoder.path", str(model), "--out", str(out))
    check_run_folder(out, {"synthetic", "drawn"})


def test_timm_resnet18_runs_end_to_end(tmp_path, fresh_plugins):
    out = tmp_path / "run"
    run_cli("run", *TINY, "--encoder", "timm", "--encoder.model", "resnet18", "--encoder.dim", "32",
            "--out", str(out))
    check_run_folder(out, {"synthetic", "drawn"})
