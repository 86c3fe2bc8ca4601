"""`sbkit run` and `sbkit bench` share one declaration of the run options, and every help text shows the default
that RunConfig actually has."""

from __future__ import annotations

import dataclasses
import re

import pytest
import typer
from typer.core import TyperOption
from typer.main import get_command
from typer.testing import CliRunner

import sbkit
import sbkit.bench.api
from sbkit.cli import bench as bench_cli
from sbkit.cli import run as run_cli
from sbkit.cli.options import RUN_OPTIONS, RunOption
from sbkit.config import COMPONENT_FIELDS, ComponentSpec, RunConfig

RUN_FIELDS = {f.name for f in dataclasses.fields(RunConfig)}
# Settings of RunConfig that a command declares itself, with a meaning of its own: `out` is the run folder of
# `sbkit run` (a new one under runs/ when not given) and the bench folder of `sbkit bench`.
OWN = {"out"}
DEFAULT = re.compile(r"\(default: ([^)]*)\)")
runner = CliRunner()


class Stop(Exception):
    """Raised by the stand-ins below once they have seen what the command resolved."""


def commands() -> dict[str, typer.core.TyperCommand]:
    app = typer.Typer()
    run_cli.register(app)
    bench_cli.register(app)
    return get_command(app).commands  # type: ignore[attr-defined]


def options(command: typer.core.TyperCommand) -> dict[str, TyperOption]:
    return {p.name: p for p in command.params if isinstance(p, TyperOption) and p.name != "help"}


@pytest.mark.parametrize("name", ["run", "bench"])
def test_both_commands_take_every_shared_option(name: str) -> None:
    offered = options(commands()[name])
    assert {o.field for o in RUN_OPTIONS} <= set(offered)
    assert {"early_stopping", "grad_cache_chunk"} <= set(offered)  # bench once lacked these two
    # every RunConfig setting that both commands offer comes from the one shared declaration
    shared = set(options(commands()["run"])) & set(options(commands()["bench"])) & RUN_FIELDS
    assert shared - OWN == {o.field for o in RUN_OPTIONS}


def expected_default(field: str, option: TyperOption) -> str:
    value = getattr(RunConfig(), field)
    if isinstance(value, ComponentSpec):
        return value.name
    if isinstance(value, bool):
        return "--" + (option.opts[0] if value else option.secondary_opts[0]).lstrip("-")
    return "''" if value == "" else str(value)


@pytest.mark.parametrize("name", ["run", "bench"])
def test_every_help_default_is_the_one_runconfig_has(name: str) -> None:
    checked = 0
    for field, option in options(commands()[name]).items():
        shown = DEFAULT.findall(option.help or "")
        if field in RUN_FIELDS and field not in OWN:
            assert shown == [expected_default(field, option)], f"--{field}: {option.help!r}"
            checked += 1
        else:  # a default written by hand could drift; Typer shows these options' defaults itself
            assert shown == [], f"--{field} writes its default by hand: {option.help!r}"
    assert checked == len(RUN_OPTIONS)


def test_bounds_in_the_help_are_runconfigs() -> None:
    epochs = options(commands()["bench"])["epochs"]
    assert "(allowed: at least 1)" in epochs.help
    assert RunConfig.__dataclass_fields__["epochs"].metadata == {"min": 1}


def other_value(option: RunOption, flag: TyperOption) -> tuple[list[str], object]:
    """Command-line tokens that set ``option`` to a value other than its default, and that value."""
    default = getattr(RunConfig(), option.field)
    if isinstance(default, bool):
        return [flag.secondary_opts[0] if default else flag.opts[0]], not default
    if isinstance(default, ComponentSpec):
        value: object = f"other-{option.field}"
    elif isinstance(default, str):
        value = "cpu" if option.field == "device" else "shirt"
    else:
        value = default + 1 if isinstance(default, int) else default / 2
    return [flag.opts[0], str(value)], value


def every_option_changed(name: str) -> tuple[list[str], dict[str, object]]:
    flags = options(commands()[name])
    args, wanted = [], {}
    for option in RUN_OPTIONS:
        tokens, value = other_value(option, flags[option.field])
        args += tokens
        wanted[option.field] = value
    return args, wanted


def setting(config: RunConfig, field: str) -> object:
    value = getattr(config, field)
    return value.name if isinstance(value, ComponentSpec) else value


def test_run_passes_every_shared_option_into_its_config(monkeypatch) -> None:
    seen = {}

    def fake_run(config, resume=False, force=False):
        seen["config"] = config
        raise Stop

    monkeypatch.setattr(sbkit, "run", fake_run)
    args, wanted = every_option_changed("run")
    app = typer.Typer()
    run_cli.register(app)
    app.command("unused")(lambda: None)
    result = runner.invoke(app, ["run", *args])
    assert isinstance(result.exception, Stop), result.output
    assert {field: setting(seen["config"], field) for field in wanted} == wanted


def test_bench_passes_every_shared_option_into_its_grid(monkeypatch) -> None:
    seen = {}

    def fake_expand(base, axes):
        seen["base"], seen["axes"] = base, {axis.key: axis.values for axis in axes}
        raise Stop

    monkeypatch.setattr(sbkit.bench.api, "expand_grid", fake_expand)
    monkeypatch.setattr(sbkit.bench.api, "check_params", lambda axes, base: None)
    args, wanted = every_option_changed("bench")
    app = typer.Typer()
    bench_cli.register(app)
    app.command("unused")(lambda: None)
    result = runner.invoke(app, ["bench", *args])
    assert isinstance(result.exception, Stop), result.output
    for field, value in wanted.items():
        if field in COMPONENT_FIELDS:  # a comma list of names: one axis of the grid
            assert seen["axes"][field] == (value,)
        else:
            assert setting(seen["base"], field) == value, field
