import math

import pytest
import torch

from sbkit.errors import DataError, ShapeError
from sbkit.evaluation.metrics import per_group, per_query_values, rank_of_targets, retrieval_metrics


def _hand_case():
    # Gallery items are one-hot, so each query's scores are its own coordinates.
    gallery = torch.eye(4)
    query = torch.tensor([[0.9, 0.1, 0.5, 0.2],   # target 0 scores highest        -> rank 1
                          [0.9, 0.1, 0.5, 0.2],   # target 2 has one item above it -> rank 2
                          [0.4, 0.3, 0.2, 0.1]])  # target 3 scores lowest         -> rank 4
    return query, gallery, torch.tensor([0, 2, 3])


def _reference_ap(scores, relevant):
    """AP by sorting, with relevant items placed after equal-scoring irrelevant ones (pessimistic ties)."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], relevant[i]))
    hits, total, positions = 0, 0.0, []
    for pos, i in enumerate(order, 1):
        if relevant[i]:
            hits += 1
            total += hits / pos
            positions.append(pos)
    return total / hits, positions


def test_ranks_of_hand_case():
    query, gallery, targets = _hand_case()
    assert rank_of_targets(query, gallery, targets).tolist() == [1, 2, 4]


def test_metrics_of_hand_case():
    query, gallery, targets = _hand_case()
    m = retrieval_metrics(query, gallery, targets, ks=(1, 2, 3, 4), map_ks=(2,))
    assert m["R@1"] == pytest.approx(1 / 3)
    assert m["R@2"] == pytest.approx(2 / 3)
    assert m["R@3"] == pytest.approx(2 / 3)
    assert m["R@4"] == pytest.approx(1.0)
    assert m["MRR"] == pytest.approx((1 + 1 / 2 + 1 / 4) / 3)
    assert m["mAP"] == m["MRR"]
    assert m["mAP@2"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert m["median_rank"] == 2.0
    assert m["n_queries"] == 3.0


def test_ties_are_pessimistic():
    gallery = torch.ones(5, 3) / math.sqrt(3)
    query = torch.ones(2, 3) / math.sqrt(3)
    assert rank_of_targets(query, gallery, torch.tensor([0, 4])).tolist() == [5, 5]


def test_chunking_does_not_change_ranks():
    torch.manual_seed(0)
    query, gallery = torch.randn(37, 8), torch.randn(53, 8)
    targets = torch.randint(0, 53, (37,))
    full = (query @ gallery.T)
    expected = 1 + (full >= full.gather(1, targets[:, None])).sum(1) - 1
    assert torch.equal(rank_of_targets(query, gallery, targets, max_elements=5), expected)
    assert torch.equal(rank_of_targets(query, gallery, targets), expected)


def test_average_precision_with_several_relevant_items():
    # Scores rank the gallery 0 > 1 > ... > 5; items 0, 2 and 5 share the query's label.
    gallery = torch.eye(6)
    query = torch.tensor([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4]])
    labels = ["top", "pants", "top", "shoe", "pants", "top"]
    m = retrieval_metrics(query, gallery, query_labels=["top"], gallery_labels=labels, ks=(3,), map_ks=(3,),
                          p_ks=(3,))
    assert m["cat_mAP"] == pytest.approx((1 / 1 + 2 / 3 + 3 / 6) / 3)
    assert m["cat_mAP@3"] == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert m["cat_P@3"] == pytest.approx(2 / 3)
    assert m["cat_R@3"] == pytest.approx(2 / 3)
    assert "R@3" not in m  # no targets: no instance metrics


def test_category_metrics_match_a_sorting_reference_with_ties_and_chunks():
    torch.manual_seed(1)
    query = torch.randn(23, 6)
    gallery = torch.randn(41, 6)
    gallery[7] = gallery[3]  # duplicates make exact ties
    gallery[20] = gallery[3]
    query_labels = torch.randint(0, 4, (23,))
    gallery_labels = torch.randint(0, 4, (41,))
    values = per_query_values(query, gallery, query_labels=query_labels, gallery_labels=gallery_labels,
                              ks=(5,), map_ks=(5,), p_ks=(5,), max_elements=9)
    scores = (query @ gallery.T).tolist()
    for i in range(len(query)):
        relevant = [bool(g == query_labels[i]) for g in gallery_labels]
        if not any(relevant):
            assert math.isnan(values["cat_mAP"][i])
            continue
        ap, positions = _reference_ap(scores[i], relevant)
        hits5 = sum(p <= 5 for p in positions)
        assert values["cat_mAP"][i] == pytest.approx(ap, abs=1e-9)
        assert values["cat_P@5"][i] == pytest.approx(hits5 / 5)
        assert values["cat_R@5"][i] == pytest.approx(hits5 / len(positions))
        ap5 = sum(j / p for j, p in enumerate(positions, 1) if p <= 5) / min(5, len(positions))
        assert values["cat_mAP@5"][i] == pytest.approx(ap5, abs=1e-9)


def test_queries_without_relevant_items_are_skipped():
    gallery = torch.eye(3)
    query = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    m = retrieval_metrics(query, gallery, query_labels=["a", "z"], gallery_labels=["a", "b", "c"], ks=(1,),
                          map_ks=(1,), p_ks=(1,))
    assert m["cat_n_queries"] == 1.0
    assert m["cat_mAP"] == pytest.approx(1.0)


def test_random_embeddings_give_chance_recall():
    torch.manual_seed(2)
    n_gallery = 200
    gallery = torch.nn.functional.normalize(torch.randn(n_gallery, 32), dim=1)
    query = torch.nn.functional.normalize(torch.randn(3000, 32), dim=1)
    targets = torch.randint(0, n_gallery, (3000,))
    m = retrieval_metrics(query, gallery, targets, ks=(10, 50))
    assert m["R@10"] == pytest.approx(10 / n_gallery, abs=0.015)
    assert m["R@50"] == pytest.approx(50 / n_gallery, abs=0.03)
    assert m["median_rank"] == pytest.approx(n_gallery / 2, rel=0.1)


def test_confidence_intervals_surround_the_estimate():
    torch.manual_seed(3)
    query, gallery = torch.randn(200, 8), torch.randn(30, 8)
    targets = torch.randint(0, 30, (200,))
    m = retrieval_metrics(query, gallery, targets, query_labels=targets % 3, gallery_labels=torch.arange(30) % 3,
                          ci=True)
    for key in ("R@1", "R@10", "MRR", "cat_mAP"):
        low, high = m[f"{key}_ci"]
        assert low <= m[key] <= high and low < high


def test_per_group_matches_metrics_on_each_subset():
    torch.manual_seed(4)
    query, gallery = torch.randn(30, 8), torch.randn(40, 8)
    targets = torch.randint(0, 40, (30,))
    groups = ["dress" if i % 3 else "shoe" for i in range(30)]
    result = per_group(query, gallery, targets, groups, ks=(1, 10))
    assert sorted(result) == ["dress", "shoe"]
    mask = torch.tensor([g == "shoe" for g in groups])
    expected = retrieval_metrics(query[mask], gallery, targets[mask], ks=(1, 10))
    assert result["shoe"] == pytest.approx(expected)
    assert result["dress"]["n_queries"] + result["shoe"]["n_queries"] == 30


def test_bad_inputs_name_the_problem():
    query, gallery, targets = _hand_case()
    with pytest.raises(DataError, match="targets must be gallery rows"):
        rank_of_targets(query, gallery, torch.tensor([0, 1, 4]))
    with pytest.raises(ShapeError, match="query"):
        rank_of_targets(query[:, :3], gallery, targets)
    with pytest.raises(DataError, match="give targets"):
        retrieval_metrics(query, gallery)
    with pytest.raises(ShapeError, match="labels"):
        retrieval_metrics(query, gallery, query_labels=["a"], gallery_labels=["a"] * 4)
    with pytest.raises(DataError, match="NaN"):
        rank_of_targets(query.clone().fill_(float("nan")), gallery, targets)
