"""Regenerate docs/reference/components/*.md from the registry:  python docs/gen_reference.py

One page per component kind, from the same data ``sbkit list KIND --json`` prints: every first-party
component's name, plugin, description and parameters with types and defaults. Components of third-party
plugins installed alongside are left out, so the pages depend on the code only. ``--check`` writes nothing and
exits 1 when a committed page differs from what the code gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from sbkit.cli.app import create_app
from sbkit.io import atomic_write_text
from sbkit.plugins import KINDS

FOLDER = Path(__file__).parent / "reference" / "components"
COMMAND = "python docs/gen_reference.py"
FIRST_PARTY = "sbkit"  # the distribution that ships the first-party plugins
PLURAL = {"index": "indexes", "loss": "losses"}
OPTION = {"dataset": "data"}  # the `sbkit run` option that picks a component of the kind, where not the kind


def page_name(kind: str) -> str:
    """``indexes.md`` rather than ``index.md``, which MkDocs would take for the folder's own page."""
    return f"{PLURAL.get(kind, kind + 's')}.md"


def _json(app, args: list[str]) -> list[dict]:
    result = CliRunner().invoke(app, args, prog_name="sbkit")
    if result.exit_code != 0:
        raise RuntimeError(f"`sbkit {' '.join(args)}` failed ({result.exit_code}): {result.output.strip()}")
    return json.loads(result.output)


def _cell(text: str) -> str:
    """Table-cell text: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code_cell(text: str) -> str:
    """A table cell in backticks: one line; a pipe inside a code span does not split the row."""
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


def render_kind(kind: str, components: list[dict]) -> str:
    """The Markdown page of one kind from ``sbkit list KIND --json`` entries."""
    title = PLURAL.get(kind, kind + "s").capitalize()
    lines = [f"# {title}", "",
             f"Every `{kind}` that ships with sbkit, as `sbkit list {kind}` shows it. "
             f"Generated from the registry by `{COMMAND}`; do not edit by hand.", ""]
    if not components:
        return "\n".join([*lines, "No first-party components of this kind.", ""])
    lines += ["| name | plugin | description |", "| --- | --- | --- |"]
    lines += [f"| [`{c['name']}`](#{c['name']}) | `{c['plugin']}` | {_cell(c['description'])} |" for c in components]
    for component in components:
        option = OPTION.get(kind, kind)
        lines += ["", f"## `{component['name']}` {{ #{component['name']} }}", "",
                  _cell(component["description"]) or "(no description)", "",
                  f"Plugin `{component['plugin']}`. In `sbkit run`: `--{option} {component['name']}`"
                  + (f"; a parameter: `--{option}.{component['params'][0]['name']} VALUE`."
                     if component["params"] else "; it has no parameters.")]
        if component["params"]:
            lines += ["", "| parameter | type | default | description |", "| --- | --- | --- | --- |"]
            lines += [f"| `{p['name']}` | {_code_cell(p['type'])} | {_code_cell(p['default'])} | {_cell(p['doc'])} |"
                      for p in component["params"]]
    return "\n".join(lines) + "\n"


def render() -> dict[str, str]:
    """File name -> Markdown of every kind's page, computed from the loaded plugins."""
    app = create_app()
    plugins = [p for p in _json(app, ["plugins", "--json"]) if p.get("package") == FIRST_PARTY]
    broken = [f"{p['name']} ({p['status']}: {p.get('error') or 'no error given'})" for p in plugins
              if p["status"] != "ok"]
    if not plugins:
        raise RuntimeError("no first-party plugins found: sbkit's entry points are not installed; "
                           "run pip install -e '.[test]' from the repository root")
    if broken:
        raise RuntimeError(f"first-party plugins not loaded: {'; '.join(broken)}. The reference lists every "
                           "first-party component: install them all (pip install -e '.[all]' or '.[test]') and "
                           "unset SBKIT_DISABLE_PLUGINS")
    first_party = {p["name"] for p in plugins}
    return {page_name(kind): render_kind(kind, [c for c in _json(app, ["list", kind, "--json"])
                                                if c["plugin"] in first_party])
            for kind in KINDS}


def main(argv: list[str]) -> int:
    try:
        pages = render()
    except RuntimeError as exc:
        print(f"gen_reference: {exc}", file=sys.stderr)
        return 2
    if "--check" in argv:
        stale = sorted(name for name, text in pages.items()
                       if not (FOLDER / name).is_file() or (FOLDER / name).read_text() != text)
        stale += sorted(p.name for p in FOLDER.glob("*.md") if p.name not in pages)
        if stale:
            print(f"out of date: {', '.join(stale)}; run `{COMMAND}`", file=sys.stderr)
        return 1 if stale else 0
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        atomic_write_text(FOLDER / name, text)
    for old in sorted(set(p.name for p in FOLDER.glob("*.md")) - set(pages)):
        (FOLDER / old).unlink()  # a kind that no longer exists; the folder holds generated pages only
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
