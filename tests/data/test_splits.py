"""assign_splits: deterministic, stratified by category, grouped by product, honouring given splits."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from sbkit.data.catalogue import CatalogueItem
from sbkit.data.splits import assign_splits, carve_validation, normalize_split, split_fractions
from sbkit.errors import ConfigError


def make_items(n_products: int = 60, pictures: int = 3, categories: tuple[str, ...] = ("dress", "shoe", "bag"),
               split: str = "") -> list[CatalogueItem]:
    return [CatalogueItem(id=f"p{p}-{k}", image=Path(f"/x/p{p}-{k}.png"), caption="c", split=split,
                          category=categories[p % len(categories)], product=f"p{p}")
            for p in range(n_products) for k in range(pictures)]


def test_same_seed_same_splits_other_seed_differs() -> None:
    items = make_items()
    first = [i.split for i in assign_splits(items, seed=3)]
    assert first == [i.split for i in assign_splits(items, seed=3)]
    assert first != [i.split for i in assign_splits(items, seed=4)]
    assert all(i.split == "" for i in items)  # the inputs are not changed


def test_no_product_lands_in_two_splits() -> None:
    seen = defaultdict(set)
    for item in assign_splits(make_items(), seed=1):
        seen[item.product].add(item.split)
    assert all(len(splits) == 1 for splits in seen.values())


def test_each_category_is_split_in_proportion() -> None:
    result = assign_splits(make_items(n_products=90), (0.6, 0.2, 0.2), seed=0)
    for category in ("dress", "shoe", "bag"):
        counts = Counter(i.split for i in result if i.category == category)
        total = sum(counts.values())
        assert abs(counts["train"] / total - 0.6) <= 0.07
        assert abs(counts["val"] / total - 0.2) <= 0.07
        assert abs(counts["test"] / total - 0.2) <= 0.07


def test_given_splits_are_kept_and_pull_their_product_along() -> None:
    items = make_items(n_products=30)
    items[0].split = "test"  # p0-0; p0-1 and p0-2 have none
    items[3].split = "val"   # p1-0
    result = {i.id: i.split for i in assign_splits(items, seed=0)}
    assert result["p0-0"] == result["p0-1"] == result["p0-2"] == "test"
    assert result["p1-0"] == result["p1-1"] == "val"


def test_items_without_category_or_product_still_split() -> None:
    items = [CatalogueItem(id=str(i), image=Path(f"/x/{i}.png"), caption="", split="") for i in range(50)]
    counts = Counter(i.split for i in assign_splits(items))
    assert counts["train"] == 35 and counts["val"] == 5 and counts["test"] == 10


def test_bad_fractions_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="sum to 1"):
        assign_splits(make_items(3), (0.5, 0.2, 0.2))
    with pytest.raises(ConfigError, match="val_fraction"):
        split_fractions(0.6, 0.6)


def test_carve_validation_moves_only_train_products() -> None:
    items = make_items(n_products=40, split="train")
    items[-1].split = items[-2].split = items[-3].split = "test"
    result = carve_validation(items, 0.25, seed=0)
    assert Counter(i.split for i in result)["test"] == 3
    val_products = {i.product for i in result if i.split == "val"}
    assert 8 <= len(val_products) <= 12
    assert not val_products & {i.product for i in result if i.split == "train"}


def test_split_aliases() -> None:
    assert normalize_split(" Validation ") == "val"
    assert normalize_split(None) == ""
    assert normalize_split("TEST") == "test"
