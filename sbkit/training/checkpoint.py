"""Checkpoints: ``model.safetensors`` (weights) and ``state.pt`` (optimizer, step, RNG states), written atomically."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open

from sbkit.errors import DataError, check
from sbkit.io import atomic_write
from sbkit.training.model import WEIGHTS, RetrievalModel

STATE = "state.pt"


def rng_states() -> dict[str, Any]:
    """The global RNG states of torch, CUDA, numpy and ``random`` (augmentations may use any of them)."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": (name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached),
        "python": random.getstate(),
    }


def set_rng_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    name, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    random.setstate(states["python"])


def transform_state(transform: object) -> Any:
    """The RNG state of a sketch transform that keeps its own: its ``state_dict()``, else its ``generator``'s."""
    if callable(getattr(transform, "state_dict", None)):
        return transform.state_dict()  # type: ignore[union-attr]
    generator = getattr(transform, "generator", None)
    return generator.get_state() if isinstance(generator, torch.Generator) else None


def set_transform_state(transform: object, state: Any) -> None:
    if state is None:
        return
    if callable(getattr(transform, "load_state_dict", None)):
        transform.load_state_dict(state)  # type: ignore[union-attr]
    elif isinstance(getattr(transform, "generator", None), torch.Generator):
        transform.generator.set_state(state)  # type: ignore[union-attr]


def save_checkpoint(folder: Path, model: RetrievalModel, state: dict[str, Any]) -> None:
    """Write the weights, then the training state; both carry ``state["step"]`` so a torn pair is detected."""
    tag = {"step": str(state["step"]), "epoch": str(state["epoch"]), "batch": str(state["batch"])}
    model.save(folder, metadata=tag)
    atomic_write(Path(folder) / STATE, lambda tmp: torch.save(state, tmp))


def load_checkpoint(folder: Path) -> dict[str, Any] | None:
    """The training state in ``folder``, or None when there is none; checks it matches the saved weights."""
    path = Path(folder) / STATE
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the same thing to the user
        raise DataError(f"cannot read checkpoint {path}: {exc}; delete it to start over") from None
    weights = Path(folder) / WEIGHTS
    check(weights.is_file(), f"{path} has no {WEIGHTS} beside it; delete {path} to start over", DataError)
    with safe_open(str(weights), framework="pt") as f:
        saved_step = (f.metadata() or {}).get("step")
    check(saved_step == str(state["step"]),
          f"{weights} (step {saved_step}) and {path} (step {state['step']}) come from different moments; "
          f"the run was stopped while checkpointing: delete both to start over", DataError)
    return state
