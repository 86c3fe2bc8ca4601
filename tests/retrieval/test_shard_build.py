"""Indexes built from embedding shards: chunked builds, memory-mapped loading, recall reports, bad shards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from index_helpers import clustered

from sbkit.errors import ConfigError, DataError
from sbkit.retrieval.shard_build import add_from_shards, exact_neighbours, recall_table
from sbkit.retrieval.shards import Shards
from sbkit_index.exact import ExactIndex
from sbkit_index.faiss_index import FaissIndex

faiss = pytest.importorskip("faiss")

POINTS = clustered(3050).numpy()
GALLERY, QUERIES = POINTS[:3000], POINTS[3000:]


def write_shards(folder: Path, vectors: np.ndarray, rows: int = 700, with_ids: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, start in enumerate(range(0, len(vectors), rows)):
        np.save(folder / f"part-{n:03d}.npy", vectors[start:start + rows])
        if with_ids:
            ids = [f"item-{i}" for i in range(start, min(start + rows, len(vectors)))]
            (folder / f"part-{n:03d}.ids.json").write_text(json.dumps(ids))
    return folder


def test_chunked_ivf_build_matches_a_one_shot_build_on_the_same_training_sample(tmp_path: Path):
    shards = Shards(write_shards(tmp_path / "shards", GALLERY))
    chunked = add_from_shards(FaissIndex(kind="ivf", nlist=20, nprobe=4), shards, chunk_rows=256, train_size=1500)
    one_shot = FaissIndex(kind="ivf", nlist=20, nprobe=4)
    one_shot.train(torch.from_numpy(shards.sample(1500)))
    one_shot.add([f"item-{i}" for i in range(3000)], torch.from_numpy(GALLERY))
    assert chunked.ids == one_shot.ids == [f"item-{i}" for i in range(3000)]
    scores_a, ids_a = chunked.search(QUERIES, 10)
    scores_b, ids_b = one_shot.search(QUERIES, 10)
    assert ids_a == ids_b
    assert torch.allclose(scores_a, scores_b)


def test_chunked_ivfpq_build_recalls_as_well_as_training_on_everything(tmp_path: Path):
    shards = Shards(write_shards(tmp_path / "shards", GALLERY))
    params = {"kind": "ivfpq", "nlist": 20, "nprobe": 8, "m": 8, "nbits": 4}
    chunked = add_from_shards(FaissIndex(**params), shards, chunk_rows=500)  # trains on 64 x nlist = 1280 rows
    whole = FaissIndex(**params)
    whole.add([f"item-{i}" for i in range(3000)], torch.from_numpy(GALLERY))
    ours, = (row["recall@10"] for row in recall_table(chunked, shards, QUERIES, nprobes=(8,)))
    theirs, = (row["recall@10"] for row in recall_table(whole, shards, QUERIES, nprobes=(8,)))
    assert ours >= theirs - 0.05
    assert ours > 0.1  # PQ with 4-bit codes on 32-d vectors is coarse; see test_faiss_index


def test_memory_mapped_index_searches_like_the_in_memory_one_and_can_still_grow(tmp_path: Path):
    shards = Shards(write_shards(tmp_path / "shards", GALLERY))
    built = add_from_shards(FaissIndex(kind="ivfpq", nlist=20, nprobe=8, m=8, nbits=4, mmap=True), shards)
    built.save(tmp_path / "index")
    mapped = FaissIndex.load(tmp_path / "index")
    assert mapped.mmap and mapped._mapped_from == tmp_path / "index" / "index.faiss"
    lists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(mapped.faiss_index).invlists)
    assert type(lists).__name__ == "OnDiskInvertedLists"  # FAISS reads them from the mapped file
    in_memory = FaissIndex(kind="ivfpq", nlist=20, nprobe=8, m=8, nbits=4)
    in_memory.faiss_index = built.faiss_index
    in_memory.ids, in_memory.dim = built.ids, built.dim
    assert mapped.search(QUERIES, 10)[1] == in_memory.search(QUERIES, 10)[1]
    assert mapped.search(QUERIES[:1], 10)[1] == in_memory.search(QUERIES[:1], 10)[1]
    mapped.add(["extra"], torch.from_numpy(QUERIES[:1]))  # read into memory first: FAISS cannot add to a mapping
    assert mapped._mapped_from is None and len(mapped) == mapped.faiss_index.ntotal == 3001
    assert "extra" in mapped.search(QUERIES[:1], 3001)[1][0]


def test_mmap_is_refused_for_kinds_faiss_cannot_map():
    with pytest.raises(ConfigError, match="mmap applies to kind ivf or ivfpq"):
        FaissIndex(kind="hnsw", mmap=True)


def test_recall_table_has_one_row_per_nprobe_up_to_nlist(tmp_path: Path):
    loose = clustered(3050, noise=0.5).numpy()  # clusters that overlap, so one list misses neighbours
    shards = Shards(write_shards(tmp_path / "shards", loose[:3000], with_ids=False))
    index = add_from_shards(FaissIndex(kind="ivf", nlist=20, nprobe=3), shards)
    rows = recall_table(index, shards, loose[3000:], k=10, nprobes=(1, 4, 20, 64))
    assert [row["nprobe"] for row in rows] == [1, 4, 20]
    assert set(rows[0]) == {"index", "kind", "nlist", "m", "nbits", "nprobe", "queries", "recall@10", "ms_per_query"}
    assert rows[0]["recall@10"] < rows[-1]["recall@10"]
    assert rows[-1]["recall@10"] == 1.0 and index.nprobe == 3  # every list scanned: exact
    exact_rows = recall_table(add_from_shards(ExactIndex(), shards), shards, loose[3000:])
    assert len(exact_rows) == 1 and exact_rows[0]["nprobe"] is None and exact_rows[0]["recall@10"] == 1.0


def test_exact_neighbours_streamed_over_chunks_equal_one_matmul(tmp_path: Path):
    shards = Shards(write_shards(tmp_path / "shards", GALLERY))
    expected = np.argsort(-(QUERIES @ GALLERY.T), axis=1)[:, :10]
    assert (exact_neighbours(shards, QUERIES, 10, chunk_rows=333) == expected).all()


def test_shards_stream_and_sample_without_reading_everything(tmp_path: Path):
    shards = Shards(write_shards(tmp_path / "shards", GALLERY, with_ids=False))
    assert (shards.count, shards.dim, len(shards.shards)) == (3000, 32, 5)
    assert shards.ids()[:2] == ["0", "1"]
    blocks = list(shards.chunks(256))
    assert max(len(b) for _, b in blocks) == 256 and np.array_equal(np.concatenate([b for _, b in blocks]), GALLERY)
    sample = shards.sample(100, seed=1)
    assert sample.shape == (100, 32) and np.array_equal(sample, shards.sample(100, seed=1))
    assert all((GALLERY == row).all(axis=1).any() for row in sample)


@pytest.mark.parametrize("damage, message", [
    (lambda d: None, "does not exist"),
    (lambda d: d.mkdir(), "holds no shards"),
    (lambda d: (write_shards(d, GALLERY[:100]), np.save(d / "part-009.npy", np.zeros((5, 16), np.float32))),
     "differ in dimension: part-000.npy is 32-d, part-009.npy is 16-d"),
    (lambda d: (write_shards(d, GALLERY[:100]), np.save(d / "part-009.npy", np.zeros(5, np.float32))),
     r"shape \(5,\); a shard must be a float \(N, D\)"),
    (lambda d: (write_shards(d, GALLERY[:100]), (d / "part-009.npy").write_bytes(b"not numpy")),
     "part-009.npy is not a readable .npy array"),
    (lambda d: (write_shards(d, GALLERY[:100]), np.save(d / "part-009.npy", GALLERY[:5])),
     "only some shards have an ids file"),
    (lambda d: (write_shards(d, GALLERY[:100]), (d / "part-000.ids.json").write_text('["a"]')),
     "part-000.ids.json should be a JSON list of 100 id strings"),
])
def test_bad_shard_folders_get_clear_errors(tmp_path: Path, damage, message):
    folder = tmp_path / "shards"
    damage(folder)
    with pytest.raises(DataError, match=message):
        Shards(folder)


def test_repeated_ids_across_shards_are_refused(tmp_path: Path):
    folder = write_shards(tmp_path / "shards", GALLERY[:100], rows=50)
    (folder / "part-001.ids.json").write_text(json.dumps([f"item-{i}" for i in range(50)]))
    with pytest.raises(DataError, match="'item-0' appears more than once"):
        Shards(folder).ids()
