"""The hooks a plugin may implement.

Each ``register_<kind>s`` returns a list whose entries are component classes or, better,
:class:`ComponentSpec` declarations (name, ``"module:Class"`` target, description, optional dependencies):
a declared component's module is imported only when the component is created or its parameters are shown,
so ``sbkit --help`` and ``sbkit plugins`` stay fast. Both forms may be mixed.
"""

from __future__ import annotations

from typing import Any

import pluggy

from sbkit.component_spec import ComponentSpec

hookspec = pluggy.HookspecMarker("sbkit")
hookimpl = pluggy.HookimplMarker("sbkit")

__all__ = ["ComponentSpec", "hookimpl", "hookspec"]


@hookspec
def register_sketchifiers() -> list[type | ComponentSpec]:
    """Return :class:`sbkit.components.Sketchifier` subclasses, or specs naming them (photo -> sketch)."""


@hookspec
def register_encoders() -> list[type | ComponentSpec]:
    """Return :class:`sbkit.components.Encoder` subclasses, or specs naming them (image, sketch, text -> vectors)."""


@hookspec
def register_fusers() -> list[type | ComponentSpec]:
    """Return :class:`sbkit.components.Fuser` subclasses, or specs naming them (sketch + text vectors -> query)."""


@hookspec
def register_losses() -> list[type | ComponentSpec]:
    """Return :class:`sbkit.components.Loss` subclasses, or specs naming them (query vs target -> scalar)."""


@hookspec
def register_datasets() -> list[type | ComponentSpec]:
    """Return :class:`sbkit.components.Dataset` subclasses, or specs naming them (a source of catalogue items)."""


@hookspec
def register_indexes() -> list[type | ComponentSpec]:
    """Return :class:`sbkit.components.Index` subclasses, or specs naming them (gallery vectors -> top-k search)."""


@hookspec
def register_commands(app: Any) -> None:
    """Add commands to the Typer ``app`` (called once, after the built-in commands).

    Import heavy modules inside the command function, not at the plugin's module level: every ``sbkit``
    command, ``--help`` included, imports each plugin.
    """
