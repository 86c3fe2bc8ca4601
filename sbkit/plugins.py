"""Plugin discovery: every component, built-in or third-party, arrives through the ``sbkit`` entry-point group.

A plugin's hooks return component classes or, to keep start-up light, :class:`ComponentSpec` entries that
name a class to import on first use. A plugin that fails to import or register is recorded with its name
and error, and the rest keeps working; strict mode (``--strict`` or ``SBKIT_STRICT=1``) turns that into a
:class:`PluginError`. Two plugins under one name are always an error naming both.
``SBKIT_DISABLE_PLUGINS=a,b`` blocks plugins by entry-point name, and ``SBKIT_NO_AUTOLOAD=1`` skips
entry points altogether (tests then register plugins by hand).
"""

from __future__ import annotations

import importlib.metadata
import os
import traceback
from dataclasses import dataclass, field
from typing import Any

import pluggy

from sbkit import hookspecs
from sbkit.component_spec import ComponentSpec
from sbkit.errors import PluginError

GROUP = "sbkit"
KINDS: tuple[str, ...] = ("sketchifier", "encoder", "fuser", "loss", "dataset", "index")
HOOKS = {kind: f"register_{kind}s" for kind in KINDS} | {"loss": "register_losses", "index": "register_indexes"}
ENV_STRICT = "SBKIT_STRICT"
ENV_DISABLE = "SBKIT_DISABLE_PLUGINS"
ENV_NO_AUTOLOAD = "SBKIT_NO_AUTOLOAD"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class PluginRecord:
    """What sbkit knows about one plugin: where it came from and whether it works."""

    name: str
    module: str
    package: str | None = None
    version: str | None = None
    status: str = "ok"  # ok | failed | disabled
    error: str | None = None
    components: dict[str, list[str]] = field(default_factory=dict)
    needs: dict[str, str] = field(default_factory=dict)  # component -> "needs `pip install sbkit[faiss]`"

    @property
    def origin(self) -> str:
        """Where the plugin comes from, for messages: its package and module."""
        return f"package {self.package}, module {self.module}" if self.package else f"module {self.module}"


class PluginHost:
    """Owns the pluggy manager and one :class:`PluginRecord` per plugin."""

    def __init__(self, strict: bool | None = None, disabled: set[str] | None = None) -> None:
        self.strict = _env_flag(ENV_STRICT) if strict is None else strict
        env_disabled = {n.strip() for n in os.environ.get(ENV_DISABLE, "").split(",") if n.strip()}
        self.disabled = env_disabled | (disabled or set())
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.generation = 0  # bumped on every change, so a registry built earlier knows it is stale

    def fail(self, record: PluginRecord, exc: BaseException, what: str) -> None:
        """Record a broken plugin; re-raise with context in strict mode."""
        record.status = "failed"
        record.error = f"{what}: {type(exc).__name__}: {exc}"
        if self.strict:
            raise PluginError(f'plugin "{record.name}" ({record.module}) failed to {what}: {exc}') from exc

    def load_entrypoints(self) -> None:
        """Import and register every plugin in the ``sbkit`` entry-point group, isolating failures."""
        if _env_flag(ENV_NO_AUTOLOAD):
            return
        packages: dict[int, tuple[str, str]] = {}  # one parse of each distribution's metadata, not one per plugin
        for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            if dist is not None and id(dist) not in packages:
                packages[id(dist)] = (dist.metadata["Name"], dist.version)
            package, version = packages[id(dist)] if dist is not None else (None, None)
            self.add(PluginRecord(name=ep.name, module=ep.value, package=package, version=version), ep.load)

    def add(self, record: PluginRecord, load: Any) -> None:
        """Register what ``load()`` returns under ``record``, unless it is disabled or broken.

        A second plugin under a name already taken is refused, naming both (as pluggy would).
        """
        if record.name in self.records:
            first = self.records[record.name]
            raise PluginError(f"two plugins are named {record.name!r}: one from {first.origin}, one from "
                              f"{record.origin}; rename one entry point, or block one with {ENV_DISABLE}")
        self.records[record.name] = record
        self.generation += 1
        if record.name in self.disabled:
            record.status = "disabled"
            return
        try:
            self.pm.register(load(), name=record.name)
        except Exception as exc:  # noqa: BLE001 - any plugin bug must not take sbkit down
            self.fail(record, exc, "import")

    def register(self, plugin: Any, name: str, package: str | None = None, version: str | None = None) -> None:
        """Register an already-imported plugin object (used by tests and scripts)."""
        self.add(PluginRecord(name=name, module=getattr(plugin, "__name__", repr(plugin)), package=package,
                              version=version), lambda: plugin)

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name``."""
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        self.records.pop(name, None)
        self.generation += 1

    def collect(self, kind: str) -> list[tuple[type | ComponentSpec, PluginRecord]]:
        """Call the kind's ``register_*`` hook on each plugin on its own, so one broken hook spares the rest.

        Gives each returned class or :class:`ComponentSpec` with its plugin; imports no spec's target. A spec
        whose optional dependencies are missing is noted in its record's ``needs`` with the install hint.
        """
        hook = getattr(self.pm.hook, HOOKS[kind])
        found: list[tuple[type | ComponentSpec, PluginRecord]] = []
        for impl in hook.get_hookimpls():
            record = self.records.get(impl.plugin_name) or PluginRecord(impl.plugin_name, impl.plugin_name)
            if record.status == "failed":
                continue
            try:
                components = list(impl.function() or [])
            except Exception as exc:  # noqa: BLE001
                self.fail(record, exc, f"register {kind}s")
                record.error = (record.error or "") + "\n" + traceback.format_exc(limit=3)
                continue
            record.components[kind] = [getattr(c, "name", None) or getattr(c, "__name__", repr(c)) for c in components]
            for component in components:
                hint = component.hint() if isinstance(component, ComponentSpec) else None
                if hint:
                    record.needs[component.name] = hint
            found.extend((component, record) for component in components)
        return found

    def register_commands(self, app: Any) -> None:
        """Let every plugin add CLI commands, isolating failures like imports."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            record = self.records.get(impl.plugin_name)
            try:
                impl.function(app=app)
            except Exception as exc:  # noqa: BLE001
                if record is not None:
                    self.fail(record, exc, "register commands")


_HOST: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loading entry points on first use."""
    global _HOST
    if _HOST is None:
        host = PluginHost()
        host.load_entrypoints()  # kept only once whole: a clash of plugin names fails again on the next call
        _HOST = host
    return _HOST


def reset_host(host: PluginHost | None = None) -> None:
    """Forget the loaded plugins (or install ``host``); the registry notices and is rebuilt on next use."""
    global _HOST
    _HOST = host
