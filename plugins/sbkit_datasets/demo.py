"""The ``demo`` dataset: sbkit's built-in catalogue, rendered on demand into a cache folder."""

from __future__ import annotations

from pathlib import Path

from sbkit.components import Dataset
from sbkit.data.catalogue import Catalogue
from sbkit.data.demo import cache_folder, generate_demo


class DemoDataset(Dataset):
    """Procedurally rendered fashion products with captions and drawn-style sketches; no download.

    The first ``load()`` renders the catalogue into ``<cache_dir>/demo-<hash of params>`` under a
    progress bar; later loads only read it.

    Args:
        size: number of products to render.
        seed: random seed; the same params always give the same catalogue, byte for byte.
        image_size: side of the square photos, masks and sketches, in pixels.
        views: pictures per product; extra views shift, scale, turn and relight the same product.
        cache_dir: folder for generated catalogues (default: $SBKIT_CACHE, else ~/.cache/sbkit).
    """

    name = "demo"
    description = "Built-in rendered catalogue: 10 categories, 14 colours, brand patterns, drawn sketches."

    def __init__(self, size: int = 3000, seed: int = 0, image_size: int = 128, views: int = 1,
                 cache_dir: Path | None = None) -> None:
        self.size = size
        self.seed = seed
        self.image_size = image_size
        self.views = views
        self.cache_dir = cache_dir

    @property
    def folder(self) -> Path:
        """Where this configuration's catalogue lives."""
        return cache_folder(self.size, self.seed, self.image_size, self.views, self.cache_dir)

    def load(self) -> Catalogue:
        return generate_demo(self.folder, self.size, self.seed, self.image_size, self.views)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, object]:
        """A tiny catalogue in ``folder``, for contract tests."""
        return {"size": 30, "image_size": 64, "cache_dir": folder}
