"""``folder``: your own catalogue, a folder of images plus captions.csv or captions.jsonl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sbkit.components import Dataset
from sbkit.data.catalogue import Catalogue
from sbkit.data.caption_file import parse_columns
from sbkit.data.folder import read_folder
from sbkit.data.splits import split_fractions
from sbkit.errors import ConfigError, check


def require_path(dataset: Dataset, path: Path | None) -> Path:
    """``path`` as a Path, or a ConfigError telling how to give it."""
    check(path is not None, f"dataset {dataset.name!r} needs a path: --data /path/to/data, or "
          f"path = \"...\" in the [data] table of a config", ConfigError)
    return Path(path).expanduser()  # type: ignore[arg-type]


class FolderDataset(Dataset):
    """A folder of images with captions.csv or captions.jsonl (columns id, image, caption; see docs/data.md).

    Args:
        path: the folder holding the images and the caption file.
        val_fraction: share of the items without a ``split`` column value that go to val.
        test_fraction: share of the items without a ``split`` column value that go to test.
        seed: fixes the splits made for items without one.
        allow_outside: accept image and sketch paths that lead outside the folder (``..``, absolute paths,
            symlinks pointing out of it); off by default, so a catalogue reads only files inside its folder.
        download: download the pictures the caption file names by web address (``https://...``) into sbkit's
            cache, once; off: such rows are skipped as ``not_downloaded``.
        columns: which of the caption file's columns to read as sbkit's, for an export with its own names:
            ``"id=sku,image=image_link,caption=title"`` (any of id, image, caption, sketch, category, split,
            product, sketches, strokes).
    """

    name = "folder"
    description = "Your own catalogue: a folder of images plus captions.csv or captions.jsonl."

    def __init__(self, path: Path | None = None, val_fraction: float = 0.1, test_fraction: float = 0.2,
                 seed: int = 0, allow_outside: bool = False, download: bool = True,
                 columns: str | dict[str, str] | None = None) -> None:
        self.path, self.val_fraction, self.test_fraction, self.seed = path, val_fraction, test_fraction, seed
        self.allow_outside, self.download, self.columns = allow_outside, download, columns
        split_fractions(val_fraction, test_fraction)  # reject bad fractions and columns at once
        parse_columns(columns)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny catalogue made in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_folder_catalogue

        return {"path": make_folder_catalogue(folder / "folder-example", n_items=6)}

    def load(self) -> Catalogue:
        return read_folder(require_path(self, self.path), split_fractions(self.val_fraction, self.test_fraction),
                           self.seed, self.allow_outside, self.download, self.columns)
