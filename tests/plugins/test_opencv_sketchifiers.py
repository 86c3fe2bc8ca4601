"""The OpenCV sketchifiers: canny, canny-clahe, xdog and sobel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from skimage.filters import apply_hysteresis_threshold

import sbkit_opencv
from sbkit.components import Sketchifier, component_config
from sbkit.data.demo.render import render_item
from sbkit.data.demo.specs import sample_spec
from sbkit.errors import ConfigError, ShapeError
from sbkit.params import component_params
from sbkit.registry import create, get_registry
from sbkit.sketch.edges import level_backdrop, reference_level, reference_levels, sample_step
from sbkit.sketch.quality import edge_quality
from sbkit_opencv import Canny, CannyClahe, Sobel, XDoG
from sbkit_opencv.sobel import hysteresis

NAMES = ["canny", "canny-clahe", "outline", "xdog", "sobel"]


def rectangle(size: int = 64, item: tuple[int, int, int] = (30, 30, 30), background: int = 255,
              noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """An RGB photo of a flat rectangle on a flat background, and its silhouette mask."""
    image = np.full((size, size, 3), background, np.float64)
    mask = np.zeros((size, size), np.uint8)
    mask[size // 4 : 3 * size // 4, size // 5 : 4 * size // 5] = 255
    image[mask > 0] = item
    if noise:
        image += np.random.default_rng(0).normal(0, noise, image.shape)
    return np.clip(image, 0, 255).round().astype(np.uint8), mask


def faint_white_item(size: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """An off-white shaded coat on white: its right side fades to within a few grey levels of the paper."""
    mask = np.zeros((size, size), np.uint8)
    cv2.ellipse(mask, (size // 2, size // 2), (size // 3, size * 2 // 5), 0, 0, 360, 255, -1)
    shade = np.linspace(246, 254, size)[None, :].repeat(size, 0)
    gray = np.where(mask > 0, shade, 255.0) + np.random.default_rng(1).normal(0, 0.8, (size, size))
    return np.repeat(np.clip(gray, 0, 255).round().astype(np.uint8)[..., None], 3, axis=2), mask


def test_all_are_registered_through_the_entry_point() -> None:
    assert set(NAMES) <= set(get_registry().names("sketchifier"))
    assert {c.name for c in sbkit_opencv.register_sketchifiers()} == set(NAMES)
    assert isinstance(create("sketchifier", "canny"), Canny)


@pytest.mark.parametrize("name", NAMES)
def test_outline_of_a_dark_rectangle(name: str) -> None:
    photo, mask = rectangle()
    sketch = create("sketchifier", name)(photo)
    assert sketch.shape == (64, 64) and sketch.dtype == np.uint8
    assert set(np.unique(sketch)) == {0, 255}
    scores = edge_quality(sketch, mask, tolerance=2)
    assert scores["recall"] > 0.95 and scores["precision"] > 0.95, scores
    assert (sketch[:8] == 255).all() and (sketch[28:36, 28:36] == 255).all(), "paper and the item's inside stay white"


@pytest.mark.parametrize("name", NAMES)
def test_params_are_documented_and_stored(name: str) -> None:
    cls = get_registry().get("sketchifier", name)
    entry_params = get_registry().entry("sketchifier", name).params
    assert all(p.doc for p in entry_params)
    assert "post" in {p.name for p in entry_params}
    defaults = {p.name: p.default for p in component_params(cls)}  # the __init__ chain, shared ones included
    assert {"post", "min_component", "line_width"} <= set(defaults)
    assert component_config(cls()) == defaults


@pytest.mark.parametrize("name", NAMES)
def test_post_param_is_applied(name: str) -> None:
    photo, _ = rectangle()
    plain = create("sketchifier", name)(photo)
    bold = create("sketchifier", name, {"post": "thickness", "line_width": "5"})(photo)
    assert (bold == 0).sum() > (plain == 0).sum()
    with pytest.raises(ConfigError, match="post-processing step"):
        create("sketchifier", name, {"post": "despeckle,blur"})


@pytest.mark.parametrize("params", [{"sigma": "-1"}, {"t": "1.5"}, {"low": "90", "high": "30"}, {"method": "mean"}])
def test_bad_threshold_params_are_config_errors(params: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        create("sketchifier", "canny", params)


def test_batch_path_matches_single_images() -> None:
    canny = Canny()
    photos = [rectangle()[0], rectangle(item=(200, 40, 40))[0]]
    batch = torch.from_numpy(np.stack(photos)).permute(0, 3, 1, 2)
    out = canny.sketchify_batch(batch)
    assert out.shape == (2, 1, 64, 64)
    assert all(np.array_equal(out[i, 0].numpy(), canny(p)) for i, p in enumerate(photos))


@pytest.mark.parametrize("size", [64, 600])
@pytest.mark.parametrize("method", ["contrast", "otsu", "median"])
def test_fast_reference_level_matches_the_histogram_one(method: str, size: int) -> None:
    photo, _ = rectangle(size, item=(90, 150, 210), noise=6)
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    step = sample_step(gray.shape)
    hist = np.bincount(gray[::step, ::step].ravel(), minlength=256).astype(float)
    assert reference_level(gray, method) == pytest.approx(float(reference_levels(hist, method)), abs=1.0)


def test_contrast_thresholds_keep_a_light_grey_item() -> None:
    photo, mask = rectangle(item=(215, 215, 215))
    assert edge_quality(Canny()(photo), mask)["recall"] > 0.95
    assert edge_quality(Canny(method="median")(photo), mask)["recall"] < 0.05  # the classic rule loses it


def test_explicit_thresholds_override_the_automatic_ones() -> None:
    photo, _ = rectangle(item=(215, 215, 215))
    assert (Canny(low=200, high=400)(photo) == 0).sum() == 0
    assert (Canny(low=10, high=20)(photo) == 0).sum() > 0


def test_canny_clahe_triggers_on_white_on_white_without_a_caption() -> None:
    photo, _ = faint_white_item()
    for adaptive in ("image", "both"):
        assert CannyClahe(adaptive=adaptive).triggered(photo, None)
    assert not CannyClahe(adaptive="caption").triggered(photo, None)


def test_canny_clahe_triggers_on_a_light_caption_in_caption_mode() -> None:
    black, _ = rectangle()
    caption_mode = CannyClahe(adaptive="caption")
    assert caption_mode.triggered(black, "a pale ivory coat")
    assert not caption_mode.triggered(black, "a navy coat")
    assert not CannyClahe(adaptive="image").triggered(black, "a pale ivory coat")


def test_canny_clahe_leaves_a_black_item_alone() -> None:
    black, _ = rectangle(noise=2)
    clahe = CannyClahe()
    assert not clahe.triggered(black, "a black bag") and not clahe.triggered(black, None)
    assert np.array_equal(clahe(black, "a black bag"), Canny()(black))


@pytest.mark.parametrize("equalize", ["clahe", "hist"])
def test_canny_clahe_recovers_more_of_a_faint_white_outline(equalize: str) -> None:
    photo, mask = faint_white_item()
    plain = edge_quality(Canny()(photo), mask)
    enhanced = edge_quality(CannyClahe(equalize=equalize)(photo), mask)
    assert enhanced["recall"] > plain["recall"] + 0.2, (plain, enhanced)
    assert enhanced["f1"] > plain["f1"]


def test_xdog_soft_mode_keeps_grey_pencil_tones() -> None:
    photo, mask = rectangle(item=(120, 120, 120), noise=3)
    soft = XDoG(binary=False)(photo)
    assert len(np.unique(soft)) > 2 and np.median(soft) == 255
    assert edge_quality(soft, mask)["recall"] > 0.9


def test_sobel_hysteresis_matches_scikit_image() -> None:
    values = cv2.GaussianBlur(np.random.default_rng(2).random((48, 48)).astype(np.float32), (0, 0), 2) * 100
    expected = apply_hysteresis_threshold(values, 48, 52)
    assert expected.any() and not expected.all()
    assert np.array_equal(hysteresis(values, 48, 52), expected)


def test_sobel_lines_are_bolder_than_canny() -> None:
    photo, _ = rectangle(item=(60, 60, 200))
    assert (Sobel()(photo) == 0).sum() > 1.5 * (Canny()(photo) == 0).sum()


def test_every_class_is_a_sketchifier() -> None:
    assert all(issubclass(c, Sketchifier) for c in (Canny, CannyClahe, XDoG, Sobel))


@pytest.mark.parametrize("name", NAMES)
def test_a_blank_photo_gives_a_blank_sketch(name: str) -> None:
    white = np.full((48, 48, 3), 255, np.uint8)
    noisy = np.clip(np.random.default_rng(3).normal(250, 1.0, (48, 48, 3)), 0, 255).astype(np.uint8)
    sketchifier = create("sketchifier", name)
    assert (sketchifier(white) == 255).all()
    assert (sketchifier(noisy) == 0).mean() < 0.02, "background noise does not turn into lines"


@pytest.mark.parametrize("name", ["canny", "canny-clahe", "sobel", "xdog"])
def test_grey_input_sketchifiers_give_the_same_sketch_from_grey(name: str) -> None:
    sketchifier = create("sketchifier", name)
    assert sketchifier.gray_input
    photo, _ = rectangle(item=(235, 232, 228), noise=3)
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    assert np.array_equal(sketchifier(gray, "a white shirt"), sketchifier(photo, "a white shirt"))


def test_a_colour_sketchifier_refuses_a_grey_image() -> None:
    class Colourful(Sketchifier):
        name = "colourful"

        def sketchify(self, image, caption):
            return image[..., 0]

    with pytest.raises(ShapeError, match=r"expected an RGB \(H, W, 3\) uint8 image"):
        Colourful()(np.zeros((8, 8), np.uint8))


def test_outline_keeps_the_silhouette_and_drops_texture() -> None:
    photo = np.full((128, 128, 3), 255, np.uint8)
    photo[24:104, 32:96] = (40, 60, 160)
    for top in range(30, 96, 9):
        photo[top:top + 3, 36:92] = (230, 220, 90)  # a striped print inside the item
    canny = create("sketchifier", "canny", {})(photo) < 128
    outline = create("sketchifier", "outline", {"interior": 0})(photo) < 128
    inside = np.zeros_like(outline)
    inside[30:98, 38:90] = True
    assert outline[22:27, 40:88].any() and outline[101:106, 40:88].any()  # top and bottom edges drawn
    assert outline[:, 29:35].any() and outline[:, 93:99].any()  # left and right edges drawn
    assert not (outline & inside).any() and (canny & inside).sum() > 100  # the print is canny's, not outline's
    with_lines = create("sketchifier", "outline", {"interior": 2, "min_length": 0.1})(photo) < 128
    assert 0 < (with_lines & inside).sum() <= (canny & inside).sum() // 2  # at most two long lines come back


def lit_from_one_side(photo: np.ndarray, fall: float = 0.25) -> np.ndarray:
    """The whole picture, item and background, under light that falls by ``fall`` from left to right."""
    light = 1 - fall * np.linspace(0, 1, photo.shape[1])[None, :, None]
    return np.clip(photo * light, 0, 255).round().astype(np.uint8)


def test_flatten_leaves_an_even_background_alone() -> None:
    photo, _ = rectangle(96, item=(120, 60, 60), background=236, noise=1.5)
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    assert level_backdrop(gray) is gray


@pytest.mark.parametrize("size", [128, 640])  # 640: the surface is fitted on a reduced copy and enlarged
def test_flatten_levels_a_gradient_and_keeps_the_item_step(size: int) -> None:
    photo, mask = rectangle(size, item=(90, 90, 90), background=250, noise=1.0)
    gray = cv2.cvtColor(lit_from_one_side(photo), cv2.COLOR_RGB2GRAY)
    assert np.ptp(gray[mask == 0]) > 50  # the backdrop falls from 250 to under 190
    flat = level_backdrop(gray)
    background, item = flat[mask == 0].astype(float), flat[mask > 0].astype(float)
    assert np.percentile(background, 99) - np.percentile(background, 1) < 12
    assert np.median(background) - np.median(item) > 100  # a darker item is still clearly darker


def test_flatten_ignores_an_item_that_runs_off_the_frame() -> None:
    photo = np.full((128, 128, 3), 248.0)
    photo[20:128, 40:90] = 60  # a trouser leg cut off by the bottom edge
    gray = cv2.cvtColor(lit_from_one_side(photo, 0.2), cv2.COLOR_RGB2GRAY)
    flat = level_backdrop(gray)
    backdrop = np.ones((128, 128), bool)
    backdrop[16:, 36:94] = False
    assert np.ptp(flat[backdrop].astype(float)) < 14  # the fit left the item's dark pixels out


def demo_photo(index: int) -> tuple[np.ndarray, np.ndarray]:
    """Demo product ``index`` (seed 0) as a float RGB photo on white, and its silhouette mask."""
    photo, mask = render_item(sample_spec(0, index, 3000, 128))
    return photo.astype(np.float64), mask


@pytest.mark.parametrize("name", ["canny-clahe", "outline"])
def test_items_under_uneven_light_keep_their_outline(name: str) -> None:
    # an ivory dress, a navy skirt and a burgundy trouser, lit so the light falls by 25% across the frame
    photos = [demo_photo(index) for index in (0, 2, 8)]
    levelled = [edge_quality(create("sketchifier", name, {})(lit_from_one_side(p)), m)["f1"] for p, m in photos]
    unlevelled = [edge_quality(create("sketchifier", name, {"flatten": False})(lit_from_one_side(p)), m)["f1"]
                  for p, m in photos]
    assert np.mean(levelled) > np.mean(unlevelled) + 0.3
    assert unlevelled[0] == 0.0 and levelled[0] > 0.4  # the ivory dress is lost entirely without levelling


def test_enhancement_that_loses_the_item_falls_back_to_plain_edges() -> None:
    photo, mask = demo_photo(1)  # a light grey clutch
    rng = np.random.default_rng(0)
    weave = 195 + 22 * np.sin(np.arange(128) * 0.47)[None, :] * np.cos(np.arange(128) * 0.35)[:, None]
    backdrop = np.clip(weave + rng.normal(0, 8, (128, 128)), 0, 255)[..., None]
    alpha = cv2.GaussianBlur(mask.astype(np.float64) / 255, (0, 0), 0.7)[..., None]
    textured = (photo * alpha + backdrop * (1 - alpha)).round().astype(np.uint8)
    sketchifier = create("sketchifier", "canny-clahe", {})
    assert sketchifier.triggered(textured)
    assert (sketchifier.edges(sketchifier.gray(textured), sketchifier.enhance) < 128).sum() < 64  # item lost
    assert (sketchifier(textured) < 128).sum() >= 64
    assert sketchifier.last_branch == {"triggered": True, "enhanced": False}  # what the sketchify manifest says
    assert (sketchifier(textured) == create("sketchifier", "canny", {})(textured)).all()
    sketchifier(photo.astype(np.uint8), "an ivory clutch")
    assert sketchifier.last_branch == {"triggered": True, "enhanced": True}


def test_outline_closes_an_item_that_runs_off_the_frame() -> None:
    photo = np.full((128, 128, 3), 250, np.uint8)
    photo[30:, 30:98] = (30, 40, 90)  # a navy skirt cut off by the bottom edge
    for top in range(40, 128, 14):
        for left in range(38, 92, 14):
            photo[top:top + 5, left:left + 5] = (170, 170, 200)  # a dotted print
    sketch = create("sketchifier", "outline", {"interior": 0})(photo) < 128
    assert sketch[28:33, 34:94].any()  # the waistband edge
    assert sketch[40:120, 26:34].any() and sketch[40:120, 94:102].any()  # both sides, down to the frame
    assert not sketch[36:, 36:92].any()  # no dots: the silhouette was filled, not flooded through the cut
    assert not sketch[-1].any()  # the frame's cut is not drawn as a line of the item


def test_flatten_leaves_a_photo_alone_when_the_item_covers_much_of_the_border() -> None:
    photo, _ = demo_photo(4)  # a red boot
    cut = round(0.15 * 128)
    gray = cv2.cvtColor(photo[cut:-cut, cut:-cut].astype(np.uint8), cv2.COLOR_RGB2GRAY)
    assert level_backdrop(gray) is gray
