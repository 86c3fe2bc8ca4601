import hashlib
import json

import pytest
import sbkit_index
import torch
from index_helpers import ids_of

from sbkit.errors import DataError
from sbkit.plugins import PluginHost, reset_host
from sbkit_index import load_index
from sbkit_index.exact import ExactIndex
from sbkit_index.faiss_index import FaissIndex

INDEXES = [
    pytest.param((lambda: ExactIndex(chunk=700), "vectors.f32"), id="exact"),
    pytest.param((lambda: FaissIndex(kind="flat"), "index.faiss"), id="faiss-flat"),
    pytest.param((lambda: FaissIndex(kind="hnsw", m=8), "index.faiss"), id="faiss-hnsw"),
    pytest.param((lambda: FaissIndex(kind="ivf", nlist=20, nprobe=20), "index.faiss"), id="faiss-ivf"),
]


@pytest.fixture(params=INDEXES)
def saved(request, gallery, tmp_path):
    make, data_file = request.param
    index = make()
    index.add(ids_of(2000), gallery[:2000])
    index.model_hash = "model-abc"
    folder = tmp_path / "index"
    index.save(folder)
    return index, folder, data_file


def _rewrite_ids(folder, ids):
    (folder / "ids.json").write_text(json.dumps(ids))
    manifest = json.loads((folder / "manifest.json").read_text())
    data = (folder / "ids.json").read_bytes()
    manifest["files"]["ids.json"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_round_trip_keeps_results_ids_params_and_model_hash(saved, queries):
    index, folder, data_file = saved
    loaded = type(index).load(folder)
    assert loaded.ids == index.ids and loaded.dim == index.dim and loaded.model_hash == "model-abc"
    assert vars(loaded).keys() == vars(index).keys()
    expected_scores, expected_ids = index.search(queries, 10)
    scores, ids = loaded.search(queries, 10)
    assert ids == expected_ids and torch.allclose(scores, expected_scores)
    host = PluginHost(strict=True)
    host.register(sbkit_index, name="index")
    reset_host(host)
    try:
        assert type(load_index(folder)) is type(index)
    finally:
        reset_host()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["count"] == 2000 and manifest["dim"] == 32 and manifest["index"] == index.name
    assert set(manifest["files"]) == {data_file, "ids.json"}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_add_after_load_appends(saved, gallery):
    index, folder, _ = saved
    loaded = type(index).load(folder)
    loaded.add(ids_of(1000, 2000), gallery[2000:])
    assert len(loaded) == 3000
    _, ids = loaded.search(gallery[2500:2501], 1)
    assert ids == [["item-2500"]]


def test_truncated_file_is_refused(saved):
    index, folder, data_file = saved
    path = folder / data_file
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=rf"{data_file} is \d+ bytes but manifest.json says \d+.*truncated"):
        type(index).load(folder)


def test_edited_byte_is_refused(saved):
    index, folder, data_file = saved
    path = folder / data_file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=rf"{data_file} has SHA-256 .* edited"):
        type(index).load(folder)


def test_missing_file_is_refused(saved):
    index, folder, data_file = saved
    (folder / data_file).unlink()
    with pytest.raises(DataError, match=rf"{data_file} is missing"):
        type(index).load(folder)


def test_ids_that_disagree_with_the_count_are_refused(saved):
    index, folder, _ = saved
    _rewrite_ids(folder, index.ids[:-1])
    with pytest.raises(DataError, match=r"ids.json holds 1999 ids but .* count=2000"):
        type(index).load(folder)


def test_other_model_and_other_index_are_refused(saved):
    index, folder, _ = saved
    with pytest.raises(DataError, match="built with model 'model-abc'.*'model-xyz'"):
        type(index).load(folder, model_hash="model-xyz")
    other = FaissIndex if isinstance(index, ExactIndex) else ExactIndex
    with pytest.raises(DataError, match=f"holds a {index.name!r} index"):
        other.load(folder)
    assert len(type(index).load(folder, model_hash="model-abc")) == 2000


def test_exact_vectors_that_disagree_with_dim_are_refused(gallery, tmp_path):
    index = ExactIndex()
    index.add(ids_of(10), gallery[:10])
    index.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["dim"] = 16
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"vectors.f32 is 1280 bytes, but count=10 x dim=16"):
        ExactIndex.load(tmp_path)


def test_missing_manifest_and_empty_index_are_refused(tmp_path):
    with pytest.raises(DataError, match="manifest.json is missing"):
        ExactIndex.load(tmp_path)
    with pytest.raises(DataError, match="empty"):
        ExactIndex().save(tmp_path)
