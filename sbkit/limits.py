"""Limits of numeric settings, declared once in a dataclass field's metadata and read by every entry point.

A field declares its bounds as ``field(default=12, metadata={"min": 1})``; the keys are ``min`` and
``max`` (inclusive) and ``above`` (exclusive, for a learning rate that must be positive). The TOML loader
and the Python API check them through :func:`check_limits` when a ``RunConfig`` is built; the CLI builds
one too (and shows the bounds in ``--help`` through :func:`describe`), so the three entry points give the
same one-line error for the same bad value.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sbkit.errors import ConfigError, DataError

LIMIT_KEYS = ("min", "max", "above")

# The longest caption a search takes, in characters, in every entry point: `sbkit search`, Retriever.search,
# POST /api/search and the drawing page. A longer one is refused rather than cut or diluted: a text tower
# that averages its words lets a few hundred filler words drown the ones that matter.
MAX_QUERY_TEXT = 500

# When a search's caption names a colour, the most a photo of that very colour gains among the best
# COLOUR_CANDIDATES results (sbkit.retrieval.photo_colours), in every entry point; 0 ranks by the model alone.
# A cosine gap of 0.1 is about what separates a drawing's own item from the tenth result.
COLOUR_WEIGHT = 0.1
MAX_COLOUR_WEIGHT = 10.0
COLOUR_CANDIDATES = 50
COLOUR_CATEGORIES_FROM = 5  # only photos of the categories of the model's first this many results gain


def check_colour_weight(weight: object) -> None:
    """Refuse a colour weight that is not a number from 0 to :data:`MAX_COLOUR_WEIGHT`, with a one-line
    :class:`DataError`."""
    if (not isinstance(weight, (int, float)) or isinstance(weight, bool) or not math.isfinite(weight)
            or not 0 <= weight <= MAX_COLOUR_WEIGHT):
        raise DataError(f"colour_weight must be a number from 0 to {MAX_COLOUR_WEIGHT:g}, got {weight!r}; "
                        f"{COLOUR_WEIGHT} is the default, 0 ranks by the model alone")


def check_query_text(text: str | None) -> None:
    """Refuse a search caption that is not a str, or is over :data:`MAX_QUERY_TEXT` characters, with a one-line
    :class:`DataError`."""
    if text is not None and not isinstance(text, str):
        raise DataError(f"the caption must be a str, got {type(text).__name__}; pass text=\"a long red trouser\"")
    if text is not None and len(text) > MAX_QUERY_TEXT:
        raise DataError(f"the caption is {len(text):,} characters, over the {MAX_QUERY_TEXT}-character limit of a "
                        "search; describe the item in fewer words, e.g. \"a long red trouser\"")


def field_limits(cls: type, name: str) -> dict[str, float]:
    """The declared bounds of field ``name`` of dataclass ``cls`` (empty when it declares none)."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return {key: f.metadata[key] for key in LIMIT_KEYS if key in f.metadata}
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def describe(limits: dict[str, float]) -> str:
    """Bounds in words: ``at least 1``, ``between 0 and 1``, ``above 0 and at most 1``."""
    low = f"above {limits['above']}" if "above" in limits else None
    if "min" in limits and "max" in limits:
        return f"between {limits['min']} and {limits['max']}"
    if "min" in limits:
        low = f"at least {limits['min']}"
    high = f"at most {limits['max']}" if "max" in limits else None
    return " and ".join(part for part in (low, high) if part) or "any value"


def limit_problem(value: Any, limits: dict[str, float]) -> str | None:
    """Why ``value`` breaks ``limits`` (as the end of a sentence), or None when it keeps them."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number ({describe(limits)}), got {value}"
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None  # type errors are reported where values are read
    broken = ("min" in limits and value < limits["min"]) or ("max" in limits and value > limits["max"]) or (
        "above" in limits and value <= limits["above"])
    return f"must be {describe(limits)}, got {value}" if broken else None


def check_limits(obj: Any, where: str) -> None:
    """Raise :class:`ConfigError` for the first field of dataclass ``obj`` outside its declared bounds."""
    for f in dataclasses.fields(obj):
        problem = limit_problem(getattr(obj, f.name), field_limits(type(obj), f.name))
        if problem:
            raise ConfigError(f"{where}: {f.name} {problem}")
