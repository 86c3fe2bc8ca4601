"""Photos squared for the encoders and sketchifiers: padding takes the photo's own backdrop colour."""

from __future__ import annotations

import numpy as np

from sbkit.data.images import SKETCH_RESOLUTION, border_colour, sketch_input, square
from sbkit.registry import create


def tall_photo_on(backdrop: tuple[int, int, int], height: int = 400, width: int = 300) -> np.ndarray:
    photo = np.empty((height, width, 3), np.uint8)
    photo[:] = backdrop
    photo[100:300, 80:220] = (40, 50, 120)  # a navy item in the middle
    return photo


def test_a_tall_photo_is_padded_with_its_backdrop_not_white() -> None:
    squared = square(tall_photo_on((214, 208, 196)), 128)
    assert squared.shape == (128, 128, 3)
    assert (squared[:, :8] == (214, 208, 196)).all() and (squared[:, -8:] == (214, 208, 196)).all()


def test_a_square_photo_is_only_resized() -> None:
    photo = tall_photo_on((255, 255, 255), 200, 200)
    assert (square(photo, 200) == photo).all()


def test_border_colour_is_the_median_of_the_outermost_pixels() -> None:
    photo = tall_photo_on((230, 230, 230))
    photo[:, 0] = 0  # one dark column along the left edge is outvoted by the rest of the border
    assert border_colour(photo) == (230, 230, 230)
    assert border_colour(photo[..., 0]) == (230,)


def test_padding_draws_no_frame_lines_in_the_sketch() -> None:
    photo = np.kron(tall_photo_on((214, 208, 196)), np.ones((2, 2, 1), np.uint8))  # 800 x 600
    work = sketch_input(photo)  # padded to 800 x 800 (100 px each side), then reduced to 256
    assert work.shape == (SKETCH_RESOLUTION, SKETCH_RESOLUTION, 3)
    sketch = create("sketchifier", "canny", {})(work) < 128
    assert sketch[:, 83:174].any()  # the item's outline
    assert not sketch[:, 20:45].any() and not sketch[:, 212:237].any()  # nothing where padding meets the photo
