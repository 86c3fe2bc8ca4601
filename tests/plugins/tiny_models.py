"""Builders for tiny local models, for any test that needs a real model folder offline.

The transformers builders live in the plugin (``sbkit_transformers.tiny``) so that the encoders'
``example_params`` can use them too; this module gathers them for tests, with a timm counterpart.
"""

from __future__ import annotations

from typing import Any

from sbkit_transformers.tiny import make_sentence_transformer, make_tiny_bert, make_tiny_clip

__all__ = ["make_sentence_transformer", "make_tiny_bert", "make_tiny_clip", "tiny_timm_params"]


def tiny_timm_params() -> dict[str, Any]:
    """Params for a small, offline ``timm`` encoder: resnet18 from scratch with small heads."""
    return {"model": "resnet18", "pretrained": False, "dim": 16, "text_dim": 16, "max_vocab": 100}
