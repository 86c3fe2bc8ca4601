"""Every hook in sbkit/hookspecs.py is exercised by a plugin here and documented with its exact signature."""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sbkit import hookspecs
from sbkit.components import Dataset, Encoder, Fuser, Index, Loss, Sketchifier
from sbkit.hookspecs import hookimpl

DOC = Path(__file__).resolve().parents[2] / "docs" / "writing-plugins.md"


def hookspec_functions() -> dict[str, Callable]:
    """The hook specifications: functions of sbkit.hookspecs marked by ``@hookspec``."""
    return {name: fn for name, fn in vars(hookspecs).items()
            if inspect.isfunction(fn) and hasattr(fn, "sbkit_spec")}


def signature_text(fn: Callable) -> str:
    """``register_commands(app: Any) -> None``: the hook as written in hookspecs.py (annotations unquoted)."""
    return f"{fn.__name__}{inspect.signature(fn)}".replace("'", "")


def _component_class(base: type, name: str) -> type:
    return type(f"Hooked{base.__name__}", (base,), {"name": name, "description": "registered by a test plugin"})


def _plugin(hook: str, implementation: Callable) -> types.ModuleType:
    module = types.ModuleType(f"hook_test_{hook}")
    setattr(module, hook, hookimpl(implementation))
    return module


def _registers(kind: str, base: type) -> Callable[[], None]:
    def check() -> None:
        from sbkit.plugins import get_host
        from sbkit.registry import get_registry

        cls = _component_class(base, f"hook-test-{kind}")
        get_host().register(_plugin(hook_of(kind), lambda: [cls]), name=f"hook-test-{kind}")
        assert get_registry().get(kind, f"hook-test-{kind}") is cls
        assert get_host().records[f"hook-test-{kind}"].components[kind] == [f"hook-test-{kind}"]
    return check


def hook_of(kind: str) -> str:
    from sbkit.plugins import HOOKS

    return HOOKS[kind]


def _registers_commands() -> None:
    from sbkit.cli.app import create_app
    from sbkit.plugins import get_host

    def register_commands(app: typer.Typer) -> None:
        @app.command("hook-test-hello")
        def hello(name: str = typer.Argument("world")) -> None:
            """Say hello (added by a test plugin)."""
            typer.echo(f"hello {name} from a plugin")

    get_host().register(_plugin("register_commands", register_commands), name="hook-test-commands")
    app = create_app()
    result = CliRunner().invoke(app, ["hook-test-hello", "sketch"])
    assert result.exit_code == 0 and result.output.strip() == "hello sketch from a plugin", result.output
    assert "hook-test-hello" in CliRunner().invoke(app, ["--help"]).output


def _a_broken_command_hook_spares_the_cli() -> None:
    from sbkit.cli.app import create_app
    from sbkit.plugins import get_host

    def register_commands(app: typer.Typer) -> None:
        raise RuntimeError("commands exploded")

    get_host().register(_plugin("register_commands", register_commands), name="hook-test-broken-commands")
    result = CliRunner().invoke(create_app(), ["plugins", "--json"])
    assert result.exit_code == 0
    assert "commands exploded" in get_host().records["hook-test-broken-commands"].error


HOOK_TESTS: dict[str, list[Callable[[], None]]] = {
    "register_sketchifiers": [_registers("sketchifier", Sketchifier)],
    "register_encoders": [_registers("encoder", Encoder)],
    "register_fusers": [_registers("fuser", Fuser)],
    "register_losses": [_registers("loss", Loss)],
    "register_datasets": [_registers("dataset", Dataset)],
    "register_indexes": [_registers("index", Index)],
    "register_commands": [_registers_commands, _a_broken_command_hook_spares_the_cli],
}


def test_every_hook_has_a_test_here() -> None:
    assert set(HOOK_TESTS) == set(hookspec_functions()), (
        "add a test to HOOK_TESTS for each new hook in sbkit/hookspecs.py (and drop removed ones)")


CASES = [(hook, case) for hook, cases in HOOK_TESTS.items() for case in cases]


@pytest.mark.parametrize(("hook", "case"), CASES, ids=[f"{h}-{c.__name__.strip('_')}" for h, c in CASES])
def test_hook_works_for_a_plugin(hook: str, case: Callable[[], None], fresh_plugins) -> None:
    case()


@pytest.mark.parametrize("hook", sorted(hookspec_functions()))
def test_hook_is_documented_with_its_exact_signature(hook: str) -> None:
    text = DOC.read_text(encoding="utf-8").replace("\\|", "|")  # a table cell escapes the union's bar
    signature = signature_text(hookspec_functions()[hook])
    assert f"`{signature}`" in text, f"docs/writing-plugins.md must show the hook as `{signature}`"


def test_the_docs_list_no_hook_that_does_not_exist() -> None:
    documented = set(re.findall(r"`(register_\w+)\(", DOC.read_text(encoding="utf-8")))
    assert documented <= set(hookspec_functions()), documented - set(hookspec_functions())
