import numpy as np
import pytest

from sbkit.errors import DataError
from sbkit.evaluation.bootstrap import bootstrap_ci


def test_interval_surrounds_the_mean_and_repeats_with_the_seed():
    values = np.random.default_rng(0).random(300) < 0.3
    low, high = bootstrap_ci(values)
    assert low < values.mean() < high
    assert (low, high) == bootstrap_ci(values)
    assert (low, high) != bootstrap_ci(values, seed=1)


def test_interval_narrows_with_more_queries():
    rng = np.random.default_rng(1)
    small = bootstrap_ci(rng.random(50))
    large = bootstrap_ci(rng.random(5000))
    assert large[1] - large[0] < (small[1] - small[0]) / 5


def test_interval_matches_the_normal_approximation():
    values = (np.random.default_rng(2).random(2000) < 0.5).astype(float)
    low, high = bootstrap_ci(values, n=2000)
    half_width = 1.96 * values.std() / np.sqrt(len(values))
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.15)


def test_constant_values_give_a_point():
    assert bootstrap_ci([0.25] * 10) == (0.25, 0.25)


def test_bad_values_are_refused():
    with pytest.raises(DataError, match="no values"):
        bootstrap_ci([])
    with pytest.raises(DataError, match="NaN"):
        bootstrap_ci([1.0, float("nan")])


def test_groups_of_one_give_the_plain_interval() -> None:
    values = np.random.default_rng(1).random(50)
    assert bootstrap_ci(values, groups=np.arange(50)[::-1]) == bootstrap_ci(values)


def test_queries_of_one_group_are_resampled_together() -> None:
    # ten items, ten drawings each; every drawing of an item hits or misses alike: ten independent outcomes
    values = np.repeat([1.0, 0.0] * 5, 10)
    groups = np.repeat(np.arange(10), 10)
    plain, clustered = bootstrap_ci(values), bootstrap_ci(values, groups=groups)
    assert plain[0] <= 0.5 <= plain[1] and clustered[0] <= 0.5 <= clustered[1]
    assert clustered[1] - clustered[0] > 2 * (plain[1] - plain[0])


def test_groups_must_match_the_values() -> None:
    with pytest.raises(DataError, match="3 groups for 4 values"):
        bootstrap_ci([1.0, 0.0, 1.0, 0.0], groups=[0, 0, 1])
