"""docs/reliability.md lists checked cases: every row must name a test that exists, with its case id."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

HERE = Path(__file__).parent
DOCS = HERE.parents[1] / "docs"
ROW = re.compile(r"^\|.*`(?:tests/reliability/)?(test_\w+\.py)::(\w+)(?:\[(.+?)\])?`\s*\|\s*$")


def case_ids(function) -> set[str]:
    """The ids pytest gives the cases of a parametrized test (given ``ids``, else str or number values)."""
    found: set[str] = set()
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        values = mark.args[1]
        ids = mark.kwargs.get("ids")
        found.update(ids if ids else (str(v) for v in values if isinstance(v, (str, int))))
    return found


def rows() -> list[tuple[str, str, str | None]]:
    found = []
    for page in sorted(DOCS.glob("reliability*.md")):
        for line in page.read_text(encoding="utf-8").splitlines():
            if match := ROW.match(line):
                found.append(match.groups())
    return found


def test_every_row_names_a_real_test():
    listed = rows()
    assert len(listed) >= 35
    modules = {}
    for file, name, case in listed:
        path = HERE / file
        assert path.is_file(), f"{file} does not exist"
        if file not in modules:
            spec = importlib.util.spec_from_file_location(f"_docs_check_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules[file] = module
        function = getattr(modules[file], name, None)
        assert callable(function), f"{file}::{name} is not a test"
        if case is not None:
            assert case in case_ids(function), f"{file}::{name} has no case [{case}]"
    assert len(set(listed)) == len(listed), "a row is listed twice"
