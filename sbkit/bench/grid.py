"""The benchmark grid: comma lists of component names and parameters, expanded into one run config per combination.

An axis is a component kind (``fuser``: which fuser) or a component parameter (``sketchifier.sigma``), with the
values to try. Combinations are the cartesian product of the axes, ordered upstream first (data, then the
sketchifier, then encoder, fuser, loss and index), so combinations that share a sketchifier run one after
another and reuse its prepared sketches.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkit.component_options import parse_component_options
from sbkit.config import COMPONENT_FIELDS, RunConfig
from sbkit.errors import ConfigError, closest

_PARAM = re.compile(r"^[A-Za-z_]\w*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
ALWAYS_IN_SLUG = ("sketchifier", "encoder", "fuser")


@dataclass(frozen=True)
class Axis:
    """One grid dimension: ``key`` is a kind (``fuser``) or ``kind.param`` (``sketchifier.sigma``)."""

    key: str
    values: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.key.partition(".")[0]

    @property
    def param(self) -> str | None:
        return self.key.partition(".")[2] or None


@dataclass
class Combination:
    """One point of the grid: its folder name, the value of every axis, and the run config it resolves to."""

    slug: str
    values: dict[str, str]
    config: RunConfig


def split_list(text: str, key: str) -> tuple[str, ...]:
    """``"canny, xdog,canny"`` -> ``("canny", "xdog")``: comma-separated, trimmed, duplicates dropped."""
    values = tuple(dict.fromkeys(v.strip() for v in str(text).split(",") if v.strip()))
    if not values:
        raise ConfigError(f"--{key} needs at least one value, e.g. --{key} a,b")
    return values


def check_key(key: str) -> None:
    """Raise a :class:`ConfigError` unless ``key`` is a component kind or ``kind.param``."""
    kind, dot, param = key.partition(".")
    if kind not in COMPONENT_FIELDS:
        message = (f"unknown option --{key}; grid options are --<kind> and --<kind>.<param> with <kind> one of "
                   f"{', '.join(COMPONENT_FIELDS)}")
        guess = closest(kind, COMPONENT_FIELDS)
        raise ConfigError(message + (f" (did you mean --{guess}{dot}{param}?)" if guess else ""))
    if dot and not _PARAM.match(param.replace("-", "_")):
        raise ConfigError(f"option --{key} names no parameter; write --{kind}.<param> v1,v2")


def make_axes(grid: Mapping[str, str | Iterable[Any]]) -> list[Axis]:
    """Axes from ``{key: "v1,v2"}`` or ``{key: [v1, v2]}``, ordered upstream first (data ... index).

    Raises:
        ConfigError: an unknown kind, a key that names no parameter, or an empty list.
    """
    axes = []
    for key, raw in grid.items():
        check_key(key)
        kind, dot, param = key.partition(".")
        key = kind + dot + param.replace("-", "_")
        values = split_list(raw, key) if isinstance(raw, str) else tuple(dict.fromkeys(str(v) for v in raw))
        if not values:
            raise ConfigError(f"--{key} needs at least one value, e.g. --{key} a,b")
        axes.append(Axis(key, values))
    order = {kind: i for i, kind in enumerate(COMPONENT_FIELDS)}
    return sorted(axes, key=lambda a: (order[a.kind], a.param is not None))


def grid_options(names: Mapping[str, str | None], extra_args: list[str]) -> dict[str, str]:
    """The grid of CLI options: ``names`` such as ``{"fuser": "avg,concat"}`` (None: not given) plus
    ``--kind.param v1,v2`` tokens, as ``{key: "v1,v2"}``.

    Raises:
        ConfigError: an unknown option (with the valid forms and the closest kind), a missing value, or a
            parameter given twice.
    """
    grid: dict[str, str] = {kind: value for kind, value in names.items() if value is not None}
    for kind, params in parse_component_options(extra_args, set(COMPONENT_FIELDS)).items():
        grid.update({f"{kind}.{param}": value for param, value in params.items()})
    return grid


def parse_axes(names: Mapping[str, str | None], extra_args: list[str]) -> list[Axis]:
    """Axes from CLI options (see :func:`grid_options`).

    Raises:
        ConfigError: as :func:`grid_options` and :func:`make_axes`.
    """
    return make_axes(grid_options(names, extra_args))


def check_params(axes: list[Axis], base: RunConfig) -> None:
    """Fail early when a parameter axis fits none of its kind's registered components (a typo, most likely).

    A parameter that fits some of the named components but not others is left to fail, and be recorded, in
    the combinations it does not fit.
    """
    from sbkit.registry import get_registry

    registry = get_registry()
    for axis in axes:
        if axis.param is None:
            continue
        kind = axis.kind
        registry_kind = "dataset" if kind == "data" else kind
        name_axis = next((a for a in axes if a.key == kind), None)
        names = name_axis.values if name_axis else (getattr(base, kind).name,)
        known = [n for n in names if n in registry.names(registry_kind)]
        if not known:
            continue  # unknown names (or a catalogue path) fail, and are recorded, when their combination runs
        accepted = {p.name for n in known for p in registry.entry(registry_kind, n).params}
        if axis.param not in accepted:
            guess = closest(axis.param, accepted)
            raise ConfigError(
                f"unknown option --{axis.key}: {', '.join(known)} take{'s' if len(known) == 1 else ''} "
                f"{', '.join(sorted(accepted)) or 'no parameters'}" + (f" (did you mean --{kind}.{guess}?)"
                                                                     if guess else ""))


def _safe(text: str) -> str:
    if "/" in text or "\\" in text:
        text = Path(text).name or text
    return _UNSAFE.sub("_", text).strip("._") or "x"


def make_slug(values: dict[str, str], config: RunConfig, axes: list[Axis]) -> str:
    """``canny.sigma-1.5__small__avg``: the sketchifier, encoder and fuser names, any other kind whose axes vary,
    and after each name the values of its varying parameter axes."""
    varying = {a.key for a in axes if len(a.values) > 1}
    parts = []
    for kind in COMPONENT_FIELDS:
        params = [a.param for a in axes if a.kind == kind and a.param and a.key in varying]
        if kind not in ALWAYS_IN_SLUG and kind not in varying and not params:
            continue
        parts.append(_safe(getattr(config, kind).name) + "".join(
            f".{_safe(p)}-{_safe(values[f'{kind}.{p}'])}" for p in params))
    return "__".join(parts)


def expand_grid(base: RunConfig, axes: list[Axis]) -> list[Combination]:
    """Every combination of ``axes`` applied to ``base``; the first axis (most upstream) varies slowest.

    A kind's name axis replaces ``base``'s component (and its params, unless the name is the same); its
    parameter axes then apply to whichever component that is.
    """
    combos: list[Combination] = []
    seen: dict[str, int] = {}
    for point in itertools.product(*(axis.values for axis in axes)):
        values = dict(zip((axis.key for axis in axes), point, strict=True))
        overrides: dict[str, dict[str, str]] = {}
        for kind in COMPONENT_FIELDS:
            name = values.get(kind, getattr(base, kind).name)
            params = {a.param: values[a.key] for a in axes if a.kind == kind and a.param}
            if kind in values or params:
                overrides[kind] = {"name": name, **params}
        config = base.updated(overrides, "bench grid")
        slug = make_slug(values, config, axes)
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        combos.append(Combination(slug, values, config))
    return combos
