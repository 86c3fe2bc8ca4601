"""Component parameters given as ``--<kind>.<param> VALUE`` or ``--<kind>.<param>=VALUE``, read into
``{kind: {param: value}}``.

Library code (``sbkit bench``'s grid) and the CLI commands both read them here. The commands declare
``context_settings={"allow_extra_args": True, "ignore_unknown_options": True}`` so that Click hands these
options over untouched in ``ctx.args``; the values stay strings, and the registry checks and coerces them
against the component's parameters.
"""

from __future__ import annotations

import re

from sbkit.errors import ConfigError, closest

_NAME = re.compile(r"^[A-Za-z_][\w-]*$")


def _is_option(token: str) -> bool:
    """``--x``/``-x`` are options; ``-1.5`` and ``-`` are values."""
    return token.startswith("--") and len(token) > 2 or (
        token.startswith("-") and len(token) > 1 and not token[1].isdigit() and token[1] != ".")


def _unknown(token: str, kinds: set[str]) -> ConfigError:
    forms = ", ".join(f"--{kind}.<param>" for kind in sorted(kinds)) or "(none)"
    message = f"unknown option {token!r}; component options are {forms} followed by a value"
    kind = token.lstrip("-").split("=", 1)[0].split(".", 1)[0]
    guess = closest(kind, kinds)
    if guess and guess != kind:
        message += f" (did you mean --{guess}.<param>?)"
    return ConfigError(message)


def split_component_options(args: list[str], kinds: set[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Split ``args`` into component options and the remaining positional arguments, in order.

    Args:
        args: tokens left over by Click (``ctx.args``), e.g. ``["--sketchifier.sigma", "1.5", "photos/"]``.
        kinds: the component kinds (or names) whose options are accepted, e.g. ``{"sketchifier"}``.

    Returns:
        ``({kind: {param: value}}, positionals)``; hyphens in param names become underscores.

    Raises:
        ConfigError: an option that is not ``--<kind>.<param>`` for a known kind, a missing value,
            or a parameter given twice.
    """
    options: dict[str, dict[str, str]] = {}
    positionals: list[str] = []
    tokens = list(args)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":
            positionals.extend(tokens[i:])
            break
        if not _is_option(token):
            positionals.append(token)
            continue
        key, has_value, value = token[2:].partition("=") if token.startswith("--") else (token, False, "")
        kind, dot, param = key.partition(".")
        if not token.startswith("--") or not dot or kind not in kinds:
            raise _unknown(token, kinds)
        if not _NAME.match(param):
            raise ConfigError(f"option {token!r} names no parameter; write --{kind}.<param> VALUE")
        if not has_value:
            if i >= len(tokens) or _is_option(tokens[i]):
                raise ConfigError(f"option --{kind}.{param} needs a value, e.g. --{kind}.{param} VALUE")
            value = tokens[i]
            i += 1
        param = param.replace("-", "_")
        given = options.setdefault(kind, {})
        if param in given:
            raise ConfigError(f"option --{kind}.{param} is given twice ({given[param]!r} and {value!r}); keep one")
        given[param] = value
    return options, positionals


def parse_component_options(args: list[str], kinds: set[str]) -> dict[str, dict[str, str]]:
    """Read ``--<kind>.<param> VALUE`` options from ``args`` into ``{kind: {param: value}}``.

    Any other token (an unknown option, a stray argument) is a :class:`ConfigError` that says which
    options exist. Values stay strings; :func:`sbkit.registry.create` coerces them.
    """
    options, positionals = split_component_options(args, kinds)
    if positionals:
        raise ConfigError(f"unexpected argument {positionals[0]!r}; component options are "
                          + ", ".join(f"--{kind}.<param> VALUE" for kind in sorted(kinds)))
    return options
