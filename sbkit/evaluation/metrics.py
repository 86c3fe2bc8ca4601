"""Retrieval metrics over query and gallery embeddings: Recall@K, MRR, mAP, precision, per-group splits.

Scores are inner products, so pass L2-normalised vectors for cosine similarity. Work is chunked over
queries and gallery, so no (Q, G) matrix is ever held whole: peak memory stays near ``max_elements`` scores.

Ties are pessimistic: a gallery item whose score equals the relevant item's (within float rounding,
``1e-6 * (1 + |score|)``) is ranked ahead of it. A model that gives every item the same score thus
gets the worst rank, never the best.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from sbkit.errors import DataError, ShapeError, check
from sbkit.evaluation.bootstrap import bootstrap_ci

Labels = Sequence[object] | torch.Tensor | np.ndarray

DEFAULT_KS: tuple[int, ...] = (1, 5, 10, 50)
MAX_ELEMENTS = 1 << 22  # scores held at once (16 MiB of float32)
_GALLERY_CHUNK = 8192
_CI_KEYS = ("MRR", "cat_mAP")


def _tolerance(scores: torch.Tensor) -> torch.Tensor:
    return 1e-6 * (1.0 + scores.abs())


def _check_embeddings(query: torch.Tensor, gallery: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    check(isinstance(query, torch.Tensor) and isinstance(gallery, torch.Tensor),
          "metrics: query and gallery must be torch tensors; wrap numpy arrays with torch.from_numpy", ShapeError)
    check(query.ndim == 2 and gallery.ndim == 2 and query.shape[1] == gallery.shape[1],
          f"metrics: need query (Q, D) and gallery (G, D), got {tuple(query.shape)} and {tuple(gallery.shape)}")
    check(len(query) > 0 and len(gallery) > 0,
          f"metrics: empty input (Q={len(query)}, G={len(gallery)}); evaluate at least one query and one item",
          DataError)
    return query.detach().float().cpu(), gallery.detach().float().cpu()


def _check_targets(targets: torch.Tensor, n_query: int, n_gallery: int) -> torch.Tensor:
    targets = torch.as_tensor(targets).cpu()
    check(targets.ndim == 1 and len(targets) == n_query and not targets.is_floating_point(),
          f"metrics: targets must be an integer tensor (Q,) = ({n_query},), got {targets.dtype} "
          f"{tuple(targets.shape)}")
    check(len(targets) == 0 or (int(targets.min()) >= 0 and int(targets.max()) < n_gallery),
          f"metrics: targets must be gallery rows in [0, {n_gallery}), got values from {int(targets.min())} "
          f"to {int(targets.max())}", DataError)
    return targets.long()


def rank_of_targets(query: torch.Tensor, gallery: torch.Tensor, targets: torch.Tensor, *,
                    max_elements: int = MAX_ELEMENTS) -> torch.Tensor:
    """1-based rank of each query's true gallery item, with pessimistic ties.

    Args:
        query: (Q, D) query embeddings.
        gallery: (G, D) gallery embeddings.
        targets: (Q,) integer row of each query's true item in ``gallery``.
        max_elements: Scores computed at once; bounds peak memory.

    Returns:
        (Q,) LongTensor: 1 + the number of other gallery items scoring at least as high as the target.
    """
    query, gallery = _check_embeddings(query, gallery)
    targets = _check_targets(targets, len(query), len(gallery))
    n_gallery = len(gallery)
    gallery_chunk = min(n_gallery, _GALLERY_CHUNK)
    query_chunk = max(1, max_elements // gallery_chunk)
    ranks = torch.empty(len(query), dtype=torch.long)
    with torch.inference_mode():
        for q0 in range(0, len(query), query_chunk):
            q = query[q0:q0 + query_chunk]
            t = targets[q0:q0 + query_chunk]
            target_scores = (q * gallery[t]).sum(1)
            check(bool(torch.isfinite(target_scores).all()),
                  "metrics: NaN or inf in query or gallery embeddings; check the encoder's output", DataError)
            threshold = (target_scores - _tolerance(target_scores))[:, None]
            ahead = torch.zeros(len(q), dtype=torch.long)
            for g0 in range(0, n_gallery, gallery_chunk):
                scores = q @ gallery[g0:g0 + gallery_chunk].T
                inside = (t >= g0) & (t < g0 + gallery_chunk)
                rows = inside.nonzero().squeeze(1)
                scores[rows, t[rows] - g0] = float("-inf")  # the target itself is not ahead of itself
                ahead += (scores >= threshold).sum(1)
            ranks[q0:q0 + len(q)] = ahead + 1
    return ranks


def encode_labels(query_labels: Labels, gallery_labels: Labels) -> tuple[torch.Tensor, torch.Tensor]:
    """Map query and gallery labels (strings, ints or integer tensors) to shared integer codes (Q,), (G,)."""
    if all(isinstance(x, torch.Tensor) and not x.is_floating_point() for x in (query_labels, gallery_labels)):
        return query_labels.cpu().long(), gallery_labels.cpu().long()  # type: ignore[union-attr]
    codes: dict[object, int] = {}

    def encode(labels: Labels) -> torch.Tensor:
        values = labels.tolist() if isinstance(labels, (torch.Tensor, np.ndarray)) else list(labels)
        return torch.tensor([codes.setdefault(v, len(codes)) for v in values], dtype=torch.long)

    return encode(query_labels), encode(gallery_labels)


def _category_values(query: torch.Tensor, gallery: torch.Tensor, query_codes: torch.Tensor,
                     gallery_codes: torch.Tensor, ks: Sequence[int], map_ks: Sequence[int], p_ks: Sequence[int],
                     max_elements: int) -> dict[str, torch.Tensor]:
    """Per-query category metrics (Q,), NaN where the gallery holds nothing with the query's label.

    For each label, the relevant items' scores are sorted, and every other item's score is binned among
    them with ``searchsorted``. The j-th best relevant item then sits at position ``j + N_j``, where ``N_j``
    counts the non-relevant items scoring at least as high (pessimistic ties). Everything follows from
    those positions, without sorting the whole gallery.
    """
    n_query, n_gallery = len(query), len(gallery)
    keys = ["cat_mAP", *(f"cat_mAP@{k}" for k in map_ks), *(f"cat_P@{k}" for k in p_ks),
            *(f"cat_R@{k}" for k in ks)]
    out = {key: torch.full((n_query,), float("nan"), dtype=torch.float64) for key in keys}
    gallery_chunk = min(n_gallery, _GALLERY_CHUNK)
    for label in torch.unique(query_codes).tolist():
        relevant = (gallery_codes == label).nonzero().squeeze(1)
        n_rel = len(relevant)
        if n_rel == 0:
            continue
        members = (query_codes == label).nonzero().squeeze(1)
        query_chunk = max(1, max_elements // max(n_rel + 1, gallery_chunk))
        is_relevant = gallery_codes == label
        j = torch.arange(1, n_rel + 1, dtype=torch.float64)
        for m0 in range(0, len(members), query_chunk):
            rows = members[m0:m0 + query_chunk]
            q = query[rows]
            rel_scores = torch.cat([q @ gallery[relevant[r0:r0 + gallery_chunk]].T
                                    for r0 in range(0, n_rel, gallery_chunk)], dim=1)
            rel_sorted = rel_scores.sort(dim=1).values  # ascending
            bins = torch.zeros(len(q), n_rel + 1, dtype=torch.long)
            for g0 in range(0, n_gallery, gallery_chunk):
                scores = q @ gallery[g0:g0 + gallery_chunk].T
                idx = torch.searchsorted(rel_sorted, scores + _tolerance(scores), right=True)
                idx[:, is_relevant[g0:g0 + gallery_chunk]] = 0  # bin 0 is ahead of no relevant item
                bins.scatter_add_(1, idx, torch.ones_like(idx))
            # ahead[a] = non-relevant items scoring >= the a-th relevant score (ascending a)
            ahead = bins[:, 1:].flip(1).cumsum(1).flip(1)
            position = j + ahead.flip(1).double()  # descending: j-th best relevant item
            precision_at_hit = j / position
            out["cat_mAP"][rows] = precision_at_hit.mean(1)
            for k in map_ks:
                out[f"cat_mAP@{k}"][rows] = (precision_at_hit * (position <= k)).sum(1) / min(k, n_rel)
            for k in p_ks:
                out[f"cat_P@{k}"][rows] = (position <= k).sum(1).double() / min(k, n_gallery)
            for k in ks:
                out[f"cat_R@{k}"][rows] = (position <= k).sum(1).double() / n_rel
    return out


def _instance_values(ranks: torch.Tensor, ks: Sequence[int], map_ks: Sequence[int]) -> dict[str, torch.Tensor]:
    ranks = ranks.double()
    values = {f"R@{k}": (ranks <= k).double() for k in ks}
    values["MRR"] = 1.0 / ranks
    for k in map_ks:
        values[f"mAP@{k}"] = torch.where(ranks <= k, 1.0 / ranks, 0.0)
    values["rank"] = ranks
    return values


def per_query_values(query: torch.Tensor, gallery: torch.Tensor, targets: torch.Tensor | None = None,
                     query_labels: Labels | None = None, gallery_labels: Labels | None = None,
                     ks: Sequence[int] = DEFAULT_KS, map_ks: Sequence[int] = (10,),
                     p_ks: Sequence[int] = (10, 100), *, max_elements: int = MAX_ELEMENTS) -> dict[str, torch.Tensor]:
    """Each query's own value of every metric, (Q,) float64; category values are NaN for queries without relevant items.

    Instance keys: ``rank``, ``R@K``, ``MRR``, ``mAP@K``. Category keys: ``cat_mAP``, ``cat_mAP@K``,
    ``cat_P@K``, ``cat_R@K``. Arguments as in :func:`retrieval_metrics`.
    """
    query, gallery = _check_embeddings(query, gallery)
    check(all(k >= 1 for k in (*ks, *map_ks, *p_ks)), f"metrics: every K must be >= 1, got ks={tuple(ks)}, "
          f"map_ks={tuple(map_ks)}, p_ks={tuple(p_ks)}", DataError)
    has_labels = query_labels is not None or gallery_labels is not None
    check(targets is not None or has_labels,
          "metrics: give targets (instance relevance), labels (category relevance), or both", DataError)
    values: dict[str, torch.Tensor] = {}
    if targets is not None:
        ranks = rank_of_targets(query, gallery, targets, max_elements=max_elements)
        values.update(_instance_values(ranks, ks, map_ks))
    if has_labels:
        check(query_labels is not None and gallery_labels is not None,
              "metrics: category metrics need both query_labels and gallery_labels", DataError)
        query_codes, gallery_codes = encode_labels(query_labels, gallery_labels)  # type: ignore[arg-type]
        check(len(query_codes) == len(query) and len(gallery_codes) == len(gallery),
              f"metrics: {len(query_codes)} query labels for {len(query)} queries and {len(gallery_codes)} "
              f"gallery labels for {len(gallery)} items; give one label per row", ShapeError)
        with torch.inference_mode():
            values.update(_category_values(query, gallery, query_codes, gallery_codes, ks, map_ks, p_ks,
                                           max_elements))
    return values


def summarize(values: dict[str, torch.Tensor], ci: bool = False, ci_ks: Sequence[int] = (1, 10),
              n_boot: int = 1000, seed: int = 0,
              ci_groups: torch.Tensor | None = None) -> dict[str, float | list[float]]:
    """Reduce :func:`per_query_values` to means (category means skip NaN queries), plus bootstrap CIs; queries
    that share a value of ``ci_groups`` (Q,) are resampled together (:func:`bootstrap_ci`)."""
    out: dict[str, float | list[float]] = {}
    for key, per_query in values.items():
        if key == "rank":
            out["median_rank"] = float(np.median(per_query.numpy()))
            continue
        valid = per_query[~per_query.isnan()]
        out[key] = float(valid.mean()) if len(valid) else float("nan")
        if key == "MRR":
            out["mAP"] = out["MRR"]  # one relevant item: AP is the reciprocal rank
    if "rank" in values:
        out["n_queries"] = float(len(values["rank"]))
    if "cat_mAP" in values:
        out["cat_n_queries"] = float((~values["cat_mAP"].isnan()).sum())
    if ci:
        for key in (*(f"R@{k}" for k in ci_ks), *_CI_KEYS):
            if key in values:
                kept = ~values[key].isnan()
                if bool(kept.any()):
                    groups = None if ci_groups is None else torch.as_tensor(ci_groups)[kept]
                    out[f"{key}_ci"] = list(bootstrap_ci(values[key][kept], n=n_boot, seed=seed, groups=groups))
    return out


def retrieval_metrics(query: torch.Tensor, gallery: torch.Tensor, targets: torch.Tensor | None = None,
                      query_labels: Labels | None = None, gallery_labels: Labels | None = None,
                      ks: Sequence[int] = DEFAULT_KS, map_ks: Sequence[int] = (10,),
                      p_ks: Sequence[int] = (10, 100), ci: bool = False, *,
                      ci_groups: torch.Tensor | None = None,
                      max_elements: int = MAX_ELEMENTS) -> dict[str, float | list[float]]:
    """Instance- and category-level retrieval metrics as one flat dict.

    Instance level (``targets``; one relevant item per query): ``R@K`` for K in ``ks`` (share of queries whose
    item ranks <= K), ``MRR``, ``mAP`` (equal to MRR), ``mAP@K`` for K in ``map_ks``, ``median_rank``,
    ``n_queries``. Category level (labels; every gallery item sharing the query's label is relevant):
    ``cat_mAP`` (AP over the whole ranking), ``cat_mAP@K`` (``map_ks``), ``cat_P@K`` (``p_ks``), ``cat_R@K``
    (``ks``), ``cat_n_queries`` (queries with at least one relevant item; the others are skipped).
    With ``ci``, 95% bootstrap intervals ``R@1_ci``, ``R@10_ci``, ``MRR_ci`` and ``cat_mAP_ci`` as [low, high].

    Args:
        query: (Q, D) query embeddings.
        gallery: (G, D) gallery embeddings.
        targets: (Q,) integer row of each query's true item in ``gallery``.
        query_labels: (Q,) category of each query (strings, ints or an integer tensor).
        gallery_labels: (G,) category of each gallery item.
        ks: Cut-offs for ``R@K`` and ``cat_R@K``.
        map_ks: Cut-offs for ``mAP@K`` and ``cat_mAP@K``.
        p_ks: Cut-offs for ``cat_P@K``.
        ci: Add bootstrap confidence intervals.
        ci_groups: (Q,) the group of each query (e.g. its item, when an item has several drawings): the
            intervals resample whole groups, since queries of one group are not independent.
        max_elements: Scores computed at once; bounds peak memory.
    """
    values = per_query_values(query, gallery, targets, query_labels, gallery_labels, ks, map_ks, p_ks,
                              max_elements=max_elements)
    return summarize(values, ci=ci, ci_groups=ci_groups)


def per_group(query: torch.Tensor, gallery: torch.Tensor, targets: torch.Tensor | None, groups: Sequence[str],
              query_labels: Labels | None = None, gallery_labels: Labels | None = None,
              ks: Sequence[int] = DEFAULT_KS, map_ks: Sequence[int] = (10,), p_ks: Sequence[int] = (10, 100),
              ci: bool = False, *, max_elements: int = MAX_ELEMENTS) -> dict[str, dict[str, float | list[float]]]:
    """:func:`retrieval_metrics` for each group of queries (e.g. each category), sorted by group name.

    Every query is ranked against the whole gallery once; ``groups`` (Q,) only splits the averages.
    """
    check(len(groups) == len(query), f"per_group: {len(groups)} groups for {len(query)} queries; give one per query",
          ShapeError)
    values = per_query_values(query, gallery, targets, query_labels, gallery_labels, ks, map_ks, p_ks,
                              max_elements=max_elements)
    names = np.asarray([str(g) for g in groups])
    result = {}
    for name in sorted(set(names.tolist())):
        mask = torch.from_numpy(names == name)
        result[name] = summarize({key: v[mask] for key, v in values.items()}, ci=ci)
    return result
