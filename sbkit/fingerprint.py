"""Fingerprints of the code behind a cached result, so that a cache made by other code is never read back.

Parameters alone do not say what a component computes: an upgrade, or an edit to an editable install, can
change its output with the same parameters. :func:`code_fingerprint` hashes the source files that define a
component's class and the functions they call by name.
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any


@lru_cache(maxsize=256)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _owner_names(obj: Any) -> list[str]:
    """The modules that define ``obj``: a function's, or those of a class (or an instance's class) and its bases."""
    if hasattr(obj, "__code__"):
        return [obj.__module__]
    return [klass.__module__ for klass in (obj if isinstance(obj, type) else type(obj)).__mro__]


def source_modules(*objects: Any) -> list[ModuleType]:
    """The sbkit and plugin modules behind ``objects``: where they are defined, where the objects an instance
    holds are defined (its helpers), and the modules whose functions and classes those import by name (one
    level). Only the packages of sbkit and of the objects themselves count: standard-library and third-party
    modules are fixed by the environment."""
    owners = [name for obj in objects for name in _owner_names(obj)]
    ours = ({_top(name) for name in owners} | {"sbkit"}) - set(sys.stdlib_module_names) - {"builtins"}
    names = owners + [type(value).__module__ for obj in objects if not isinstance(obj, type)
                      for value in getattr(obj, "__dict__", {}).values()]
    owned = {sys.modules[name] for name in names if _top(name) in ours and name in sys.modules}
    for module in list(owned):
        for value in vars(module).values():
            name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            if isinstance(name, str) and _top(name) in ours and name in sys.modules:
                owned.add(sys.modules[name])
    return sorted((m for m in owned if getattr(m, "__file__", None)), key=lambda m: m.__name__)


def code_fingerprint(*objects: Any) -> str:
    """24 hex digits of sha256 over the source files of :func:`source_modules`; another version of any of
    them gives another fingerprint."""
    digest = hashlib.sha256()
    for module in source_modules(*objects):
        path = Path(module.__file__)
        stat = path.stat()
        digest.update(f"{module.__name__}\0{_file_digest(str(path), stat.st_size, stat.st_mtime_ns)}\n".encode())
    return digest.hexdigest()[:24]
