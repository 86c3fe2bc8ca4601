"""The one place where user-supplied text (paths, captions, ids, error messages) reaches the console.

rich reads ``[...]`` as markup and ``:name:`` as an emoji code, so a path such as ``runs/[/oops]``
would crash a print and ``runs/[exp1]`` would print as ``runs/``. A file name can also hold control
characters (an escape sequence, a newline, a right-to-left override) that would redraw the terminal or
hide part of a line. :func:`shown` makes any such value safe: markup is escaped and every control
character is written out visibly (``\\x1b``, ``\\n``, ``\\u202e``). Consoles made by :func:`make_console`
print emoji codes as typed.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape

# C0 and C1 controls, DEL, and the bidirectional formatting characters that reorder a line.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(value: object) -> str:
    """``str(value)`` with every control and bidi-formatting character written out (``\\x1b``, ``\\u202e``)."""
    return _HIDDEN.sub(_visible, str(value))


def shown(value: object) -> str:
    """``value`` as text safe to embed in a rich markup string: control characters visible, markup escaped."""
    return escape(visible(value))


def make_console(stderr: bool = False) -> Console:
    """A console for command output: no emoji codes, no highlighting, lines wrapped only by the terminal."""
    return Console(stderr=stderr, emoji=False, highlight=False, soft_wrap=True)


def print_error(console: Console, error: BaseException | str) -> None:
    """``error: <message>`` as one line, the message shown as typed (markup escaped, controls visible)."""
    console.print(f"[bold red]error:[/bold red] {shown(error)}", highlight=False, soft_wrap=True)


def print_warning(console: Console, message: str) -> None:
    """``warning: <message>`` as one line, the message shown as typed."""
    console.print(f"[yellow]warning:[/yellow] {shown(message)}", highlight=False, soft_wrap=True)
