"""Sketchifier: a photo (H, W, 3) uint8 RGB in, a sketch (H, W) uint8 out, dark lines on white."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sbkit.components.base import Component
from sbkit.errors import DataError, ShapeError

if TYPE_CHECKING:  # torch loads only for batches, so a CPU sketchifier starts without it
    import torch

LIGHT_WORDS: tuple[str, ...] = ("white", "bright", "light", "pale", "ivory", "cream", "sky", "gray", "grey")
_LIGHT_RE = re.compile(r"\b(" + "|".join(LIGHT_WORDS) + r")\b", re.IGNORECASE)


def mentions_light_colour(caption: str | None) -> bool:
    """True when the caption names a light colour (``"a long ivory trouser"``)."""
    return bool(caption) and _LIGHT_RE.search(caption) is not None


def _type_name(value: object) -> str:
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def check_batch(name: str, images: Any, captions: Any = None) -> None:
    """Refuse what no ``sketchify_batch`` can sketch: not a (B, 3, H, W) tensor of uint8, or of floats in [0, 1].

    Every sketchifier's ``sketchify_batch`` runs this first (:class:`Sketchifier` wraps overrides), so a float
    batch on a 0-255 scale or with NaNs is an error rather than a batch of blank sketches.
    """
    import torch

    if not isinstance(images, torch.Tensor):
        raise ShapeError(f"{name}: sketchify_batch expects a (B, 3, H, W) uint8 or float torch tensor, got "
                         f"{_type_name(images)}; convert a (B, H, W, 3) array with "
                         "torch.from_numpy(array).permute(0, 3, 1, 2)")
    shape = tuple(images.shape)
    if images.ndim != 4 or shape[1] != 3:
        raise ShapeError(f"{name}: expected a batch (B, 3, H, W), got {shape}; add the batch axis with images[None]")
    if shape[0] == 0:
        raise ShapeError(f"{name}: the batch {shape} is empty; pass at least one image")
    if shape[2] < 2 or shape[3] < 2:
        raise ShapeError(f"{name}: images {shape} are too small; pass images of at least 2 x 2 px")
    if images.dtype != torch.uint8:
        if not images.is_floating_point():
            raise ShapeError(f"{name}: expected a uint8 or float batch, got {images.dtype}; pass uint8 (0-255) "
                             "or float in [0, 1]")
        low, high = (v.item() for v in torch.aminmax(images))  # NaN propagates to both
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ShapeError(f"{name}: the float batch holds NaN or infinite values (min {low}, max {high}); "
                             "pass finite values in [0, 1]")
        if high > 1 and low >= 0:
            raise ShapeError(f"{name}: float batches must be in [0, 1]; got max {high:g}; divide by 255 or pass uint8")
        if low < 0 or high > 1:
            raise ShapeError(f"{name}: float batches must be in [0, 1]; got min {low:g}, max {high:g}; "
                             "rescale them to [0, 1] or pass uint8")
    if captions is not None:
        if not isinstance(captions, (list, tuple)) or len(captions) != shape[0]:
            given = f"{len(captions)} captions" if isinstance(captions, (list, tuple)) else _type_name(captions)
            raise DataError(f"{name}: captions must be a list of one str or None per image ({shape[0]}), "
                            f"got {given}; pass one per image, or None")
        for caption in captions:
            if caption is not None and not isinstance(caption, str):
                raise DataError(f"{name}: caption must be a str or None, got {_type_name(caption)}; "
                                "pass the caption text, or None for no caption")


def _checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """``sketchify_batch`` with :func:`check_batch` run first."""
    if getattr(method, "_checks_batch", False):
        return method

    @functools.wraps(method)
    def sketchify_batch(self: Sketchifier, images: Any, captions: Any = None, *args: Any, **kwargs: Any) -> Any:
        check_batch(self.name, images, captions)
        return method(self, images, captions, *args, **kwargs)

    sketchify_batch._checks_batch = True  # type: ignore[attr-defined]
    return sketchify_batch


class Sketchifier(Component):
    """Base class. Implement :meth:`sketchify`; GPU-capable ones also override :meth:`sketchify_batch`.

    A sketchifier that reads only the photo's luminance sets ``gray_input = True``: it then also takes a
    (H, W) grey image, and ``sbkit sketchify`` decodes photos straight to grey for it (a JPEG's luma
    plane is the BT.601 grey that :func:`sbkit.sketch.edges.to_gray` computes, at half the decoding cost).
    """

    gray_input: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "sketchify_batch" in cls.__dict__:  # an override gets the same input checks as the default
            cls.sketchify_batch = _checked(cls.__dict__["sketchify_batch"])  # type: ignore[method-assign]

    def __call__(self, image: np.ndarray, caption: str | None = None) -> np.ndarray:
        # Checks are written as plain ifs so that no message is formatted on the hot path.
        if not isinstance(image, np.ndarray):
            raise DataError(f"{self.name}: expected a numpy image, got {type(image).__name__}")
        if caption is not None and not isinstance(caption, str):
            raise DataError(f"{self.name}: caption must be a str or None, got {type(caption).__name__}; "
                            "pass the caption text, or None for no caption")
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

    @_checked
    def sketchify_batch(self, images: torch.Tensor, captions: list[str | None] | None = None) -> torch.Tensor:
        """(B, 3, H, W) uint8 or float in [0, 1] -> (B, 1, H, W) uint8, by default one image at a time."""
        import torch

        if images.dtype != torch.uint8:
            images = (images * 255).round().to(torch.uint8)
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
