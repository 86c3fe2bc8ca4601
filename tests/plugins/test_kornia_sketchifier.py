"""kornia-canny: the batched tensor path, its agreement with OpenCV's canny, and its device handling."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

import sbkit_kornia
from sbkit.errors import ConfigError, ShapeError
from sbkit.registry import create
from sbkit.sketch.quality import edge_quality, sketch_agreement
from sbkit_kornia import KorniaCanny
from sbkit_kornia.canny import blur_kernel_size, resolve_device
from sbkit_opencv import Canny

SIZE = 48  # kornia's Canny is slow on the CPU; small images keep the tests quick


def photo(kind: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic product photos on white (a dark box, a shaded red ellipse, a light grey box) and masks."""
    mask = np.zeros((SIZE, SIZE), np.uint8)
    image = np.full((SIZE, SIZE, 3), 255.0)
    if kind == 1:
        cv2.ellipse(mask, (SIZE // 2, SIZE // 2), (SIZE // 3, SIZE // 4), 20, 0, 360, 255, -1)
        shade = np.linspace(0.7, 1.0, SIZE)[None, :, None]
        image = np.where(mask[..., None] > 0, np.array([200.0, 40, 40]) * shade, image)
    else:
        mask[SIZE // 4 : 3 * SIZE // 4, SIZE // 5 : 4 * SIZE // 5] = 255
        image[mask > 0] = (30, 30, 30) if kind == 0 else (205, 205, 205)
    image += np.random.default_rng(kind).normal(0, 1.5, image.shape)
    return np.clip(image, 0, 255).round().astype(np.uint8), mask


def batch_of(photos: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(photos)).permute(0, 3, 1, 2).contiguous()


def test_registered_and_built_from_the_registry() -> None:
    assert [spec.load("sketchifier") for spec in sbkit_kornia.register_sketchifiers()] == [KorniaCanny]
    sketchifier = create("sketchifier", "kornia-canny", {"device": "cpu"})
    assert isinstance(sketchifier, KorniaCanny) and sketchifier.device == "cpu"


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_single_image_contract_and_agreement_with_opencv(kind: int) -> None:
    image, mask = photo(kind)
    sketch = KorniaCanny(device="cpu")(image)
    assert sketch.shape == (SIZE, SIZE) and sketch.dtype == np.uint8
    assert set(np.unique(sketch)) == {0, 255} and np.median(sketch) == 255
    assert edge_quality(sketch, mask)["recall"] > 0.9
    scores = sketch_agreement(sketch, Canny()(image), tolerance=1)
    assert scores["f1"] > 0.9, scores


def test_batch_path_equals_single_path() -> None:
    photos = [photo(k)[0] for k in (0, 1, 2)]
    sketchifier = KorniaCanny(device="cpu")
    out = sketchifier.sketchify_batch(batch_of(photos), [None, "a red bag", None])
    assert out.shape == (3, 1, SIZE, SIZE) and out.dtype == torch.uint8
    for i, image in enumerate(photos):
        assert np.array_equal(out[i, 0].numpy(), sketchifier(image))


def test_float_batches_in_unit_range_give_the_same_sketches() -> None:
    photos = batch_of([photo(k)[0] for k in (0, 1)])
    sketchifier = KorniaCanny(device="cpu")
    as_uint8 = sketchifier.sketchify_batch(photos)
    as_float = sketchifier.sketchify_batch(photos.float() / 255)
    assert (as_uint8 != as_float).float().mean() < 0.002


def test_one_fixed_threshold_mixes_with_automatic_ones() -> None:
    photos = [photo(k)[0] for k in (0, 2)]
    sketchifier = KorniaCanny(device="cpu", low=20)  # high is automatic, so low / high differs per image
    out = sketchifier.sketchify_batch(batch_of(photos))
    for i, image in enumerate(photos):
        assert np.array_equal(out[i, 0].numpy(), sketchifier(image))


def test_post_processing_applies() -> None:
    image, _ = photo(1)
    plain = KorniaCanny(device="cpu")(image)
    bold = KorniaCanny(device="cpu", post="thickness", line_width=3)(image)
    assert (bold == 0).sum() > (plain == 0).sum()


def test_devices_and_bad_input() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    with pytest.raises(ConfigError, match="device"):
        KorniaCanny(device="tpu-ish")
    with pytest.raises(ShapeError, match=r"\(B, 3, H, W\)"):
        KorniaCanny(device="cpu").sketchify_batch(torch.zeros(2, 1, 8, 8, dtype=torch.uint8))
    assert blur_kernel_size(1.0) == 7 and blur_kernel_size(0.5) == 5
