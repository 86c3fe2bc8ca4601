"""Odd files in the published dataset layouts: a clear ``DataError`` naming the file, or the item skipped with a
reason, never a raw exception, a silently wrong caption or a stale cached sketch."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.data import skip_reasons as why
from sbkit.data.adapters.deepfashion_mm import load_deepfashion_mm
from sbkit.data.adapters.examples import make_deepfashion_mm_fixture, make_shoev2_fixture, make_sketchy_fixture
from sbkit.data.adapters.fashiongen import load_fashiongen
from sbkit.data.adapters.fashioniq import load_fashioniq
from sbkit.data.adapters.qmul import load_qmul
from sbkit.data.adapters.sketchy import load_sketchy
from sbkit.data.adapters.svg import render_strokes, svg_strokes
from sbkit.data.catalogue import CatalogueItem, Skipped
from sbkit.data.tar_shards import iter_tar_items
from sbkit.errors import ConfigError, DataError

BOM = "\ufeff"
CIRCLE = ('<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">'
          '<circle cx="128" cy="128" r="100" stroke="black" fill="none"/></svg>')


def _png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, "PNG")
    return out.getvalue()


# QMUL Shoe-V2 / Chair-V2 --------------------------------------------------------------------------------------


def test_an_edited_qmul_svg_is_rasterised_again(tmp_path: Path) -> None:
    root = make_shoev2_fixture(tmp_path / "data", n_photos=3, n_test=1, sketches_per_photo=1)
    before = load_qmul(root, cache=tmp_path / "cache").items[0]
    svg = root / "ShoeV2_sketch" / f"{before.id}_1.svg"
    svg.write_text(CIRCLE)
    stat = svg.stat()
    os.utime(svg, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    after = load_qmul(root, cache=tmp_path / "cache").items[0]
    drawn = np.asarray(Image.open(after.sketch).convert("L"))
    assert np.array_equal(drawn, render_strokes(svg_strokes(svg)))
    assert not np.array_equal(drawn, np.asarray(Image.open(before.sketch).convert("L")))


def test_qmul_listings_with_a_bom_and_crlf_keep_the_first_id(tmp_path: Path) -> None:
    root = make_shoev2_fixture(tmp_path, n_photos=4, n_test=1, sketches_per_photo=1)
    for name in ("photo_train.txt", "photo_test.txt"):
        lines = (root / name).read_text().split()
        (root / name).write_bytes((BOM + "\r\n".join(lines) + "\r\n").encode())
    catalogue = load_qmul(root, cache=tmp_path / "cache")
    assert len(catalogue) == 4 and not catalogue.skipped
    assert sorted(i.split for i in catalogue.items) == ["test", "train", "train", "train"]


def test_a_qmul_photo_in_trainb_and_testb_is_reported_and_sketches_keep_their_split(tmp_path: Path) -> None:
    root = make_shoev2_fixture(tmp_path, n_photos=3, n_test=1, layout="reorganised")
    pid = sorted(p.stem for p in (root / "trainB").iterdir())[0]
    shutil.copy(root / "trainB" / f"{pid}.png", root / "testB" / f"{pid}.png")
    shutil.copy(root / "trainA" / f"{pid}_1.png", root / "testA" / f"{pid}_1.png")
    catalogue = load_qmul(root, kind="shoe")
    item = next(i for i in catalogue.items if i.id == pid)
    assert item.split == "train" and "testA" not in item.attributes["sketches"]
    clash = [s for s in catalogue.skipped if s.kind == why.DUPLICATE_ID]
    assert [Path(s.source).parent.name for s in clash] == ["testB"] and pid in clash[0].reason
    assert any(Path(s.source).parent.name == "testA" for s in catalogue.skipped)


def test_a_folder_holding_shoes_and_chairs_one_level_down_asks_for_kind(tmp_path: Path) -> None:
    make_shoev2_fixture(tmp_path, n_photos=2, n_test=1, sketches_per_photo=1, kind="shoe")
    make_shoev2_fixture(tmp_path, n_photos=2, n_test=1, sketches_per_photo=1, kind="chair")
    with pytest.raises(ConfigError, match="holds both ShoeV2 and ChairV2.*kind="):
        load_qmul(tmp_path, cache=tmp_path / "cache")
    assert load_qmul(tmp_path, kind="chair", cache=tmp_path / "cache").name == "chair-v2"


# FashionIQ ----------------------------------------------------------------------------------------------------


def _fashioniq(root: Path, train_entries: list) -> Path:
    for k, asin in enumerate(("B001", "B002", "B003", "B004")):
        (root / "images").mkdir(parents=True, exist_ok=True)
        (root / "images" / f"{asin}.png").write_bytes(_png((k * 50, 0, 0)))
    (root / "captions").mkdir()
    (root / "captions" / "cap.dress.train.json").write_text(json.dumps(train_entries))
    (root / "captions" / "cap.dress.val.json").write_text(json.dumps([{"candidate": "B003", "target": "B004",
                                                                       "captions": ["darker"]}]))
    return root


def test_a_fashioniq_caption_given_as_one_text_is_one_caption(tmp_path: Path) -> None:
    root = _fashioniq(tmp_path, [{"candidate": "B001", "target": "B002", "captions": "is red and longer"}])
    item = next(i for i in load_fashioniq(root).items if i.id == "B002")
    assert item.caption == "is red and longer"


@pytest.mark.parametrize("captions", [None, 5, [1, 2]], ids=["null", "number", "list-of-numbers"])
def test_a_fashioniq_entry_with_unusable_captions_is_skipped(tmp_path: Path, captions: object) -> None:
    root = _fashioniq(tmp_path, [{"candidate": "B001", "target": "B002", "captions": captions},
                                 {"candidate": "B001", "target": "B003", "captions": ["y"]}])
    catalogue = load_fashioniq(root)
    assert {i.id for i in catalogue.items} == {"B003", "B004"}
    skipped = [s for s in catalogue.skipped if s.source == "cap.dress.train.json[0]"]
    assert len(skipped) == 1 and "entry 0 of cap.dress.train.json" in skipped[0].reason


@pytest.mark.parametrize("content", ["5", '{"B002": 1}'], ids=["number", "object"])
def test_a_fashioniq_split_file_that_is_not_a_list_is_a_data_error(tmp_path: Path, content: str) -> None:
    root = _fashioniq(tmp_path, [{"candidate": "B001", "target": "B002", "captions": ["x"]}])
    (root / "image_splits").mkdir()
    (root / "image_splits" / "split.dress.train.json").write_text(content)
    with pytest.raises(DataError, match=r"split\.dress\.train\.json: expected a list of image ids"):
        load_fashioniq(root)


def test_a_fashioniq_tags_file_that_is_not_an_object_is_a_data_error(tmp_path: Path) -> None:
    root = _fashioniq(tmp_path, [{"candidate": "B001", "target": "B002", "captions": ["x"]}])
    tags = root / "image_tag_dataset" / "tags"
    tags.mkdir(parents=True)
    (tags / "asin2attr.dress.train.json").write_text(json.dumps([["a", "b"]]))
    with pytest.raises(DataError, match=r"asin2attr\.dress\.train\.json: expected an object"):
        load_fashioniq(root)


def test_a_fashioniq_caption_file_with_a_bom_is_read(tmp_path: Path) -> None:
    root = _fashioniq(tmp_path, [{"candidate": "B001", "target": "B002", "captions": ["x"]}])
    path = root / "captions" / "cap.dress.train.json"
    path.write_bytes((BOM + path.read_text()).encode())
    assert {i.id for i in load_fashioniq(root).items} == {"B002", "B004"}


def test_a_fashioniq_caption_file_that_is_not_utf8_is_a_data_error(tmp_path: Path) -> None:
    root = _fashioniq(tmp_path, [{"candidate": "B001", "target": "B002", "captions": ["x"]}])
    (root / "captions" / "cap.dress.train.json").write_bytes('[{"target": "B002", "captions": ["caf\xe9"]}]'
                                                             .encode("latin-1"))
    with pytest.raises(DataError, match=r"cap\.dress\.train\.json is not UTF-8 text.*save it as UTF-8"):
        load_fashioniq(root)


# DeepFashion-MultiModal ---------------------------------------------------------------------------------------


def test_a_deepfashion_mm_captions_file_with_a_bom_is_read(tmp_path: Path) -> None:
    root = make_deepfashion_mm_fixture(tmp_path, n_products=3, views=1)
    path = root / "captions.json"
    path.write_bytes((BOM + path.read_text()).encode())
    assert len(load_deepfashion_mm(root)) == 3


# Fashion-Gen --------------------------------------------------------------------------------------------------


def test_a_fashiongen_file_with_columns_of_different_lengths_is_a_data_error(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "fashiongen_256_256_train.h5"
    with h5py.File(path, "w") as h5:
        h5["input_image"] = np.zeros((6, 8, 8, 3), np.uint8)
        h5["input_description"] = np.array([[f"shirt {i}".encode()] for i in range(4)], dtype="S16")
    with pytest.raises(DataError, match="input_description has 4 rows but input_image has 6"):
        load_fashiongen(path, cache=tmp_path / "cache")


# WebDataset tar shards ----------------------------------------------------------------------------------------


def _shard(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_tar_caption_that_is_not_utf8_is_skipped(tmp_path: Path) -> None:
    shard = _shard(tmp_path / "shard-00000.tar", {"b.png": _png(), "b.txt": "caf\xe9 cr\xe8me".encode("latin-1")})
    [found] = iter_tar_items([shard])
    assert isinstance(found, Skipped) and found.kind == why.UNREADABLE_ENTRY
    assert "b.txt is not UTF-8 text" in found.reason and "save it as UTF-8" in found.reason


@pytest.mark.parametrize("extension", ["json", "txt"])
def test_a_tar_text_member_with_a_bom_is_read(tmp_path: Path, extension: str) -> None:
    text = json.dumps({"caption": "red shirt"}) if extension == "json" else "red shirt"
    shard = _shard(tmp_path / "shard-00000.tar", {"a.png": _png(), f"a.{extension}": (BOM + text).encode()})
    [found] = iter_tar_items([shard])
    assert isinstance(found, CatalogueItem) and found.caption == "red shirt"


# Sketchy ------------------------------------------------------------------------------------------------------


def test_a_sketchy_unseen_classes_file_that_is_not_utf8_is_a_data_error(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path / "data")
    classes = tmp_path / "unseen.txt"
    classes.write_bytes("airplane  # avion \xe0 r\xe9action\n".encode("latin-1"))
    with pytest.raises(DataError, match="unseen.txt is not UTF-8 text"):
        load_sketchy(root, split="zero-shot", unseen_classes=classes)


def test_a_sketchy_unseen_classes_file_with_a_bom_and_crlf_is_read(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path / "data")
    classes = tmp_path / "unseen.txt"
    classes.write_bytes(f"{BOM}airplane\r\n".encode())
    catalogue = load_sketchy(root, split="zero-shot", unseen_classes=classes)
    assert {i.category for i in catalogue.items if i.split == "test"} == {"airplane"}


def test_a_sketchy_testset_with_a_bom_and_crlf_keeps_the_first_photo(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path)
    listing = root / "info" / "testset.txt"
    lines = listing.read_text().split()
    listing.write_bytes((BOM + "\r\n".join(Path(line).name for line in lines) + "\r\n").encode())
    catalogue = load_sketchy(root, split="official", val_fraction=0.0)
    assert sorted(i.image.name for i in catalogue.items if i.split == "test") == sorted(Path(n).name for n in lines)


def _flatten_variants(root: Path) -> None:
    for kind in ("photo", "sketch"):
        folder = root / "256x256" / kind
        shutil.rmtree(folder / "tx_000100000000", ignore_errors=True)
        for category in (folder / "tx_000000000000").iterdir():
            category.rename(folder / category.name)
        (folder / "tx_000000000000").rmdir()


def test_sketchy_photo_folder_without_variant_folders_is_read_directly(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path, photos_per_category=2)
    _flatten_variants(root)
    catalogue = load_sketchy(root)
    assert len(catalogue) == 6 and all(i.sketch is not None for i in catalogue.items)


def test_sketchy_asked_for_a_variant_that_a_flat_layout_lacks_says_so(tmp_path: Path) -> None:
    root = make_sketchy_fixture(tmp_path, photos_per_category=2)
    _flatten_variants(root)
    with pytest.raises(ConfigError, match="holds category folders directly, with no tx_\\* variant folders"):
        load_sketchy(root, variant="tx_000100000000")
