"""What a sketchify job reads: a catalogue (dataset name or folder with captions) or a plain folder of images."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sbkit.data import skip_reasons as why
from sbkit.data.catalogue import Catalogue
from sbkit.data.image_folder import IMAGE_SUFFIXES, not_an_image, scan_images
from sbkit.data.sources import ParquetCell, TarMember
from sbkit.errors import DataError

JOB_FILES: tuple[str, ...] = ("manifest.jsonl", "skipped.jsonl", "job.json", "job.lock")
SKETCH_DIR = "sketches"
_UNSAFE = re.compile(r"[\x00-\x1f\\:*?\"<>|]")
_PLAIN_ID = re.compile(r"[\w-][\w.-]*(?:/[\w-][\w.-]*)*\Z", re.ASCII)


@dataclass(frozen=True)
class JobItem:
    """One photo to sketchify: its id, absolute image path, caption, and sketch path relative to the job folder.

    A photo inside a shard has ``image`` as its description (``shard.tar:key.jpg``) and ``member`` to read it by.
    """

    id: str
    image: str
    caption: str | None
    sketch: str
    member: TarMember | ParquetCell | None = None


@dataclass(frozen=True)
class SkippedInput:
    """An input left out, with a short ``reason`` category and a ``detail`` for a person."""

    id: str | None
    image: str
    reason: str
    detail: str

    def as_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "image": self.image, "reason": self.reason, "detail": self.detail}


def sketch_relpath(item_id: str) -> str:
    """``sketches/<id>.png`` with the id's ``/`` kept as subfolders, and nothing able to climb out.

    Empty, ``.`` and ``..`` parts are dropped or replaced, a leading dot is replaced (hidden names are
    reserved for temporary files), and characters that some file systems refuse become ``_``.
    """
    if _PLAIN_ID.match(item_id):  # nearly every id; the loop below gives the same answer, slower
        return f"{SKETCH_DIR}/{item_id}.png"
    parts = []
    for part in re.split(r"[/\\]+", item_id):
        part = _UNSAFE.sub("_", part).strip()
        if part in ("", "."):
            continue
        if part.startswith("."):
            part = "_" + part[1:]
        parts.append(part)
    if not parts:
        parts = ["_"]
    return "/".join([SKETCH_DIR, *parts[:-1], parts[-1] + ".png"])


def _skip_suffix(item_id: str, path: str) -> SkippedInput:
    return SkippedInput(item_id, path, why.NOT_AN_IMAGE, f"{path}: {not_an_image(path)}")


def scan_folder(root: Path, exclude: list[Path]) -> tuple[list[tuple[str, str]], list[SkippedInput]]:
    """Every image under ``root`` as ``(id, absolute path)`` (:func:`sbkit.data.image_folder.scan_images`), and
    the other files as skipped inputs."""
    images, others = scan_images(root, exclude)
    return images, [_skip_suffix(item_id, path) for item_id, path in others]


def _catalogue(source: str, root: Path | None) -> Catalogue | None:
    """The catalogue ``source`` names, or None for a folder in no known layout or a plain folder of images. Photos
    beside drawings of them are a catalogue, so that only the photos are sketchified."""
    from sbkit.data.adapters.detect import detect_layout
    from sbkit.data.drawn_folder import photo_and_drawing_folders
    from sbkit.data.caption_file import find_caption_file
    from sbkit.data.resolve import resolve_catalogue

    if (root is not None and detect_layout(root) in (None, "folder") and find_caption_file(root) is None
            and photo_and_drawing_folders(root) is None):
        return None
    return resolve_catalogue(source)


def list_items(source: str | Path, out: Path | None = None) -> tuple[list[JobItem], list[SkippedInput]]:
    """The photos to sketchify from ``source`` into the job folder ``out``, and the inputs skipped listing them.

    A plain folder is scanned without ``out``'s sketches and job files, should ``out`` lie inside it.

    Raises:
        DataError: ``source`` does not exist or holds no image at all.
    """
    text = str(source)
    path = Path(text).expanduser()
    skipped: list[SkippedInput] = []
    if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
        pairs, captions = [(path.stem, path)], {}
    else:
        if not path.exists() and (os.sep in text or "/" in text or path.suffix):
            raise DataError(f"{text}: no such folder or image; pass a folder of images, an image, "
                            f"a catalogue folder or a dataset name")
        catalogue = _catalogue(text, path if path.is_dir() else None)
        if catalogue is None:
            exclude = [] if out is None else [out / SKETCH_DIR, *(out / name for name in JOB_FILES)]
            pairs, skipped = scan_folder(path, exclude)
            captions = {}
        else:
            pairs = [(item.id, item.image) for item in catalogue.items]
            captions = {item.id: item.caption for item in catalogue.items}
            skipped = [SkippedInput(None, s.source, s.kind, s.reason) for s in catalogue.skipped]
    items: list[JobItem] = []
    seen: dict[str, str] = {}
    for item_id, image in pairs:
        member = image if isinstance(image, (TarMember, ParquetCell)) else None
        image_path = str(image) if member is not None else os.path.abspath(image)
        sketch = sketch_relpath(item_id)
        if sketch in seen:
            skipped.append(SkippedInput(item_id, image_path, why.DUPLICATE_ID,
                                        f"{image_path}: id {item_id!r} gives the same sketch path {sketch} "
                                        f"as {seen[sketch]}; rename one of them"))
            continue
        seen[sketch] = image_path
        items.append(JobItem(item_id, image_path, captions.get(item_id) or None, sketch, member))
    if not items:
        raise DataError(f"{text}: found no images to sketchify"
                        + (f" ({len(skipped)} inputs skipped, e.g. {skipped[0].detail})" if skipped else ""))
    return items, skipped
