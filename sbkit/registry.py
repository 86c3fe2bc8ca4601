"""Names to classes: ``create(kind, name, **params)`` and ``list(kind)`` over every loaded plugin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sbkit.errors import ConfigError, DuplicateComponentError, UnknownComponentError, unknown_name_message
from sbkit.params import Param, component_params, resolve_params
from sbkit.plugins import KINDS, PluginRecord, get_host


@dataclass(frozen=True)
class Entry:
    """A registered component class and the plugin that brought it."""

    kind: str
    name: str
    cls: type
    plugin: PluginRecord

    @property
    def description(self) -> str:
        return getattr(self.cls, "description", "") or (self.cls.__doc__ or "").strip().split("\n")[0]

    @property
    def params(self) -> list[Param]:
        return component_params(self.cls)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(unknown_name_message("component kind", kind, KINDS))


class Registry:
    """Every component of every kind, keyed by its unique lowercase name."""

    def __init__(self) -> None:
        host = get_host()
        self._entries: dict[str, dict[str, Entry]] = {}
        for kind in KINDS:
            table: dict[str, Entry] = {}
            for cls, record in host.collect(kind):
                name = getattr(cls, "name", None)
                if not name:
                    host.fail(record, TypeError(f"{cls.__qualname__} has no `name`"), f"register {kind}s")
                    continue
                if name in table:
                    first = table[name].plugin
                    raise DuplicateComponentError(
                        f"{kind} name {name!r} is registered twice: by plugin {first.name!r} "
                        f"(package {first.package or first.module}) and by plugin {record.name!r} "
                        f"(package {record.package or record.module}); disable one with SBKIT_DISABLE_PLUGINS"
                    )
                table[name] = Entry(kind, name, cls, record)
            self._entries[kind] = table

    def list(self, kind: str) -> list[Entry]:
        """Entries of ``kind``, sorted by name."""
        _check_kind(kind)
        return [self._entries[kind][n] for n in sorted(self._entries[kind])]

    def names(self, kind: str) -> list[str]:
        return [e.name for e in self.list(kind)]

    def entry(self, kind: str, name: str) -> Entry:
        _check_kind(kind)
        try:
            return self._entries[kind][name]
        except KeyError:
            raise UnknownComponentError(unknown_name_message(kind, name, self._entries[kind])) from None

    def get(self, kind: str, name: str) -> type:
        """The class registered as ``name``; an unknown name lists the choices and the closest match."""
        return self.entry(kind, name).cls

    def create(self, kind: str, name: str, params: dict[str, Any] | None = None, **context: Any) -> Any:
        """Instantiate ``name`` with user ``params`` (checked and coerced) plus injected ``context``."""
        cls = self.get(kind, name)
        resolved = resolve_params(cls, params or {}, f"{kind} {name!r}")
        return cls(**resolved, **context)


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built from the plugin host on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry()
    return _REGISTRY


def reset_registry() -> None:
    global _REGISTRY
    _REGISTRY = None


def create(kind: str, name: str, params: dict[str, Any] | None = None, **context: Any) -> Any:
    """Shortcut for ``get_registry().create(...)``."""
    return get_registry().create(kind, name, params, **context)


def list_components(kind: str) -> list[Entry]:
    """Shortcut for ``get_registry().list(kind)``."""
    return get_registry().list(kind)
