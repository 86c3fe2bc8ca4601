"""Percentile bootstrap confidence intervals for a mean over queries, or over groups of them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from sbkit.errors import DataError, check

# Resamples are drawn in batches of at most this many indices, so memory stays bounded for large Q.
_MAX_INDICES = 1 << 22


def _array(values: Sequence | np.ndarray | torch.Tensor, dtype) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype).ravel()


def bootstrap_ci(per_query_values: Sequence[float] | np.ndarray | torch.Tensor, n: int = 1000,
                 alpha: float = 0.05, seed: int = 0,
                 groups: Sequence[int] | np.ndarray | torch.Tensor | None = None) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``per_query_values``.

    Draws ``n`` resamples of the Q values with replacement, takes each resample's mean, and returns the
    ``alpha / 2`` and ``1 - alpha / 2`` quantiles of those means. The same ``seed`` gives the same interval.
    Queries that share a group (several drawings of one item) are not independent: where ``groups`` repeats
    one, whole groups are resampled instead (the cluster bootstrap), and each resample's mean is over the
    queries of the groups drawn.

    Args:
        per_query_values: (Q,) one value per query, e.g. 1.0 for a hit at rank <= 10 and 0.0 otherwise.
        n: Number of bootstrap resamples.
        alpha: 1 minus the confidence level (0.05 gives a 95% interval).
        seed: Seed of the resampling generator.
        groups: (Q,) the group of each query, or None: every query its own.

    Returns:
        (low, high) as floats.
    """
    values = _array(per_query_values, np.float64)
    check(len(values) > 0, "bootstrap_ci: no values given; pass one value per query", DataError)
    check(np.isfinite(values).all(), "bootstrap_ci: values contain NaN or inf; drop those queries first", DataError)
    check(n >= 1 and 0.0 < alpha < 1.0, f"bootstrap_ci: need n >= 1 and 0 < alpha < 1, got n={n}, alpha={alpha}",
          DataError)
    sums, sizes = values, None
    if groups is not None:
        codes = _array(groups, np.int64)
        check(len(codes) == len(values), f"bootstrap_ci: {len(codes)} groups for {len(values)} values; give one "
              "group per query", DataError)
        _, codes = np.unique(codes, return_inverse=True)
        if codes.max() + 1 < len(values):  # some group has several queries
            sums, sizes = np.bincount(codes, weights=values), np.bincount(codes).astype(np.float64)
    rng = np.random.default_rng(seed)
    q = len(sums)
    per_batch = max(1, _MAX_INDICES // q)
    means = np.empty(n, dtype=np.float64)
    for start in range(0, n, per_batch):
        stop = min(n, start + per_batch)
        picks = rng.integers(0, q, size=(stop - start, q))
        means[start:stop] = (sums[picks].mean(axis=1) if sizes is None
                             else sums[picks].sum(axis=1) / sizes[picks].sum(axis=1))
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
