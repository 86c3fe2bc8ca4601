"""An exclusive lock on an output folder, so two jobs never write into one folder at once.

The lock is ``fcntl.flock`` on a lock file inside the folder, held for as long as the job runs. The
kernel drops it when the process ends, however it ends (SIGKILL included), so a stale lock never blocks
a resume. The lock file itself stays: deleting it could let a third job lock a fresh file while a second
still holds the old one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sbkit.errors import ConfigError

LOCK_FILE = ".sbkit.lock"


class FolderBusyError(ConfigError):
    """Another job holds the folder's lock."""


@contextmanager
def folder_lock(folder: Path, what: str = "folder", hint: str = "wait for it to finish or choose another folder"
                ) -> Iterator[Path]:
    """Hold the lock of ``folder`` (which must exist) for the ``with`` block; refuse at once if it is taken.

    Args:
        folder: the output folder to lock.
        what: how the error names the folder, e.g. ``"run folder"``.
        hint: what the person should do when the folder is busy.

    Raises:
        FolderBusyError: another process (or another open of the lock in this one) holds the lock.
    """
    import fcntl  # POSIX only; imported here so the module still imports where there is none

    path = Path(folder) / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _busy(folder, what, hint) from None
        if _same_file(fd, path):
            break
        os.close(fd)  # the file was replaced between open and lock: lock the one now in place
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def refuse_if_locked(folder: Path, what: str = "folder",
                     hint: str = "wait for it to finish or choose another folder") -> None:
    """Raise :class:`FolderBusyError` when another job holds ``folder``'s lock; creates and writes nothing."""
    import fcntl

    try:
        fd = os.open(Path(folder) / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return  # no lock file (or no folder): nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # conflicts with a holder's exclusive lock
    except BlockingIOError:
        raise _busy(folder, what, hint) from None
    finally:
        os.close(fd)


def _busy(folder: Path, what: str, hint: str) -> FolderBusyError:
    return FolderBusyError(f"{what} {folder} is in use by another sbkit job{_holder(Path(folder) / LOCK_FILE)}; "
                           f"{hint}")


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _holder(path: Path) -> str:
    """`` (process 1234)`` from the lock file, or nothing when it cannot be read."""
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""
