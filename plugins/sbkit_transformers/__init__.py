"""Encoders built on Hugging Face transformers: ``clip`` and ``hf-text``.

Needs the ``transformers`` extra (``pip install sbkit[transformers]``), imported when an encoder is created.
"""

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

ENCODERS = [
    ComponentSpec("clip", "sbkit_transformers.clip:ClipEncoder",
                  "CLIP from transformers (hub id or local folder): shared or separate sketch tower, freezing.",
                  requires=("transformers",), install="sbkit[transformers]"),
    ComponentSpec("hf-text", "sbkit_transformers.hf_text:HFTextEncoder",
                  "Any transformers text model (sentence-transformers folders too) plus a small CNN vision tower.",
                  requires=("transformers",), install="sbkit[transformers]"),
]

__all__ = ["ClipEncoder", "HFTextEncoder"]
__getattr__ = lazy_exports(__name__, ENCODERS)


@hookimpl
def register_encoders() -> list[ComponentSpec]:
    return ENCODERS
