"""The hooks a plugin may implement. Each ``register_<kind>s`` returns a list of component classes."""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("sbkit")
hookimpl = pluggy.HookimplMarker("sbkit")


@hookspec
def register_sketchifiers() -> list[type]:
    """Return :class:`sbkit.components.Sketchifier` subclasses (photo -> sketch)."""


@hookspec
def register_encoders() -> list[type]:
    """Return :class:`sbkit.components.Encoder` subclasses (image, sketch, text -> vectors)."""


@hookspec
def register_fusers() -> list[type]:
    """Return :class:`sbkit.components.Fuser` subclasses (sketch + text vectors -> query vector)."""


@hookspec
def register_losses() -> list[type]:
    """Return :class:`sbkit.components.Loss` subclasses (query vs target -> scalar)."""


@hookspec
def register_datasets() -> list[type]:
    """Return :class:`sbkit.components.Dataset` subclasses (a source of catalogue items)."""


@hookspec
def register_indexes() -> list[type]:
    """Return :class:`sbkit.components.Index` subclasses (gallery vectors -> top-k search)."""


@hookspec
def register_commands(app: Any) -> None:
    """Add commands to the Typer ``app`` (called once, after the built-in commands)."""
