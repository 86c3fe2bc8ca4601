"""Percentile bootstrap confidence intervals for a mean over queries."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from sbkit.errors import DataError, check

# Resamples are drawn in batches of at most this many indices, so memory stays bounded for large Q.
_MAX_INDICES = 1 << 22


def bootstrap_ci(per_query_values: Sequence[float] | np.ndarray | torch.Tensor, n: int = 1000,
                 alpha: float = 0.05, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``per_query_values``.

    Draws ``n`` resamples of the Q values with replacement, takes each resample's mean, and returns the
    ``alpha / 2`` and ``1 - alpha / 2`` quantiles of those means. The same ``seed`` gives the same interval.

    Args:
        per_query_values: (Q,) one value per query, e.g. 1.0 for a hit at rank <= 10 and 0.0 otherwise.
        n: Number of bootstrap resamples.
        alpha: 1 minus the confidence level (0.05 gives a 95% interval).
        seed: Seed of the resampling generator.

    Returns:
        (low, high) as floats.
    """
    if isinstance(per_query_values, torch.Tensor):
        per_query_values = per_query_values.detach().cpu().numpy()
    values = np.asarray(per_query_values, dtype=np.float64).ravel()
    check(len(values) > 0, "bootstrap_ci: no values given; pass one value per query", DataError)
    check(np.isfinite(values).all(), "bootstrap_ci: values contain NaN or inf; drop those queries first", DataError)
    check(n >= 1 and 0.0 < alpha < 1.0, f"bootstrap_ci: need n >= 1 and 0 < alpha < 1, got n={n}, alpha={alpha}",
          DataError)
    rng = np.random.default_rng(seed)
    q = len(values)
    per_batch = max(1, _MAX_INDICES // q)
    means = np.empty(n, dtype=np.float64)
    for start in range(0, n, per_batch):
        stop = min(n, start + per_batch)
        picks = rng.integers(0, q, size=(stop - start, q))
        means[start:stop] = values[picks].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
