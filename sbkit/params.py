"""Component parameters: read from ``__init__`` signatures and docstrings, and parsed from CLI strings."""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkit.errors import ConfigError


@dataclass(frozen=True)
class Param:
    """One user-settable parameter of a component."""

    name: str
    annotation: Any
    default: Any
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty

    @property
    def type_name(self) -> str:
        return _type_name(self.annotation)


def _type_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "any"
    if typing.get_origin(annotation) is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(annotation))
    return getattr(annotation, "__name__", str(annotation))


def _arg_docs(cls: type) -> dict[str, str]:
    """Parse the Google-style ``Args:`` sections of the class's (and its bases') or ``__init__`` docstrings."""
    docs: dict[str, str] = {}
    # Base classes first, so a subclass documents only the parameters it adds or changes.
    texts = [text for klass in reversed(cls.__mro__) for text in (klass.__doc__, vars(klass).get("__init__") and
                                                                  klass.__init__.__doc__)]
    for text in texts:
        if not text or "Args:" not in text:
            continue
        indent, name = None, None
        for line in text.split("Args:", 1)[1].splitlines()[1:]:
            if not line.strip():
                break
            depth = len(line) - len(line.lstrip())
            if indent is None:
                indent = depth
            match = re.match(r"\s*(\w+)(?:\s*\([^)]*\))?:\s*(.*)", line)
            if depth == indent and match:
                name = match.group(1)
                docs[name] = match.group(2).strip()
            elif depth > indent and name:
                docs[name] += " " + line.strip()
            else:
                break
    return docs


def _init_chain(cls: type) -> list[Any]:
    """``cls.__init__``, then, while an ``__init__`` passes ``**kwargs`` on, the next base class's ``__init__``.

    So ``def __init__(self, blur: int = 21, **shared): super().__init__(**shared)`` exposes the base
    class's parameters (the post-processing ones of :class:`~sbkit.components.PostprocessedSketchifier`)
    without repeating them.
    """
    chain = []
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or klass is object:
            continue
        chain.append(init)
        if not any(p.kind is p.VAR_KEYWORD for p in inspect.signature(init).parameters.values()):
            break
    return chain


def component_params(cls: type) -> list[Param]:
    """The parameters a user may set on ``cls``: its ``__init__`` arguments minus injected context."""
    injected = set(getattr(cls, "context_params", ()))
    docs = _arg_docs(cls)
    params: dict[str, Param] = {}
    for init in _init_chain(cls):
        try:
            hints = typing.get_type_hints(init)
        except Exception:  # noqa: BLE001 - unresolvable hints fall back to raw annotations
            hints = {}
        for p in inspect.signature(init).parameters.values():
            if p.name == "self" or p.name in injected or p.name in params or p.kind in (p.VAR_POSITIONAL,
                                                                                       p.VAR_KEYWORD):
                continue
            params[p.name] = Param(p.name, hints.get(p.name, p.annotation), p.default, docs.get(p.name, ""))
    return list(params.values())


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(value: Any, annotation: Any, where: str) -> Any:
    """Turn a CLI or TOML value into ``annotation``'s type, or raise a :class:`ConfigError` naming ``where``."""
    if annotation is inspect.Parameter.empty or annotation is Any or not isinstance(value, str):
        return value
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        choices = typing.get_args(annotation)
        for choice in choices:
            if str(choice) == value:
                return choice
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}")
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        if type(None) in args and value.lower() in {"none", "null", ""}:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: cannot read {value!r}")
    try:
        if annotation is bool:
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise ValueError
        if annotation in (int, float, str):
            return annotation(value)
        if annotation is Path:
            return Path(value)
    except ValueError:
        raise ConfigError(f"{where}: expected {_type_name(annotation)}, got {value!r}") from None
    return value


def resolve_params(cls: type, given: dict[str, Any], where: str) -> dict[str, Any]:
    """Check ``given`` against ``cls``'s parameters and coerce the values; unknown names are errors."""
    if not isinstance(given, Mapping):
        raise ConfigError(f"{where}: params must be a dict (name -> value), got {type(given).__name__}; "
                          "pass them as {'name': value, ...}")
    params = {p.name: p for p in component_params(cls)}
    resolved = {}
    for key, value in given.items():
        if key not in params:
            valid = ", ".join(sorted(params)) or "(it takes none)"
            raise ConfigError(f"{where} has no parameter {key!r}; valid parameters: {valid}")
        resolved[key] = coerce(value, params[key].annotation, f"{where}.{key}")
    return resolved


def _plain(value: Any) -> bool:
    """Whether TOML can hold ``value`` as it is (TOML has no null, and paths would come back as strings)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, (bool, int, float, str))


def with_defaults(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` and, for every parameter not in it, its default, so that a saved config still says what ran
    after a default changes. Defaults TOML cannot hold (None, paths, objects) stay implicit."""
    defaults = {p.name: p.default for p in component_params(cls) if not p.required and _plain(p.default)}
    return {**defaults, **params}
