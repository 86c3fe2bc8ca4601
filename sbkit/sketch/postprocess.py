"""Post-processing shared by every sketchifier: small steps on a (H, W) uint8 dark-on-white sketch.

Steps run in the order given, e.g. ``postprocess(sketch, "despeckle,thickness")``:

- ``despeckle``: remove ink components smaller than ``min_component`` px;
- ``thickness``: thin every stroke to one pixel, then redraw it ``line_width`` px wide;
- ``crop``: crop to the ink and pad to a centred square with a ``margin`` (lines redrawn at ``line_width``);
- ``polarity``: make the sketch strictly 0 (ink) / 255 (paper), inverting light-on-dark input.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from sbkit.errors import ConfigError, ShapeError, check, unknown_name_message
from sbkit.sketch.normalize import ensure_dark_on_white, ink_mask, normalize_sketch, redraw_lines


def _from_ink(ink: np.ndarray) -> np.ndarray:
    return np.where(ink, 0, 255).astype(np.uint8)


def despeckle(sketch: np.ndarray, min_component: int = 8) -> np.ndarray:
    """Remove ink components (8-connected) with fewer than ``min_component`` pixels."""
    ink = ink_mask(sketch)
    if min_component <= 1 or not ink.any():
        return sketch
    count, labels = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    small = np.bincount(labels.ravel(), minlength=count) < min_component
    small[0] = False  # label 0 is the paper
    if not small.any():
        return sketch
    out = sketch.copy()
    out[np.take(small, labels)] = 255
    return out


def thickness(sketch: np.ndarray, line_width: int = 2) -> np.ndarray:
    """Thin every stroke to one pixel, then dilate it to ``line_width`` px (0 ink, 255 paper)."""
    check(line_width >= 1, f"line_width must be at least 1, got {line_width}", ConfigError)
    return _from_ink(redraw_lines(ink_mask(sketch), line_width))


def crop(sketch: np.ndarray, margin: float = 0.08, line_width: int = 2) -> np.ndarray:
    """Crop to the ink and pad to a square, centred in a frame of the input's shape.

    The square has side ``min(H, W)``, so a square input comes back as
    :func:`~sbkit.sketch.normalize.normalize_sketch` makes it; lines are redrawn ``line_width`` px wide.
    """
    height, width = sketch.shape
    side = min(height, width)
    square = normalize_sketch(sketch, size=side, margin=margin, line_width=line_width)
    if (height, width) == (side, side):
        return square
    out = np.full(sketch.shape, 255, dtype=np.uint8)
    top, left = (height - side) // 2, (width - side) // 2
    out[top : top + side, left : left + side] = square
    return out


def polarity(sketch: np.ndarray) -> np.ndarray:
    """Strictly 0 ink on 255 paper; light-on-dark input is inverted first."""
    return _from_ink(ink_mask(ensure_dark_on_white(sketch)))


STEPS: dict[str, Callable[..., np.ndarray]] = {
    "despeckle": despeckle,
    "thickness": thickness,
    "crop": crop,
    "polarity": polarity,
}


def _step_params(step: str) -> set[str]:
    return set(list(inspect.signature(STEPS[step]).parameters)[1:])


PARAMS: frozenset[str] = frozenset().union(*(_step_params(s) for s in STEPS))


def _check_params(params: dict[str, Any]) -> None:
    unknown = sorted(set(params) - PARAMS)
    check(not unknown, f"postprocess has no parameter {', '.join(unknown)}; valid: {', '.join(sorted(PARAMS))}",
          ConfigError)


def parse_steps(steps: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"despeckle, thickness"`` or a list -> a tuple of known step names; an unknown name is a ConfigError."""
    names = steps.split(",") if isinstance(steps, str) else list(steps)
    parsed = tuple(n.strip().lower() for n in names if n.strip())
    for name in parsed:
        if name not in STEPS:
            raise ConfigError(unknown_name_message("post-processing step", name, STEPS))
    return parsed


def postprocess(sketch: np.ndarray, steps: str | list[str] | tuple[str, ...], **params: Any) -> np.ndarray:
    """Run ``steps`` in order on a (H, W) uint8 sketch; each step takes the ``params`` it knows.

    Args:
        sketch: (H, W) uint8, dark lines on white.
        steps: comma-separated names or a list: ``despeckle``, ``thickness``, ``crop``, ``polarity``.
        **params: ``min_component``, ``line_width``, ``margin``.
    """
    _check_params(params)
    names = parse_steps(steps)
    if not names:
        return sketch
    check(sketch.ndim == 2 and sketch.dtype == np.uint8, f"postprocess needs a (H, W) uint8 sketch, got "
          f"{sketch.dtype} {sketch.shape}", ShapeError)
    for name in names:
        wanted = _step_params(name)
        sketch = STEPS[name](sketch, **{k: v for k, v in params.items() if k in wanted})
    return sketch


class Postprocessor:
    """``postprocess`` with its steps and params fixed once (steps checked at construction).

    Args:
        steps: comma-separated step names (see :func:`postprocess`); ``""`` does nothing.
        **params: ``min_component``, ``line_width``, ``margin``.
    """

    def __init__(self, steps: str | list[str] = "", **params: Any) -> None:
        self.steps = parse_steps(steps)
        _check_params(params)
        self.params = params

    def __call__(self, sketch: np.ndarray) -> np.ndarray:
        return postprocess(sketch, self.steps, **self.params) if self.steps else sketch
