"""``timm``: any timm backbone for images and sketches, a projection head, and the word-level text tower."""

from __future__ import annotations

import difflib

import torch
import torch.nn.functional as F
from torch import nn

from sbkit.components import Encoder
from sbkit.errors import ConfigError, check
from sbkit_torch.word_text import WordTextEncoder, WordTextTower


class TimmEncoder(WordTextTower, Encoder):
    """A timm model (pooled features, ``num_classes=0``) plus a linear head for images and sketches; captions go
    through a word-embedding text tower trained from scratch (timm has no text models).

    Normalisation comes from the model's pretrained config. Models that need one input size (most ViTs)
    get images resized to it; CNNs take any size.

    Args:
        model: timm model name, e.g. resnet18, convnext_tiny, vit_small_patch16_224 (see ``timm.list_models()``).
        pretrained: Load timm's pretrained weights (from the Hugging Face cache when offline).
        dim: Size of the image and sketch vectors (the projection head's output).
        gradient_checkpointing: Recompute activations in the backward pass to save memory, if the model supports it.
        text_dim: Size of the text vectors; None uses ``dim``.
        max_vocab: Most frequent caption words kept in the text tower's vocabulary.
    """

    name = "timm"
    description = "Any timm backbone (optionally pretrained) with a projection head, plus a word-level text tower."

    def __init__(self, model: str = "resnet18", pretrained: bool = False, dim: int = 256,
                 gradient_checkpointing: bool = False, text_dim: int | None = None, max_vocab: int = 5000) -> None:
        super().__init__()

        self.model = model
        self.pretrained = pretrained
        self.dim = dim
        self.gradient_checkpointing = gradient_checkpointing
        self.max_vocab = max_vocab
        check(dim > 0, f"encoder 'timm': dim must be positive, got {dim}", ConfigError)
        self.backbone = _create(model, pretrained)
        if gradient_checkpointing:
            _enable_checkpointing(self.backbone, model)
        self.head = nn.Linear(self.backbone.num_features, dim)
        self.mean, self.std, self.input_size = _data_config(self.backbone)
        self.embed_dim = dim
        self.text_dim = dim if text_dim is None else text_dim
        self.text = WordTextEncoder(self.text_dim, max_vocab)

    def pretrained_parameters(self) -> list[nn.Parameter]:
        """The backbone's parameters when ``pretrained``; none otherwise."""
        return list(self.backbone.parameters()) if self.pretrained else []

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        if self.input_size is not None and tuple(images.shape[-2:]) != (self.input_size, self.input_size):
            images = F.interpolate(images, size=(self.input_size, self.input_size), mode="bicubic",
                                   align_corners=False, antialias=True)
        return self.head(self.backbone(images))



def _create(model: str, pretrained: bool) -> nn.Module:
    import timm

    if not timm.is_model(model):
        guess = difflib.get_close_matches(model, timm.list_models(), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(map(repr, guess))}?)" if guess else ""
        raise ConfigError(f"encoder 'timm': unknown timm model {model!r}{hint}; list the names with "
                          f"python -c \"import timm; print(timm.list_models('resnet*'))\"")
    try:
        return timm.create_model(model, pretrained=pretrained, num_classes=0)
    except (OSError, RuntimeError, ValueError) as exc:
        if not pretrained:
            raise
        reason = " ".join(str(exc).split())[:200]
        raise ConfigError(f"encoder 'timm': cannot load pretrained weights for {model!r} ({reason}); put them in "
                          f"the Hugging Face cache (HF_HUB_OFFLINE=1 uses it) or set --encoder.pretrained false"
                          ) from exc


def _enable_checkpointing(backbone: nn.Module, model: str) -> None:
    try:
        backbone.set_grad_checkpointing(True)
    except (AttributeError, AssertionError, NotImplementedError) as exc:
        raise ConfigError(f"encoder 'timm': {model!r} does not support gradient checkpointing ({exc}); "
                          f"set --encoder.gradient_checkpointing false") from exc


def _data_config(backbone: nn.Module) -> tuple[tuple, tuple, int | None]:
    """(mean, std, fixed input side or None) from the model's pretrained config."""
    from timm.data import resolve_data_config

    config = resolve_data_config({}, model=backbone)
    patch_embed = getattr(backbone, "patch_embed", None)
    fixed = None
    if patch_embed is not None and getattr(patch_embed, "strict_img_size", False):
        fixed = int(patch_embed.img_size[-1])
    return tuple(config["mean"]), tuple(config["std"]), fixed
