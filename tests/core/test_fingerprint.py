"""Code fingerprints: caches made by other code are not read back."""

from __future__ import annotations

import sys
import textwrap

import pytest

from sbkit.fingerprint import code_fingerprint, source_modules
from sbkit.pipeline import prepare
from sbkit.registry import create


@pytest.fixture
def tiny_package(tmp_path, monkeypatch):
    """A package ``fp_pkg`` whose class calls a helper imported by name from a sibling module."""
    package = tmp_path / "fp_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (package / "thing.py").write_text(textwrap.dedent("""
        import json
        from fp_pkg.helpers import double

        class Thing:
            def __call__(self, x):
                return double(x)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    for name in [name for name in sys.modules if name.split(".")[0] == "fp_pkg"]:
        del sys.modules[name]


def test_a_helper_module_edit_changes_the_fingerprint(tiny_package) -> None:
    from fp_pkg.thing import Thing

    thing = Thing()
    assert [m.__name__ for m in source_modules(thing)] == ["fp_pkg.helpers", "fp_pkg.thing"]  # json is not ours
    before = code_fingerprint(thing)
    assert code_fingerprint(thing) == before
    (tiny_package / "helpers.py").write_text("def double(x):\n    return x + x  # the same, written another way\n")
    assert code_fingerprint(thing) != before


def test_a_sketchifier_fingerprint_covers_its_bases_and_helpers() -> None:
    names = [m.__name__ for m in source_modules(create("sketchifier", "outline", {}))]
    for name in ("sbkit_opencv.outline", "sbkit_opencv.canny_clahe", "sbkit_opencv.canny", "sbkit.sketch.edges",
                 "sbkit.components.sketchifier", "sbkit.sketch.postprocess"):
        assert name in names
    assert not any(name.split(".")[0] in ("cv2", "numpy") for name in names)


def test_prepared_rows_are_keyed_by_the_code_that_made_them(monkeypatch) -> None:
    sketchifier = create("sketchifier", "canny", {})
    key = prepare._fingerprint([], sketchifier, 64, 2, [])
    monkeypatch.setattr(prepare, "code_fingerprint", lambda *objects: "another version")
    assert prepare._fingerprint([], sketchifier, 64, 2, []) != key
