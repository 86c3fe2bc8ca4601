"""Names to classes: ``create(kind, name, **params)`` and ``list(kind)`` over every loaded plugin.

Components declared with a :class:`~sbkit.component_spec.ComponentSpec` are imported the first time their
class is needed (``create``, ``get``, ``Entry.params``), never to list names or descriptions.
"""

from __future__ import annotations

import inspect
from typing import Any

from sbkit.component_spec import ComponentSpec
from sbkit.errors import (
    ConfigError,
    DuplicateComponentError,
    PluginError,
    SbkitError,
    UnknownComponentError,
    unknown_name_message,
)
from sbkit.params import Param, component_params, resolve_params
from sbkit.plugins import KINDS, PluginHost, PluginRecord, describe_error, get_host


class Entry:
    """A registered component and the plugin that brought it; a declared component's class loads on first use."""

    def __init__(self, kind: str, name: str, component: type | ComponentSpec, plugin: PluginRecord) -> None:
        self.kind = kind
        self.name = name
        self.plugin = plugin
        self.spec = component if isinstance(component, ComponentSpec) else None
        self._cls = None if self.spec else component

    def __repr__(self) -> str:
        return f"Entry({self.kind!r}, {self.name!r}, plugin={self.plugin.name!r})"

    @property
    def cls(self) -> type:
        """The component class, imported now if it was declared by a spec."""
        if self._cls is None:
            assert self.spec is not None
            try:
                self._cls = self.spec.load(self.kind)
            except (SbkitError, KeyboardInterrupt):
                raise
            except BaseException as exc:  # a plugin's own bug, sys.exit() included: name the plugin and the target
                raise PluginError(f'plugin "{self.plugin.name}" ({self.plugin.origin}) failed to import '
                                  f"{self.kind} {self.name!r} from {self.spec.target}: "
                                  f"{type(exc).__name__}: {exc}") from exc
        return self._cls

    @property
    def loaded(self) -> bool:
        """Whether the class has been imported."""
        return self._cls is not None

    @property
    def needs(self) -> str | None:
        """The install hint when the component's optional dependencies are missing, else None."""
        return self.spec.hint() if self.spec and not self.loaded else None

    @property
    def description(self) -> str:
        if self.spec and self.spec.description:
            return self.spec.description
        return getattr(self.cls, "description", "") or (self.cls.__doc__ or "").strip().split("\n")[0]

    @property
    def params(self) -> list[Param]:
        return component_params(self.cls)

    @property
    def owner(self) -> str:
        """``sketchifier 'pencil' of plugin 'pencil' (package ...)``; sbkit's own components by name alone."""
        return f"{self.kind} {self.name!r}" + ("" if self.plugin.builtin else f" of {self.plugin.label}")

    def failure(self, what: str, error: BaseException) -> PluginError:
        """One line for a third-party component that raised: the component, its plugin, the error and the fix."""
        return PluginError(f"{self.owner} {what}: {describe_error(error)}; "
                           f"fix or disable it with {self.plugin.disable_hint}")

    def build(self, params: dict[str, Any], **context: Any) -> Any:
        """The component built from checked ``params`` plus ``context``.

        A third-party constructor that raises anything but an sbkit error becomes :meth:`failure`; sbkit's own
        components raise as they are, since a bug there is sbkit's to show.
        """
        try:
            return self.cls(**params, **context)
        except (SbkitError, KeyboardInterrupt):
            raise
        except BaseException as exc:
            problem = self.call_problem(params, context) if isinstance(exc, TypeError) else None
            if problem:
                raise ConfigError(problem) from None
            if self.plugin.builtin:
                raise
            raise self.failure("failed to start", exc) from exc

    def call_problem(self, params: dict[str, Any], context: dict[str, Any]) -> str | None:
        """Why the constructor refuses these arguments before its body runs, or None when it takes them.

        Binding them to the signature tells a call that could not start (a missing argument) from a
        ``TypeError`` raised inside the constructor, which stays the component's own error.
        """
        try:
            signature = inspect.signature(self.cls)
        except (TypeError, ValueError):
            return None
        try:
            signature.bind(**params, **context)
        except TypeError as exc:
            named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
            missing = [p.name for p in signature.parameters.values()
                       if p.kind in named and p.default is p.empty and p.name not in params and p.name not in context]
            if not missing:
                return f"{self.owner} cannot be built with {', '.join(sorted({**params, **context}))}: {exc}"
            one = len(missing) == 1
            names = missing[0] if one else f"{', '.join(missing[:-1])} and {missing[-1]}"
            them = "it" if one else "them"
            if set(missing) <= set(getattr(self.cls, "context_params", ())):
                return (f"{self.owner} needs {names} (the pipeline passes {them}); "
                        f"pass {them} as {'a keyword' if one else 'keywords'}")
            return (f"{self.owner} needs {names}; pass {them} as {'a parameter' if one else 'parameters'} "
                    f"(`sbkit list {self.kind}` shows them)")
        return None


def _check_kind(kind: str) -> None:
    if not isinstance(kind, str):
        raise ConfigError(f"the component kind must be a str, got {type(kind).__name__}; "
                          f"choose from: {', '.join(sorted(KINDS))}")
    if kind not in KINDS:
        raise ConfigError(unknown_name_message("component kind", kind, KINDS))


class Registry:
    """Every component of every kind, keyed by its unique lowercase name."""

    def __init__(self, host: PluginHost | None = None) -> None:
        host = host or get_host()
        self.host, self.generation = host, host.generation
        self._entries: dict[str, dict[str, Entry]] = {}
        for kind in KINDS:
            table: dict[str, Entry] = {}
            for cls, record in host.collect(kind):
                name = getattr(cls, "name", None)
                if not name:
                    host.fail(record, TypeError(f"{getattr(cls, '__qualname__', cls)!r} has no `name`"),
                              f"register {kind}s")
                    continue
                if name in table:
                    table[name] = self._clash(host, Entry(kind, name, cls, record), table[name])
                    continue
                table[name] = Entry(kind, name, cls, record)
            self._entries[kind] = table
        # A plugin that failed (a clash, a broken hook) brings no component, whatever it registered before.
        for kind, table in self._entries.items():
            self._entries[kind] = {n: e for n, e in table.items() if e.plugin.status != "failed"}

    @staticmethod
    def _clash(host: PluginHost, new: Entry, old: Entry) -> Entry:
        """Two plugins registered one name: keep sbkit's own (else the first), and mark the other failed.

        Strict mode raises :class:`DuplicateComponentError` naming both instead.
        """
        keep, intruder = (new, old) if new.plugin.builtin and not old.plugin.builtin else (old, new)
        first, second = old.plugin, new.plugin
        host.refuse(intruder.plugin,
                    f"{new.kind} name {new.name!r} is registered twice: by plugin {first.name!r} "
                    f"(package {first.package or first.module}) and by plugin {second.name!r} "
                    f"(package {second.package or second.module}); plugin {intruder.plugin.name!r} is not used: "
                    f"rename its {new.kind}, or disable it with {intruder.plugin.disable_hint}",
                    DuplicateComponentError)
        return keep

    def list(self, kind: str) -> list[Entry]:
        """Entries of ``kind``, sorted by name."""
        _check_kind(kind)
        return [self._entries[kind][n] for n in sorted(self._entries[kind])]

    def names(self, kind: str) -> list[str]:
        return [e.name for e in self.list(kind)]

    def entry(self, kind: str, name: str) -> Entry:
        _check_kind(kind)
        if not isinstance(name, str):
            raise ConfigError(f"the {kind} name must be a str, got {type(name).__name__}; "
                              f"choose from: {', '.join(sorted(self._entries[kind])) or '(none registered)'}")
        try:
            return self._entries[kind][name]
        except KeyError:
            raise UnknownComponentError(unknown_name_message(kind, name, self._entries[kind])) from None

    def get(self, kind: str, name: str) -> type:
        """The class registered as ``name``; an unknown name lists the choices and the closest match."""
        return self.entry(kind, name).cls

    def create(self, kind: str, name: str, params: dict[str, Any] | None = None, **context: Any) -> Any:
        """Instantiate ``name`` with user ``params`` (checked and coerced) plus injected ``context``."""
        entry = self.entry(kind, name)
        resolved = resolve_params(entry.cls, {} if params is None else params, f"{kind} {name!r}")
        return entry.build(resolved, **context)


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built from the plugin host on first use and whenever the host has changed."""
    global _REGISTRY
    host = get_host()
    if _REGISTRY is None or _REGISTRY.host is not host or _REGISTRY.generation != host.generation:
        _REGISTRY = Registry(host)
    return _REGISTRY


def reset_registry() -> None:
    """Forget the registry; the next :func:`get_registry` rebuilds it from the plugin host."""
    global _REGISTRY
    _REGISTRY = None


def create(kind: str, name: str, params: dict[str, Any] | None = None, **context: Any) -> Any:
    """Shortcut for ``get_registry().create(...)``."""
    return get_registry().create(kind, name, params, **context)


def list_components(kind: str) -> list[Entry]:
    """Shortcut for ``get_registry().list(kind)``."""
    return get_registry().list(kind)
