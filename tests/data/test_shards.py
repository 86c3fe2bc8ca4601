"""Catalogues stored as WebDataset tar shards or Parquet files: written by ``sbkit data export``, read back
item for item, photos read straight from the shards, bad shards reported instead of crashing a run."""

from __future__ import annotations

import gc
import io
import json
import tarfile
import weakref

import numpy as np
import pytest
import torch

from sbkit.data.adapters.detect import detect_layout
from sbkit.data.export import export_catalogue
from sbkit.data.resolve import resolve_catalogue
from sbkit.data.rows import whole
from sbkit.data.sources import ParquetCell, TarMember
from sbkit.data.tar_shards import iter_tar_items
from sbkit.data.validate import load_valid
from sbkit.errors import ConfigError, DataError

DEMO = {"size": 120, "image_size": 64}


@pytest.fixture(scope="module")
def demo():
    return resolve_catalogue("demo", DEMO)


@pytest.fixture(scope="module")
def exported(demo, tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    return {fmt: export_catalogue(demo, root / fmt, fmt, shard_items=50).out for fmt in ("webdataset", "parquet")}


def _png(value: int = 100, size: int = 32) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((size, size, 3), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _tar(path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _record(item_id: str, split: str = "train") -> bytes:
    return json.dumps({"id": item_id, "caption": f"a red dress {item_id}", "split": split}).encode()


@pytest.mark.parametrize("fmt", ["webdataset", "parquet"])
def test_shards_read_back_as_the_catalogue(demo, exported, fmt) -> None:
    assert detect_layout(exported[fmt]) == fmt
    back = resolve_catalogue(str(exported[fmt]))
    assert len(list(exported[fmt].iterdir())) == 3 and not back.skipped
    assert [(i.id, i.caption, i.split, i.category, i.product, i.attributes, i.sketch is None) for i in back.items] \
        == [(i.id, i.caption, i.split, i.category, i.product, i.attributes, i.sketch is None) for i in demo.items]
    kind = TarMember if fmt == "webdataset" else ParquetCell
    assert all(isinstance(i.image, kind) for i in back.items)
    assert [i.image.read_bytes() for i in back.items] == [i.image.read_bytes() for i in demo.items]


@pytest.mark.parametrize("fmt", ["webdataset", "parquet"])
def test_shards_give_the_same_prepared_rows_as_the_catalogue(demo, exported, fmt) -> None:
    from sbkit.pipeline.prepare import prepare_split
    from sbkit.registry import create

    sketchifier = create("sketchifier", "canny-clahe")
    direct, _ = prepare_split(load_valid(demo).split("test"), sketchifier, 32, 1, "direct", workers=0)
    back = load_valid(resolve_catalogue(str(exported[fmt])))
    sharded, skipped = prepare_split(back.split("test"), sketchifier, 32, 1, "sharded", workers=2)
    assert not skipped and [i.id for i in sharded.items] == [i.id for i in direct.items]
    assert direct.drawn is not None and bool(direct.has_drawn.any())
    for name in ("images", "sketches", "drawn"):
        assert torch.equal(whole(getattr(sharded, name)), whole(getattr(direct, name))), name
    assert torch.equal(sharded.has_drawn, direct.has_drawn) and torch.equal(sharded.labels, direct.labels)


def test_tar_items_are_streamed_one_key_at_a_time(tmp_path, monkeypatch) -> None:
    shards = []
    for s in range(6):
        shards.append(tmp_path / f"s{s}.tar")
        _tar(shards[-1], {name: data for k in range(4) for name, data in
                          ((f"{s}-{k}.json", _record(f"{s}-{k}")), (f"{s}-{k}.png", _png(k)))})
    opened = []
    real_open = tarfile.open
    monkeypatch.setattr(tarfile, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k))
    items = iter_tar_items(shards)
    refs = []
    first = next(items)
    assert opened == [shards[0]]  # a generator: later shards are not touched before they are needed
    refs.append(weakref.ref(first))
    del first
    for item in items:
        refs.append(weakref.ref(item))
        del item
    gc.collect()
    # nothing keeps the items (or a list of tar headers) alive once the caller has let them go
    assert len(refs) == 24 and all(ref() is None for ref in refs) and opened == shards


def test_bad_tar_members_are_skipped_with_reasons(tmp_path) -> None:
    _tar(tmp_path / "a.tar", {"k1.json": _record("k1"), "k1.png": _png(), "k2.json": _record("k2"),
                              "k3.json": b"{not json", "k3.png": _png(),
                              "k4.json": _record("k4", "test"), "k4.jpg": b"these are not jpeg bytes",
                              "k5.json": _record("k5", "test"), "k5.png": _png(30)})
    catalogue = resolve_catalogue(str(tmp_path))
    reasons = {s.source.rsplit(":", 1)[1]: s.kind for s in catalogue.skipped}
    assert reasons == {"k2": "missing_image", "k3": "unreadable_entry"}
    valid = load_valid(catalogue)
    assert [i.id for i in valid.items] == ["k1", "k5"]
    assert any(s.kind == "not_an_image" and s.source.startswith("k4") for s in valid.skipped)


def test_a_truncated_shard_keeps_the_items_before_the_cut(tmp_path) -> None:
    members = {name: data for k in range(6) for name, data in
               ((f"k{k}.json", _record(f"k{k}", "train" if k % 2 else "test")), (f"k{k}.png", _png(10 * k)))}
    _tar(tmp_path / "whole.tar", members)
    data = (tmp_path / "whole.tar").read_bytes()
    folder = tmp_path / "cut"
    folder.mkdir()
    (folder / "cut.tar").write_bytes(data[:len(data) // 2 + 100])
    catalogue = resolve_catalogue(str(folder))
    assert 1 <= len(catalogue.items) < 6 and catalogue.items[0].id == "k0"
    assert [s.kind for s in catalogue.skipped] == ["unreadable_entry"] and "cut short" in catalogue.skipped[0].reason
    valid = load_valid(catalogue)  # the last item's photo may be cut short: a recorded skip, not a crash
    assert valid.items and all(i.image.read_bytes() for i in valid.items)
    assert {s.kind for s in valid.skipped} <= {"unreadable_entry", "corrupt_image", "missing_image"}


def test_parquet_without_an_image_column_is_one_clear_error(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["a"], "caption": ["a dress"]}), tmp_path / "part.parquet")
    with pytest.raises(DataError, match="no image column.*id, image"):
        resolve_catalogue(str(tmp_path / "part.parquet"))
    pq.write_table(pa.table({"id": ["a"], "caption": ["a dress"], "image": ["photos/a.jpg"]}), tmp_path / "p.parquet")
    with pytest.raises(DataError, match="column 'image' is string, not bytes"):
        resolve_catalogue(str(tmp_path / "p.parquet"))


def test_parquet_null_and_undecodable_photos_are_skipped(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": ["a", "b", "c", "d"], "caption": ["x"] * 4, "split": ["train", "test", "test", "train"],
                      "image": pa.array([_png(), None, b"junk", _png(50)], pa.binary()), "colour": ["red"] * 4})
    pq.write_table(table, tmp_path / "p.parquet", row_group_size=2)
    catalogue = resolve_catalogue(str(tmp_path / "p.parquet"))
    assert catalogue.items[0].attributes == {"colour": "red"} and catalogue.items[3].image.group == 1
    valid = load_valid(catalogue)
    assert [i.id for i in valid.items] == ["a", "d"]
    assert sorted(s.kind for s in valid.skipped) == ["missing_image", "not_an_image"]


def test_the_ray_engines_refuse_a_catalogue_in_shards(exported) -> None:
    from sbkit.retrieval.ray_build import batch_rows
    from sbkit.sketch.job_source import list_items
    from sbkit.sketch.ray_engine import ray_results

    with pytest.raises(ConfigError, match="in shards.*--engine local"):
        batch_rows(resolve_catalogue(str(exported["webdataset"])).items, 8, 32)
    items, _ = list_items(str(exported["parquet"]))
    assert all(isinstance(item.member, ParquetCell) for item in items)
    with pytest.raises(ConfigError, match="in shards.*--engine local"), ray_results(items, (), None):
        pass


def test_export_refuses_to_overwrite_and_to_replace_its_input(demo, tmp_path) -> None:
    out = export_catalogue(demo, tmp_path / "out", "webdataset", shard_items=200).out
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(ConfigError, match="already exists.*--force"):
        export_catalogue(demo, out, "parquet")
    assert sorted(p.name for p in out.iterdir()) == before
    export_catalogue(demo, out, "parquet", force=True)
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet"]
    with pytest.raises(ConfigError, match="holds the catalogue"):
        export_catalogue(demo, demo.root.parent, "parquet", force=True)
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())
