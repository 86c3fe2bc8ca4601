"""Base classes for every component kind. Each checks its inputs and outputs, then calls the implementation.

Each base class loads on first use, so ``from sbkit.components import Sketchifier`` imports no torch (the
encoder, fuser, loss and index bases do).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sbkit.components.base import Component, component_config
    from sbkit.components.dataset import Dataset
    from sbkit.components.encoder import Encoder
    from sbkit.components.fuser import Fuser
    from sbkit.components.index import Index
    from sbkit.components.loss import Loss
    from sbkit.components.sketchifier import LIGHT_WORDS, PostprocessedSketchifier, Sketchifier, mentions_light_colour

_MODULES = {"Component": "base", "component_config": "base", "Dataset": "dataset", "Encoder": "encoder",
            "Fuser": "fuser", "Index": "index", "Loss": "loss", "LIGHT_WORDS": "sketchifier",
            "PostprocessedSketchifier": "sketchifier", "Sketchifier": "sketchifier", "mentions_light_colour": "sketchifier"}

__all__ = [
    "LIGHT_WORDS",
    "Component",
    "Dataset",
    "Encoder",
    "Fuser",
    "Index",
    "Loss",
    "PostprocessedSketchifier",
    "Sketchifier",
    "component_config",
    "mentions_light_colour",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'sbkit.components' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sbkit.components.{_MODULES[name]}"), name)
