"""The ``timm`` encoder: any timm backbone for images and sketches (timm itself loads on first use)."""

from sbkit.hookspecs import hookimpl
from sbkit_timm.timm_encoder import TimmEncoder

__all__ = ["TimmEncoder"]


@hookimpl
def register_encoders() -> list[type]:
    return [TimmEncoder]
