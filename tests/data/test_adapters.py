"""Each public-dataset reader on a tiny copy of its published layout, plus detection and resolution."""

from __future__ import annotations

import types
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from fixtures import (make_deepfashion_mm_fixture, make_fashiongen_fixture, make_fashioniq_fixture,
                      make_folder_catalogue, make_shoev2_fixture, make_sketchy_fixture, picture)

from sbkit.data.adapters.deepfashion_mm import load_deepfashion_mm, parse_name
from sbkit.data.adapters.detect import detect_layout
from sbkit.data.adapters.fashiongen import load_fashiongen
from sbkit.data.adapters.fashioniq import load_fashioniq
from sbkit.data.adapters.qmul import load_qmul, photo_id
from sbkit.data.adapters.sketchy import load_sketchy
from sbkit.data.adapters.svg import path_strokes, render_strokes, svg_strokes
from sbkit.data.images import read_image, read_sketch
from sbkit.data.resolve import resolve_catalogue
from sbkit.data.validate import validate_catalogue
from sbkit.errors import ConfigError, DataError
from sbkit.hookspecs import hookimpl


def no_leaks(catalogue) -> bool:
    splits: dict[str, set[str]] = {}
    for item in catalogue.items:
        splits.setdefault(item.product or item.id, set()).add(item.split)
    return all(len(s) == 1 for s in splits.values())


# Fashion-Gen -------------------------------------------------------------------------------------------


def test_fashiongen_exports_images_and_decodes_latin1(tmp_path: Path) -> None:
    root = make_fashiongen_fixture(tmp_path / "fg", n_train=6, n_validation=4)
    catalogue = load_fashiongen(root, cache=tmp_path / "cache")
    assert len(catalogue) == 10 and Counter(i.split for i in catalogue.items) == {"train": 6, "test": 4}
    first = catalogue.items[0]
    assert first.caption == "Crêpe de Chine blouse 0, façade plissée."
    assert first.attributes["brand"] == "Maison Noé 0" and first.attributes["msrpUSD"] == "95.5"
    assert catalogue.items[1].caption == "blouse 0 concat"  # no description: the concatenated one
    assert first.category == "SHIRTS" and first.product == "1000" == catalogue.items[1].product
    assert np.array_equal(read_image(first.image), picture(0, 32))
    assert not validate_catalogue(catalogue).problems


def test_fashiongen_export_resumes_and_is_not_redone(tmp_path: Path) -> None:
    root = make_fashiongen_fixture(tmp_path / "fg", n_train=4, n_validation=2)
    first = load_fashiongen(root, cache=tmp_path / "cache")
    removed = first.items[2].image
    removed.unlink()
    (removed.parents[1] / "complete.json").unlink()  # as if the first export had been interrupted
    kept_mtime = first.items[0].image.stat().st_mtime_ns
    again = load_fashiongen(root, cache=tmp_path / "cache")
    assert removed.is_file() and again.items[0].image.stat().st_mtime_ns == kept_mtime
    bgr = load_fashiongen(root, cache=tmp_path / "cache", channel_order="bgr")
    assert np.array_equal(read_image(bgr.items[0].image), read_image(first.items[0].image)[..., ::-1])


def test_fashiongen_val_fraction_moves_whole_products(tmp_path: Path) -> None:
    root = make_fashiongen_fixture(tmp_path / "fg", n_train=20, n_validation=2)
    catalogue = load_fashiongen(root / "fashiongen_256_256_train.h5", cache=tmp_path / "c", val_fraction=0.3)
    assert Counter(i.split for i in catalogue.items)["val"] >= 2 and no_leaks(catalogue)
    with pytest.raises(DataError, match="no input_image"):
        import h5py

        with h5py.File(tmp_path / "fashiongen_256_256_train.h5", "w") as h5:
            h5["other"] = np.zeros(3)
        load_fashiongen(tmp_path / "fashiongen_256_256_train.h5", cache=tmp_path / "c")


# FashionIQ ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("caption_dir", "image_layout"), [("captions", "flat"), ("json", "per-category")])
def test_fashioniq_targets_become_items(tmp_path: Path, caption_dir: str, image_layout: str) -> None:
    root = make_fashioniq_fixture(tmp_path / "fiq", per_split=3, caption_dir=caption_dir, image_layout=image_layout,
                                  dead=1)
    catalogue = load_fashioniq(root)
    # 2 categories x (train + val) x 3 targets, one val dress target without an image
    assert len(catalogue) == 11
    assert [s.source for s in catalogue.skipped] == ["BDRVA000T"] and "dead link" in catalogue.skipped[0].reason
    item = next(i for i in catalogue.items if i.id == "BDRTR001T")
    assert item.caption == "is darker 1; has longer sleeves 1" and item.category == "dress" and item.split == "train"
    assert item.attributes["tags"] == "floral, mini, a-line, cotton, sleeveless"
    assert Counter(i.split for i in catalogue.items) == {"train": 6, "test": 5}  # official val is the test set
    assert all(i.image.is_file() for i in catalogue.items)


# DeepFashion-MultiModal ----------------------------------------------------------------------------------


def test_deepfashion_mm_parses_names_and_splits_by_product(tmp_path: Path) -> None:
    root = make_deepfashion_mm_fixture(tmp_path / "dfmm", n_products=10, views=2)
    catalogue = load_deepfashion_mm(root)
    assert len(catalogue) == 20 and no_leaks(catalogue)
    item = next(i for i in catalogue.items if i.id == "WOMEN-Dresses-id_00000021-01_1_front")
    assert item.category == "Dresses" and item.product == "WOMEN-Dresses-id_00000021"
    assert item.caption.startswith("The upper clothing has long sleeves")
    assert set(Counter(i.split for i in catalogue.items)) <= {"train", "val", "test"}
    assert parse_name("MEN-Denim-id_00000089-03_7_additional")["category"] == "Denim"
    assert parse_name("not-a-deepfashion-name") is None


# QMUL Shoe-V2 / Chair-V2 ------------------------------------------------------------------------------------


def test_shoev2_official_rasterises_svg_sketches(tmp_path: Path) -> None:
    root = make_shoev2_fixture(tmp_path, n_photos=5, n_test=2, sketches_per_photo=3)
    catalogue = load_qmul(root, cache=tmp_path / "cache")
    assert catalogue.name == "shoe-v2" and len(catalogue) == 5
    assert Counter(i.split for i in catalogue.items) == {"train": 3, "test": 2}
    item = catalogue.items[0]
    assert item.caption == "a shoe" and item.category == "shoe" and item.product == item.id
    sketches = item.attributes["sketches"].split(";")
    assert len(sketches) == 3 and sketches[0] == str(item.sketch) and item.sketch.name.startswith(f"{item.id}_1.")
    drawing = read_sketch(item.sketch)
    assert drawing.min() < 64 and np.median(drawing) == 255  # dark strokes on white
    assert str(tmp_path / "cache") in str(item.sketch)
    assert not list(root.rglob("*.png"))[0].name.endswith("_1.png")  # nothing was written into the dataset
    strokes = Path(item.attributes["strokes"])  # the first sketch's SVG, for retrieval while drawing
    assert strokes.is_file() and strokes.suffix == ".svg" and item.sketch.stem.startswith(f"{strokes.stem}.")


def test_chairv2_reorganised_layout_with_alpha_sketches(tmp_path: Path) -> None:
    root = make_shoev2_fixture(tmp_path / "data", n_photos=4, n_test=1, layout="reorganised", kind="chair")
    catalogue = load_qmul(root)  # the folder name "ChairV2" tells the kind
    assert catalogue.name == "chair-v2" and Counter(i.split for i in catalogue.items) == {"train": 3, "test": 1}
    item = next(i for i in catalogue.items if i.id == "cvpr_10-b_0")  # ids with _ and - keep them
    assert item.caption == "a chair" and len(item.attributes["sketches"].split(";")) == 2
    assert read_sketch(item.sketch).min() < 64  # the alpha-channel strokes come out dark
    renamed = root.rename(root.parent / "qmul-data")
    with pytest.raises(ConfigError, match="kind=shoe or kind=chair"):
        load_qmul(renamed)
    assert load_qmul(renamed, kind="chair").items[0].caption == "a chair"


def test_photo_id_strips_only_the_last_suffix() -> None:
    assert photo_id("2429245009_1") == "2429245009"
    assert photo_id("cvpr_10-b_0_12") == "cvpr_10-b_0"


# Sketchy --------------------------------------------------------------------------------------------------


def test_sketchy_random_split_drops_invalid_sketches(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path / "sketchy", photos_per_category=5)
    catalogue = load_sketchy(root, val_fraction=0.2, test_fraction=0.2)
    assert len(catalogue) == 15 and {i.category for i in catalogue.items} == {"airplane", "car_(sedan)",
                                                                               "hot-air_balloon"}
    for category in ("airplane", "car_(sedan)"):
        assert Counter(i.split for i in catalogue.items if i.category == category) == {"train": 3, "val": 1, "test": 1}
    first = next(i for i in catalogue.items if i.id == "airplane/n01691156_10")
    assert first.caption == "an airplane" and first.sketch.name == "n01691156_10-2.png"  # -1 is invalid
    assert first.attributes["sketches"].count(";") == 0
    assert next(i for i in catalogue.items if i.category == "car_(sedan)").caption == "a car (sedan)"


def test_sketchy_official_and_zero_shot_splits(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path / "sketchy", photos_per_category=4)
    official = load_sketchy(root, split="official", val_fraction=0.0)
    assert Counter(i.split for i in official.items) == {"train": 9, "test": 3}
    unseen = tmp_path / "unseen.txt"
    unseen.write_text("# held out\nhot-air_balloon\n")
    zero_shot = load_sketchy(root, split="zero-shot", unseen_classes=unseen, val_fraction=0.25)
    assert {i.category for i in zero_shot.items if i.split == "test"} == {"hot-air_balloon"}
    assert "hot-air_balloon" not in {i.category for i in zero_shot.items if i.split != "test"}
    with pytest.raises(ConfigError, match="needs unseen_classes"):
        load_sketchy(root, split="zero-shot")
    unseen.write_text("hot_air_balloon\n")
    with pytest.raises(ConfigError, match="did you mean 'hot-air_balloon'"):
        load_sketchy(root, split="zero-shot", unseen_classes=unseen)
    with pytest.raises(ConfigError, match="choose variant"):
        load_sketchy(root, variant="tx_999")


# SVG ---------------------------------------------------------------------------------------------------------


def test_path_parser_follows_the_commands() -> None:
    strokes = path_strokes("M10,10 L20,10 l0,10 H5 v-5 Z m30,0 C40,0 50,0 60,10 S80,20 90,10 Q100,0 110,10 T130,10")
    assert len(strokes) == 2
    square = strokes[0]
    assert np.allclose(square[:5], [[10, 10], [20, 10], [20, 20], [5, 20], [5, 15]])
    assert np.allclose(square[-1], [10, 10])  # Z returns to the start
    curve = strokes[1]
    assert np.allclose(curve[0], [40, 10]) and np.allclose(curve[-1], [130, 10])
    assert len(curve) > 10  # curves are sampled
    with pytest.raises(ValueError):
        path_strokes("10 10 L 20 20")


def test_svg_renders_dark_strokes_and_bad_files_are_data_errors(tmp_path: Path) -> None:
    (tmp_path / "a.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><polyline points="0,0 10,10 20,0"/>'
                                    '<line x1="0" y1="20" x2="20" y2="20"/></svg>')
    image = render_strokes(svg_strokes(tmp_path / "a.svg"), size=64)
    assert image.shape == (64, 64) and image.min() == 0 and (image < 128).mean() < 0.2
    (tmp_path / "b.svg").write_text("<svg><path d='M 1 2 L'/></svg>")
    with pytest.raises(DataError, match="malformed <path>"):
        svg_strokes(tmp_path / "b.svg")
    (tmp_path / "c.svg").write_text("not xml")
    with pytest.raises(DataError, match="not a readable SVG"):
        svg_strokes(tmp_path / "c.svg")


# Detection and resolution -------------------------------------------------------------------------------------


@pytest.fixture
def all_datasets(tmp_path: Path) -> dict[str, Path]:
    return {
        "folder": make_folder_catalogue(tmp_path / "folder", n_items=6),
        "fashiongen": make_fashiongen_fixture(tmp_path / "fg", n_train=4, n_validation=2),
        "fashioniq": make_fashioniq_fixture(tmp_path / "fiq", per_split=2),
        "deepfashion-mm": make_deepfashion_mm_fixture(tmp_path / "dfmm", n_products=4),
        "shoe-v2": make_shoev2_fixture(tmp_path / "shoes", n_photos=4).parent,  # the folder holding ShoeV2_F
        "sketchy": make_sketchy_fixture(tmp_path / "sketchy"),
    }


def test_detect_layout_names_each_dataset(all_datasets: dict[str, Path], tmp_path: Path) -> None:
    for name, path in all_datasets.items():
        assert detect_layout(path) == name
    assert detect_layout(all_datasets["fashiongen"] / "fashiongen_256_256_train.h5") == "fashiongen"
    assert detect_layout(all_datasets["folder"] / "captions.csv") == "folder"
    (tmp_path / "empty").mkdir()
    assert detect_layout(tmp_path / "empty") is None


@pytest.fixture
def registered():
    """A plugin host holding only this package's dataset classes (loading every plugin takes seconds)."""
    from sbkit.plugins import PluginHost, reset_host
    from sbkit_datasets.folder import FolderDataset
    from sbkit_datasets.public import DeepFashionMM, FashionGen, FashionIQ, ShoeV2, Sketchy

    module = types.ModuleType("datasets_under_test")
    module.register_datasets = hookimpl(lambda: [FolderDataset, FashionGen, FashionIQ, DeepFashionMM, ShoeV2,
                                                 Sketchy])
    host = PluginHost()
    host.register(module, "datasets-under-test")
    reset_host(host)
    yield
    reset_host()


def test_resolve_reads_every_layout_from_its_path(registered, all_datasets: dict[str, Path]) -> None:
    for name, path in all_datasets.items():
        catalogue = resolve_catalogue(str(path))
        assert len(catalogue) > 0, name
        assert catalogue.counts().get("train", 0) > 0, name


def test_resolve_by_name_with_params_and_errors(registered, all_datasets: dict[str, Path], tmp_path: Path) -> None:
    catalogue = resolve_catalogue("shoe-v2", {"path": str(all_datasets["shoe-v2"]), "val_fraction": "0.5"})
    assert catalogue.counts()["val"] >= 1
    assert len(resolve_catalogue(str(all_datasets["folder"] / "captions.csv"))) == 6
    with pytest.raises(ConfigError, match="not a dataset name .*no file or folder"):
        resolve_catalogue(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="not a layout sbkit knows"):
        resolve_catalogue(str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="needs a path"):
        resolve_catalogue("sketchy")
