"""Per-epoch training records, written as ``history.json`` and ``history.csv`` after every epoch."""

from __future__ import annotations

import csv
import io
import numbers
from pathlib import Path
from typing import Any

import torch

from sbkit.io import atomic_write_json, atomic_write_text


def plain(value: Any) -> Any:
    """Tensors and numpy scalars as Python numbers, containers recursively, so records serialise anywhere."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, bool | str | None):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys: ``{"val": {"r@10": 0.3}}`` -> ``{"val.r@10": 0.3}``."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def write_history(folder: Path, history: list[dict[str, Any]]) -> None:
    """``history.json`` (a list of records) and ``history.csv`` (one row per epoch, every key a column)."""
    atomic_write_json(Path(folder) / "history.json", history)
    rows = [flatten(record) for record in history]
    columns: list[str] = []
    for record in rows:
        columns.extend(k for k in record if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(Path(folder) / "history.csv", buffer.getvalue())
