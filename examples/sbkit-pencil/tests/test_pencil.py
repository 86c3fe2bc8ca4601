"""The pencil sketchifier's tests; ``sbkit_photo`` comes from sbkit's pytest plugin (installed with sbkit)."""

from __future__ import annotations

import numpy as np

from sbkit.registry import create
from sbkit.testing import check_sketchifier
from sbkit_pencil import Pencil


def test_pencil_honours_the_sketchifier_contract() -> None:
    check_sketchifier(Pencil)


def test_grey_and_rgb_photos_give_the_same_lines(sbkit_photo) -> None:
    grey = np.ascontiguousarray(sbkit_photo[..., 1])  # the photo's colours are not all grey, so compare shapes
    assert Pencil()(grey).shape == Pencil()(sbkit_photo).shape == sbkit_photo.shape[:2]


def test_despeckle_removes_isolated_dots(sbkit_photo) -> None:
    speckled = sbkit_photo.copy()
    speckled[2, 2] = speckled[5, 60] = 0  # two dark pixels on the white background
    plain = Pencil()(speckled)
    cleaned = Pencil(post="despeckle", min_component=4)(speckled)
    assert plain[2, 2] == 0 and cleaned[2, 2] == 255
    assert (cleaned == 0).sum() < (plain == 0).sum()


def test_sbkit_finds_pencil_through_its_entry_point() -> None:
    pencil = create("sketchifier", "pencil", {"blur": "15", "line_width": "3"})
    assert isinstance(pencil, Pencil) and pencil.blur == 15 and pencil.line_width == 3
