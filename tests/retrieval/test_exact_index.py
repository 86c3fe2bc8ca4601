import pytest
import torch
from index_helpers import ids_of

from sbkit.errors import ConfigError, ShapeError
from sbkit_index import exact
from sbkit_index.exact import ExactIndex


def _brute_force(queries, gallery, k):
    return (queries @ gallery.T).topk(k, dim=1)


def test_agrees_with_brute_force_across_blocks_and_adds(gallery, queries, monkeypatch):
    monkeypatch.setattr(exact, "_MAX_SCORES", 7 * 300)  # also split the queries into chunks of 7
    index = ExactIndex(chunk=300)
    for start, stop in ((0, 1), (1, 450), (450, 451), (451, 3000)):
        index.add(ids_of(stop - start, start), gallery[start:stop])
    assert len(index) == 3000 and index.dim == 32
    assert [len(b) for _, b in index.blocks()] == [300] * 10
    scores, ids = index.search(queries, 10)
    expected_scores, expected_rows = _brute_force(queries, gallery, 10)
    assert torch.allclose(scores, expected_scores, atol=1e-6)
    assert ids == [[f"item-{r}" for r in row] for row in expected_rows.tolist()]
    assert torch.equal(index.vectors(), gallery)


def test_k_larger_than_the_gallery_returns_everything(queries):
    index = ExactIndex(chunk=2)
    index.add(ids_of(5), queries[:5])
    scores, ids = index.search(queries[:3], 50)
    assert scores.shape == (3, 5) and all(sorted(row) == ids_of(5) for row in ids)
    assert bool((scores[:, :-1] >= scores[:, 1:]).all())


def test_empty_index_returns_no_results(queries):
    index = ExactIndex()
    index.dim = 32
    scores, ids = index.search(queries[:2], 5)
    assert scores.shape == (2, 0) and ids == [[], []]


def test_bad_inputs_are_refused(queries):
    with pytest.raises(ConfigError, match="chunk"):
        ExactIndex(chunk=0)
    index = ExactIndex()
    index.add(ids_of(4), queries[:4])
    with pytest.raises(ShapeError, match="32-d"):
        index.add(ids_of(1), torch.zeros(1, 8))
    with pytest.raises(ShapeError, match="queries"):
        index.search(torch.zeros(1, 8), 3)
