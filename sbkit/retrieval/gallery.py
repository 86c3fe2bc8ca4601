"""Gallery data: which catalogues an index holds (``gallery.json``), their items, and photos as the model saw them.

An index folder made by ``sbkit index build`` keeps ``gallery.json`` beside the index files: the
catalogues (dataset name or absolute path, params, split) its items came from, so search can show each
result's photo and caption. A run's own ``index/`` has no such file: its items are the test split of
the catalogue named in the run's ``config.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sbkit.config import RunConfig
from sbkit.data.catalogue import CatalogueItem, Skipped
from sbkit.data.images import read_image, sketch_input, square
from sbkit.errors import DataError, SbkitError, check
from sbkit.io import atomic_write_json
from sbkit.params import resolve_params

GALLERY_FILE = "gallery.json"
SPLITS = ("train", "val", "test")


@dataclass
class DataSource:
    """A catalogue to read gallery items from: a dataset name or a path, its params, and a split (None: all)."""

    data: str
    params: dict[str, Any] = field(default_factory=dict)
    split: str | None = None

    @classmethod
    def of(cls, data: str, params: dict[str, Any] | None = None, split: str | None = None) -> DataSource:
        """A source with a path made absolute, so the index can be searched from any folder."""
        from sbkit.registry import get_registry

        check(split is None or split in SPLITS, f"split {split!r} is not one of {', '.join(SPLITS)}; leave --split "
              "out to use every split", DataError)
        registry = get_registry()
        params = dict(params or {})
        if data in registry.names("dataset"):
            params = resolve_params(registry.get("dataset", data), params, f"data {data!r}")
        elif Path(data).expanduser().exists():
            data = str(Path(data).expanduser().resolve())
        plain = {key: str(value) if isinstance(value, Path) else value for key, value in params.items()}
        return cls(data, plain, split)

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "params": self.params, "split": self.split}

    @classmethod
    def from_dict(cls, value: Any, where: str) -> DataSource:
        check(isinstance(value, dict) and isinstance(value.get("data"), str) and isinstance(
            value.get("params", {}), dict), f"{where}: each source needs a 'data' string and a 'params' table; "
              "rebuild the index with `sbkit index build`", DataError)
        return cls(value["data"], dict(value.get("params", {})), value.get("split"))

    def label(self) -> str:
        return self.data + (f" ({self.split} split)" if self.split else "")


def run_source(config: RunConfig) -> DataSource:
    """The gallery of a run's own ``index/``: the test split of the catalogue it trained on."""
    return DataSource(config.data.name, dict(config.data.params), "test")


def read_sources(index_dir: Path) -> list[DataSource] | None:
    """The sources listed in ``index_dir/gallery.json``, or None when the folder has no such file."""
    import json

    path = Path(index_dir) / GALLERY_FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON ({exc}); pass --data PATH, or rebuild the index") from None
    check(isinstance(raw, dict) and isinstance(raw.get("sources"), list),
          f"{path} should hold {{\"sources\": [...]}}; pass --data PATH, or rebuild the index", DataError)
    return [DataSource.from_dict(value, str(path)) for value in raw["sources"]]


def write_sources(index_dir: Path, sources: list[DataSource]) -> Path:
    """Write ``gallery.json``, keeping each distinct source once, in order."""
    unique: list[DataSource] = []
    for source in sources:
        if source not in unique:
            unique.append(source)
    return atomic_write_json(Path(index_dir) / GALLERY_FILE, {"sources": [s.to_dict() for s in unique]})


def load_items(source: DataSource, validate: bool = True) -> tuple[list[CatalogueItem], list[Skipped]]:
    """The items of ``source`` (its split only, if it names one) and the inputs left out.

    With ``validate``, items whose image file is missing and repeated ids are left out (images are
    not decoded here; an unreadable one is reported when it is read).
    """
    from sbkit.data.resolve import resolve_catalogue
    from sbkit.data.validate import load_valid

    catalogue = resolve_catalogue(source.data, source.params)
    if validate:
        catalogue = load_valid(catalogue, check_images=False)
    items = catalogue.items if source.split is None else catalogue.split(source.split)
    return items, list(catalogue.skipped)


class Gallery:
    """Gallery ids to catalogue items (photo path, caption), read from one or more sources.

    Sources that cannot be read are remembered in :attr:`problems` instead of failing a search:
    results then show without photos or captions.
    """

    def __init__(self, sources: list[DataSource]) -> None:
        self.sources = sources
        self.items: dict[str, CatalogueItem] = {}
        self.problems: list[str] = []
        for source in sources:
            try:
                items, _ = load_items(source, validate=False)
            except SbkitError as exc:
                self.problems.append(f"{source.label()}: {exc}")
                continue
            for item in items:
                self.items.setdefault(item.id, item)

    def get(self, item_id: str) -> CatalogueItem | None:
        return self.items.get(item_id)


def gallery_photo(path: Path, size: int) -> np.ndarray:
    """A catalogue photo as the run's gallery held it: (size, size, 3) uint8, squared on its backdrop colour.

    Large photos pass through the same intermediate size as in ``sbkit run``, so an item embedded here
    gets the vector it would have got in the run's own index.
    """
    return square(sketch_input(read_image(path)), size)


def placeholder(size: int = 64) -> np.ndarray:
    """A flat grey square for a result whose photo cannot be found."""
    return np.full((size, size, 3), 224, dtype=np.uint8)


def result_photo(item: CatalogueItem | None) -> np.ndarray:
    """The photo of a search result at full size, or a placeholder when it is unknown or unreadable."""
    if item is None:
        return placeholder()
    try:
        return read_image(item.image)
    except DataError:
        return placeholder()
