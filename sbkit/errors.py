"""Errors that sbkit raises on purpose, each with a message meant for a person."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Exit codes of every command (docs/reliability.md): 2 when sbkit refuses the command (a bad option, config or
# input, printed as one ``error:`` line), 1 when it ran but its result is a failure (a catalogue unusable,
# no sketch made), 130 when interrupted.
USAGE_ERROR = 2
FAILED = 1
INTERRUPTED = 130


class SbkitError(Exception):
    """Base class: the CLI prints these as one clear line, with no traceback."""


class ConfigError(SbkitError):
    """A bad option, parameter or config file."""


class UnknownComponentError(ConfigError):
    """A component name that no plugin registered."""


class DuplicateComponentError(SbkitError):
    """Two plugins registered the same name for one kind."""


class PluginError(SbkitError):
    """A plugin failed to import or register (raised only in strict mode), or two plugins share a name."""


class MissingExtraError(ConfigError):
    """A component whose optional dependencies are not installed; the message gives the pip command."""


class DataError(SbkitError):
    """Unreadable, missing or invalid input data."""


class ShapeError(SbkitError):
    """Tensors or arrays whose shapes or dims do not fit together."""


def check(condition: object, message: str, error: type[SbkitError] = ShapeError) -> None:
    """Raise ``error(message)`` unless ``condition`` holds (one helper for every input check)."""
    if not condition:
        raise error(message)


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``name``, or None when nothing is close (or ``name`` is not a str)."""
    if not isinstance(name, str):
        return None
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return matches[0] if matches else None


def unknown_name_message(what: str, name: str, choices: Iterable[str]) -> str:
    """``unknown fuser 'nope'; choose from: avg, concat (did you mean 'avg'?)``."""
    choices = sorted(choices)
    message = f"unknown {what} {name!r}; choose from: {', '.join(choices) or '(none registered)'}"
    guess = closest(name, choices)
    if guess:
        message += f" (did you mean {guess!r}?)"
    return message
