"""Layering of the code base, read from the source with ``ast``: no import cycles between modules, no library code
importing the CLI, and no lower layer reaching back up into the run's pipeline."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Layers below the pipeline: the pipeline composes them, so none of them may import it.
BELOW_PIPELINE = ("sbkit.evaluation", "sbkit.retrieval", "sbkit.training", "sbkit.data", "sbkit.sketch")
# Modules that may import the CLI: the CLI itself and `python -m sbkit`.
CLI_USERS = ("sbkit.cli", "sbkit.__main__")
# The one known cycle, being removed in another change; this allow-list goes when that change lands.
ALLOWED_CYCLE_EDGES = {("sbkit.plugins", "sbkit.registry"), ("sbkit.registry", "sbkit.plugins")}


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for sbkit/ and every first-party plugin package in plugins/."""
    packages = [(ROOT, ROOT / "sbkit")] + [(ROOT / "plugins", p) for p in sorted((ROOT / "plugins").iterdir())
                                          if (p / "__init__.py").is_file()]
    modules = {}
    for base, package in packages:
        for path in package.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = module_files()


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imported(module: str, top_level_only: bool) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for every import in ``module``; an ``from a import b`` that names a submodule
    yields ``a.b``. With ``top_level_only``, imports inside functions and ``if TYPE_CHECKING:`` are skipped."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _top_level(tree.body) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            yield target, node.lineno
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    yield f"{target}.{alias.name}", node.lineno


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run when the module is imported: the body, into try/if blocks but not TYPE_CHECKING ones."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _top_level(node.orelse)
        elif isinstance(node, (ast.If, ast.Try)):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)
            yield from _top_level(getattr(node, "finalbody", []))
        else:
            yield node


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def graph() -> dict[str, set[str]]:
    """Module -> the first-party modules it imports when it is imported (module-level imports only)."""
    edges: dict[str, set[str]] = {}
    for module in MODULES:
        targets = set()
        for target, _ in imported(module, top_level_only=True):
            while target and target not in MODULES:  # `from a.b import name` -> a.b
                target = target.rpartition(".")[0]
            if target and target != module:
                targets.add(target)
        edges[module] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_covers_the_core_and_the_plugins() -> None:
    assert {"sbkit.pipeline.run", "sbkit.cli.run", "sbkit.evaluation.probes", "sbkit_opencv"} <= set(MODULES)
    assert {"sbkit.config", "sbkit.cli.options"} <= graph()["sbkit.cli.bench"] | graph()["sbkit.cli.options"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    edges = graph()
    for source, target in ALLOWED_CYCLE_EDGES:
        edges[source].discard(target)
    assert cycles(edges) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not any(_within(m, p) for p in CLI_USERS)))
def test_library_code_does_not_import_the_cli(module: str) -> None:
    bad = [f"line {line}: {target}" for target, line in imported(module, top_level_only=False)
           if _within(target, "sbkit.cli")]
    assert not bad, f"{MODULES[module].relative_to(ROOT)} imports the CLI; move what it needs down: {bad}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if any(_within(m, p) for p in BELOW_PIPELINE)))
def test_lower_layers_do_not_import_the_pipeline(module: str) -> None:
    bad = [f"line {line}: {target}" for target, line in imported(module, top_level_only=False)
           if _within(target, "sbkit.pipeline")]
    assert not bad, f"{MODULES[module].relative_to(ROOT)} reaches up into the pipeline: {bad}"
