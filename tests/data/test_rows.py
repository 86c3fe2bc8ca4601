"""Rows on disk read like a tensor; streamed splits equal splits gathered in memory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sbkit.data.rows import DiskRows, StackedRows, row_mean, rows_key, take, whole
from sbkit.errors import ShapeError


@pytest.fixture
def stored(tmp_path):
    array = np.random.default_rng(0).integers(0, 255, (10, 3, 4, 4), dtype=np.uint8)
    path = tmp_path / "rows.npy"
    np.save(path, array)
    return torch.from_numpy(array), DiskRows.from_npy(path)


def test_disk_rows_index_like_the_tensor(stored) -> None:
    tensor, rows = stored
    assert rows.shape == tensor.shape and rows.dtype == torch.uint8 and rows.ndim == 4 and len(rows) == 10
    for where in (3, -1, slice(2, 7), slice(None, None, 3), torch.tensor([7, 2, 2, 9]), [0, 5],
                  torch.arange(10) % 3 == 0):
        assert torch.equal(rows[where], tensor[where]), where
    view = take(rows, torch.tensor([8, 1, 4]))
    assert isinstance(view, DiskRows) and torch.equal(view[1:], tensor[[1, 4]])
    assert torch.equal(whole(view), tensor[[8, 1, 4]])
    torch.testing.assert_close(row_mean(rows), tensor.float().mean(0))
    assert rows_key(view) != rows_key(rows)
    with pytest.raises(ShapeError, match="out of range"):
        rows[torch.tensor([10])]


def test_rows_key_follows_the_content_not_the_file(stored, tmp_path) -> None:
    tensor, rows = stored
    np.save(tmp_path / "again.npy", tensor.numpy())
    again = DiskRows.from_npy(tmp_path / "again.npy")  # another cache folder
    assert rows_key(again) == rows_key(rows) == rows_key(tensor)  # the same pictures made again
    changed = tensor.clone()
    changed[4, 0, 0, 0] ^= 1
    np.save(tmp_path / "changed.npy", changed.numpy())
    assert rows_key(DiskRows.from_npy(tmp_path / "changed.npy")) != rows_key(rows)
    assert rows_key(take(rows, torch.tensor([1, 0]))) != rows_key(take(rows, torch.tensor([0, 1])))


def test_stacked_rows_pick_one_variant_per_row(tmp_path) -> None:
    variants = [torch.randn(6, 5) for _ in range(3)]
    stores = []
    for n, v in enumerate(variants):
        np.save(tmp_path / f"{n}.npy", v.numpy())
        stores.append(DiskRows.from_npy(tmp_path / f"{n}.npy"))
    stacked, tensor = StackedRows(stores), torch.stack(variants, dim=1)
    rows, pick = torch.tensor([5, 0, 3, 3]), torch.tensor([2, 0, 1, 2])
    assert stacked.shape == tensor.shape
    assert torch.equal(stacked[rows, pick], tensor[rows, pick])
    assert torch.equal(take(stacked, torch.tensor([1, 2]))[torch.tensor([1]), torch.tensor([2])], tensor[[2], [2]])


def test_streamed_split_equals_the_split_in_memory(monkeypatch) -> None:
    from sbkit.data import workers

    from sbkit.data.resolve import resolve_catalogue
    from sbkit.data.validate import load_valid
    from sbkit.pipeline.prepare import prepare_split
    from sbkit.registry import create

    items = load_valid(resolve_catalogue("demo", {"size": 40, "image_size": 64})).items[:24]
    sketchifier = create("sketchifier", "canny-clahe")
    monkeypatch.setattr(workers, "WORKERS_FROM_ROWS", 0)  # workers even for these few items
    memory, _ = prepare_split(items, sketchifier, 32, 1, "memory", use_cache=False, workers=0)
    disk, _ = prepare_split(items, sketchifier, 32, 1, "disk", workers=2)
    assert isinstance(disk.images, DiskRows) and [i.id for i in disk.items] == [i.id for i in memory.items]
    for name in ("images", "sketches", "drawn"):
        assert torch.equal(whole(getattr(disk, name)), getattr(memory, name)), name
    assert torch.equal(disk.labels, memory.labels) and torch.equal(disk.has_drawn, memory.has_drawn)
    (disk.images.path.parent / "images.u8").write_bytes(b"short")  # damaged: rebuilt, never trusted
    again, _ = prepare_split(items, sketchifier, 32, 1, "again", workers=0)
    assert torch.equal(whole(again.images), memory.images)
