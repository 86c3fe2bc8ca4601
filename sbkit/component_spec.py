"""Components declared by name: a plugin lists what it offers without importing the modules that implement it.

A ``register_<kind>s`` hook may return :class:`ComponentSpec` entries instead of classes. sbkit reads the
name, description and optional dependencies from the spec, so ``sbkit plugins`` and ``sbkit --help`` import
no torch; the class at ``target`` is imported the first time a component is created or its parameters are
shown. This module imports nothing heavy, so a plugin's ``__init__`` may import it freely.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sbkit.errors import MissingExtraError, PluginError


def module_missing(module: str) -> bool:
    """Whether ``module`` cannot be imported, found without importing it (a parent package may be imported)."""
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent package that fails, or a module blocked in sys.modules
        return True


def import_extra(module: str, install: str, what: str) -> Any:
    """Import an optional dependency, or fail with ``{what} needs `pip install {install}```."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.split(".")[0] == exc.name.split(".")[0]:
            raise MissingExtraError(f"{what} needs `pip install {install}` (no module named {exc.name!r})") from None
        raise


def import_target(target: str) -> Any:
    """The object that ``"package.module:attribute"`` names (or the module itself, without ``:``)."""
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@dataclass(frozen=True)
class ComponentSpec:
    """One component, declared by name; its class is imported from ``target`` on first use.

    Attributes:
        name: The component's unique lowercase name within its kind (the class's ``name`` must match).
        target: Where the class lives, as ``"package.module:ClassName"``.
        description: One line for ``sbkit plugins`` and ``sbkit list`` (the class's ``description``).
        requires: Import names of optional dependencies (``("faiss",)``); when one is missing the component
            is listed as needing ``install`` and creating it fails with that hint, before anything is imported.
        install: What to ``pip install`` for ``requires``, e.g. ``"sbkit[faiss]"``; defaults to the modules.
    """

    name: str
    target: str
    description: str = ""
    requires: tuple[str, ...] = ()
    install: str | None = None

    def __post_init__(self) -> None:
        if ":" not in self.target:
            raise PluginError(f"component {self.name!r}: target {self.target!r} should read 'package.module:Class'")

    def missing(self) -> list[str]:
        """The modules of ``requires`` that cannot be imported here."""
        return [module for module in self.requires if module_missing(module)]

    def hint(self) -> str | None:
        """``needs `pip install sbkit[faiss]``` when a required module is missing, else None."""
        missing = self.missing()
        if not missing:
            return None
        return f"needs `pip install {self.install or ' '.join(missing)}`"

    def load(self, kind: str) -> type:
        """Import the class; a missing extra or a class of another name is an error naming the component."""
        hint = self.hint()
        if hint:
            raise MissingExtraError(f"{kind} {self.name!r} {hint} (missing: {', '.join(self.missing())})")
        try:
            cls = import_target(self.target)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] in {m.split(".")[0] for m in self.requires}:
                raise MissingExtraError(f"{kind} {self.name!r} needs `pip install "
                                        f"{self.install or exc.name}` ({exc})") from exc
            raise
        declared = getattr(cls, "name", None)
        if declared != self.name:
            raise PluginError(f"{kind} {self.name!r} is declared with target {self.target!r}, "
                              f"whose class is named {declared!r}; make the two names agree")
        return cls


def lazy_exports(module: str, specs: Iterable[ComponentSpec],
                 extra: dict[str, str] | None = None) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports a plugin's classes when first asked for (PEP 562).

    ``from sbkit_opencv import Canny`` keeps working while ``import sbkit_opencv`` imports nothing heavy.
    ``extra`` maps further attribute names to targets (``{"tokenize": "sbkit_torch.word_text:tokenize"}``).
    """
    targets = {spec.target.partition(":")[2]: spec.target for spec in specs} | (extra or {})

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        if name not in targets:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return import_target(targets[name])

    return __getattr__
