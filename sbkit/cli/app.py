"""The ``sbkit`` command: a Typer app built by :func:`create_app`, which loads plugins and lets them add commands."""

from __future__ import annotations

import sys

import typer

from sbkit.console_text import print_error
from sbkit.errors import USAGE_ERROR, PluginError, SbkitError
from sbkit.progress import console

BUILTIN_COMMANDS = ("run", "train", "eval", "bench", "search", "serve", "index", "sketchify", "data", "plugins",
                    "list_cmd", "new_plugin", "cache")


def _root(
    strict: bool = typer.Option(False, "--strict", help="Fail when any plugin fails to import or register "
                                "(also SBKIT_STRICT=1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Hide progress bars."),
) -> None:
    """sbkit: find fashion items by drawing them. Sketchify photos, train, index, search and benchmark."""
    from sbkit.plugins import get_host
    from sbkit.progress import set_quiet

    set_quiet(quiet)
    host = get_host()
    if strict:
        host.strict = True
        failed = [r for r in host.records.values() if r.status == "failed"]
        if failed:
            raise PluginError("; ".join(f'plugin "{r.name}" failed: {r.error}' for r in failed))


def create_app() -> typer.Typer:
    """Build the CLI: built-in commands first, then whatever plugins add through ``register_commands``."""
    import importlib

    from sbkit.plugins import get_host

    app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode="rich", help=_root.__doc__)
    app.callback()(_root)
    for module in BUILTIN_COMMANDS:
        importlib.import_module(f"sbkit.cli.{module}").register(app)
    get_host().register_commands(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console entry point: sbkit errors print as one line, with no traceback; usage errors as Typer shows them."""
    try:
        create_app()(args=argv, prog_name="sbkit")
    except SbkitError as exc:
        print_error(console, exc)
        sys.exit(USAGE_ERROR)
