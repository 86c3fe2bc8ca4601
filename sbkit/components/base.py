"""What every component shares: a unique lowercase ``name``, a one-line ``description``, and its params."""

from __future__ import annotations

from typing import Any, ClassVar

from sbkit.params import component_params


class Component:
    """Mixin for component classes. Subclasses store each ``__init__`` argument as an attribute of the same name."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    context_params: ClassVar[tuple[str, ...]] = ()


def component_config(component: Any) -> dict[str, Any]:
    """The parameters a component was built with, read back from its attributes (for manifests and configs)."""
    config = {}
    for param in component_params(type(component)):
        value = getattr(component, param.name, param.default)
        config[param.name] = str(value) if not isinstance(value, (int, float, str, bool, type(None))) else value
    return config
