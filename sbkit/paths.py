"""Paths that users supply inside their data: resolved in one place, and refused when they leave their folder.

A catalogue names its pictures by paths relative to its folder (docs/data.md). A path that resolves
outside the folder (``../../secret.jpg``, ``/etc/passwd``, or a symlink in the folder that points out of
it) is refused unless the user allows it explicitly, so a catalogue from someone else cannot make sbkit
read, train on or show files it was never meant to see.
"""

from __future__ import annotations

from pathlib import Path

from sbkit.errors import DataError

ALLOW_OUTSIDE_HINT = "--data.allow_outside true (allow_outside = true in the [data] table)"


class OutsideFolderError(DataError):
    """A path from a data file resolves outside the folder it must stay in."""


def path_in_folder(root: Path, value: str, allow_outside: bool = False, what: str = "path") -> Path:
    """``value``, a path written in a data file relative to the folder ``root``, as a path under ``root``.

    Backslashes count as separators (caption files written on Windows use them). Symlinks are followed
    when deciding where a path leads, so a link inside ``root`` that points elsewhere counts as outside.

    Args:
        root: the folder the path is relative to.
        value: the path as written, e.g. ``photos/a1.jpg``.
        allow_outside: accept paths that resolve outside ``root`` (absolute paths, ``..``, outward symlinks).
        what: how the error names the value, e.g. ``"image path"``.

    Returns:
        ``root / value`` (not resolved, so messages show the path as the user wrote it).

    Raises:
        OutsideFolderError: the path resolves outside ``root`` and ``allow_outside`` is False.
    """
    path = root / value.replace("\\", "/")
    if allow_outside:
        return path
    target, folder = path.resolve(), root.resolve()
    if not target.is_relative_to(folder):
        raise OutsideFolderError(f"{what} {value!r} leads outside the catalogue folder {folder} (to {target}); "
                                 f"keep the files inside the folder, or allow it with {ALLOW_OUTSIDE_HINT}")
    return path
