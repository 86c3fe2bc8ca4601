"""Public datasets in their published layouts: Fashion-Gen, FashionIQ, DeepFashion-MultiModal, Shoe-V2 /
Chair-V2 and Sketchy. Each reads the data where the user unpacked it; see docs/data.md for where to get it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from sbkit.components import Dataset
from sbkit.data.adapters.deepfashion_mm import load_deepfashion_mm
from sbkit.data.adapters.fashiongen import load_fashiongen
from sbkit.data.adapters.fashioniq import load_fashioniq
from sbkit.data.adapters.qmul import load_qmul
from sbkit.data.adapters.sketchy import SPLIT_MODES, load_sketchy
from sbkit.data.catalogue import Catalogue
from sbkit.data.splits import split_fractions
from sbkit.errors import ConfigError, check, unknown_name_message
from sbkit_datasets.folder import require_path


class FashionGen(Dataset):
    """Fashion-Gen HDF5 files; images are exported once as PNGs into a cache folder.

    Args:
        path: the folder holding fashiongen_256_256_train.h5 and fashiongen_256_256_validation.h5, or one file.
        cache: where the exported PNGs go; None uses $SBKIT_CACHE/datasets/fashiongen (~/.cache/sbkit by default).
        channel_order: channel order of the stored images, "rgb" (as most loaders read them) or "bgr".
        val_fraction: share of the train products moved to val (the validation file becomes test).
        seed: fixes which products move to val.
        limit: read only the first this-many rows of each file; 0 reads all.
    """

    name = "fashiongen"
    description = "Fashion-Gen (HDF5): 293k product photos with descriptions; validation file used as test."

    def __init__(self, path: Path | None = None, cache: Path | None = None,
                 channel_order: Literal["rgb", "bgr"] = "rgb", val_fraction: float = 0.0, seed: int = 0,
                 limit: int = 0) -> None:
        self.path, self.cache, self.channel_order = path, cache, channel_order
        self.val_fraction, self.seed, self.limit = val_fraction, seed, limit

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny copy of the layout made in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_fashiongen_fixture

        return {"path": make_fashiongen_fixture(folder / "fashiongen-example", n_train=4, n_validation=2),
                "cache": folder / "fashiongen-cache"}

    def load(self) -> Catalogue:
        return load_fashiongen(require_path(self, self.path), self.cache, self.channel_order, self.val_fraction,
                               self.seed, self.limit)


class FashionIQ(Dataset):
    """FashionIQ (dress, shirt, toptee): each target image with its relative captions joined.

    Args:
        path: the FashionIQ root, holding captions/ (or json/), image_splits/ and images/ (or image_data/).
        val_fraction: share of the train images moved to val (the official val split becomes test when the
            test captions carry no targets, as in the official release).
        seed: fixes which images move to val.
    """

    name = "fashioniq"
    description = "FashionIQ: dress/shirt/toptee target images with their relative captions; dead links skipped."

    def __init__(self, path: Path | None = None, val_fraction: float = 0.0, seed: int = 0) -> None:
        self.path, self.val_fraction, self.seed = path, val_fraction, seed

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny copy of the layout made in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_fashioniq_fixture

        return {"path": make_fashioniq_fixture(folder / "fashioniq-example", per_split=2)}

    def load(self) -> Catalogue:
        return load_fashioniq(require_path(self, self.path), self.val_fraction, self.seed)


class DeepFashionMM(Dataset):
    """DeepFashion-MultiModal: images/ plus captions.json; category parsed from each file name.

    Args:
        path: the root holding images/ and captions.json.
        val_fraction: share of the products that go to val (the release has no splits).
        test_fraction: share of the products that go to test.
        seed: fixes the splits.
    """

    name = "deepfashion-mm"
    description = "DeepFashion-MultiModal: 44k full-body photos with captions; splits made by product."

    def __init__(self, path: Path | None = None, val_fraction: float = 0.1, test_fraction: float = 0.2,
                 seed: int = 0) -> None:
        self.path, self.val_fraction, self.test_fraction, self.seed = path, val_fraction, test_fraction, seed
        split_fractions(val_fraction, test_fraction)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny copy of the layout made in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_deepfashion_mm_fixture

        return {"path": make_deepfashion_mm_fixture(folder / "deepfashion-mm-example", n_products=4)}

    def load(self) -> Catalogue:
        return load_deepfashion_mm(require_path(self, self.path), split_fractions(self.val_fraction,
                                                                                  self.test_fraction), self.seed)


class ShoeV2(Dataset):
    """QMUL Shoe-V2 / Chair-V2: photos with real human sketches; caption "a shoe" / "a chair".

    Args:
        path: the dataset folder (e.g. ShoeV2_F), official (ShoeV2_photo/, ShoeV2_sketch/*.svg,
            photo_{train,test}.txt) or re-organised (trainA/testA sketches, trainB/testB photos).
        kind: "shoe", "chair", or "auto" (read from the folder names).
        cache: where rasterised SVG sketches go; None uses $SBKIT_CACHE/datasets/qmul.
        stroke_width: line width in px of rasterised SVG sketches, on a 256 px canvas.
        val_fraction: share of the train photos moved to val.
        seed: fixes which photos move to val.
    """

    name = "shoe-v2"
    description = "QMUL Shoe-V2 / Chair-V2: product photos each with several real human sketches."

    def __init__(self, path: Path | None = None, kind: Literal["auto", "shoe", "chair"] = "auto",
                 cache: Path | None = None, stroke_width: int = 3, val_fraction: float = 0.0, seed: int = 0) -> None:
        check(stroke_width >= 1, f"shoe-v2 stroke_width must be >= 1, got {stroke_width}", ConfigError)
        self.path, self.kind, self.cache, self.stroke_width = path, kind, cache, stroke_width
        self.val_fraction, self.seed = val_fraction, seed

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny copy of the layout made in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_shoev2_fixture

        return {"path": make_shoev2_fixture(folder / "shoe-v2-example", n_photos=4, image_size=32),
                "cache": folder / "shoe-v2-cache"}

    def load(self) -> Catalogue:
        return load_qmul(require_path(self, self.path), self.kind, self.cache, self.stroke_width, self.val_fraction,
                         self.seed)


class Sketchy(Dataset):
    """Sketchy (125 categories): photos with real human sketches; category-level; caption "a <category>".

    Args:
        path: the Sketchy root, holding 256x256/ (photo/, sketch/) and info/.
        split: "random" (per category), "official" (info/testset.txt is test) or "zero-shot" (the classes in
            unseen_classes are test).
        unseen_classes: a text file naming the held-out classes, one per line, for split "zero-shot".
        variant: the tx_* folder to read; tx_000000000000 is the plain one.
        val_fraction: share of the training photos that go to val.
        test_fraction: share of each category's photos that go to test (split "random").
        seed: fixes the random parts of the split.
    """

    name = "sketchy"
    description = "Sketchy: 125 categories of photos with real human sketches; random, official or zero-shot split."

    def __init__(self, path: Path | None = None, split: str = "random", unseen_classes: Path | None = None,
                 variant: str = "tx_000000000000", val_fraction: float = 0.1, test_fraction: float = 0.2,
                 seed: int = 0) -> None:
        check(split in SPLIT_MODES, unknown_name_message("Sketchy split", split, SPLIT_MODES), ConfigError)
        self.path, self.split, self.unseen_classes, self.variant = path, split, unseen_classes, variant
        self.val_fraction, self.test_fraction, self.seed = val_fraction, test_fraction, seed

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """A tiny copy of the layout made in ``folder``, for contract tests."""
        from sbkit.data.adapters.examples import make_sketchy_fixture

        return {"path": make_sketchy_fixture(folder / "sketchy-example", photos_per_category=3)}

    def load(self) -> Catalogue:
        return load_sketchy(require_path(self, self.path), self.split, self.unseen_classes, self.variant,
                            self.val_fraction, self.test_fraction, self.seed)
