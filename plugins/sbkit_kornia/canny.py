"""``kornia-canny``: Canny on batches of tensors with ``kornia.filters.canny``, on the CPU or a GPU."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from kornia.color import rgb_to_grayscale
from kornia.filters import canny, gaussian_blur2d

from sbkit.components import PostprocessedSketchifier
from sbkit.errors import ConfigError
from sbkit.sketch.edges import AutoMethod, auto_thresholds, check_canny_params, fill_thresholds, reference_levels


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; any other string is read by ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, ValueError):
        raise ConfigError(f"kornia-canny: unknown device {device!r}; use auto, cpu, cuda or cuda:N") from None


def blur_kernel_size(sigma: float) -> int:
    """The odd kernel size OpenCV picks for a uint8 Gaussian blur of ``sigma``."""
    return int(round(sigma * 6 + 1)) | 1


def histograms(gray: torch.Tensor) -> np.ndarray:
    """(B, 1, H, W) grey on a 0-255 scale -> (B, 256) float64 histograms of every other pixel."""
    values = gray[:, 0, ::2, ::2].round().clamp(0, 255).long().flatten(1)
    offsets = torch.arange(len(values), device=values.device).unsqueeze(1) * 256
    counts = torch.bincount((values + offsets).flatten(), minlength=256 * len(values))
    return counts.view(len(values), 256).cpu().double().numpy()


class KorniaCanny(PostprocessedSketchifier):
    """Canny through ``kornia.filters.canny`` on whole batches, with thresholds set per image like ``canny``.

    On a GPU it sketchifies a batch at once; on the CPU OpenCV's ``canny`` is far faster. Images of one
    batch share one call: each is scaled so that its own thresholds map onto common ones. The ``post``
    steps run on the CPU.

    Args:
        device: where to run: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
        sigma: Gaussian blur standard deviation in px before edge detection; 0 turns the blur off.
        t: spread of the automatic thresholds around the reference value v: low = (1 - t) * v,
            high = (1 + t) * v (between 0 and 1).
        method: the reference value v: "contrast", "otsu" or "median" (see canny).
        low: lower hysteresis threshold on the Sobel gradient magnitude; None = automatic.
        high: upper hysteresis threshold on the Sobel gradient magnitude; None = automatic.
    """

    name = "kornia-canny"
    description = "Canny on tensor batches with kornia (CPU or CUDA); thresholds set per image like canny."

    def __init__(self, device: str = "auto", sigma: float = 1.0, t: float = 0.5, method: AutoMethod = "contrast",
                 low: float | None = None, high: float | None = None, **shared: Any) -> None:
        check_canny_params(sigma, t, method, low, high)
        super().__init__(**shared)
        self.device, self.sigma, self.t, self.method, self.low, self.high = device, sigma, t, method, low, high
        self._device = resolve_device(device)

    def thresholds(self, gray: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Per-image ``(low, high)`` arrays (B,) for blurred grey images (B, 1, H, W) on a 0-255 scale."""
        if self.low is not None and self.high is not None:
            low, high = fill_thresholds(self.low, self.high, self.low, self.high)
            return np.full(len(gray), low), np.full(len(gray), high)
        auto_low, auto_high = auto_thresholds(reference_levels(histograms(gray), self.method), self.t)
        pairs = [fill_thresholds(lo, hi, self.low, self.high) for lo, hi in zip(auto_low, auto_high)]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

    def edges(self, gray: torch.Tensor) -> torch.Tensor:
        """Blurred grey (B, 1, H, W) on a 0-255 scale -> (B, 1, H, W) float edges in {0, 1}."""
        low, high = self.thresholds(gray)
        low = np.maximum(low, 1e-3)  # kornia needs a positive low threshold
        high = np.maximum(high, low)
        out = torch.empty_like(gray)
        # Canny is linear in the image, so image i scaled by 1 / high_i meets thresholds (low_i / high_i, 1).
        ratios = np.round(low / high, 6)
        for ratio in np.unique(ratios):
            rows = torch.from_numpy(np.nonzero(ratios == ratio)[0]).to(gray.device)
            scale = torch.from_numpy(1 / high[ratios == ratio]).to(gray).view(-1, 1, 1, 1)
            _, found = canny(gray[rows] * scale, float(ratio), 1.0, kernel_size=1)
            out[rows] = found
        return out

    def sketchify_batch(self, images: torch.Tensor, captions: list[str | None] | None = None) -> torch.Tensor:
        """(B, 3, H, W) uint8, or float in [0, 1] -> (B, 1, H, W) uint8, 0 on lines and 255 elsewhere.

        The batch is checked first, as every sketchifier's is (:func:`sbkit.components.sketchifier.check_batch`).
        """
        x = images.to(self._device)
        x = x.float() if x.dtype == torch.uint8 else x.float() * 255
        gray = rgb_to_grayscale(x)
        if self.sigma > 0:
            size = blur_kernel_size(self.sigma)
            gray = gaussian_blur2d(gray, (size, size), (self.sigma, self.sigma))
        sketches = (255 - self.edges(gray) * 255).to(torch.uint8)
        if self.postprocessor.steps:
            done = [self.postprocessor(s[0]) for s in sketches.cpu().numpy()]
            sketches = torch.from_numpy(np.stack(done)).unsqueeze(1).to(sketches.device)
        return sketches.to(images.device)

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        batch = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0)
        return self.sketchify_batch(batch, [caption])[0, 0].cpu().numpy()
