"""A sketchify job folder's state on disk: its config, its append-only manifest, and leftovers of a killed run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sbkit.errors import ConfigError
from sbkit.io import atomic_write_json, atomic_write_text
from sbkit.sketch.job_source import JOB_FILES, SKETCH_DIR

# The settings that change what a sketch looks like; a rerun must match them to resume.
OUTPUT_KEYS: tuple[str, ...] = ("sketchifier", "params", "size", "normalize")


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def check_config(out: Path, config: dict[str, Any], force: bool) -> bool:
    """Refuse a job folder made with other settings (unless ``force``); True when it holds a run to resume.

    Raises:
        ConfigError: ``out/job.json`` exists with other settings, or cannot be read, and ``force`` is off.
    """
    path = out / "job.json"
    if force or not path.exists():
        return False
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
        problem = "" if isinstance(previous, dict) else "is not a JSON object"
    except (OSError, ValueError) as exc:
        problem = f"cannot be read ({exc})"
    if problem:
        raise ConfigError(f"{path} {problem}; pass --force to start the job over in {out}")
    current = _plain(config)
    changed = [key for key in OUTPUT_KEYS if previous.get(key) != current.get(key)]
    if "sketchifier" in changed:  # another sketchifier has other params; listing them says nothing more
        changed = [key for key in changed if key != "params"]
    if changed:
        detail = "; ".join(_change(key, previous.get(key), current.get(key)) for key in changed)
        raise ConfigError(f"{out} holds sketches made with other settings ({detail}); use another --out "
                          f"folder, or pass --force to redo every sketch there")
    return True


def _change(key: str, then: Any, now: Any) -> str:
    if isinstance(then, dict) and isinstance(now, dict):
        keys = [k for k in {**then, **now} if then.get(k) != now.get(k)]
        return "; ".join(f"{key}.{k}: {then.get(k)!r} then, {now.get(k)!r} now" for k in keys)
    return f"{key}: {then!r} then, {now!r} now"


def write_config(out: Path, config: dict[str, Any]) -> None:
    atomic_write_json(out / "job.json", _plain(config))


def _is_partial(name: str) -> bool:
    """Temporary files left by a killed atomic write: hidden, with ``.part`` in the name."""
    return name.startswith(".") and ".part" in name


def scan_outputs(out: Path) -> tuple[set[str], int]:
    """Sketch files present under ``out`` (as ``sketches/...`` paths), after removing stray partial files.

    Returns:
        ``(existing, removed)``: the finished sketch paths, and how many partial files were removed.
    """
    existing: set[str] = set()
    removed = 0
    for name in os.listdir(out) if out.is_dir() else []:
        if _is_partial(name) and any(name.startswith(f".{job}.") for job in JOB_FILES):
            (out / name).unlink(missing_ok=True)
            removed += 1
    sketches = out / SKETCH_DIR
    for folder, _dirs, files in os.walk(sketches):
        relative = Path(folder).relative_to(out).as_posix()
        for name in files:
            if _is_partial(name):
                os.unlink(os.path.join(folder, name))
                removed += 1
            elif name.endswith(".png"):
                existing.add(f"{relative}/{name}")
    return existing, removed


def load_manifest(path: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """Records of a manifest by id (the last line of an id wins), and the number of unusable lines.

    A line cut short by a kill (or any line that is not a JSON object with an id and a sketch) is unusable.
    """
    records: dict[str, dict[str, Any]] = {}
    bad = 0
    if not path.exists():
        return records, bad
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                bad += 1
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                bad += 1
                continue
            if not isinstance(record, dict) or "id" not in record or "sketch" not in record:
                bad += 1
                continue
            records[str(record["id"])] = record
    return records, bad


def write_manifest(path: Path, records: list[dict[str, Any]]) -> None:
    """Replace the manifest with ``records`` in one atomic step (used to repair or compact it)."""
    atomic_write_text(path, "".join(manifest_line(r) for r in records))


def manifest_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def resume_state(out: Path, force: bool) -> tuple[dict[str, dict[str, Any]], int]:
    """Finished records to keep (their sketch file exists), and partial files removed.

    Repairs the manifest when it has a truncated or bad line or records whose sketch is gone, so that
    appending to it afterwards yields a valid file. ``force`` empties it instead.
    """
    manifest = out / "manifest.jsonl"
    existing, removed = scan_outputs(out)
    if force:
        if manifest.exists():
            write_manifest(manifest, [])
        return {}, removed
    records, bad = load_manifest(manifest)
    kept = {key: r for key, r in records.items() if r["sketch"] in existing}
    if bad or len(kept) != len(records):
        write_manifest(manifest, list(kept.values()))
    return kept, removed
