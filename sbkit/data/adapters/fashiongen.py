"""Fashion-Gen: ``fashiongen_256_256_{train,validation}.h5``, one product picture per row.

Images are stored in the HDF5 file, so on first use each row's ``input_image`` is written out as a PNG
into a cache folder (atomically, one file at a time; an interrupted export resumes where it stopped).
Text is fixed-width bytes decoded as latin-1. The release has only train and validation files: rows
of the train file go to ``train`` and rows of the validation file to ``test`` (the set results are
reported on); ``val_fraction`` of the train products can be moved to ``val``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sbkit.data.adapters.common import cache_dir, file_version
from sbkit.data.catalogue import Catalogue, CatalogueItem
from sbkit.data.splits import carve_validation
from sbkit.errors import ConfigError, DataError, check
from sbkit.io import atomic_write_bytes, atomic_write_text, encode_png
from sbkit.progress import progress_bar

H5_SUFFIXES = (".h5", ".hdf5")
CAPTION_KEYS = ("input_description", "input_concat_description", "input_name")
ATTRIBUTE_KEYS = ("input_brand", "input_subcategory", "input_department", "input_gender", "input_season",
                  "input_composition", "input_name", "input_pose", "input_msrpUSD")
CHUNK = 256  # rows read from the file at once (256 x 256 x 256 x 3 bytes = 48 MiB)
ROWS_PER_FOLDER = 1000


def file_split(path: Path) -> str:
    """The split a Fashion-Gen file feeds: train -> ``train``, validation -> ``test``."""
    stem = path.stem.lower()
    if "valid" in stem or "test" in stem:
        return "test"
    if "train" in stem:
        return "train"
    raise DataError(f"{path}: cannot tell whether this Fashion-Gen file is train or validation; keep the "
                    "original name (fashiongen_256_256_train.h5 / fashiongen_256_256_validation.h5)")


def fashiongen_files(path: Path) -> list[Path]:
    """The HDF5 files at ``path`` (one file, or a folder holding them), train first."""
    if path.is_file():
        return [path]
    files = sorted((p for p in path.iterdir() if p.suffix.lower() in H5_SUFFIXES), key=lambda p: (file_split(p)
                   != "train", p.name)) if path.is_dir() else []
    check(files, f"{path}: no Fashion-Gen .h5 files found (expected fashiongen_256_256_train.h5 and "
          "fashiongen_256_256_validation.h5)", DataError)
    return files


def decode(value: Any) -> str:
    """One text cell: latin-1 bytes (UTF-8 with errors ignored would drop accented letters)."""
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size else b""
    if isinstance(value, (bytes, np.bytes_)):
        value = bytes(value).decode("latin-1")
    return str(value).replace("\x00", "").strip()


def _column(h5: Any, key: str, start: int, stop: int) -> list[str]:
    data = h5[key][start:stop]
    if data.ndim > 1:
        data = data.reshape(len(data), -1)[:, 0]
    if np.issubdtype(data.dtype, np.integer):
        return [str(int(v)) for v in data]
    if np.issubdtype(data.dtype, np.floating):
        return [f"{float(v):g}" for v in data]
    return [decode(v) for v in data]


def _image_path(folder: Path, row: int) -> Path:
    return folder / f"{row // ROWS_PER_FOLDER:04d}" / f"{row:06d}.png"


def export_images(h5: Any, rows: int, folder: Path, channel_order: str) -> None:
    """Write rows ``[0, rows)`` of ``input_image`` as PNGs under ``folder``, skipping those already there."""
    marker = folder / "complete.json"
    if marker.is_file() and json.loads(marker.read_text()).get("rows", -1) >= rows:
        return
    images = h5["input_image"]
    check(images.ndim == 4 and images.shape[-1] == 3, f"input_image has shape {images.shape}; expected "
          "(N, H, W, 3)", DataError)
    with progress_bar(f"export Fashion-Gen images to {folder}", rows) as advance:
        for start in range(0, rows, CHUNK):
            stop = min(start + CHUNK, rows)
            todo = [r for r in range(start, stop) if not _image_path(folder, r).is_file()]
            if todo:
                block = np.asarray(images[start:stop])
                for row in todo:
                    pixels = block[row - start]
                    rgb = pixels[..., ::-1] if channel_order == "bgr" else pixels
                    atomic_write_bytes(_image_path(folder, row), encode_png(np.ascontiguousarray(rgb, np.uint8)))
            advance(stop - start)
    atomic_write_text(marker, json.dumps({"rows": rows}))


def _row_count(h5: Any, keys: list[str], path: Path) -> int:
    """The rows of ``input_image``; :class:`DataError` when a text column has a different number of rows."""
    rows = len(h5["input_image"])
    for key in keys:
        check(len(h5[key]) == rows, f"{path}: {key} has {len(h5[key])} rows but input_image has {rows}; "
              "the file is damaged or was cut short, export it again", DataError)
    return rows


def _read_file(path: Path, cache: Path | None, channel_order: str, limit: int) -> list[CatalogueItem]:
    from sbkit.component_spec import import_extra

    h5py = import_extra("h5py", "sbkit[datasets]", "reading Fashion-Gen's HDF5 files")

    split = file_split(path)
    version = file_version(path)
    base = cache / path.stem if cache is not None else cache_dir("fashiongen", path)
    folder = base / f"{channel_order}-{version}"
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise DataError(f"{path}: not a readable HDF5 file ({exc})") from None
    with h5:
        check("input_image" in h5, f"{path}: no input_image dataset (found: {', '.join(sorted(h5.keys()))}); "
              "is this a Fashion-Gen file?", DataError)
        keys = [k for k in (*CAPTION_KEYS, *ATTRIBUTE_KEYS, "input_category", "input_productID") if k in h5]
        rows = _row_count(h5, keys, path)
        rows = min(rows, limit) if limit > 0 else rows
        export_images(h5, rows, folder, channel_order)
        items: list[CatalogueItem] = []
        for start in range(0, rows, CHUNK):
            stop = min(start + CHUNK, rows)
            columns = {key: _column(h5, key, start, stop) for key in dict.fromkeys(keys)}
            for offset in range(stop - start):
                row = start + offset
                value = {key: column[offset] for key, column in columns.items()}
                caption = next((value[k] for k in CAPTION_KEYS if value.get(k)), "")
                items.append(CatalogueItem(
                    id=f"{path.stem.rsplit('_', 1)[-1]}-{row:06d}",
                    image=_image_path(folder, row),
                    caption=caption,
                    split=split,
                    category=value.get("input_category") or None,
                    product=value.get("input_productID") or None,
                    attributes={k.removeprefix("input_"): value[k] for k in ATTRIBUTE_KEYS if value.get(k)},
                ))
    return items


def load_fashiongen(path: str | Path, cache: Path | None = None, channel_order: Literal["rgb", "bgr"] = "rgb",
                    val_fraction: float = 0.0, seed: int = 0, limit: int = 0) -> Catalogue:
    """Read Fashion-Gen from a folder holding its ``.h5`` files, or from one file.

    Args:
        path: the folder, or one ``.h5`` file.
        cache: where the PNGs go; by default a folder per file under ``$SBKIT_CACHE/datasets/fashiongen``.
        channel_order: the channel order of ``input_image`` ("rgb", as most loaders read it, or "bgr").
        val_fraction: share of the train products moved to the ``val`` split.
        seed: fixes which products move.
        limit: read only the first ``limit`` rows of each file (0 reads all).
    """
    check(channel_order in ("rgb", "bgr"), f"channel_order must be rgb or bgr, got {channel_order!r}", ConfigError)
    root = Path(path).expanduser().resolve()
    check(root.exists(), f"{root}: no such file or folder", DataError)
    items = [item for file in fashiongen_files(root) for item in _read_file(file, cache, channel_order, limit)]
    return Catalogue(name="fashiongen", root=root, items=carve_validation(items, val_fraction, seed))
