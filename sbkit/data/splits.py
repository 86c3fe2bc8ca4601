"""Deterministic train/val/test splits, stratified by category and grouped by product.

An item whose ``split`` is empty has none yet; any other value is the user's and is kept. All pictures
of one product land in one split, so a model is never tested on a product it was trained on.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sbkit.data.catalogue import CatalogueItem
from sbkit.errors import ConfigError, check

SPLITS: tuple[str, ...] = ("train", "val", "test")
DEFAULT_FRACTIONS: tuple[float, float, float] = (0.7, 0.1, 0.2)
_ALIASES = {"training": "train", "valid": "val", "validation": "val", "dev": "val", "testing": "test"}


def normalize_split(value: str | None) -> str:
    """``"Validation"`` -> ``"val"``; ``None`` or blank -> ``""`` (not assigned yet); other names unchanged."""
    value = (value or "").strip().lower()
    return _ALIASES.get(value, value)


def split_fractions(val_fraction: float, test_fraction: float) -> tuple[float, float, float]:
    """(train, val, test) fractions from the val and test shares, checked."""
    check(0 <= val_fraction <= 1 and 0 <= test_fraction <= 1 and val_fraction + test_fraction <= 1,
          f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must lie in [0, 1] and sum to at "
          "most 1", ConfigError)
    return (1.0 - val_fraction - test_fraction, val_fraction, test_fraction)


def _group_key(item: CatalogueItem) -> str:
    return f"product:{item.product}" if item.product else f"id:{item.id}"


def assign_splits(items: Sequence[CatalogueItem], fractions: Sequence[float] = DEFAULT_FRACTIONS, seed: int = 0,
                  names: Sequence[str] = SPLITS) -> list[CatalogueItem]:
    """Give every item without a split one of ``names``, in proportion to ``fractions``.

    Items sharing ``product`` form one group and go to one split; an item with no product is its own
    group. Groups are dealt out within each category (stratified) in an order fixed by ``seed``, each to
    the split furthest below its share of the category's items. Items that already have a split keep it,
    count towards the shares, and pull the unassigned pictures of their product into the same split.

    Args:
        items: catalogue items; ``split == ""`` means unassigned.
        fractions: one share per name, each >= 0, summing to 1.
        seed: the same items and seed always give the same splits.
        names: the split names the shares belong to.

    Returns:
        New items in the input order (the inputs are not changed).
    """
    check(len(fractions) == len(names), f"{len(fractions)} split fractions for {len(names)} splits {tuple(names)}",
          ConfigError)
    check(all(f >= 0 for f in fractions) and abs(sum(fractions) - 1.0) < 1e-6,
          f"split fractions {tuple(fractions)} must be >= 0 and sum to 1", ConfigError)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[_group_key(item)].append(i)

    result = list(items)
    strata: dict[str, list[str]] = defaultdict(list)  # category -> unassigned group keys
    stratum_size: Counter[str] = Counter()
    taken: dict[str, Counter[str]] = defaultdict(Counter)  # category -> items already in each split
    for key, members in groups.items():
        category = Counter(items[i].category or "" for i in members).most_common(1)[0][0]
        stratum_size[category] += len(members)
        fixed = Counter(items[i].split for i in members if items[i].split)
        if fixed:
            # Unassigned pictures of a product follow the split its other pictures were given.
            split = fixed.most_common(1)[0][0]
            for i in members:
                if not items[i].split:
                    result[i] = replace(items[i], split=split)
                taken[category][result[i].split] += 1
        else:
            strata[category].append(key)

    for category in sorted(strata):
        keys = sorted(strata[category])
        random.Random(f"{seed}:{category}").shuffle(keys)
        targets = [f * stratum_size[category] for f in fractions]
        counts = [taken[category][name] for name in names]
        for key in keys:
            # The split furthest below its target; ties go to the earlier name.
            best = max(range(len(names)), key=lambda s: (targets[s] - counts[s], -s) if fractions[s] > 0 else
                       (float("-inf"), -s))
            counts[best] += len(groups[key])
            for i in groups[key]:
                result[i] = replace(items[i], split=names[best])
    return result


def carve_validation(items: Sequence[CatalogueItem], fraction: float, seed: int = 0,
                     source: str = "train", target: str = "val") -> list[CatalogueItem]:
    """Move about ``fraction`` of the ``source`` split's products into ``target`` (for datasets with only
    official train and test lists); other items are unchanged."""
    check(0 <= fraction < 1, f"val_fraction must lie in [0, 1), got {fraction}", ConfigError)
    if fraction == 0:
        return list(items)
    pool = [i for i, item in enumerate(items) if item.split == source]
    moved = assign_splits([replace(items[i], split="") for i in pool], (1 - fraction, fraction), seed,
                          (source, target))
    result = list(items)
    for i, item in zip(pool, moved):
        result[i] = item
    return result
