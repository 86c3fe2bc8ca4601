"""A finished ``sbkit sketchify`` job folder as the source of a run's made sketches (``--sketches JOB``).

The job's ``manifest.jsonl`` maps item ids to ``sketches/<id>.png``; preparation reads those files (and
normalises them like every sketch) instead of sketchifying the photos again. The job's sketchifier and its
parameters become the run's, so the run's config.toml says how its sketches were made, and items the job
did not finish are sketchified the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkit.data.catalogue import CatalogueItem
from sbkit.errors import ConfigError, check
from sbkit.paths import OutsideFolderError, path_in_folder
from sbkit.sketch.job_state import load_manifest


@dataclass
class JobSketches:
    """A job folder's settings (from ``job.json``); :func:`sketch_paths` reads its finished sketches."""

    folder: Path
    sketchifier: str
    params: dict[str, Any]
    size: int | None
    normalize: bool
    source: str


def open_job(folder: str | Path, image_size: int) -> JobSketches:
    """Read the settings of the job folder ``folder`` for a run at ``image_size`` px (its manifest, which may
    hold millions of lines, is read once, by :func:`sketch_paths`).

    Raises:
        ConfigError: no job folder there, an unreadable ``job.json``, or sketches smaller than the run's
            images (the job's ``--size`` is below ``image_size``).
    """
    folder = Path(folder).expanduser().resolve()
    config_file = folder / "job.json"
    check(config_file.is_file(), f"--sketches {folder}: no job.json there; give a folder written by "
          "`sbkit sketchify DATA --out JOB`", ConfigError)
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
        check(isinstance(config, dict) and isinstance(config.get("sketchifier"), str), "not a sketchify job's settings",
              ConfigError)
    except (OSError, ValueError, ConfigError) as exc:
        raise ConfigError(f"--sketches {folder}: job.json cannot be read ({exc}); run `sbkit sketchify` into the "
                          "folder again") from None
    size = config.get("size")
    check(size is None or int(size) >= image_size, f"--sketches {folder}: the job made its sketches from photos "
          f"resized to {size} px, smaller than the run's {image_size} px images; sketchify again with --size "
          f"{image_size} or more, or train with --image-size {size}", ConfigError)
    return JobSketches(folder, config["sketchifier"], dict(config.get("params") or {}), size,
                       bool(config.get("normalize")), str(config.get("source", "")))


def sketch_paths(job: JobSketches, items: list[CatalogueItem], data: str) -> dict[str, Path]:
    """The job's sketch of each of ``items`` that it has, by id, from its ``manifest.jsonl``.

    Raises:
        ConfigError: the manifest lists no finished sketch, or a sketch of none of ``items`` (the job was made
            from another catalogue).
    """
    records, _ = load_manifest(job.folder / "manifest.jsonl")
    paths: dict[str, Path] = {}
    for item_id, record in records.items():
        try:
            paths[item_id] = path_in_folder(job.folder, str(record["sketch"]), what="sketch path")
        except OutsideFolderError:
            continue  # a manifest line pointing out of its folder is not one of the job's sketches
    check(bool(paths), f"--sketches {job.folder}: the job's manifest.jsonl lists no finished sketch; run "
          f"`sbkit sketchify` into it first", ConfigError)
    found = {item.id: paths[item.id] for item in items if item.id in paths}
    if items and not found:
        theirs = ", ".join(repr(i) for i in list(paths)[:3])
        ours = ", ".join(repr(item.id) for item in items[:3])
        raise ConfigError(f"--sketches {job.folder} has sketches of none of the {len(items)} items of {data!r} (its "
                          f"ids: {theirs}, ...; the catalogue's: {ours}, ...); it was made from "
                          f"{job.source or 'other data'}. Sketchify this catalogue: sbkit sketchify {data} --out "
                          f"{job.folder}")
    return found
