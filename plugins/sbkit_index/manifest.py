"""The index folder: data files plus ``manifest.json`` (name, params, ids file, dim, count, model hash, SHA-256s).

``save_index`` writes each data file atomically, then ``ids.json``, then the manifest last, so a folder
whose save was interrupted fails the checks on load instead of loading half-new data. ``open_index``
checks the manifest and every file it lists (present, same size, same SHA-256) before anything is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sbkit.components import Index, component_config
from sbkit.errors import ConfigError, DataError, check
from sbkit.io import atomic_write, atomic_write_json, file_sha256
from sbkit.params import resolve_params

FORMAT = "sbkit-index"
VERSION = 1
MANIFEST = "manifest.json"
IDS = "ids.json"
T = TypeVar("T", bound=Index)


def _file_record(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path)}


def save_index(folder: str | Path, index: Index, writers: dict[str, Callable[[Path], None]]) -> Path:
    """Write ``index``'s data files (``writers``: file name -> ``write(tmp_path)``), its ids and its manifest."""
    folder = Path(folder)
    check(len(index) > 0, f"index {index.name!r} is empty: add vectors before saving it to {folder}", DataError)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, write in writers.items():
        files[name] = _file_record(atomic_write(folder / name, write))
    files[IDS] = _file_record(atomic_write_json(folder / IDS, index.ids))
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "index": index.name,
        "params": component_config(index),
        "dim": index.dim,
        "count": len(index),
        "ids": IDS,
        "model_hash": getattr(index, "model_hash", None),
        "files": files,
    }
    atomic_write_json(folder / MANIFEST, manifest)
    return folder


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The parsed, shape-checked manifest of an index folder (its files are not checked here)."""
    folder = Path(folder)
    path = folder / MANIFEST
    check(path.is_file(), f"no index at {folder}: {path} is missing; save an index there with index.save(folder)",
          DataError)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON ({exc}); re-save the index") from None
    check(isinstance(manifest, dict) and manifest.get("format") == FORMAT,
          f"{path} is not an sbkit index manifest (format should be {FORMAT!r})", DataError)
    check(manifest.get("version") == VERSION,
          f"{path} has manifest version {manifest.get('version')!r}; this sbkit reads version {VERSION}", DataError)
    expected = {"index": str, "params": dict, "dim": int, "count": int, "ids": str, "files": dict}
    for key, kind in expected.items():
        check(isinstance(manifest.get(key), kind),
              f"{path}: {key!r} should be a {kind.__name__}, got {manifest.get(key)!r}; re-save the index", DataError)
    return manifest


def _verify_file(folder: Path, name: str, record: Any) -> None:
    path = folder / name
    check(Path(name).name == name and isinstance(record, dict) and {"bytes", "sha256"} <= set(record),
          f"{folder / MANIFEST}: bad entry for file {name!r}; re-save the index", DataError)
    check(path.is_file(), f"{path} is missing (listed in {MANIFEST}); re-save the index", DataError)
    size = path.stat().st_size
    check(size == record["bytes"], f"{path} is {size} bytes but {MANIFEST} says {record['bytes']}: the file was "
          "truncated or replaced; re-save the index", DataError)
    digest = file_sha256(path)
    check(digest == record["sha256"], f"{path} has SHA-256 {digest[:12]}… but {MANIFEST} says "
          f"{str(record['sha256'])[:12]}…: the file was edited or corrupted; re-save the index", DataError)


def open_index(folder: str | Path, cls: type[T], data_files: list[str],
               model_hash: str | None = None) -> tuple[T, dict[str, Any]]:
    """Check an index folder written by :func:`save_index` and build an empty ``cls`` holding its ids and params.

    Refuses with a :class:`DataError` naming the file when the manifest is missing or malformed, was written
    by another index, lists a file that is missing, truncated or edited, holds a different number of ids
    than its count, or (when ``model_hash`` is given) was built with another model.

    Returns:
        (index, manifest): the caller then loads the data files into ``index``.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    where = folder / MANIFEST
    check(manifest["index"] == cls.name, f"{folder} holds a {manifest['index']!r} index, not {cls.name!r}; load it "
          f"with the {manifest['index']!r} index (sbkit_index.load_index picks it from the manifest)", DataError)
    if model_hash is not None:
        check(manifest.get("model_hash") == model_hash,
              f"{where}: index was built with model {manifest.get('model_hash')!r}, but the current model is "
              f"{model_hash!r}; rebuild the index with the current model", DataError)
    for name in [*data_files, manifest["ids"]]:
        check(name in manifest["files"], f"{where} does not list {name!r}; re-save the index", DataError)
    for name, record in manifest["files"].items():
        _verify_file(folder, name, record)
    try:
        ids = json.loads((folder / manifest["ids"]).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{folder / manifest['ids']} is not valid JSON ({exc}); re-save the index") from None
    check(isinstance(ids, list) and all(isinstance(i, str) for i in ids),
          f"{folder / manifest['ids']} should be a JSON list of strings; re-save the index", DataError)
    check(len(ids) == manifest["count"], f"{folder / manifest['ids']} holds {len(ids)} ids but {where} says "
          f"count={manifest['count']}; re-save the index", DataError)
    try:
        index = cls(**resolve_params(cls, manifest["params"], f"{where} params"))
    except ConfigError as exc:
        raise DataError(str(exc)) from None
    index.ids = ids
    index.dim = manifest["dim"]
    index.model_hash = manifest.get("model_hash")  # type: ignore[attr-defined]
    return index, manifest


def load_index(folder: str | Path, model_hash: str | None = None) -> Index:
    """Load any saved index, picking its class from the manifest's ``index`` name through the registry."""
    from sbkit.registry import get_registry

    name = read_manifest(folder)["index"]
    return get_registry().get("index", name).load(Path(folder), model_hash=model_hash)
