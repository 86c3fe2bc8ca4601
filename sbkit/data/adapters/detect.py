"""Tell which layout a path holds, from its files alone (nothing is decoded)."""

from __future__ import annotations

from pathlib import Path

from sbkit.data.adapters import fashioniq, qmul, sketchy
from sbkit.data.adapters.fashiongen import H5_SUFFIXES
from sbkit.data.caption_file import CAPTION_FILES
from sbkit.data.image_folder import holds_images

# Dataset name -> what identifies its layout, in the order they are tried.
LAYOUTS: dict[str, str] = {
    "folder": "a folder with captions.csv or captions.jsonl, or any other folder of images (subfolders as "
              "categories, no captions; photos/ beside sketches/ pairs each drawing with its photo)",
    "fashiongen": "an .h5 file, or a folder of fashiongen_*.h5 files",
    "fashioniq": "captions/ or json/ with cap.<category>.<split>.json",
    "deepfashion-mm": "images/ plus captions.json",
    "shoe-v2": "ShoeV2_photo/ or ChairV2_photo/ (or trainA/trainB folders)",
    "sketchy": "256x256/photo/ and 256x256/sketch/",
    "webdataset": "a .tar shard, or a folder of *.tar shards",
    "parquet": "a .parquet file, or a folder of *.parquet files",
}


def _is_fashiongen(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() in H5_SUFFIXES
    return any(p.suffix.lower() in H5_SUFFIXES and "fashiongen" in p.name.lower() for p in path.iterdir())


def _shard_layout(path: Path) -> str | None:
    """``webdataset`` or ``parquet`` for one shard, or a folder of shards (and no caption file)."""
    suffixes = {".tar": "webdataset", ".parquet": "parquet"}
    if path.is_file():
        return suffixes.get(path.suffix.lower())
    if not path.is_dir() or any((path / name).is_file() for name in CAPTION_FILES):
        return None
    found = {suffixes[p.suffix.lower()] for p in path.iterdir() if p.suffix.lower() in suffixes and p.is_file()}
    return found.pop() if len(found) == 1 else None


def detect_layout(path: str | Path) -> str | None:
    """The name of the dataset whose layout ``path`` holds (a key of :data:`LAYOUTS`), or None. A folder of
    images in none of the public layouts is a ``folder`` catalogue without captions."""
    path = Path(path).expanduser()
    if _is_fashiongen(path):
        return "fashiongen"
    if path.is_file() and path.name in CAPTION_FILES:
        return "folder"
    shards = _shard_layout(path)
    if shards is not None:
        return shards
    if not path.is_dir():
        return None
    if any((path / name).is_file() for name in CAPTION_FILES):
        return "folder"
    if fashioniq.caption_dir(path) is not None:
        return "fashioniq"
    if (path / "captions.json").is_file() and (path / "images").is_dir():
        return "deepfashion-mm"
    if sketchy.find_base(path) is not None:
        return "sketchy"
    if qmul.find_layout(path) is not None:
        return "shoe-v2"
    if holds_images(path):
        return "folder"
    return None


def describe_layouts() -> str:
    """One line per known layout, for error messages."""
    return "; ".join(f"{name}: {what}" for name, what in LAYOUTS.items())
