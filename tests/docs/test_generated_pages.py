"""Generated docs pages match the code: the CLI reference (every --help) and the component reference
(every first-party component's parameters and defaults). Regenerated into memory in a fresh process, so plugins
that other tests register or block do not leak in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

RENDER = """
import importlib.util, json, sys
out = {}
for script, prefix in (("docs/cli_reference.py", "docs/"), ("docs/gen_reference.py", "docs/reference/components/")):
    spec = importlib.util.spec_from_file_location(script.rsplit("/", 1)[-1][:-3], script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages = module.render()
    out.update({prefix + "cli.md": pages} if isinstance(pages, str) else {prefix + k: v for k, v in pages.items()})
json.dump(out, sys.stdout)
"""
COMMANDS = {"docs/cli.md": "python docs/cli_reference.py"}
COMPONENTS = "python docs/gen_reference.py"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins"),
                                                        os.environ.get("PYTHONPATH", "")])}
    # The reference covers every first-party plugin; the help text is plain, whatever the terminal asks for.
    for switch in ("SBKIT_DISABLE_PLUGINS", "SBKIT_NO_AUTOLOAD", "FORCE_COLOR", "PY_COLORS", "CLICOLOR_FORCE"):
        env.pop(switch, None)
    result = subprocess.run([sys.executable, "-c", RENDER], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, f"the docs generators failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def _stale_message(path: str) -> str:
    return f"{path} is out of date with the code; regenerate it with `{COMMANDS.get(path, COMPONENTS)}`"


def test_the_cli_reference_matches_every_help_text(generated: dict[str, str]) -> None:
    assert (ROOT / "docs/cli.md").read_text() == generated["docs/cli.md"], _stale_message("docs/cli.md")


def test_the_component_reference_matches_the_registry(generated: dict[str, str]) -> None:
    pages = {path: text for path, text in generated.items() if path.startswith("docs/reference/components/")}
    assert len(pages) >= 6, "one page per component kind"
    committed = {f"docs/reference/components/{p.name}" for p in (DOCS / "reference" / "components").glob("*.md")}
    assert committed == set(pages), (f"docs/reference/components/ holds {sorted(committed - set(pages))} and lacks "
                                     f"{sorted(set(pages) - committed)}; regenerate it with `{COMPONENTS}`")
    for path, text in sorted(pages.items()):
        assert (ROOT / path).read_text() == text, _stale_message(path)


def test_every_component_page_is_in_the_site_nav(generated: dict[str, str]) -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    for path in generated:
        assert path.removeprefix("docs/") in nav, f"{path} is not in mkdocs.yml's nav; add it under Reference"


def test_a_component_page_lists_every_parameter_and_keeps_pipes_inside_cells() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        from gen_reference import page_name, render_kind
    finally:
        sys.path.remove(str(DOCS))
    page = render_kind("fuser", [{"name": "gate", "plugin": "extra", "description": "A gate | with a pipe.",
                                  "params": [{"name": "mode", "type": "a|b", "default": "'a'", "doc": "which | one."},
                                             {"name": "dim", "type": "int", "default": "(required)", "doc": ""}]}])
    rows = [line for line in page.splitlines() if line.startswith(("| `", "| [`"))]
    assert rows == ["| [`gate`](#gate) | `extra` | A gate \\| with a pipe. |",
                    "| `mode` | `a|b` | `'a'` | which \\| one. |",
                    "| `dim` | `int` | `(required)` |  |"]
    assert "## `gate` { #gate }" in page and "`--fuser.mode VALUE`" in page
    assert page_name("index") == "indexes.md"  # not index.md, which MkDocs takes for the folder's page
