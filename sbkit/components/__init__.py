"""Base classes for every component kind. Each checks its inputs and outputs, then calls the implementation."""

from sbkit.components.base import Component, component_config
from sbkit.components.dataset import Dataset
from sbkit.components.encoder import Encoder
from sbkit.components.fuser import Fuser
from sbkit.components.index import Index
from sbkit.components.loss import Loss
from sbkit.components.sketchifier import LIGHT_WORDS, PostprocessedSketchifier, Sketchifier, mentions_light_colour

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
