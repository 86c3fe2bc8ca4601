"""``sbkit sketchify``: a job folder, component options anywhere, one-line errors, and ``--compare`` sheets."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sbkit.cli.sketchify import register

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps ``sketchify`` a subcommand."""

    register(app)
    return app


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(4):
        image = np.full((48, 40, 3), 240, np.uint8)
        cv2.circle(image, (20, 24), 8 + 2 * i, (40 * i, 90, 200 - 40 * i), -1)
        cv2.imwrite(str(root / f"p{i}.jpg"), image)
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    return root


def invoke(*args: str):
    return runner.invoke(make_app(), ["sketchify", *args])


def _params(out: Path) -> list[dict]:
    return [json.loads(line)["params"] for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_job_with_component_option_and_summary(photos, tmp_path):
    out = tmp_path / "job"
    result = invoke(str(photos), "--out", str(out), "--sketchifier.sigma", "1.5", "--workers", "1", "--size", "32")
    assert result.exit_code == 0, result.output
    assert "4 sketched" in result.output and "1 skipped" in result.output and "images/s" in result.output
    assert "not_an_image" in result.output or "corrupt_image" in result.output
    params = _params(out)
    assert len(params) == 4 and {p["sigma"] for p in params} == {1.5}
    assert len(list((out / "sketches").glob("*.png"))) == 4


def test_options_before_source_and_equals_form(photos, tmp_path):
    out = tmp_path / "job"
    result = invoke("--sketchifier.sigma", "2", str(photos), "--out", str(out), "-j", "2", "--sketchifier.t=0.3")
    assert result.exit_code == 0, result.output
    assert {(p["sigma"], p["t"]) for p in _params(out)} == {(2.0, 0.3)}


def test_rerun_resumes_and_other_settings_need_force(photos, tmp_path):
    out = str(tmp_path / "job")
    assert invoke(str(photos), "--out", out, "-j", "1").exit_code == 0
    again = invoke(str(photos), "--out", out, "-j", "1")
    assert again.exit_code == 0 and "0 sketched, 4 already done" in again.output
    refused = invoke(str(photos), "--out", out, "--sketchifier.sigma", "3")
    assert refused.exit_code == 2 and "--force" in refused.output and "Traceback" not in refused.output
    forced = invoke(str(photos), "--out", out, "--sketchifier.sigma", "3", "--force", "-j", "1")
    assert forced.exit_code == 0 and "4 sketched" in forced.output


@pytest.mark.parametrize("args, message", [
    (["--sketchifier.sigmaa", "2"], "no parameter 'sigmaa'"),
    (["--bogus", "1"], "--sketchifier.<param>"),
    (["--sketchifier", "nope"], "unknown sketchifier 'nope'"),
    (["--sketchifier.sigma"], "needs a value"),
    (["extra-source"], "expected one SOURCE"),
])
def test_config_errors_are_one_line_exit_2(photos, tmp_path, args, message):
    result = invoke(str(photos), "--out", str(tmp_path / "job"), *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_nothing_processed_exits_1(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.jpg").write_bytes(b"junk")
    result = invoke(str(bad), "--out", str(tmp_path / "job"), "-j", "1")
    assert result.exit_code == 1 and "0 sketched" in result.output and "not_an_image" in result.output


def test_compare_writes_a_contact_sheet(photos, tmp_path):
    sheet = tmp_path / "sheet.png"
    result = invoke(str(photos), "--compare", "canny,sobel", "--out", str(sheet), "-n", "3", "--size", "40",
                    "--canny.sigma", "2")
    assert result.exit_code == 0, result.output
    image = cv2.imread(str(sheet))
    three_columns, three_rows = 3 * 40, 3 * 40
    assert image.shape[1] > three_columns and image.shape[0] > three_rows
    assert image.shape[1] < 4 * 40 and image.shape[0] < 4 * 40 + 40


def test_compare_never_writes_over_a_photo_of_source(photos, tmp_path):
    photo = photos / "p0.jpg"
    before = photo.read_bytes()
    single = tmp_path / "single.png"
    cv2.imwrite(str(single), cv2.imread(str(photo)))
    single_before = single.read_bytes()
    for source, out, message in ((photos, photos / "sheet.png", "lies inside SOURCE"),
                                 (photos, photo.with_suffix(".png"), "lies inside SOURCE"),
                                 (single, single, "is SOURCE")):
        result = invoke(str(source), "--compare", "canny", "--out", str(out), "-n", "2", "--force")
        assert result.exit_code == 2 and message in result.output, result.output
    assert photo.read_bytes() == before and single.read_bytes() == single_before
    assert not (photos / "sheet.png").exists() and not photo.with_suffix(".png").exists()
    mine = tmp_path / "mine.png"
    mine.write_bytes(before)
    result = invoke(str(photos), "--compare", "canny", "--out", str(mine), "-n", "2")
    assert result.exit_code == 2 and "sbkit did not write it" in result.output and mine.read_bytes() == before
    sheet = tmp_path / "sheet.png"
    for _ in range(2):  # its own sheet is replaced on a rerun
        assert invoke(str(photos), "--compare", "canny", "--out", str(sheet), "-n", "2").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["--compare", "canny,nope"], "unknown sketchifier 'nope'"),
    (["--compare", "canny", "--sketchifier.sigma", "2"], "--<name>.<param>"),
    (["--compare", "canny", "--xdog.sigma", "2"], "unknown option '--xdog.sigma'"),
])
def test_compare_errors(photos, tmp_path, args, message):
    result = invoke(str(photos), "--out", str(tmp_path / "sheet.png"), *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "sheet.png").exists()


def broken_sketchifiers_plugin():
    """A third-party plugin with a sketchifier whose constructor raises and one that raises while drawing."""
    import types

    from sbkit.components import PostprocessedSketchifier
    from sbkit.hookspecs import hookimpl

    class InitErr(PostprocessedSketchifier):
        name = "initerr"
        description = "raises in its constructor"

        def __init__(self, **shared) -> None:
            raise RuntimeError("init exploded")

    class Raises(PostprocessedSketchifier):
        name = "raises"
        description = "raises while drawing"

        def draw(self, image, caption):
            raise ValueError("draw exploded")

    module = types.ModuleType("sbkit_bad")
    module.register_sketchifiers = hookimpl(lambda: [InitErr, Raises])
    return module


@pytest.fixture
def broken_plugin(fresh_plugins):
    from sbkit.plugins import get_host

    get_host().register(broken_sketchifiers_plugin(), name="badsk", package="sbkit-bad")


@pytest.mark.parametrize("args, message", [
    (["-s", "initerr"], "sketchifier 'initerr' of plugin 'badsk' (package sbkit-bad, module sbkit_bad) failed "
                        "to start: RuntimeError: init exploded"),
    (["--compare", "canny,initerr"], "sketchifier 'initerr' of plugin 'badsk' (package sbkit-bad, module sbkit_bad) "
                                     "failed to start: RuntimeError: init exploded"),
    (["--compare", "canny,raises"], "sketchifier 'raises' of plugin 'badsk' (package sbkit-bad, module sbkit_bad) "
                                    "failed on "),
], ids=["constructor", "compare-constructor", "compare-draw"])
def test_a_broken_plugin_sketchifier_is_one_line_naming_its_plugin(broken_plugin, photos, tmp_path, args, message):
    out = tmp_path / ("sheet.png" if "--compare" in args else "job")
    result = invoke(str(photos), "--out", str(out), "-j", "1", *args)
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and text.startswith(f"error: {message}"), result.output
    assert text.endswith("fix or disable it with SBKIT_DISABLE_PLUGINS=badsk") and "Traceback" not in text
    assert not out.exists()


def test_a_plugin_sketchifier_that_raises_while_drawing_skips_every_item(broken_plugin, photos, tmp_path):
    result = invoke(str(photos), "--out", str(tmp_path / "job"), "-s", "raises", "-j", "1")
    assert result.exit_code == 1 and "0 sketched" in result.output
    assert "skipped 4 sketchify_failed" in result.output and "raises failed: ValueError: draw exploded" in result.output
    warning = " ".join(result.output.split()).split("warning: ")[1]
    assert warning.startswith("sketchifier 'raises' of plugin 'badsk' (package sbkit-bad, module sbkit_bad) failed "
                              "on 4 photos, e.g. ")
    assert warning.endswith("fix or disable it with SBKIT_DISABLE_PLUGINS=badsk")
