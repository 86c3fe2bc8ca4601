"""Loading EfficientNet weights saved with lukemelas-style names (``_conv_stem``, ``_blocks.N._expand_conv``)
into timm's ``tf_efficientnet_*`` models, which are the same networks (TF "same" padding, BatchNorm eps 1e-3)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch
from torch import nn

from sbkit.errors import ConfigError

# Per block: lukemelas module -> timm module, for blocks with and without an expansion conv.
_EXPANDED = {"_expand_conv": "conv_pw", "_bn0": "bn1", "_depthwise_conv": "conv_dw", "_bn1": "bn2",
             "_project_conv": "conv_pwl", "_bn2": "bn3", "_se_reduce": "se.conv_reduce", "_se_expand": "se.conv_expand"}
_SEPARABLE = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2",
              "_se_reduce": "se.conv_reduce", "_se_expand": "se.conv_expand"}
_TOP = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
_BLOCK = re.compile(r"^_blocks\.(\d+)\.(\w+)\.(\w+)$")


def block_positions(model: nn.Module) -> list[tuple[int, int]]:
    """(stage, index) of each block of a timm EfficientNet, in the flat order lukemelas numbers them."""
    return [(s, i) for s, stage in enumerate(model.blocks) for i in range(len(stage))]


def rename(state: Mapping[str, torch.Tensor], model: nn.Module) -> dict[str, torch.Tensor]:
    """``state`` with lukemelas names mapped to ``model``'s (a timm EfficientNet) names."""
    positions = block_positions(model)
    expanded = {n for n, (s, i) in enumerate(positions) if hasattr(model.blocks[s][i], "conv_pwl")}
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if match := _BLOCK.match(key):
            number, module, leaf = int(match[1]), match[2], match[3]
            if number >= len(positions):
                raise ConfigError(f"weights have block {number} but the model has {len(positions)} blocks; "
                                  f"choose the model these weights were trained for")
            table = _EXPANDED if number in expanded else _SEPARABLE
            stage, index = positions[number]
            out[f"blocks.{stage}.{index}.{table[module]}.{leaf}"] = value
        else:
            module, _, leaf = key.partition(".")
            if module not in _TOP:
                raise ConfigError(f"weights hold an unexpected tensor {key!r}; they are not lukemelas-style "
                                  f"EfficientNet weights")
            out[f"{_TOP[module]}.{leaf}"] = value
    return out


def load_lukemelas(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Load lukemelas-style ``state`` into timm ``model``; every tensor must match by name and shape.

    The classifier is skipped when the model has none (``num_classes=0``).
    """
    renamed = rename(state, model)
    target = model.state_dict()
    if not isinstance(getattr(model, "classifier", None), nn.Linear):
        renamed = {k: v for k, v in renamed.items() if not k.startswith("classifier.")}
    missing = sorted(set(target) - set(renamed))
    unexpected = sorted(set(renamed) - set(target))
    wrong = sorted(k for k in set(target) & set(renamed) if target[k].shape != renamed[k].shape)
    if missing or unexpected or wrong:
        raise ConfigError(f"weights {source} do not fit this model: missing {missing[:3]}, unexpected "
                          f"{unexpected[:3]}, wrong shape {wrong[:3]}; choose the matching model (lite0 or lite1)")
    model.load_state_dict(renamed)
