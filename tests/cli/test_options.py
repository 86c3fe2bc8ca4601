"""``--<kind>.<param> VALUE`` options: both spellings, and clear errors for everything else."""

from __future__ import annotations

import pytest

from sbkit.cli.options import parse_component_options, split_component_options
from sbkit.errors import ConfigError

KINDS = {"sketchifier", "encoder", "data"}


def test_space_and_equals_forms_by_kind():
    args = ["--sketchifier.sigma", "1.5", "--encoder.dim=64", "--sketchifier.low-threshold", "-2",
            "--data.path=a=b.csv"]
    assert parse_component_options(args, KINDS) == {
        "sketchifier": {"sigma": "1.5", "low_threshold": "-2"},
        "encoder": {"dim": "64"},
        "data": {"path": "a=b.csv"},
    }


def test_empty_args_and_empty_value():
    assert parse_component_options([], KINDS) == {}
    assert parse_component_options(["--sketchifier.post="], KINDS) == {"sketchifier": {"post": ""}}


def test_positionals_are_returned_in_order():
    options, positionals = split_component_options(["--sketchifier.sigma", "2", "photos", "--", "--odd"], KINDS)
    assert options == {"sketchifier": {"sigma": "2"}} and positionals == ["photos", "--odd"]


@pytest.mark.parametrize("args, pattern", [
    (["--foo"], r"unknown option '--foo'.*--data.<param>.*--encoder.<param>.*--sketchifier.<param>"),
    (["--sketchifer.sigma", "1"], r"did you mean --sketchifier.<param>"),
    (["--loss.t", "1"], r"unknown option '--loss.t'"),
    (["-x"], r"unknown option '-x'"),
    (["--sketchifier.sigma"], r"--sketchifier.sigma needs a value"),
    (["--sketchifier.sigma", "--encoder.dim", "3"], r"--sketchifier.sigma needs a value"),
    (["--sketchifier.", "1"], r"names no parameter"),
    (["--sketchifier.sigma", "1", "--sketchifier.sigma=2"], r"given twice"),
    (["stray"], r"unexpected argument 'stray'"),
])
def test_errors_say_what_exists(args, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_component_options(args, KINDS)
