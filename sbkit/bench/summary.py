"""What both bench reports show: the ranking, the metric columns per query mode and the formatted speed figures."""

from __future__ import annotations

import math
from typing import Any

# (query mode, sketch source) pairs in report order; text queries use no sketch ("caption").
MODE_SOURCES = (("sketch+text", "drawn"), ("sketch+text", "synthetic"), ("sketch", "drawn"),
                ("sketch", "synthetic"), ("text", "caption"))
METRICS = ("R@1", "R@10", "mAP")
SPEED_COLUMNS = ("sketchify s", "sketchify img/s", "train samples/s", "query p50 ms", "query p95 ms", "wall s")
SHARED_SETTINGS = ("epochs", "image_size", "batch_size", "lr", "augment", "mirror", "line_width", "modality_dropout",
                   "device", "seed")


def metric(record: dict[str, Any], mode: str, source: str, key: str) -> float | None:
    """One metric of one query mode and sketch source, or None when the run has no such value."""
    value = record.get("metrics", {}).get(mode, {}).get(source, {}).get(key)
    return float(value) if isinstance(value, (int, float)) and not math.isnan(value) else None


def headline_mode(record: dict[str, Any]) -> str:
    """``sketch+text``, or ``sketch`` for a run whose test items have no captions (it has no text queries)."""
    return "sketch+text" if "sketch+text" in record.get("metrics", {}) or "metrics" not in record else "sketch"


def headline_source(record: dict[str, Any]) -> str | None:
    """``drawn`` when the run scored drawn sketches, else ``synthetic`` (sketchifier sketches); None if neither."""
    by_source = record.get("metrics", {}).get(headline_mode(record), {})
    return next((s for s in ("drawn", "synthetic") if s in by_source), None)


def headline_label(record: dict[str, Any]) -> str:
    """What the ranking reads for this run: ``drawn`` or ``sketchifier`` (sketch+text queries), with ``sketch
    only,`` before it for a run without captions; empty when it has neither."""
    source = headline_source(record)
    if source is None:
        return ""
    shown = "sketchifier" if source == "synthetic" else source
    return shown if headline_mode(record) == "sketch+text" else f"sketch only, {shown}"


def headline(record: dict[str, Any]) -> float | None:
    """Sketch+text R@10 (sketch-only R@10 for a run without captions), on drawn sketches when present, else on
    sketchifier sketches."""
    source = headline_source(record)
    return metric(record, headline_mode(record), source, "R@10") if source else None


def ranked(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Finished combinations by :func:`headline` R@10 (then mAP), best first; then failed, then pending ones."""

    def key(item: tuple[int, dict[str, Any]]) -> tuple:
        order, record = item
        value = headline(record) if record.get("status") == "ok" else None
        source = headline_source(record)
        second = metric(record, headline_mode(record), source, "mAP") if source else None
        group = 0 if value is not None else 1 if record.get("status") == "ok" else 2 if record.get(
            "status") == "failed" else 3
        return group, -(value or 0.0), -(second or 0.0), order

    return [record for _, record in sorted(enumerate(records), key=key)]


def mode_label(mode: str, source: str) -> str:
    """``sketch+text, drawn`` / ``sketch, sketchifier`` / ``text``."""
    if source == "caption":
        return mode
    return f"{mode}, {'sketchifier' if source == 'synthetic' else source}"


def present_modes(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (mode, source) pairs that at least one finished run scored, in report order."""
    return [(m, s) for m, s in MODE_SOURCES
            if any(metric(r, m, s, "R@10") is not None for r in records if r.get("status") == "ok")]


def axis_keys(records: list[dict[str, Any]]) -> list[str]:
    """The grid axes whose value differs between combinations (all axes when none does), in grid order."""
    keys = list(dict.fromkeys(key for record in records for key in record.get("values", {})))
    varying = [k for k in keys if len({r.get("values", {}).get(k) for r in records}) > 1]
    return varying or keys


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def speed_cells(record: dict[str, Any]) -> dict[str, str]:
    """The speed figures of one combination as display strings (empty where unknown)."""
    speed = record.get("speed", {})
    rate = speed.get("sketchify_images_per_s")
    return {
        "sketchify s": _number(speed.get("sketchify_s"), 2),
        "sketchify img/s": "cached" if speed.get("sketchify_cached") else _number(rate, 0),
        "train samples/s": _number(speed.get("train_samples_per_s"), 0),
        "query p50 ms": _number(speed.get("query_p50_ms"), 3),
        "query p95 ms": _number(speed.get("query_p95_ms"), 3),
        "wall s": _number(speed.get("wall_s"), 1),
    }


def speed_values(record: dict[str, Any]) -> dict[str, float | None]:
    """The raw numbers behind :func:`speed_cells` (for sorting)."""
    speed = record.get("speed", {})
    keys = ("sketchify_s", "sketchify_images_per_s", "train_samples_per_s", "query_p50_ms", "query_p95_ms",
            "wall_s")
    return {column: speed.get(key) for column, key in zip(SPEED_COLUMNS, keys, strict=True)}


def reused_text(record: dict[str, Any]) -> str:
    """Which stages came from earlier work: the whole run (resumed) or the prepared sketches."""
    if "run" in record.get("reused", []):
        return "whole run (resumed)"
    if "sketchify" in record.get("reused", []):
        return "sketchify (cached sketches)"
    return "" if record.get("status") != "ok" else "none"


def shared_settings(records: list[dict[str, Any]]) -> str:
    """``epochs 1, image_size 32, ...`` plus every component that is the same in every combination."""
    configs = [r.get("config", {}) for r in records if r.get("config")]
    if not configs:
        return ""
    parts = []
    for key in SHARED_SETTINGS:
        values = {repr(c.get(key)) for c in configs}
        if len(values) == 1 and key in configs[0]:
            parts.append(f"{key} {configs[0][key]}")
    for kind in ("data", "sketchifier", "encoder", "fuser", "loss", "index"):
        tables = [c.get(kind) for c in configs]
        # a failed combination's params may still be the strings they were given as
        plain = [{k: str(v) for k, v in t.items()} if isinstance(t, dict) else None for t in tables]
        if all(p is not None and p == plain[0] for p in plain):
            table = dict(tables[0])
            name = table.pop("name", "?")
            params = ", ".join(f"{k}={v}" for k, v in table.items())
            parts.append(f"{kind} {name}" + (f" ({params})" if params else ""))
    return ", ".join(parts)
