"""Post-processing steps: despeckle, thickness, crop, polarity, and their composition."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sbkit.errors import ConfigError
from sbkit.sketch.postprocess import Postprocessor, crop, despeckle, parse_steps, polarity, postprocess, thickness


def paper(height: int = 64, width: int = 64) -> np.ndarray:
    return np.full((height, width), 255, np.uint8)


def with_line_and_specks() -> np.ndarray:
    sketch = paper()
    sketch[30:32, 8:56] = 0  # a long stroke of 96 px
    sketch[5, 5] = sketch[50:52, 50:52] = 0  # specks of 1 and 4 px
    return sketch


def test_despeckle_removes_small_components_only() -> None:
    out = despeckle(with_line_and_specks(), min_component=8)
    assert (out[30:32, 8:56] == 0).all()
    assert out[5, 5] == 255 and (out[50:52, 50:52] == 255).all()
    assert (despeckle(with_line_and_specks(), min_component=3)[50:52, 50:52] == 0).all()


def test_thickness_redraws_lines_at_one_width() -> None:
    sketch = paper()
    sketch[20:29, 10:54] = 0  # a 9 px thick bar
    for width in (1, 3):
        out = thickness(sketch, line_width=width)
        column = out[:, 32]
        assert (column == 0).sum() == width
        assert set(np.unique(out)) <= {0, 255}


def test_crop_centres_and_fills_a_square() -> None:
    sketch = paper()
    cv2.rectangle(sketch, (2, 2), (8, 12), 0, 1)  # a small box drawn in the corner
    out = crop(sketch, margin=0.1, line_width=2)
    rows, cols = np.nonzero(out == 0)
    assert out.shape == (64, 64)
    assert rows.max() - rows.min() + 1 == pytest.approx(64 * 0.8, abs=4)  # the long side spans the inner square
    assert (rows.min() + rows.max()) / 2 == pytest.approx(31.5, abs=1.5)
    assert (cols.min() + cols.max()) / 2 == pytest.approx(31.5, abs=1.5)


def test_crop_keeps_a_non_square_frame() -> None:
    sketch = paper(40, 80)
    sketch[5:10, 70:78] = 0
    out = crop(sketch)
    cols = np.nonzero(out == 0)[1]
    assert out.shape == (40, 80)
    assert 20 <= cols.min() and cols.max() < 60  # inside the centred 40 x 40 square


def test_polarity_makes_dark_on_white_binary() -> None:
    light_on_dark = np.zeros((32, 32), np.uint8)
    light_on_dark[10:12, 4:28] = 230
    out = polarity(light_on_dark)
    assert set(np.unique(out)) == {0, 255}
    assert (out[10:12, 4:28] == 0).all() and out[0, 0] == 255


def test_postprocess_runs_steps_in_order() -> None:
    sketch = with_line_and_specks()
    assert postprocess(sketch, "") is sketch
    expected = thickness(despeckle(sketch, min_component=8), line_width=3)
    out = postprocess(sketch, "despeckle, thickness", min_component=8, line_width=3)
    assert np.array_equal(out, expected)
    assert np.array_equal(postprocess(sketch, ["despeckle", "thickness"], min_component=8, line_width=3), out)
    # thickness first keeps the specks (they become dots), so the order matters
    assert not np.array_equal(postprocess(sketch, "thickness,despeckle", min_component=8, line_width=3), out)


def test_unknown_steps_and_params_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="despeckle"):
        parse_steps("despeckel")
    with pytest.raises(ConfigError, match="min_component"):
        postprocess(paper(), "despeckle", min_size=3)
    with pytest.raises(ConfigError):
        Postprocessor("thicken")


def test_postprocessor_fixes_steps_and_params() -> None:
    run = Postprocessor("despeckle", min_component=8)
    assert run.steps == ("despeckle",)
    assert np.array_equal(run(with_line_and_specks()), despeckle(with_line_and_specks(), 8))
    empty = Postprocessor("")
    sketch = with_line_and_specks()
    assert empty(sketch) is sketch
