"""Encoders built on Hugging Face transformers: ``clip`` and ``hf-text`` (transformers itself loads on first use)."""

from sbkit.hookspecs import hookimpl
from sbkit_transformers.clip import ClipEncoder
from sbkit_transformers.hf_text import HFTextEncoder

__all__ = ["ClipEncoder", "HFTextEncoder"]


@hookimpl
def register_encoders() -> list[type]:
    return [ClipEncoder, HFTextEncoder]
