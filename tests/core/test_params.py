"""Component parameters: introspection, documentation and coercion of CLI strings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from sbkit.errors import ConfigError
from sbkit.params import coerce, component_params, resolve_params, with_defaults


class Thing:
    """A component for tests.

    Args:
        sigma: blur in px,
            over two lines.
        mode: which way.
        limit: optional cap.
    """

    context_params = ("dim",)

    def __init__(self, dim: int, sigma: float = 1.0, mode: Literal["a", "b"] = "a", limit: int | None = None,
                 path: Path = Path("."), flag: bool = False) -> None:
        pass


def test_params_skip_injected_context_and_read_docs():
    params = {p.name: p for p in component_params(Thing)}
    assert list(params) == ["sigma", "mode", "limit", "path", "flag"]
    assert params["sigma"].doc == "blur in px, over two lines."
    assert params["mode"].type_name == "a|b"


@pytest.mark.parametrize(
    ("value", "annotation", "expected"),
    [("1.5", float, 1.5), ("3", int, 3), ("true", bool, True), ("off", bool, False), ("b", Literal["a", "b"], "b"),
     ("none", int | None, None), ("7", int | None, 7), ("x/y", Path, Path("x/y"))],
)
def test_coerce(value, annotation, expected):
    assert coerce(value, annotation, "t") == expected


@pytest.mark.parametrize(("value", "annotation"), [("abc", float), ("maybe", bool), ("c", Literal["a", "b"])])
def test_coerce_rejects_bad_values_with_the_place(value, annotation):
    with pytest.raises(ConfigError, match="where"):
        coerce(value, annotation, "where")


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="valid parameters: flag, limit, mode, path, sigma"):
        resolve_params(Thing, {"sigmaa": "1"}, "thing")


def test_with_defaults_writes_out_the_plain_defaults_and_keeps_what_was_given():
    assert with_defaults(Thing, {"sigma": 2.0}) == {"sigma": 2.0, "mode": "a", "flag": False}
    assert with_defaults(Thing, {"limit": 3, "mode": "b"}) == {"sigma": 1.0, "mode": "b", "flag": False, "limit": 3}

