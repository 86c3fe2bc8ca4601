"""Who is using which part of sbkit's cache, so that clearing it never pulls files from under a running job.

A process that uses a part of the cache (``features``, ``prepared``, ...) holds a shared ``flock`` on
``<cache>/.in-use-<part>.lock`` from its first use until it ends (:func:`hold`; the kernel drops it however the
process ends). ``sbkit cache clear`` takes the locks of the parts it clears exclusively (:func:`exclusive`): it is
refused while any job holds one of them, and a job that starts using such a part while a clear runs waits for it.
A long-lived server that reads the demo's photos therefore keeps the demo from being cleared, and nothing else.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

LOCK_PREFIX = ".in-use-"

_held: dict[tuple[str, str], int] = {}
_guard = threading.Lock()


def lock_file(root: Path, part: str) -> Path:
    return root / f"{LOCK_PREFIX}{part}.lock"


def hold(root: Path, part: str) -> None:
    """Hold a shared lock on ``part`` of the cache folder ``root`` for the rest of this process (once each)."""
    key = (str(root), part)
    if key in _held:
        return
    with _guard:
        if key in _held:
            return
        try:
            import fcntl

            root.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_file(root, part), os.O_RDWR | os.O_CREAT, 0o666)
        except (ImportError, OSError):
            return  # no flock on this system, or a cache that cannot be written: nothing to guard
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"waiting for `sbkit cache clear` to finish with {root} ({part}) ...", file=sys.stderr,
                      flush=True)
                fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            os.close(fd)
            return
        _held[key] = fd


def release(root: Path) -> None:
    """Give up this process's holds on ``root`` (the process that clears the cache is not one of its users)."""
    with _guard:
        fds = [_held.pop(key) for key in [key for key in _held if key[0] == str(root)]]
    for fd in fds:
        os.close(fd)


@contextmanager
def exclusive(root: Path, parts: Iterable[str]) -> Iterator[None]:
    """Hold the locks of ``parts`` of ``root`` exclusively for the ``with`` block.

    Raises:
        FolderBusyError: another process uses one of the parts; the message names them when the system says who.
    """
    import fcntl

    from sbkit.folder_lock import FolderBusyError

    release(root)
    parts = list(parts)
    with ExitStack() as stack:
        busy = []
        for part in parts:
            fd = os.open(lock_file(root, part), os.O_RDWR | os.O_CREAT, 0o666)
            stack.callback(os.close, fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                busy.append(part)
        if busy:
            users = users_of(root, busy)
            named = "; ".join(f"pid {pid}: {command}" for pid, command, _ in users) or "another process"
            raise FolderBusyError(f"the cache {root} ({', '.join(busy)}) is in use by {named}; clear it when that "
                                  "has finished, or clear other parts")
        yield


def users_of(root: Path, parts: Iterable[str]) -> list[tuple[int, str, list[str]]]:
    """The other processes holding locks of ``parts`` of ``root``, as (pid, command line, their parts), read from
    ``/proc/locks`` (Linux); empty where the system does not say, or when nobody holds them."""
    inodes = {}
    for part in parts:
        try:
            inodes[str(lock_file(root, part).stat().st_ino)] = part
        except OSError:
            pass
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    held: dict[int, list[str]] = {}
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  READ  1234 08:01:5678 0 EOF"; a waiting request has "->" after the number
        if len(fields) >= 6 and fields[1] == "FLOCK" and (part := inodes.get(fields[5].rsplit(":", 1)[-1])):
            held.setdefault(int(fields[4]), []).append(part)
    held.pop(os.getpid(), None)
    return [(pid, _command_line(pid), sorted(set(held[pid]))) for pid in sorted(held)]


def _command_line(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "a process that has ended"
    text = " ".join(Path(words[0].decode(errors="replace")).name if i == 0 else w.decode(errors="replace")
                    for i, w in enumerate(words) if w)
    return text if len(text) <= 120 else text[:117] + "..."
