"""The benchmark scripts' options that take a comma list of positive numbers (``--k 5,10``, ``--weights 0.5,1``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def positive_numbers(option: str, kind: type[int] | type[float], example: str,
                     allow_zero: bool = False) -> Callable[[str], list]:
    """An argparse ``type`` reading ``option``'s comma list of positive ``kind`` values (or zero, with
    ``allow_zero``); a bad list names ``option`` and suggests ``example``."""
    noun = ("whole numbers" if kind is int else "numbers") + (" (or 0)" if allow_zero else "")

    def parse(text: str) -> list:
        try:
            values = [kind(part) for part in text.split(",") if part.strip()]
        except ValueError:
            values = []
        if not values or any(value < 0 or (value == 0 and not allow_zero) for value in values):
            raise argparse.ArgumentTypeError(f"{option} takes positive {noun} separated by commas, got {text!r}; "
                                             f"try {example}")
        return values

    return parse
