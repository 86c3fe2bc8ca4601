"""docs/reliability.md lists checked cases: every row must name a test that exists, with its case id."""

from __future__ import annotations

import itertools

import importlib.util
import re
from pathlib import Path

HERE = Path(__file__).parent
DOCS = HERE.parents[1] / "docs"
ROW = re.compile(r"^\|.*`(?:tests/reliability/)?(test_\w+\.py)::(\w+)(?:\[(.+?)\])?`\s*\|\s*$")


def _mark_ids(mark) -> list[str]:
    ids = mark.kwargs.get("ids")
    if ids:
        return [str(i) for i in ids]
    found = []
    for value in mark.args[1]:
        if getattr(value, "id", None):  # pytest.param(..., id=...)
            found.append(value.id)
        elif isinstance(value, (str, int)):
            found.append(str(value))
    return found


def case_ids(function) -> set[str]:
    """The ids pytest gives the cases of a parametrized test (given ``ids``, ``pytest.param`` ids, else str or
    number values); stacked parametrize marks give every combination, joined with ``-`` as pytest does."""
    per_mark = [_mark_ids(m) for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
    found = {i for ids in per_mark for i in ids}
    if len(per_mark) > 1:
        found |= {"-".join(combo) for combo in itertools.product(*per_mark)}
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
