"""Encoders on timm backbones: ``timm`` (any backbone) and ``lite-minilm`` (pretrained towers that load offline)."""

from sbkit.hookspecs import hookimpl
from sbkit_timm.lite_minilm import LiteMiniLMEncoder
from sbkit_timm.timm_encoder import TimmEncoder

__all__ = ["LiteMiniLMEncoder", "TimmEncoder"]


@hookimpl
def register_encoders() -> list[type]:
    return [TimmEncoder, LiteMiniLMEncoder]
