"""The contract checks catch broken components: each breach below passes a shallower check and fails later."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import torch

from sbkit.components import Fuser, Index, Loss, PostprocessedSketchifier, Sketchifier, component_config
from sbkit.params import component_params
from sbkit.testing import (
    check_component,
    check_fuser,
    check_index,
    check_loss,
    check_sketchifier,
    kind_of,
)


class Threshold(Sketchifier):
    """Dark pixels become ink.

    Args:
        level: grey level (0-255) below which a pixel is ink.
    """

    name = "threshold"
    description = "Dark pixels become ink."

    def __init__(self, level: int = 128) -> None:
        self.level = level

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        gray = image if image.ndim == 2 else image.mean(axis=2)
        edges = cv2.Canny(gray.astype(np.uint8), self.level // 2, self.level)
        return np.where(edges > 0, 0, 255).astype(np.uint8)


def test_a_sound_sketchifier_passes_as_class_instance_and_after_gray_opt_in() -> None:
    check_sketchifier(Threshold)
    check_sketchifier(Threshold(level=100))
    check_sketchifier(type("GreyThreshold", (Threshold,), {"gray_input": True}))
    assert kind_of(Threshold) == "sketchifier"


class Renamed(Threshold):
    """Stores ``level`` under another name: ``component_config`` then records the default, not the value used."""

    def __init__(self, level: int = 128) -> None:
        self.cutoff = level

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return Threshold(self.cutoff).sketchify(image, caption)


class RenamedWithClassDefault(Renamed):
    """The same, hidden by a class attribute of the parameter's name, so ``hasattr`` alone is fooled."""

    level = 128


def test_the_hole_is_real_component_config_records_the_default() -> None:
    assert component_config(RenamedWithClassDefault(level=40)) == {"level": 128}


@pytest.mark.parametrize("cls", [Renamed, RenamedWithClassDefault])
def test_a_parameter_stored_under_another_name_fails(cls: type) -> None:
    with pytest.raises(AssertionError, match="level"):
        check_sketchifier(cls)


class RgbOnly(Threshold):
    """Declares ``gray_input`` but calls cvtColor on whatever it gets: a raw OpenCV error on (H, W) input."""

    gray_input = True

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return super().sketchify(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), caption)


def test_gray_input_without_accepting_grey_fails_with_a_clear_message() -> None:
    check_sketchifier(type("RgbOnlyHonest", (RgbOnly,), {"gray_input": False}))  # fine without the claim
    with pytest.raises(AssertionError, match=r"gray_input = True but fails on a \(H, W\) grey image"):
        check_sketchifier(RgbOnly)


class Inverted(Threshold):
    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return 255 - super().sketchify(image, caption)


class SquareOnly(Threshold):
    """Works at one size only: it draws a fixed 48x48 frame."""

    def sketchify(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        return super().sketchify(cv2.resize(image, (48, 48)), caption)


@pytest.mark.parametrize(("cls", "message"), [
    (Inverted, "dark lines on white"),
    (SquareOnly, r"fails on a 40x72 RGB photo: ShapeError"),
    (type("BadName", (Threshold,), {"name": "Bad_Name"}), "lowercase and hyphenated"),
])
def test_sketch_breaches_fail(cls: type, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_sketchifier(cls)


def test_an_undocumented_parameter_fails() -> None:
    class Undocumented(Threshold):
        """Dark pixels become ink, below ``cut``."""

        def __init__(self, level: int = 128, cut: int = 3) -> None:
            super().__init__(level)
            self.cut = cut

    with pytest.raises(AssertionError, match="'cut' is not documented"):
        check_sketchifier(Undocumented)


class Pencilish(PostprocessedSketchifier):
    """Ink where the photo is darker than its blur.

    Args:
        blur: box blur size in px.
    """

    name = "pencilish"
    description = "Ink where the photo is darker than its blur."

    def __init__(self, blur: int = 5, **shared: Any) -> None:
        super().__init__(**shared)
        self.blur = blur

    def draw(self, image: np.ndarray, caption: str | None) -> np.ndarray:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        edges = cv2.Canny(gray, 50, 100)
        return np.where(edges > 0, 0, 255).astype(np.uint8)


def test_postprocessed_sketchifier_brings_the_shared_parameters_documented() -> None:
    params = {p.name: p for p in component_params(Pencilish)}
    assert list(params) == ["blur", "post", "min_component", "line_width"]
    assert params["line_width"].default == 2 and "redraw" in params["line_width"].doc
    check_sketchifier(Pencilish)
    photo = np.full((64, 64, 3), 255, dtype=np.uint8)
    photo[16:48, 16:48] = 30
    thin = Pencilish()(photo)
    thick = Pencilish(post="thickness", line_width=4)(photo)
    assert (thick == 0).sum() > 2 * (thin == 0).sum()
    assert component_config(Pencilish(post="despeckle", min_component=3))["min_component"] == 3


def test_a_subclass_that_forgets_super_init_fails() -> None:
    class Forgetful(Pencilish):
        def __init__(self, blur: int = 5, **shared: Any) -> None:
            self.blur = blur

    with pytest.raises((AssertionError, AttributeError)):
        check_sketchifier(Forgetful)


class DropsText(Fuser):
    """Ignores a missing sketch badly: text-only queries fail."""

    name = "drops-text"
    description = "Returns the sketch."

    def fuse(self, sketch: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        return sketch * 1.0


def test_a_fuser_that_cannot_take_a_missing_sketch_fails() -> None:
    check_fuser(type("Sum", (DropsText,), {"fuse": lambda s, a, b: a if b is None else (b if a is None else a + b)}))
    with pytest.raises(AssertionError, match="fails on text only"):
        check_fuser(DropsText)


class Detached(Loss):
    """A loss with no gradient to the query."""

    name = "detached"
    description = "No gradient."

    def compute(self, query: torch.Tensor, target: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return (query.detach() - target).pow(2).sum() + 0 * target.sum()


def test_a_loss_without_gradient_fails() -> None:
    with pytest.raises(AssertionError, match="no gradient"):
        check_loss(Detached)


class Forgetting(Index):
    """Keeps its ids on save but not its vectors: a loaded index answers with other items."""

    name = "forgetting"
    description = "Forgets its vectors on load."

    def __init__(self) -> None:
        super().__init__()
        self.vectors = np.zeros((0, 16), dtype=np.float32)

    def _add(self, vectors: torch.Tensor) -> None:
        self.vectors = np.vstack([self.vectors, vectors.numpy()])

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = queries @ self.vectors.T
        rows = np.argsort(-scores, axis=1)[:, :k]
        return np.take_along_axis(scores, rows, axis=1).astype(np.float32), rows.astype(np.int64)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ids.json").write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, folder: Path) -> Forgetting:
        index = cls()
        ids = json.loads((folder / "ids.json").read_text())
        index.add(ids, torch.nn.functional.normalize(torch.randn(len(ids), 16), dim=1))
        return index


def test_an_index_that_loses_its_vectors_on_load_fails() -> None:
    with pytest.raises(AssertionError, match="save then load changes results"):
        check_index(Forgetting)


def test_check_component_takes_registered_names_and_rejects_unknown_kinds(tmp_path) -> None:
    check_component("fuser", "concat", tmp_path)
    with pytest.raises(AssertionError, match="unknown component kind"):
        check_component("sketcher", Threshold)
