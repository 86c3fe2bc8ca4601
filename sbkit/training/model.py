"""The retrieval model: an encoder and a fuser, giving L2-normalised image and query vectors."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import load_model, save_model
from torch import nn

from sbkit.components import Encoder, Fuser
from sbkit.errors import DataError, ShapeError, check
from sbkit.io import atomic_write
from sbkit.registry import create

WEIGHTS = "model.safetensors"


def module_device(module: nn.Module) -> torch.device:
    """Where ``module``'s first parameter or buffer lives (CPU when it has none)."""
    for tensor in itertools.chain(module.parameters(), module.buffers()):
        return tensor.device
    return torch.device("cpu")


def to_unit_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 in [0, 255] or float in [0, 1] -> float32 in [0, 1]."""
    return images.float().div_(255) if images.dtype == torch.uint8 else images.float()


class RetrievalModel(nn.Module):
    """``embed_images`` for the gallery and ``embed_queries`` for sketches and/or captions, both (B, D), unit length."""

    def __init__(self, encoder: Encoder, fuser: Fuser) -> None:
        super().__init__()
        self.encoder, self.fuser = encoder, fuser

    @property
    def dim(self) -> int:
        return int(self.encoder.embed_dim)

    @property
    def device(self) -> torch.device:
        return module_device(self)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) uint8, or float in [0, 1] -> (B, D)."""
        return F.normalize(self.encoder.encode_image(to_unit_float(images.to(self.device))).float(), dim=-1)

    def embed_queries(self, sketches: torch.Tensor | None, texts: list[str] | None) -> torch.Tensor:
        """Sketches (B, 1 or 3, H, W) uint8 or float, dark lines on white, and/or B captions -> (B, D)."""
        check(sketches is not None or texts is not None, "a query needs a sketch, a caption or both", DataError)
        sketch_vec = None if sketches is None else self.encode_sketches(sketches)
        text_vec = None if texts is None else self.encoder.encode_text(texts)
        return self.fuse(sketch_vec, text_vec)

    def encode_sketches(self, sketches: torch.Tensor) -> torch.Tensor:
        """The sketch tower alone: (B, 1 or 3, H, W) uint8 or float -> the encoder's sketch vectors (B, D).

        With :meth:`fuse` it makes :meth:`embed_queries` in two steps, so one sketch vector can serve several
        query modes (sketch only, sketch+text) without running the sketch tower twice.
        """
        sketches = to_unit_float(sketches.to(self.device))
        if sketches.ndim == 4 and sketches.shape[1] == 1:
            sketches = sketches.expand(-1, 3, -1, -1)  # grey drawings; the encoder checks every other shape
        return self.encoder.encode_sketch(sketches)

    def fuse(self, sketch_vec: torch.Tensor | None, text_vec: torch.Tensor | None) -> torch.Tensor:
        """Sketch and/or caption vectors from the encoder -> unit-length query vectors (B, D)."""
        return F.normalize(self.fuser(sketch_vec, text_vec).float(), dim=-1)

    def save(self, folder: Path, metadata: dict[str, str] | None = None, filename: str = WEIGHTS) -> None:
        """Write the weights as ``filename`` (with string ``metadata``) and the encoder's extra state into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder.save_extra(folder)
        atomic_write(folder / filename, lambda tmp: save_model(self, str(tmp), metadata=metadata))

    def load(self, folder: Path, filename: str = WEIGHTS) -> RetrievalModel:
        """Restore what :meth:`save` wrote (extra state first, so tables are sized before the weights)."""
        folder = Path(folder)
        check((folder / filename).is_file(), f"no {filename} in {folder}; point to a folder a model was saved to",
              DataError)
        self.encoder.load_extra(folder)
        device = self.device
        missing, unexpected = load_model(self, str(folder / filename), strict=False, device=str(device))
        check(not missing and not unexpected,
              f"{folder / filename} does not fit encoder {self.encoder.name!r} + fuser {self.fuser.name!r}: "
              f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}; build the model with the "
              f"components and params it was trained with", ShapeError)
        return self


def _probe(encoder: Encoder, fuser: Fuser, size: int) -> None:
    """Run a batch of 2 through every path and check each size against what the components declare."""
    where = (f"encoder {encoder.name!r} (image dim {encoder.embed_dim}, text dim {encoder.text_dim}) and "
             f"fuser {fuser.name!r} (sketch_dim {fuser.sketch_dim}, text_dim {fuser.text_dim}, dim {fuser.dim})")
    device = module_device(encoder)
    images = torch.rand(2, 3, size, size, device=device)
    image_vec = encoder.encode_image(images)
    sketch_vec = encoder.encode_sketch(images)
    text_vec = encoder.encode_text(["a red dress", ""])
    for what, vec, want in (("image", image_vec, encoder.embed_dim), ("sketch", sketch_vec, encoder.embed_dim),
                            ("text", text_vec, encoder.text_dim)):
        check(tuple(vec.shape) == (2, want),
              f"{where} do not fit: the encoder's {what} vectors are {tuple(vec.shape)}, it declares (B, {want})")
    for s, t in ((sketch_vec, text_vec), (sketch_vec, None), (None, text_vec)):
        try:
            out = fuser(s, t)
        except (ShapeError, RuntimeError) as exc:
            raise ShapeError(f"{where} do not fit: {exc}") from None
        check(tuple(out.shape) == (2, encoder.embed_dim),
              f"{where} do not fit: queries are {tuple(out.shape)} but images are (B, {encoder.embed_dim})")


def build_model(encoder: Encoder, fuser_name: str, fuser_params: dict[str, Any] | None = None,
                probe_size: int | None = None) -> RetrievalModel:
    """Create the fuser with dims taken from ``encoder`` and check that both fit with a dummy batch.

    Args:
        encoder: a built encoder (``prepare`` may come before or after).
        fuser_name: registered fuser name, e.g. ``avg``.
        fuser_params: the fuser's user params.
        probe_size: side of the dummy images; defaults to the encoder's ``input_size`` or 64.

    Raises:
        ShapeError: naming both components and their sizes when they disagree.
    """
    fuser = create("fuser", fuser_name, fuser_params, sketch_dim=encoder.embed_dim, text_dim=encoder.text_dim,
                   dim=encoder.embed_dim)
    fuser.to(module_device(encoder))
    size = probe_size or int(getattr(encoder, "input_size", 0) or 64)
    modes = [m.training for m in (encoder, fuser)]
    encoder.eval()
    fuser.eval()
    try:
        with torch.no_grad():
            _probe(encoder, fuser, size)
    finally:
        encoder.train(modes[0])
        fuser.train(modes[1])
    return RetrievalModel(encoder, fuser)
