"""When a combination's run folder already holds its finished result, so a rerun of the bench can skip it."""

from __future__ import annotations

import json
from sbkit.compat import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from sbkit.config import RunConfig
from sbkit.errors import SbkitError

IGNORED = ("out",)  # where the run was written does not change what it computed


def resolved_config(config: RunConfig) -> dict[str, Any] | None:
    """The config as ``run`` saves it (params checked and typed), as plain TOML data; None if it does not resolve."""
    from sbkit.pipeline.run import typed_params
    from sbkit.registry import get_registry

    resolved = config.updated({}, "bench")
    try:
        typed_params(resolved, get_registry())
    except SbkitError:
        return None
    return _comparable(tomllib.loads(tomli_w.dumps(resolved.to_dict())))


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in IGNORED}


def complete_metrics(run_dir: Path) -> dict[str, Any] | None:
    """``metrics.json`` of a run that finished (its report written too), or None."""
    try:
        metrics = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(metrics, dict) or not isinstance(metrics.get("metrics"), dict) or not metrics["metrics"]:
        return None
    if "report" not in metrics.get("timings", {}):
        return None  # written before the report stage: the run stopped part-way
    return metrics


def finished(run_dir: Path, config: RunConfig) -> dict[str, Any] | None:
    """The run's metrics when ``run_dir`` holds a complete run of exactly ``config``; otherwise None."""
    metrics = complete_metrics(run_dir)
    if metrics is None:
        return None
    try:
        saved = RunConfig.from_toml(Path(run_dir) / "config.toml")
    except (OSError, SbkitError):
        return None
    # Both sides resolved: a folder written before runs recorded every default still matches.
    wanted = resolved_config(config)
    return metrics if wanted is not None and wanted == resolved_config(saved) else None
