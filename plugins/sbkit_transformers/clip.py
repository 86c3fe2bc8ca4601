"""CLIP encoder: a transformers ``CLIPModel`` turns images, sketches and captions into one shared space."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from sbkit.components import Encoder
from sbkit.components.encoder import whole_token
from sbkit.errors import ConfigError, check
from sbkit_transformers.hub import (MARKER, enable_checkpointing, load, load_model, load_tokenizer, looks_local,
                                   pooled, read_json, save_folder, saved_folder)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
SAVED_DIR = "clip"


class ClipEncoder(Encoder):
    """CLIP (transformers ``CLIPModel``): a ViT for images and sketches, a transformer for captions.

    Images and sketches are resized to the model's ``image_size`` (bicubic, antialiased) and normalised
    with the model's mean and std. ``embed_dim`` and ``text_dim`` are both the projection dim.

    Args:
        path: Hub id or local model folder (config.json, weights, tokenizer files), e.g.
            ``openai/clip-vit-base-patch32``.
        share_vision: One vision tower for images and sketches; false gives sketches their own tower,
            initialised as a copy of the image tower.
        freeze_text: Freeze the text tower and its projection.
        freeze_vision: Freeze the vision tower(s) and projection(s).
        unfreeze_last: If above 0, freeze every vision block except the last N; the post-layernorm and the
            projection stay trainable (this reopens them under freeze_vision too).
        gradient_checkpointing: Recompute activations in the backward pass to save memory (training only).
    """

    name = "clip"
    description = "CLIP from transformers (hub id or local folder): shared or separate sketch tower, freezing."

    def __init__(self, path: str = "openai/clip-vit-base-patch32", share_vision: bool = True,
                 freeze_text: bool = False, freeze_vision: bool = False, unfreeze_last: int = 0,
                 gradient_checkpointing: bool = False) -> None:
        super().__init__()
        self.path = path
        self.share_vision = share_vision
        self.freeze_text = freeze_text
        self.freeze_vision = freeze_vision
        self.unfreeze_last = unfreeze_last
        self.gradient_checkpointing = gradient_checkpointing
        check(unfreeze_last >= 0, f"encoder 'clip': unfreeze_last must be 0 or more, got {unfreeze_last}",
              ConfigError)
        self._build(*_load_clip(path))

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """Params for a tiny random CLIP written into ``folder`` (for contract tests; no hub needed)."""
        from sbkit_transformers.tiny import make_tiny_clip

        return {"path": str(make_tiny_clip(Path(folder) / "tiny-clip"))}

    def _build(self, model: nn.Module, tokenizer: Any, mean: tuple, std: tuple) -> None:
        """Install ``model`` and ``tokenizer``, then apply share_vision, checkpointing and freezing."""
        layers = len(model.vision_model.encoder.layers)
        check(self.unfreeze_last <= layers,
              f"encoder 'clip': unfreeze_last={self.unfreeze_last} but the vision tower has {layers} blocks; "
              f"choose 0 to {layers}", ConfigError)
        if self.gradient_checkpointing:
            enable_checkpointing(model, self.name)
        self.model = model
        self.tokenizer = tokenizer
        self.mean, self.std = tuple(mean), tuple(std)
        config = model.config
        self.image_size = self.input_size = int(config.vision_config.image_size)
        self.max_length = int(config.text_config.max_position_embeddings)
        self.embed_dim = self.text_dim = int(config.projection_dim)
        # The copy is taken after checkpointing is enabled so that it carries the same setting.
        self.sketch_vision = None if self.share_vision else copy.deepcopy(model.vision_model)
        self.sketch_projection = None if self.share_vision else copy.deepcopy(model.visual_projection)
        self._apply_freezing()

    def _vision_towers(self) -> list[tuple[nn.Module, nn.Module]]:
        towers = [(self.model.vision_model, self.model.visual_projection)]
        if self.sketch_vision is not None:
            towers.append((self.sketch_vision, self.sketch_projection))
        return towers

    def _apply_freezing(self) -> None:
        self.model.text_model.requires_grad_(not self.freeze_text)
        self.model.text_projection.requires_grad_(not self.freeze_text)
        # sbkit's loss owns the temperature; CLIP's own logit scale is never used.
        self.model.logit_scale.requires_grad_(False)
        for vision, projection in self._vision_towers():
            vision.requires_grad_(not self.freeze_vision and not self.unfreeze_last)
            projection.requires_grad_(not self.freeze_vision or bool(self.unfreeze_last))
            if self.unfreeze_last:
                for block in vision.encoder.layers[-self.unfreeze_last:]:
                    block.requires_grad_(True)
                vision.post_layernorm.requires_grad_(True)

    def pretrained_parameters(self) -> list[nn.Parameter]:
        """Every trainable parameter: all of CLIP came pretrained, the separate sketch tower included."""
        return [p for p in self.parameters() if p.requires_grad]

    def _resize(self, images: torch.Tensor) -> torch.Tensor:
        size = (self.image_size, self.image_size)
        if tuple(images.shape[-2:]) == size:
            return images
        return F.interpolate(images, size=size, mode="bicubic", align_corners=False, antialias=True)

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        features = pooled(self.model.vision_model(pixel_values=self._resize(images)))
        return self.model.visual_projection(features)

    def _encode_sketch(self, sketches: torch.Tensor) -> torch.Tensor:
        if self.sketch_vision is None:
            return self._encode_image(sketches)
        return self.sketch_projection(pooled(self.sketch_vision(pixel_values=self._resize(sketches))))

    def knows_word(self, word: str) -> bool:
        return whole_token(self.tokenizer, word)

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        if not texts:
            return torch.empty(0, self.text_dim, device=self.device)
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt")
        features = self.model.text_model(input_ids=tokens["input_ids"].to(self.device),
                                         attention_mask=tokens["attention_mask"].to(self.device))
        return self.model.text_projection(pooled(features))

    def save_extra(self, folder: Path) -> None:
        """Write the config, tokenizer and normalisation to ``folder/clip`` so a run reloads without the hub."""
        save_folder(Path(folder) / SAVED_DIR, self.model.config, self.tokenizer,
                    {"encoder": self.name, "path": self.path, "mean": list(self.mean), "std": list(self.std)})

    def load_extra(self, folder: Path) -> None:
        """Rebuild the model (untrained; the checkpoint's weights follow) and tokenizer from ``folder/clip``."""
        device = self.device
        model, tokenizer, mean, std = _load_clip(str(saved_folder(folder, SAVED_DIR, self.name)))
        self._build(model.to(device), tokenizer, mean, std)

    @classmethod
    def from_saved(cls, folder: Path, **params: Any) -> ClipEncoder:
        """Build from what :meth:`save_extra` wrote, with no hub access; load the checkpoint's weights next."""
        source = saved_folder(folder, SAVED_DIR, cls.name)
        encoder = cls(**{**params, "path": str(source)})
        encoder.path = (read_json(source / MARKER) or {}).get("path", encoder.path)
        return encoder


def _load_clip(path: str) -> tuple[nn.Module, Any, tuple, tuple]:
    """(model, tokenizer, mean, std) from a hub id, a model folder, or a folder that ``save_extra`` wrote."""
    from transformers import AutoConfig, CLIPConfig, CLIPModel

    config = load(AutoConfig.from_pretrained, path, "clip")
    if not isinstance(config, CLIPConfig):
        raise ConfigError(f"encoder 'clip': {path!r} holds a {config.model_type!r} model, not CLIP; pass a CLIP "
                          f"model folder with --encoder.path DIR, or use the hf-text encoder for text models")
    model, marker = load_model(path, "clip", config, CLIPModel, CLIPModel.from_pretrained)
    mean, std = CLIP_MEAN, CLIP_STD
    if marker is not None:
        mean, std = tuple(marker["mean"]), tuple(marker["std"])
    elif looks_local(path):
        processor = read_json(Path(path).expanduser() / "preprocessor_config.json") or {}
        mean, std = tuple(processor.get("image_mean", mean)), tuple(processor.get("image_std", std))
    tokenizer = load_tokenizer(path, "clip")
    return model, tokenizer, mean, std
