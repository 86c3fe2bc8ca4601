"""Pictures that a caption file names by web address (``https://cdn.shop.com/a1.jpg``), as shop exports and
product feeds do: each is downloaded once into sbkit's cache and read from there.

The catalogue folder is never written to. A download is written atomically under
``$SBKIT_CACHE/downloads/``, named by the address's hash, so a second read of the catalogue (another command, a
rerun after an interruption) finds it there and asks the server again only for what is not there yet. What the
server sends is checked as any picture is, later, by validation.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from io import BufferedIOBase
from pathlib import Path

from sbkit.data.drawn_folder import DRAWING_SUFFIXES
from sbkit.io import atomic_write_bytes, cache_folder, mark_used
from sbkit.progress import progress_bar

MAX_BYTES = 64 << 20  # a product photo is a few MB; more is not a picture sbkit should hold
TIMEOUT_S = 30.0  # the longest silence; a whole download may take four times this
WORKERS = 8
GIVE_UP_AFTER = 8  # addresses on one host that got no answer, with none answered, before its others are not asked


_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


class _NoAnswer(str):
    """Why a download failed, when the server never answered (no connection, silence): a host's failure,
    not the address's."""


def is_web_address(value: str) -> bool:
    """Whether a caption file's path cell is an http(s) address rather than a path in the folder."""
    return bool(_WEB_ADDRESS.match(value.strip()))


def download_path(address: str) -> Path:
    """Where the picture at ``address`` is kept: ``downloads/<hash[:2]>/<hash><suffix>`` in sbkit's cache, with
    the address's own picture suffix when it has one."""
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()
    suffix = posixpath.splitext(urllib.parse.urlsplit(address).path)[1].lower()
    name = digest + (suffix if suffix in DRAWING_SUFFIXES else "")
    return cache_folder("downloads") / digest[:2] / name


def _read_until(response: BufferedIOBase, deadline: float) -> bytes | None:
    """The body, up to one byte past :data:`MAX_BYTES`; None when it is not all there by ``deadline`` (a
    server that sends a byte now and then never trips the socket's own timeout)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BYTES and (chunk := response.read1(min(1 << 16, MAX_BYTES + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            return None
    return b"".join(chunks)


def _download(address: str, path: Path, timeout: float) -> Path | str:
    """``path``, the picture at ``address`` fetched into it; or why it could not be."""
    request = urllib.request.Request(address, headers={"User-Agent": "sbkit", "Accept": "image/*, */*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if kind == "text/html":
                return ("the server sent a web page, not a picture; the address may be a product page or need a "
                        "login; give the picture's own address")
            data = _read_until(response, time.monotonic() + timeout * 4)
    except urllib.error.HTTPError as exc:
        return f"the server answered {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        return _NoAnswer(f"no answer from the server ({exc.reason}); check the address and the network")
    except OSError as exc:  # a timeout, a connection cut
        return _NoAnswer(f"the download failed ({type(exc).__name__}: {exc})")
    except ValueError as exc:  # an address urllib cannot use
        return f"the download failed ({type(exc).__name__}: {exc})"
    if data is None:
        return f"the server sent too slowly (not done after {timeout * 4:g} s); try again later"
    if len(data) > MAX_BYTES:
        return (f"over {MAX_BYTES / 2**20:g} MB, more than a product picture; download it yourself and give its "
                "path")
    if not data:
        return "the server sent an empty file"
    return atomic_write_bytes(path, data)


class _HostWatch:
    """Gives up on a host once :data:`GIVE_UP_AFTER` of its addresses got no answer and none was answered, so a
    server that is down costs a few timeouts rather than one per row of the catalogue. A host that answered
    once is never given up on: its failures belong to single addresses."""

    def __init__(self, limit: int = GIVE_UP_AFTER) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._answered: set[str] = set()
        self._silent: Counter[str] = Counter()
        self._example: dict[str, str] = {}

    def given_up(self, host: str) -> str | None:
        """Why an address on ``host`` is not asked for, or None when it should be."""
        with self._lock:
            if host in self._answered or self._silent[host] < self.limit:
                return None
            return (f"not asked: {self._silent[host]} addresses on {host} got no answer, e.g. "
                    f"{self._example[host]}")

    def note(self, host: str, result: Path | str) -> None:
        with self._lock:
            if isinstance(result, _NoAnswer):
                self._silent[host] += 1
                self._example[host] = result
            else:
                self._answered.add(host)


def download_all(addresses: Iterable[str], timeout: float = TIMEOUT_S, workers: int = WORKERS,
                 ) -> dict[str, Path | str]:
    """Each address (duplicates once) -> its picture in the cache, or why it could not be downloaded. Those
    already in the cache are not asked for again; the rest are fetched ``workers`` at a time under a progress
    bar. Once a host has left :data:`GIVE_UP_AFTER` addresses unanswered, its others are not asked this time."""
    paths = {address: download_path(address) for address in (a.strip() for a in addresses)}
    found: dict[str, Path | str] = {address: path for address, path in paths.items() if path.is_file()}
    mark_used(*found.values())
    todo = [address for address in paths if address not in found]
    hosts = _HostWatch()

    def fetch(address: str) -> Path | str:
        host = urllib.parse.urlsplit(address).netloc.lower()
        if (reason := hosts.given_up(host)) is not None:
            return reason
        result = _download(address, paths[address], timeout)
        hosts.note(host, result)
        return result

    if todo:
        with progress_bar("download pictures", len(todo)) as advance, ThreadPoolExecutor(workers) as pool:
            for address, result in zip(todo, pool.map(fetch, todo)):
                found[address] = result
                advance(1)
    return found
