"""Plugin discovery: every component, built-in or third-party, arrives through the ``sbkit`` entry-point group.

A plugin's hooks return component classes or, to keep start-up light, :class:`ComponentSpec` entries that
name a class to import on first use. A plugin that fails to import or register is recorded with its name
and error, and the rest keeps working; strict mode (``--strict`` or ``SBKIT_STRICT=1``) turns that into a
:class:`PluginError`. A plugin whose import calls ``sys.exit()`` is broken like any other (only Ctrl-C goes
through). A second plugin under a name already taken is marked failed, naming the first, and the built-in (or
else the first) one is kept; strict mode makes that an error naming both.
``SBKIT_DISABLE_PLUGINS=a,b`` blocks plugins by entry-point name or by package name, and
``SBKIT_NO_AUTOLOAD=1`` skips entry points altogether (tests then register plugins by hand).
"""

from __future__ import annotations

import importlib.metadata
import os
import traceback
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

import pluggy

from sbkit import hookspecs
from sbkit.component_spec import ComponentSpec
from sbkit.errors import PluginError, SbkitError

GROUP = "sbkit"
KINDS: tuple[str, ...] = ("sketchifier", "encoder", "fuser", "loss", "dataset", "index")
HOOKS = {kind: f"register_{kind}s" for kind in KINDS} | {"loss": "register_losses", "index": "register_indexes"}
ENV_STRICT = "SBKIT_STRICT"
ENV_DISABLE = "SBKIT_DISABLE_PLUGINS"
ENV_NO_AUTOLOAD = "SBKIT_NO_AUTOLOAD"
BUILTIN_PACKAGE = "sbkit"  # the distribution whose entry points are sbkit's own plugins


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def describe_error(exc: BaseException) -> str:
    """``RuntimeError: boom (at plugin.py:4)``: the error on one line, with where the plugin raised it."""
    text = " ".join(str(exc).split())
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


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

    @property
    def builtin(self) -> bool:
        """Whether this is one of sbkit's own plugins (which wins a name clash)."""
        return self.package == BUILTIN_PACKAGE

    @property
    def label(self) -> str:
        """``plugin 'pencil' (package sbkit-pencil)``, for messages about its components."""
        return f"plugin {self.name!r} ({self.origin})"

    @property
    def disable_hint(self) -> str:
        """The setting that blocks this plugin: ``SBKIT_DISABLE_PLUGINS=<its name>``."""
        return f"{ENV_DISABLE}={self.name}"


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
        """Record a broken plugin (one line: the error and where it was raised); re-raise in strict mode."""
        record.status = "failed"
        record.error = f"{what}: {describe_error(exc)}"
        if self.strict:
            raise PluginError(f'plugin "{record.name}" ({record.module}) failed to {what}: '
                              f"{describe_error(exc)}") from exc

    def refuse(self, record: PluginRecord, reason: str, error: type[SbkitError] = PluginError) -> None:
        """Mark ``record`` failed for ``reason`` (a name clash); in strict mode raise ``error(reason)`` instead."""
        if self.strict:
            raise error(reason)
        record.status = "failed"
        record.error = reason

    def is_disabled(self, record: PluginRecord) -> bool:
        """Whether ``SBKIT_DISABLE_PLUGINS`` names the plugin or its package."""
        return record.name in self.disabled or (record.package is not None and record.package in self.disabled)

    def load_entrypoints(self) -> None:
        """Import and register every plugin in the ``sbkit`` entry-point group, isolating failures."""
        if _env_flag(ENV_NO_AUTOLOAD):
            return
        packages: dict[int, tuple[str, str]] = {}  # one parse of each distribution's metadata, not one per plugin
        found = []
        for ep in importlib.metadata.entry_points(group=GROUP):
            dist = getattr(ep, "dist", None)
            if dist is not None and id(dist) not in packages:
                packages[id(dist)] = (dist.metadata["Name"], dist.version)
            package, version = packages[id(dist)] if dist is not None else (None, None)
            found.append((PluginRecord(name=ep.name, module=ep.value, package=package, version=version), ep.load))
        # By name, sbkit's own first: when two plugins share a name, the built-in one keeps it.
        for record, load in sorted(found, key=lambda pair: (pair[0].name, not pair[0].builtin)):
            self.add(record, load)

    def add(self, record: PluginRecord, load: Any) -> None:
        """Register what ``load()`` returns under ``record``, unless it is disabled or broken.

        A second plugin under a name already taken is not imported: it is listed as failed, naming both
        (strict mode raises that as a :class:`PluginError`). It can be blocked by its package name.
        """
        first = self.records.get(record.name)
        if first is not None and first.status == "disabled" and not self.is_disabled(record):
            self.records[self._key(first)] = self.records.pop(record.name)  # a blocked plugin leaves its name
            first = None
        self.records[record.name if first is None else self._key(record)] = record
        self.generation += 1
        if self.is_disabled(record):
            record.status = "disabled"
            return
        if first is not None:
            self.refuse(record, f"two plugins are named {record.name!r}: one from {first.origin}, one from "
                                f"{record.origin}; this one is not loaded: rename its entry point, or hide this "
                                f"message with {ENV_DISABLE}={record.package or record.name}")
            return
        try:
            self.pm.register(load(), name=record.name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - any plugin bug (sys.exit() included) must not take sbkit down
            self.fail(record, exc, "import")

    def _key(self, record: PluginRecord) -> str:
        """A key in :attr:`records` for a plugin whose name is taken: its name with its package (and a number)."""
        key = base = f"{record.name} ({record.package or record.module})"
        number = 1
        while key in self.records:
            number += 1
            key = f"{base} #{number}"
        return key

    def register(self, plugin: Any, name: str, package: str | None = None, version: str | None = None) -> None:
        """Register an already-imported plugin object (used by tests and scripts); a taken name is an error."""
        first = self.records.get(name)
        if first is not None and first.status != "disabled":
            raise PluginError(f"two plugins are named {name!r}: one from {first.origin}, one from module "
                              f"{getattr(plugin, '__name__', repr(plugin))}; register this one under another name")
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
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001
                self.fail(record, exc, f"register {kind}s")
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
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001
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
