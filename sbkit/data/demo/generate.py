"""Generate the demo catalogue into a folder: photos, masks, drawn sketches (PNG, and their strokes in drawing
order as SVG), then ``catalogue.jsonl`` last.

Every file is written atomically, and ``catalogue.jsonl`` is written last as the completion marker:
a folder that has it is complete and is only read. A folder left by a killed run is completed: files
already there are kept (they are whole, and the same params always give the same bytes), the rest
are rendered.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.demo.captions import make_caption
from sbkit.data.demo.drawn import drawn_strokes
from sbkit.data.demo.lines import CAPTION_FIELD, line_of, line_rng
from sbkit.data.demo.render import render_item
from sbkit.data.demo.specs import SKETCH_STREAM, VIEW_STREAM, ItemSpec, item_rng, sample_spec, view_spec
from sbkit.data.demo.vocab import colour_group
from sbkit.errors import ConfigError, DataError, check
from sbkit.io import atomic_write_json, atomic_write_png, atomic_write_text, cache_root, mark_used
from sbkit.progress import progress_bar

# Bump when rendering changes, so cached folders made by older code are not reused.
GENERATOR_VERSION = 3  # 3: drawn sketches carry their strokes (sketches/<id>.svg, the "strokes" attribute)
CATALOGUE_FILE = "catalogue.jsonl"
PARAMS_FILE = "params.json"
SPLITS: tuple[tuple[str, float], ...] = (("train", 0.7), ("val", 0.1), ("test", 0.2))
SPLIT_STREAM = 7_919  # seeds the split shuffle, apart from every per-item stream


def demo_params(size: int, seed: int, image_size: int, views: int) -> dict[str, int]:
    """Everything that determines the catalogue's content, checked."""
    def whole(value: object) -> bool:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)

    check(whole(size) and size >= 1, f"demo size must be a positive number of products, got {size!r}", ConfigError)
    check(whole(image_size) and image_size >= 32, f"demo image_size must be at least 32 px, got {image_size!r}",
          ConfigError)
    check(whole(views) and views >= 1, f"demo views must be at least 1, got {views!r}", ConfigError)
    check(whole(seed) and seed >= 0, f"demo seed must be a non-negative integer, got {seed!r}", ConfigError)
    return {"version": GENERATOR_VERSION, "size": int(size), "seed": int(seed), "image_size": int(image_size),
            "views": int(views)}


def cache_folder(size: int, seed: int, image_size: int, views: int, cache_dir: Path | str | None = None) -> Path:
    """The folder that holds the catalogue for these params: ``<cache_dir>/demo-<hash of params>``."""
    params = demo_params(size, seed, image_size, views)
    digest = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    return (Path(cache_dir).expanduser() if cache_dir is not None else cache_root("demo")) / f"demo-{digest}"


def assign_splits(categories: list[str], seed: int) -> list[str]:
    """Train/val/test per product, 0.7/0.1/0.2 overall and within each category (to one product)."""
    rng = np.random.default_rng([seed, SPLIT_STREAM])
    keys = np.empty(len(categories))
    jitter = rng.random(len(categories))
    for cat in sorted(set(categories)):
        members = [i for i, c in enumerate(categories) if c == cat]
        order = rng.permutation(len(members))
        for rank, member in zip(order, members):
            keys[member] = (rank + jitter[member]) / len(members)
    ranked = np.argsort(keys, kind="stable")
    splits = [""] * len(categories)
    start = 0
    for position, (name, fraction) in enumerate(SPLITS):
        stop = len(categories) if position == len(SPLITS) - 1 else start + round(fraction * len(categories))
        for member in ranked[start:stop]:
            splits[member] = name
        start = stop
    return splits


def _item_id(index: int, view: int, views: int) -> str:
    return f"demo-{index:05d}" if views == 1 else f"demo-{index:05d}-v{view}"


def _record(spec: ItemSpec, index: int, view: int, views: int, split: str, caption: str,
            line: int) -> dict[str, Any]:
    item_id = _item_id(index, view, views)
    product = f"demo-{index:05d}"
    return {
        "id": item_id,
        "image": f"images/{item_id}.png",
        "caption": caption,
        "split": split,
        "category": spec.category,
        "product": product,
        "sketch": f"sketches/{product}.png" if split != "train" else None,
        "attributes": {
            "colour": spec.colour,
            "colour_group": colour_group(spec.colour),
            "brand": spec.brand,
            "pattern": spec.pattern,
            "length": spec.length,
            "line": f"line-{line:04d}",
            "view": str(view),
            "mask": f"masks/{item_id}.png",
            **({"strokes": f"sketches/{product}.svg"} if split != "train" else {}),
        },
    }


def _missing(folder: Path, record: dict[str, Any]) -> bool:
    paths = [record["image"], record["attributes"]["mask"]] + ([record["sketch"]] if record["sketch"] else [])
    paths += [record["attributes"]["strokes"]] if "strokes" in record["attributes"] else []
    return not all((folder / p).is_file() for p in paths)


def _item(folder: Path, record: dict[str, Any]) -> CatalogueItem:
    attributes = dict(record["attributes"])
    for key in ("mask", "strokes"):
        if key in attributes:
            attributes[key] = str(folder / attributes[key])
    return CatalogueItem(
        id=record["id"],
        image=folder / record["image"],
        caption=record["caption"],
        split=record["split"],
        category=record["category"],
        sketch=folder / record["sketch"] if record["sketch"] else None,
        product=record["product"],
        attributes=attributes,
    )


def _read_params(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / PARAMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_records(folder: Path) -> list[dict[str, Any]] | None:
    """The records of a finished folder, or None when the marker is missing or unreadable."""
    try:
        lines = (folder / CATALOGUE_FILE).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError):
        return None


def _catalogue(folder: Path, records: list[dict[str, Any]]) -> Catalogue:
    items, skipped = [], []
    for number, record in enumerate(records, 1):
        try:
            items.append(_item(folder, record))
        except (KeyError, TypeError) as exc:
            skipped.append(Skipped(f"{folder / CATALOGUE_FILE}:{number}", f"bad record: missing {exc}"))
    return Catalogue("demo", folder, items, skipped)


def load_demo(folder: Path, params: dict[str, int]) -> Catalogue | None:
    """The finished catalogue in ``folder`` if it was made with ``params`` and all its files are there."""
    if _read_params(folder) != params:
        return None
    records = _read_records(folder)
    try:
        if records is None or any(_missing(folder, r) for r in records):
            return None
    except (KeyError, TypeError):  # a damaged record: render the folder again
        return None
    return _catalogue(folder, records)


def _remove_stale(folder: Path, records: list[dict[str, Any]]) -> None:
    """Delete pictures of an earlier run with other params, and temporary files of a killed one."""
    wanted = {r["image"] for r in records} | {r["attributes"]["mask"] for r in records}
    wanted |= {r["sketch"] for r in records if r["sketch"]}
    wanted |= {r["attributes"]["strokes"] for r in records if "strokes" in r["attributes"]}
    for sub in ("images", "masks", "sketches"):
        for suffix in ("png", "svg"):
            for path in (folder / sub).glob(f"demo-*.{suffix}"):
                if f"{sub}/{path.name}" not in wanted:
                    path.unlink(missing_ok=True)
            for path in (folder / sub).glob(f".demo-*.part.{suffix}"):
                path.unlink(missing_ok=True)


def _prepare(folder: Path, params: dict[str, int]) -> bool:
    """Claim ``folder`` for ``params``; True when files already there can be kept."""
    folder.mkdir(parents=True, exist_ok=True)
    previous = _read_params(folder)
    marker = folder / CATALOGUE_FILE
    if previous is None and marker.exists():
        raise DataError(f"{folder} holds a {CATALOGUE_FILE} that the demo generator did not write; "
                        "delete that file or generate the demo catalogue into an empty folder")
    if previous == params:
        return True
    marker.unlink(missing_ok=True)  # a finished catalogue of other params must not mark this run finished
    atomic_write_json(folder / PARAMS_FILE, params)
    return False


def _write_drawn(folder: Path, record: dict[str, Any], spec: ItemSpec, rng: np.random.Generator,
                 keep: bool) -> None:
    """Write the record's drawn sketch (PNG) and its strokes (SVG) unless both are there and may be kept.

    Folders made before strokes were kept gain the SVG; the PNG is the same bytes either way.
    """
    sketch, strokes = record["sketch"], record["attributes"].get("strokes")
    if not sketch:
        return
    todo = [path for path in (sketch, strokes) if path and not (keep and (folder / path).is_file())]
    if not todo:
        return
    drawn = drawn_strokes(spec, rng)
    if sketch in todo:
        atomic_write_png(folder / sketch, drawn.render())
    if strokes in todo:
        atomic_write_text(folder / strokes, drawn.svg())


def generate_demo(out_dir: str | Path, size: int = 3000, seed: int = 0, image_size: int = 128,
                  views: int = 1) -> Catalogue:
    """Generate (or complete, or just read) the demo catalogue in ``out_dir``.

    Args:
        out_dir: the folder to fill; created if needed.
        size: number of products.
        seed: everything is a function of the seed (and the item's index).
        image_size: side of the square photos, masks and sketches, in pixels.
        views: pictures per product; extra views shift, scale, turn and relight the same product.

    Returns:
        The catalogue, with absolute paths.
    """
    folder = Path(out_dir).expanduser().resolve()
    params = demo_params(size, seed, image_size, views)
    finished = load_demo(folder, params)
    if finished is not None:
        mark_used(folder)
        return finished
    keep = _prepare(folder, params)

    specs = [sample_spec(seed, index, size, image_size) for index in range(size)]
    splits = assign_splits([spec.category for spec in specs], seed)
    records = []
    with progress_bar(f"demo catalogue: {size} products", size) as advance:
        for index, (spec, split) in enumerate(zip(specs, splits)):
            line = line_of(index, size)
            caption = make_caption(spec, line_rng(seed, CAPTION_FIELD, line))  # one caption per line
            for view in range(views):
                record = _record(spec, index, view, views, split, caption, line)
                records.append(record)
                paths = [folder / record["image"], folder / record["attributes"]["mask"]]
                todo = [not (keep and path.is_file()) for path in paths]
                if any(todo):
                    picture = spec if view == 0 else view_spec(spec, item_rng(seed, index, VIEW_STREAM, view))
                    for path, array, needed in zip(paths, render_item(picture), todo):
                        if needed:
                            atomic_write_png(path, array)
            _write_drawn(folder, records[-1], spec, item_rng(seed, index, SKETCH_STREAM), keep)
            advance(1)
    _remove_stale(folder, records)
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    atomic_write_text(folder / CATALOGUE_FILE, text)
    return _catalogue(folder, records)

