import pytest
import torch
from index_helpers import ids_of

from sbkit.errors import ConfigError, ShapeError
from sbkit_index.exact import ExactIndex
from sbkit_index.faiss_index import FaissIndex

faiss = pytest.importorskip("faiss")


def _recall_at_10(approx_ids, exact_ids):
    return sum(len(set(a) & set(e)) for a, e in zip(approx_ids, exact_ids)) / (10 * len(exact_ids))


@pytest.fixture
def exact_results(gallery, queries):
    index = ExactIndex()
    index.add(ids_of(len(gallery)), gallery)
    return index.search(queries, 10)


def test_flat_agrees_with_exact(gallery, queries, exact_results):
    index = FaissIndex(kind="flat")
    index.add(ids_of(1000), gallery[:1000])
    index.add(ids_of(2000, 1000), gallery[1000:])
    scores, ids = index.search(queries, 10)
    assert torch.allclose(scores, exact_results[0], atol=1e-5)
    assert ids == exact_results[1]
    assert faiss.cvar.distance_compute_blas_threshold == 20


@pytest.mark.parametrize("params, floor", [({"kind": "ivf", "nlist": 40, "nprobe": 8}, 0.95),
                                           ({"kind": "hnsw", "m": 16, "ef_search": 64}, 0.95),
                                           ({"kind": "ivfpq", "nlist": 40, "nprobe": 8, "m": 8, "nbits": 4}, 0.1)])
def test_approximate_kinds_recall_well_on_clustered_data(gallery, queries, exact_results, params, floor):
    index = FaissIndex(**params)
    index.add(ids_of(len(gallery)), gallery)
    scores, ids = index.search(queries, 10)
    assert scores.shape == (len(queries), 10)
    assert _recall_at_10(ids, exact_results[1]) >= floor


def test_search_params_apply_after_build(gallery, queries):
    index = FaissIndex(kind="ivf", nlist=64, nprobe=1)
    index.add(ids_of(len(gallery)), gallery)
    index.search(queries, 10)
    assert index.faiss_index.nprobe == 1
    index.nprobe = 64
    index.search(queries, 10)
    assert index.faiss_index.nprobe == 64


def test_missing_results_are_dropped_not_mapped_to_the_last_id(gallery):
    index = FaissIndex(kind="ivf", nlist=40, nprobe=1)
    index.add(ids_of(len(gallery)), gallery)
    # A query in one small list cannot fill k=500 from one probed list.
    scores, ids = index.search(gallery[:1], 500)
    assert len(ids[0]) < 500 and scores.shape == (1, 500)
    assert bool(torch.isinf(scores[0, len(ids[0]):]).all())
    rows = [int(i.removeprefix("item-")) for i in ids[0]]
    assert len(set(rows)) == len(rows)
    assert torch.allclose(scores[0, :len(rows)], gallery[rows] @ gallery[0], atol=1e-5)


def test_training_needs_enough_vectors(gallery):
    with pytest.raises(ConfigError, match=r"needs at least 1024.*lower nlist"):
        FaissIndex(kind="ivf").add(ids_of(500), gallery[:500])
    with pytest.raises(ConfigError, match="at least 256"):
        FaissIndex(kind="ivfpq", nlist=10, m=8).add(ids_of(100), gallery[:100])
    with pytest.raises(ConfigError, match="must divide the dimension 32"):
        FaissIndex(kind="ivfpq", nlist=10, m=5).add(ids_of(500), gallery[:500])
    with pytest.raises(ConfigError, match="kind"):
        FaissIndex(kind="lsh")  # type: ignore[arg-type]


def test_a_single_query_runs_on_one_thread_and_leaves_the_setting_alone(gallery, queries):
    index = FaissIndex(kind="ivf", nlist=40, nprobe=8)
    index.add(ids_of(len(gallery)), gallery)
    threads = faiss.omp_get_max_threads()
    batch_scores, batch_ids = index.search(queries, 10)
    for i in range(3):
        scores, ids = index.search(queries[i:i + 1], 10)
        assert ids == batch_ids[i:i + 1] and torch.allclose(scores, batch_scores[i:i + 1], atol=1e-5)
    assert faiss.omp_get_max_threads() == threads


def test_queries_may_be_arrays_doubles_or_need_grad(gallery, queries):
    index = FaissIndex(kind="flat")
    index.add(ids_of(len(gallery)), gallery)
    expected = index.search(queries, 5)[1]
    assert index.search(queries.numpy(), 5)[1] == expected
    assert index.search(queries.double(), 5)[1] == expected
    assert index.search(queries.clone().requires_grad_(), 5)[1] == expected


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_tensors_passed_by_pointer_search_what_their_numpy_views_do(gallery, queries, kind):
    index = FaissIndex(kind=kind, nlist=40, nprobe=8)
    index.add(ids_of(len(gallery)), gallery)
    column_major = torch.empty(queries.shape[1], len(queries)).copy_(queries.T).T  # same values, not contiguous
    for tensor, array in ((queries, queries.numpy()), (queries[3:7], queries.numpy()[3:7]),
                          (queries[5:6], queries.numpy()[5:6]), (column_major, queries.numpy())):
        scores, ids = index.search(tensor, 10)
        expected_scores, expected_ids = index.search(array, 10)
        assert ids == expected_ids and torch.equal(scores, expected_scores)
    assert len(index.search(queries, len(gallery) + 5)[1][0]) <= len(gallery)
    assert index.search(queries, 0)[0].shape == (len(queries), 0)
    with pytest.raises(ShapeError, match=r"queries must be \(Q, 32\)"):
        index.search(queries[:, :16], 10)


def test_rows_of_a_batch_can_find_different_numbers_of_items(gallery):
    index = FaissIndex(kind="ivf", nlist=40, nprobe=1)
    index.add(ids_of(len(gallery)), gallery)
    scores, ids = index.search(gallery[:8], 200)
    lengths = {len(row) for row in ids}
    assert len(lengths) > 1  # the lists differ in size, so the rows do too
    for row, row_scores in zip(ids, scores):
        assert torch.isfinite(row_scores[:len(row)]).all() and torch.isinf(row_scores[len(row):]).all()
        assert None not in row
