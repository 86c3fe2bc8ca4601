"""``hf-text``: any transformers text model (sentence-transformers folders included) plus the small CNN for images."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from sbkit.components import Encoder
from sbkit.components.encoder import whole_token
from sbkit.errors import ConfigError, check
from sbkit_transformers.hub import (MARKER, load, load_model, load_tokenizer, looks_local, read_json,
                                    save_folder, saved_folder)

SAVED_DIR = "hf-text"
POOLING_KEYS = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean", "pooling_mode_max_tokens": "max"}


def pool(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """Token states (B, T, H) and attention mask (B, T) -> (B, H) by ``mean``, ``cls`` or ``max`` pooling."""
    if mode == "cls":
        return hidden[:, 0]
    keep = mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "max":
        return hidden.masked_fill(keep == 0, torch.finfo(hidden.dtype).min).amax(dim=1)
    return (hidden * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)


def pooled_text(model: nn.Module, tokenizer: Any, texts: list[str], token_limit: int, pooling_mode: str,
                device: torch.device) -> torch.Tensor:
    """Tokenise ``texts``, run ``model`` and pool its token states over the attention mask: (B, hidden)."""
    tokens = tokenizer(texts, padding=True, truncation=True, max_length=token_limit, return_tensors="pt")
    mask = tokens["attention_mask"].to(device)
    inputs = {"input_ids": tokens["input_ids"].to(device), "attention_mask": mask}
    if "token_type_ids" in tokens:
        inputs["token_type_ids"] = tokens["token_type_ids"].to(device)
    return pool(model(**inputs).last_hidden_state, mask, pooling_mode)


def read_sentence_transformers(folder: Path) -> tuple[Path, Path | None]:
    """(folder holding the transformer, its ``Pooling`` module's config.json or None) of a model folder."""
    modules = read_json(folder / "modules.json")
    if not isinstance(modules, list):
        return folder, None
    model_dir, pooling_dir = folder, folder / "1_Pooling"
    for module in modules:
        kind, sub = str(module.get("type", "")), str(module.get("path", ""))
        if kind.endswith(".Transformer"):
            model_dir = folder / sub
        elif kind.endswith(".Pooling"):
            pooling_dir = folder / sub
    config = pooling_dir / "config.json"
    return model_dir, config if config.is_file() else None


def pooling_mode(config_path: Path) -> str:
    """``mean``, ``cls`` or ``max``: the one pooling mode a sentence-transformers Pooling config turns on."""
    config = read_json(config_path) or {}
    chosen = sorted(k for k, on in config.items() if k.startswith("pooling_mode_") and on is True)
    if len(chosen) != 1 or chosen[0] not in POOLING_KEYS:
        raise ConfigError(f"encoder 'hf-text': {config_path} asks for {', '.join(chosen) or 'no'} pooling; "
                          f"hf-text pools one way: choose mean, cls or max with --encoder.pooling")
    return POOLING_KEYS[chosen[0]]


class HFTextEncoder(Encoder):
    """A pretrained transformers text model for captions, paired with the small CNN for images and sketches.

    Token states are pooled over the attention mask, then projected to ``dim``. A local sentence-transformers
    folder (``modules.json``, ``1_Pooling/config.json``) is read as such: its pooling mode is used unless
    ``pooling`` says otherwise. Its Dense and Normalize modules, if any, are not used.

    Args:
        path: Hub id or local model folder (config.json, weights, tokenizer files), e.g. a sentence-transformers model.
        dim: Size of the text, image and sketch vectors; None uses the text model's hidden size.
        max_length: Longest caption in tokens; longer ones are truncated (also capped by the model's positions).
        pooling: How token states become one vector: auto (the folder's sentence-transformers setting, else
            mean), mean, cls or max.
        vision: Vision tower for images and sketches, trained from scratch: small (the CNN of the small encoder).
        vision_width: Channels of the vision CNN's first block.
        freeze_text: Freeze the pretrained text model (the projection stays trainable).
    """

    name = "hf-text"
    description = "Any transformers text model (sentence-transformers folders too) plus a small CNN vision tower."

    def __init__(self, path: str = "sentence-transformers/all-MiniLM-L6-v2", dim: int | None = None,
                 max_length: int = 64, pooling: Literal["auto", "mean", "cls", "max"] = "auto",
                 vision: Literal["small"] = "small", vision_width: int = 32, freeze_text: bool = False) -> None:
        super().__init__()
        self.path = path
        self.dim = dim
        self.max_length = max_length
        self.pooling = pooling
        self.vision = vision
        self.vision_width = vision_width
        self.freeze_text = freeze_text
        check(max_length > 0, f"encoder 'hf-text': max_length must be positive, got {max_length}", ConfigError)
        check(dim is None or dim > 0, f"encoder 'hf-text': dim must be positive or None, got {dim}", ConfigError)
        check(pooling in ("auto", "mean", "cls", "max"),
              f"encoder 'hf-text': unknown pooling {pooling!r}; choose from: auto, mean, cls, max", ConfigError)
        check(vision == "small", f"encoder 'hf-text': unknown vision tower {vision!r}; choose from: small",
              ConfigError)
        from sbkit_torch.small_cnn import SmallCNN

        self._build(*_load_text(path, pooling))
        hidden = _hidden_size(self.model.config)
        self.embed_dim = self.text_dim = dim or hidden
        self.projection = nn.Linear(hidden, self.text_dim)
        self.image_tower = SmallCNN(self.embed_dim, vision_width)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """Params for a tiny random sentence-transformers model in ``folder`` (for contract tests; no hub needed)."""
        from sbkit_transformers.tiny import make_sentence_transformer

        return {"path": str(make_sentence_transformer(Path(folder) / "tiny-sentence-model")), "vision_width": 8}

    def _build(self, model: nn.Module, tokenizer: Any, pooling_mode: str) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.pooling_mode = pooling_mode
        # RoBERTa-style models reserve positions for padding, so the tokenizer's limit can be the tighter one.
        limits = [getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
        self.token_limit = min([self.max_length, *(n for n in limits if isinstance(n, int) and 0 < n < 10**6)])
        self.model.requires_grad_(not self.freeze_text)

    def pretrained_parameters(self) -> list[nn.Parameter]:
        """The text model's trainable parameters (the projection and the CNN start from scratch)."""
        return [p for p in self.model.parameters() if p.requires_grad]

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.image_tower(images)

    def knows_word(self, word: str) -> bool:
        return whole_token(self.tokenizer, word)

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        if not texts:
            return torch.empty(0, self.text_dim, device=self.device)
        return self.projection(pooled_text(self.model, self.tokenizer, texts, self.token_limit, self.pooling_mode,
                                           self.device))

    def save_extra(self, folder: Path) -> None:
        """Write the config, tokenizer and pooling mode to ``folder/hf-text`` so a run reloads without the hub."""
        save_folder(Path(folder) / SAVED_DIR, self.model.config, self.tokenizer,
                    {"encoder": self.name, "path": self.path, "pooling": self.pooling_mode})

    def load_extra(self, folder: Path) -> None:
        """Rebuild the text model (untrained; the checkpoint's weights follow) and tokenizer from ``folder/hf-text``."""
        device = self.device
        model, tokenizer, pooling_mode = _load_text(str(saved_folder(folder, SAVED_DIR, self.name)), self.pooling)
        self._build(model.to(device), tokenizer, pooling_mode)

    @classmethod
    def from_saved(cls, folder: Path, **params: Any) -> HFTextEncoder:
        """Build from what :meth:`save_extra` wrote, with no hub access; load the checkpoint's weights next."""
        source = saved_folder(folder, SAVED_DIR, cls.name)
        encoder = cls(**{**params, "path": str(source)})
        encoder.path = (read_json(source / MARKER) or {}).get("path", encoder.path)
        return encoder


def _hidden_size(config: Any) -> int:
    size = getattr(config, "hidden_size", None) or getattr(config, "d_model", None)
    check(size, f"encoder 'hf-text': cannot tell the hidden size of a {config.model_type!r} model", ConfigError)
    return int(size)


def _load_text(path: str, pooling: str, what: str = "hf-text",
               option: str = "path") -> tuple[nn.Module, Any, str]:
    """(model, tokenizer, pooling mode) from a hub id, a model folder, or a folder that ``save_extra`` wrote;
    errors name the encoder ``what`` and its parameter ``option`` that gave ``path``."""
    from transformers import AutoConfig, AutoModel

    pooling_config = None
    if looks_local(path) and Path(path).expanduser().is_dir():
        model_dir, pooling_config = read_sentence_transformers(Path(path).expanduser())
        path = str(model_dir)
    config = load(AutoConfig.from_pretrained, path, what, option)
    check(not hasattr(config, "vision_config"),
          f"encoder {what!r}: {path!r} holds a {config.model_type!r} model with a vision tower; use the clip "
          f"encoder for CLIP models, or pass a text model folder", ConfigError)
    check(not getattr(config, "is_encoder_decoder", False),
          f"encoder {what!r}: {path!r} is an encoder-decoder model ({config.model_type}); pass an encoder-only "
          f"text model such as a BERT or MiniLM sentence-transformers folder", ConfigError)
    model, marker = load_model(path, what, config, AutoModel.from_config, AutoModel.from_pretrained, option)
    if isinstance(getattr(model, "pooler", None), nn.Module):
        # The task pooler (e.g. BERT's dense + tanh) is never used here; left in, it holds dead parameters.
        model.pooler = None
    tokenizer = load_tokenizer(path, what, option)
    if pooling == "auto":
        pooling = (marker or {}).get("pooling") or (pooling_mode(pooling_config) if pooling_config else "mean")
    return model, tokenizer, pooling
