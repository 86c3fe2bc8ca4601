"""Paths that users supply: refused when they leave their folder, or when an output would overwrite an input.

A catalogue names its pictures by paths relative to its folder (docs/data.md). A path that resolves
outside the folder (``../../secret.jpg``, ``/etc/passwd``, or a symlink in the folder that points out of
it) is refused unless the user allows it explicitly, so a catalogue from someone else cannot make sbkit
read, train on or show files it was never meant to see.

An output path (``--out``, ``--sheet``) goes through :func:`check_output` before a command does any work: it
may not be one of the command's inputs or lie inside an input folder, and a file or folder already there
that the command did not write itself is replaced only with ``--force``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sbkit.errors import ConfigError, DataError

if TYPE_CHECKING:
    from PIL.PngImagePlugin import PngInfo

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


# PNG text chunk that marks a picture sbkit wrote (contact sheets), so a rerun may replace it without --force.
PNG_MARK = ("Software", "sbkit")


def png_mark() -> PngInfo:
    """The PNG text chunk to save with every picture sbkit writes (see :func:`written_by_sbkit`)."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(*PNG_MARK)
    return info


def written_by_sbkit(path: Path) -> bool:
    """Whether ``path`` is a PNG that sbkit wrote (it carries :data:`PNG_MARK`)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return getattr(image, "text", {}).get(PNG_MARK[0]) == PNG_MARK[1]
    except (OSError, ValueError, SyntaxError):
        return False


def not_written_by_sbkit(path: Path) -> str | None:
    """A :func:`check_output` ``conflict`` for a PNG output: None when sbkit wrote the file already there."""
    return None if written_by_sbkit(path) else "already exists and sbkit did not write it"


def check_output(out: str | Path, option: str = "--out", *, inputs: Mapping[str, Path | str | None] | None = None,
                 folders: Mapping[str, Path | str | None] | None = None, folder: bool = False,
                 replaced: bool = False, force: bool = False,
                 conflict: Callable[[Path], str | None] | None = None) -> Path:
    """Refuse an output path that would overwrite a command's input or a file the user wrote.

    Every command that writes a file or a folder checks its output with this before it does any work, so a
    refused command changes nothing.

    Args:
        out: the output path the user gave.
        option: the option that gave it, for the message (``--out``, ``--sheet``).
        inputs: label -> path of the files and folders the command reads; ``out`` may not be one of them.
        folders: label -> folder the command reads (a catalogue, a SOURCE folder); ``out`` may not lie in it.
        folder: ``out`` is a folder (else a file, which may not be a folder).
        replaced: ``out`` is replaced as a whole, so it may not hold one of ``folders`` either.
        force: the user allows replacing what ``conflict`` found.
        conflict: called when ``out`` exists: why it may not be written without ``force`` (e.g. ``"already
            holds a run"``), or None when it is the command's own output. Default for a file: it exists.

    Returns:
        ``out`` as a path (``~`` expanded).

    Raises:
        ConfigError: one line naming ``out`` and saying what to do instead.
    """
    path = Path(out).expanduser()
    target = path.resolve()
    for label, given in (inputs or {}).items():
        if given is not None and Path(given).expanduser().exists() and target == Path(given).expanduser().resolve():
            raise ConfigError(f"{option} {out} is {label}, which this command reads; give {option} another path")
    for label, given in (folders or {}).items():
        if given is None or not Path(given).expanduser().is_dir():
            continue
        root = Path(given).expanduser().resolve()
        if target.is_relative_to(root):
            raise ConfigError(f"{option} {out} lies inside {label} {given}, which this command reads; give "
                              f"{option} a path outside it")
        if replaced and root.is_relative_to(target):
            raise ConfigError(f"{option} {out} holds {label} {given}, which this command reads; give {option} "
                              "another folder")
    if folder and path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {out} is a file; give {option} a folder")
    if not folder and path.is_dir():
        raise ConfigError(f"{option} {out} is a folder; give {option} a file name")
    if path.exists() and not force:
        reason = "already exists" if conflict is None else conflict(path)
        if reason:
            raise ConfigError(f"{option} {out} {reason}; give {option} another path, or add --force to replace it")
    return path
