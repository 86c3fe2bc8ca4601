"""``sbkit data export``: any catalogue written as WebDataset tar shards or Parquet files.

Photos and sketches are copied as their encoded bytes (never re-encoded), so a catalogue read back from its
shards gives the same pixels. The shards are written into a temporary folder beside ``out`` and renamed into
place when complete; an existing ``out`` is replaced only when asked to.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.tar_shards import IMAGE_EXTENSIONS, TarShardWriter
from sbkit.errors import ConfigError, check
from sbkit.io import _UMASK, atomic_write_text
from sbkit.paths import check_output

FORMATS: tuple[str, ...] = ("webdataset", "parquet")
PIL_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp", "TIFF": "tif"}


@dataclass
class ExportResult:
    out: Path
    items: int
    files: int
    skipped: list[Skipped] = field(default_factory=list)


def image_extension(source: object, data: bytes) -> str | None:
    """The member extension for an image's bytes: its file suffix when it is an image suffix, else the type PIL
    recognises in the bytes, else None (not an image)."""
    suffix = str(getattr(source, "suffix", "")).lower().lstrip(".")
    if suffix in IMAGE_EXTENSIONS:
        return suffix
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            return PIL_EXTENSIONS.get(img.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def export_catalogue(catalogue: Catalogue, out: Path, fmt: str, shard_items: int = 1000,
                     force: bool = False) -> ExportResult:
    """Write ``catalogue``'s items to ``out`` as ``fmt`` shards of ``shard_items`` items.

    An item whose photo cannot be read, or is not an image, is left out and listed in ``out/skipped.jsonl``
    (with the catalogue's own skipped entries); a sketch that cannot be read is left out of its item.

    Raises:
        ConfigError: an unknown format, ``out`` exists and ``force`` is not set, or ``out`` holds the input.
    """
    check(fmt in FORMATS, f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}", ConfigError)
    check(shard_items >= 1, f"--shard-items must be at least 1, got {shard_items}", ConfigError)
    out = Path(out).expanduser().resolve()
    root = Path(catalogue.root).resolve()
    check_output(out, folders={"the catalogue being exported": root}, folder=True, replaced=True, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700; give the folder the mode a plain mkdir would
    try:
        count, skipped = _write(catalogue.items, tmp, fmt, shard_items)
        skipped = list(catalogue.skipped) + skipped
        if skipped:
            atomic_write_text(tmp / "skipped.jsonl", "".join(json.dumps(s.record(), ensure_ascii=False) + "\n"
                                                             for s in skipped))
        files = len([p for p in tmp.iterdir() if p.suffix in (".tar", ".parquet")])
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ExportResult(out, count, files, skipped)


def _write(items: list[CatalogueItem], folder: Path, fmt: str, shard_items: int) -> tuple[int, list[Skipped]]:
    skipped: list[Skipped] = []
    if fmt == "webdataset":
        writer = TarShardWriter(folder, shard_items)
    else:
        from sbkit.data.parquet_shards import ParquetShardWriter

        writer = ParquetShardWriter(folder, shard_items, (a for item in items for a in item.attributes))
    try:
        for item in items:
            try:
                photo = item.image.read_bytes()
            except OSError as exc:
                skipped.append(Skipped(f"{item.id} ({item.image})", f"the photo cannot be read ({exc})",
                                       why.MISSING_IMAGE))
                continue
            extension = image_extension(item.image, photo)
            if extension is None:
                skipped.append(Skipped(f"{item.id} ({item.image})", "the photo is not an image file PIL can "
                                       "identify", why.NOT_AN_IMAGE))
                continue
            sketch, sketch_extension = None, None
            if item.sketch is not None:
                try:
                    sketch = item.sketch.read_bytes()
                    sketch_extension = image_extension(item.sketch, sketch)
                except OSError:
                    pass
                if sketch_extension is None:
                    sketch = None  # as validation does: the item stays, without its sketch
            if fmt == "webdataset":
                writer.add(item, photo, extension, sketch, sketch_extension or "png")
            else:
                writer.add(item, photo, sketch)
    finally:
        writer.close()
    return writer.count, skipped
