"""``webdataset`` and ``parquet``: catalogues stored as shards, read item by item without extracting them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sbkit.components import Dataset
from sbkit.data.catalogue import Catalogue, CatalogueItem, Skipped
from sbkit.data.splits import assign_splits, split_fractions
from sbkit_datasets.folder import require_path


class _Shards(Dataset):
    suffix = ""

    def __init__(self, path: Path | None = None, val_fraction: float = 0.1, test_fraction: float = 0.2,
                 seed: int = 0) -> None:
        self.path, self.val_fraction, self.test_fraction, self.seed = path, val_fraction, test_fraction, seed
        split_fractions(val_fraction, test_fraction)  # reject bad fractions at once

    def _items(self, files: list[Path]):
        """The items and skips read from the shard ``files``, one at a time (each format gives its reader)."""
        raise NotImplementedError  # abstract

    def load(self) -> Catalogue:
        from sbkit.data.tar_shards import shard_files

        path = require_path(self, self.path).resolve()
        items: list[CatalogueItem] = []
        skipped: list[Skipped] = []
        for entry in self._items(shard_files(path, self.suffix)):
            (skipped if isinstance(entry, Skipped) else items).append(entry)
        fractions = split_fractions(self.val_fraction, self.test_fraction)
        return Catalogue(name=path.stem, root=path, items=assign_splits(items, fractions, self.seed), skipped=skipped)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny folder catalogue exported as shards in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_folder_catalogue
        from sbkit.data.export import export_catalogue
        from sbkit.data.folder import read_folder

        source = read_folder(make_folder_catalogue(folder / f"{cls.name}-source", n_items=6))
        out = folder / f"{cls.name}-example"
        if not out.exists():
            export_catalogue(source, out, cls.name, shard_items=4)
        return {"path": out}


class WebDatasetShards(_Shards):
    """A folder of WebDataset ``*.tar`` shards (or one shard): ``<key>.jpg|png|webp`` photo, ``<key>.json`` with
    caption, split, category, product and attributes, optionally ``<key>.txt`` caption and ``<key>.sketch.png``
    drawn sketch (see docs/data.md). Photos are read from the shards; nothing is extracted.

    Args:
        path: the folder of ``.tar`` shards, or one shard.
        val_fraction: share of the items without a ``split`` that go to val.
        test_fraction: share of the items without a ``split`` that go to test.
        seed: fixes the splits made for items without one.
    """

    name = "webdataset"
    description = "WebDataset tar shards: <key>.jpg|png|webp photo, <key>.json record, optional <key>.sketch.png."
    suffix = ".tar"

    def _items(self, files: list[Path]):
        from sbkit.data.tar_shards import iter_tar_items

        return iter_tar_items(files)


class ParquetShards(_Shards):
    """A Parquet file, or a folder of ``*.parquet`` files: columns id, image (bytes), caption, and optionally
    split, category, product, sketch (bytes); any other column is an attribute. Read a row group at a time.

    Args:
        path: the folder of ``.parquet`` files, or one file.
        val_fraction: share of the items without a ``split`` that go to val.
        test_fraction: share of the items without a ``split`` that go to test.
        seed: fixes the splits made for items without one.
    """

    name = "parquet"
    description = "Parquet files with columns id, image (bytes), caption [, split, category, product, sketch]."
    suffix = ".parquet"

    def _items(self, files: list[Path]):
        from sbkit.data.parquet_shards import iter_parquet_items

        return iter_parquet_items(files)
