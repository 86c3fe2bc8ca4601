"""WebDataset tar shards: a folder of uncompressed ``*.tar`` files whose members are grouped by key.

A key's members sit next to each other (``<key>.<ext>``, the key being the member path up to the first dot of
its file name, as in WebDataset):

- ``<key>.jpg`` / ``.png`` / ``.webp`` (or ``.jpeg``, ``.bmp``, ``.gif``, ``.tif``): the photo;
- ``<key>.json``: ``caption``, and optionally ``id`` (else the key), ``category``, ``split``, ``product``,
  ``attributes`` (an object); any other field becomes an attribute;
- ``<key>.txt``: the caption, when the JSON has none;
- ``<key>.sketch.png`` (or another image suffix): a drawn sketch of the item.

Shards are read one header at a time: an item's photo is a :class:`~sbkit.data.sources.TarMember` (the byte
range of its member), read straight from the shard when it is decoded; nothing is extracted to disk.
"""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sbkit.data import skip_reasons as why
from sbkit.data.adapters.common import decode_text
from sbkit.data.catalogue import CatalogueItem, Skipped, caption_text, field_text
from sbkit.data.splits import SPLITS, normalize_split
from sbkit.data.sources import TarMember
from sbkit.errors import DataError

IMAGE_EXTENSIONS: tuple[str, ...] = ("jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff")
KNOWN_FIELDS: tuple[str, ...] = ("id", "caption", "category", "split", "product", "attributes")
MAX_TEXT_BYTES = 1 << 20  # a .json or .txt member larger than this is not a caption record


def shard_files(path: Path, suffix: str) -> list[Path]:
    """``path`` itself when it is a ``suffix`` file, else the folder's ``*suffix`` files in name order."""
    if path.is_file():
        return [path]
    files = sorted(p for p in path.glob(f"*{suffix}") if p.is_file())
    if not files:
        raise DataError(f"{path}: no {suffix} files in this folder; give a folder of {suffix} shards "
                        f"(`sbkit data export` writes one)")
    return files


def split_member_name(name: str) -> tuple[str, str]:
    """(key, extension) of a member name: ``a/b.sketch.png`` is key ``a/b``, extension ``sketch.png``."""
    folder, base = posixpath.split(name)
    stem, _, extension = base.partition(".")
    return (posixpath.join(folder, stem) if folder else stem), extension.lower()


def iter_tar_items(shards: Iterable[Path]) -> Iterator[CatalogueItem | Skipped]:
    """Each key of each shard as an item, or a :class:`Skipped` saying why it cannot be one, in shard order.

    A generator: one key's members are held at a time, whatever the number of shards.
    """
    for shard in shards:
        yield from _shard_items(Path(shard))


def _shard_items(shard: Path) -> Iterator[CatalogueItem | Skipped]:
    key, members = None, {}
    try:
        with tarfile.open(shard, "r:") as tar:
            while (member := tar.next()) is not None:
                tar.members = []  # tarfile keeps every header read; over a big shard they would pile up
                if not member.isfile():
                    continue
                name_key, extension = split_member_name(member.name)
                if name_key != key:
                    if key is not None:
                        yield _to_item(shard, key, members)
                    key, members = name_key, {}
                if extension in ("json", "txt"):
                    members[extension] = _small_member(tar, member)
                elif extension:
                    members[extension] = TarMember(shard, member.name, member.offset_data, member.size)
            _check_end(tar, shard)
    except (tarfile.TarError, OSError, EOFError) as exc:
        detail = f"after key {key!r}" if key is not None else "at its start"
        yield Skipped(str(shard), f"the shard cannot be read {detail} ({exc}); the keys before it are "
                      "kept. Shards are read as uncompressed tar files; write it again (`sbkit data export`)",
                      why.UNREADABLE_ENTRY)
    if key is not None:
        yield _to_item(shard, key, members)


def _check_end(tar: tarfile.TarFile, shard: Path) -> None:
    """tarfile stops quietly at a header cut short; a whole shard ends in two zero blocks, so look for them."""
    assert tar.fileobj is not None
    tar.fileobj.seek(tar.offset)
    end = tar.fileobj.read(2 * tarfile.BLOCKSIZE)
    if len(end) < 2 * tarfile.BLOCKSIZE or end.count(0) != len(end):
        raise EOFError("it ends without the end-of-archive blocks: the file was cut short")


def _small_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes | str:
    """A text member's bytes, or why it is not read (too large)."""
    if member.size > MAX_TEXT_BYTES:
        return f"{member.name} is {member.size:,} bytes, over the {MAX_TEXT_BYTES:,}-byte limit for a caption record"
    handle = tar.extractfile(member)
    data = handle.read() if handle is not None else b""
    if len(data) != member.size:
        raise EOFError(f"{member.name} is cut short")
    return data


def _to_item(shard: Path, key: str, members: dict[str, Any]) -> CatalogueItem | Skipped:
    where = f"{shard}:{key}"
    meta: dict[str, Any] = {}
    for extension in ("json", "txt"):
        if isinstance(members.get(extension), str):
            return Skipped(where, members[extension], why.UNREADABLE_ENTRY)
    if "json" in members:
        try:
            meta = json.loads(members["json"].decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return Skipped(where, f"{key}.json is not valid UTF-8 JSON ({exc})", why.UNREADABLE_ENTRY)
        if not isinstance(meta, dict):
            return Skipped(where, f"{key}.json holds a {type(meta).__name__}, not an object", why.UNREADABLE_ENTRY)
    photo = next((members[e] for e in IMAGE_EXTENSIONS if e in members), None)
    if photo is None:
        found = ", ".join(f".{e}" for e in members) or "none"
        return Skipped(where, f"no photo member for key {key!r} (found {found}); expected {key}.jpg, .png or .webp",
                       why.MISSING_IMAGE)
    sketch = next((members[f"sketch.{e}"] for e in IMAGE_EXTENSIONS if f"sketch.{e}" in members), None)
    caption = caption_text(meta.get("caption"))
    if not caption and "txt" in members:
        try:
            caption = decode_text(members["txt"], f"{key}.txt").strip()
        except DataError as exc:
            return Skipped(where, str(exc), why.UNREADABLE_ENTRY)
    split = normalize_split(field_text(meta.get("split")))
    if split and split not in SPLITS:
        return Skipped(where, f"split {meta.get('split')!r} is not one of {', '.join(SPLITS)}", why.UNREADABLE_ENTRY)
    extra = meta.get("attributes") if isinstance(meta.get("attributes"), dict) else {}
    extra = {**extra, **{k: v for k, v in meta.items() if k not in KNOWN_FIELDS}}
    attributes = {str(k): field_text(v) for k, v in extra.items() if field_text(v)}
    return CatalogueItem(id=field_text(meta.get("id")) or key, image=photo, caption=caption, split=split,
                         category=field_text(meta.get("category")) or None, sketch=sketch,
                         product=field_text(meta.get("product")) or None, attributes=attributes)


def item_record(item: CatalogueItem) -> dict[str, Any]:
    """The JSON record of an item, as ``<key>.json`` holds it."""
    record: dict[str, Any] = {"id": item.id, "caption": item.caption, "split": item.split}
    for name in ("category", "product"):
        if getattr(item, name):
            record[name] = getattr(item, name)
    if item.attributes:
        record["attributes"] = dict(item.attributes)
    return record


class TarShardWriter:
    """Writes items into ``shard-00000.tar``, ``shard-00001.tar``, ... in ``folder``, ``shard_items`` keys each.

    Members carry no owner and mtime 0, so the same items always give the same bytes.
    """

    def __init__(self, folder: Path, shard_items: int) -> None:
        self.folder, self.shard_items = folder, shard_items
        self.count = 0
        self._tar: tarfile.TarFile | None = None

    def add(self, item: CatalogueItem, photo: bytes, photo_extension: str, sketch: bytes | None = None,
            sketch_extension: str = "png") -> None:
        if self.count % self.shard_items == 0:
            self.close()
            self._tar = tarfile.open(self.folder / f"shard-{self.count // self.shard_items:05d}.tar", "w",
                                     format=tarfile.PAX_FORMAT)
        key = f"{self.count:09d}"
        self._member(f"{key}.json", json.dumps(item_record(item), ensure_ascii=False, sort_keys=True).encode())
        self._member(f"{key}.{photo_extension}", photo)
        if sketch is not None:
            self._member(f"{key}.sketch.{sketch_extension}", sketch)
        self.count += 1

    def _member(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        assert self._tar is not None
        self._tar.addfile(info, io.BytesIO(data))

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()
            self._tar = None
