"""A sketchifier that raises on some photos during ``sbkit run``/``train``/``eval``: those items are skipped with the
reason, as ``sbkit sketchify`` skips them; one that fails on too many stops with one line naming its plugin."""

from __future__ import annotations

import json
import types
import zlib
from pathlib import Path

import numpy as np
import pytest

import sbkit
from sbkit.components import Sketchifier
from sbkit.errors import DataError
from sbkit.hookspecs import hookimpl


def fails_on(caption: str | None) -> bool:
    """The photos FailSome refuses: a third of the demo captions, the same in every process."""
    return zlib.crc32((caption or "").encode()) % 3 == 0


class FailSome(Sketchifier):
    """Raises on the photos :func:`fails_on` names while ``broken`` is set."""

    name = "failsome"
    description = "raises on some photos"
    broken = True

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        if self.broken and fails_on(caption):
            raise ValueError("cannot draw this one")
        return np.where(image[..., 0] > 128, 255, 0).astype(np.uint8)


class FailAll(Sketchifier):
    name = "failall"
    description = "raises on every photo"

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        raise ValueError("draw exploded")


@pytest.fixture
def failing_plugin(fresh_plugins):
    from sbkit.plugins import get_host

    module = types.ModuleType("sbkit_failing")
    module.register_sketchifiers = hookimpl(lambda: [FailSome, FailAll])
    get_host().register(module, name="failing", package="sbkit-failing")
    yield
    FailSome.broken = True


@pytest.fixture
def demo_items():
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.data.validate import load_valid

    return load_valid(resolve_catalogue("demo", {"size": 40, "image_size": 64})).items[:24]


def test_items_the_sketchifier_fails_on_are_skipped_with_the_reason(failing_plugin, demo_items):
    from sbkit.pipeline.prepare import prepare_split

    expected = {item.id for item in demo_items if fails_on(item.caption)}
    assert 0 < len(expected) < len(demo_items)
    split, skipped = prepare_split(demo_items, FailSome(), 32, 1, "sketchify", use_cache=False, workers=0)
    assert {s.source for s in skipped} == expected and {s.kind for s in skipped} == {"sketchify_failed"}
    assert "failsome failed: ValueError: cannot draw this one" in skipped[0].reason
    assert len(split.items) == len(demo_items) - len(expected)


def test_a_cache_made_while_the_sketchifier_failed_is_not_reused(failing_plugin, demo_items):
    from sbkit.pipeline.prepare import prepare_split

    _, skipped = prepare_split(demo_items, FailSome(), 32, 1, "sketchify", workers=0)
    assert skipped
    FailSome.broken = False  # the plugin is fixed; its name and parameters are the same
    split, skipped = prepare_split(demo_items, FailSome(), 32, 1, "sketchify", workers=0)
    assert skipped == [] and len(split.items) == len(demo_items)


def test_a_sketchifier_that_leaves_too_few_items_is_one_line_naming_its_plugin(failing_plugin, demo_items):
    from sbkit.pipeline.prepare import check_sketchified, prepare_split

    split, skipped = prepare_split(demo_items, FailAll(), 32, 1, "sketchify", use_cache=False, workers=0)
    with pytest.raises(DataError) as info:
        check_sketchified(FailAll(), {"train": split}, skipped)
    message = str(info.value)
    assert message.startswith("sketchifier 'failall' of plugin 'failing' (package sbkit-failing")
    assert f"failed on {len(demo_items)} items, leaving 0 train items" in message
    assert "failall failed: ValueError: draw exploded" in message
    assert message.endswith("fix or disable it with SBKIT_DISABLE_PLUGINS=failing")


def test_run_with_a_sketchifier_failing_everywhere_is_one_line_and_leaves_no_folder(failing_plugin, tmp_path, capsys):
    from sbkit.cli.app import main

    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["--quiet", "run", "--data", "demo", "--data.size", "60", "--data.image_size", "64", "--image-size",
              "32", "--epochs", "1", "--encoder", "small", "--device", "cpu", "--sketchifier", "failall",
              "--out", str(out)])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert exit_info.value.code == 2 and "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: sketchifier 'failall' of plugin 'failing'"), output
    assert not out.exists()


def test_run_skips_the_items_its_sketchifier_fails_on(failing_plugin, tmp_path):
    result = sbkit.run(data={"name": "demo", "size": 60, "image_size": 64}, image_size=32, epochs=1, batch_size=16,
                       encoder={"name": "small", "dim": 32, "width": 8}, device="cpu", sketchifier="failsome",
                       out=str(tmp_path / "run"))
    lines = [json.loads(line) for line in (Path(result.run_dir) / "skipped.jsonl").read_text().splitlines()]
    failed = [line for line in lines if line["reason"] == "sketchify_failed"]
    assert failed and all("failsome failed: ValueError: cannot draw this one" in line["detail"] for line in failed)
    assert (Path(result.run_dir) / "report.md").is_file()
