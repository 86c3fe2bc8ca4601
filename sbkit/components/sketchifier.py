"""Sketchifier: a photo (H, W, 3) uint8 RGB in, a sketch (H, W) uint8 out, dark lines on white."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sbkit.components.base import Component
from sbkit.errors import DataError, ShapeError, check

if TYPE_CHECKING:  # torch loads only for batches, so a CPU sketchifier starts without it
    import torch

LIGHT_WORDS: tuple[str, ...] = ("white", "bright", "light", "pale", "ivory", "cream", "sky", "gray", "grey")
_LIGHT_RE = re.compile(r"\b(" + "|".join(LIGHT_WORDS) + r")\b", re.IGNORECASE)


def mentions_light_colour(caption: str | None) -> bool:
    """True when the caption names a light colour (``"a long ivory trouser"``)."""
    return bool(caption) and _LIGHT_RE.search(caption) is not None


class Sketchifier(Component):
    """Base class. Implement :meth:`sketchify`; GPU-capable ones also override :meth:`sketchify_batch`.

    A sketchifier that reads only the photo's luminance sets ``gray_input = True``: it then also takes a
    (H, W) grey image, and ``sbkit sketchify`` decodes photos straight to grey for it (a JPEG's luma
    plane is the BT.601 grey that :func:`sbkit.sketch.edges.to_gray` computes, at half the decoding cost).
    """

    gray_input: ClassVar[bool] = False

    def __call__(self, image: np.ndarray, caption: str | None = None) -> np.ndarray:
        # Checks are written as plain ifs so that no message is formatted on the hot path.
        if not isinstance(image, np.ndarray):
            raise DataError(f"{self.name}: expected a numpy image, got {type(image).__name__}")
        rgb = image.ndim == 3 and image.shape[2] == 3
        if not (rgb or (self.gray_input and image.ndim == 2)) or image.dtype != np.uint8:
            expected = "an RGB (H, W, 3) or grey (H, W)" if self.gray_input else "an RGB (H, W, 3)"
            raise ShapeError(f"{self.name}: expected {expected} uint8 image, got {image.dtype} {image.shape}")
        if image.shape[0] < 2 or image.shape[1] < 2:
            raise DataError(f"{self.name}: image {image.shape} is too small")
        sketch = self.sketchify(image, caption)
        if sketch.shape != image.shape[:2] or sketch.dtype != np.uint8:
            raise ShapeError(f"{self.name}: returned {sketch.dtype} {sketch.shape}, expected uint8 {image.shape[:2]}")
        return sketch

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        raise NotImplementedError  # abstract

    def sketchify_batch(self, images: torch.Tensor, captions: list[str | None] | None = None) -> torch.Tensor:
        """(B, 3, H, W) uint8 or float in [0, 1] -> (B, 1, H, W) uint8, by default one image at a time."""
        import torch

        check(images.ndim == 4 and images.shape[1] == 3,
              f"{self.name}: expected (B, 3, H, W), got {tuple(images.shape)}")
        if images.dtype != torch.uint8:
            images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
        captions = captions or [None] * len(images)
        arrays = images.permute(0, 2, 3, 1).cpu().numpy()
        out = np.stack([self(np.ascontiguousarray(a), c) for a, c in zip(arrays, captions)])
        return torch.from_numpy(out).unsqueeze(1).to(images.device)


class PostprocessedSketchifier(Sketchifier):
    """Base class with the post-processing parameters every sketchifier shares; implement :meth:`draw`.

    ``sketchify`` runs :meth:`draw`, then the ``post`` steps. A subclass adds its own parameters and passes
    the rest on, so ``sbkit list`` shows (and the command line and configs accept) the shared three too::

        def __init__(self, blur: int = 21, **shared: Any) -> None:
            super().__init__(**shared)
            self.blur = blur

    Args:
        post: post-processing steps, comma-separated, run in order (despeckle, thickness, crop,
            polarity); "" runs none.
        min_component: the despeckle step removes ink components smaller than this many px.
        line_width: the thickness and crop steps redraw lines this many px wide.
    """

    def __init__(self, post: str = "", min_component: int = 8, line_width: int = 2) -> None:
        from sbkit.sketch.postprocess import Postprocessor  # here: it imports scikit-image, slow to import

        self.post, self.min_component, self.line_width = post, min_component, line_width
        self.postprocessor = Postprocessor(post, min_component=min_component, line_width=line_width)

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        """The sketchifier's own lines: (H, W, 3) RGB (or (H, W) grey with ``gray_input``) -> (H, W) uint8."""
        raise NotImplementedError  # abstract

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return self.postprocessor(self.draw(image, caption))
