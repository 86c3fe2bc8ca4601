"""Pictures are read upright, as a viewer shows them: phones store a photo as the sensor saw it and record the
turn in EXIF, so a drawing photographed on paper, or a shop's photo, is stored sideways."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.data.images import read_image, read_sketch
from sbkit.retrieval.query import decode_drawing

# EXIF orientation -> how to store the upright picture so that a viewer, turning it as the tag says, shows it
# upright (each the inverse of the turn the tag asks for)
STORED = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
          7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def upright_picture() -> np.ndarray:
    """A 30 x 20 grey picture no turn or flip leaves unchanged: one dark block, near the top left."""
    picture = np.full((30, 20), 255, np.uint8)
    picture[3:9, 2:6] = 0
    return picture


def stored_file(path: Path, orientation: int | None) -> bytes:
    """The upright picture as a phone would store it with ``orientation`` (None: an unreadable tag value)."""
    image = Image.fromarray(upright_picture())
    turn = STORED.get(orientation or 1)
    if turn is not None:
        image = image.transpose(turn)
    exif = Image.Exif()
    exif[0x0112] = 9 if orientation is None else orientation
    image.convert("RGB").save(path, "PNG", exif=exif.tobytes())
    return path.read_bytes()


@pytest.mark.parametrize("orientation", sorted(STORED))
def test_every_exif_orientation_is_read_upright(tmp_path: Path, orientation: int) -> None:
    data = stored_file(tmp_path / "photo.png", orientation)
    want = upright_picture()
    assert np.array_equal(read_image(tmp_path / "photo.png")[..., 0], want)
    assert np.array_equal(read_sketch(tmp_path / "photo.png"), want)
    assert np.array_equal(decode_drawing(io.BytesIO(data), "upload"), want)


def test_an_unknown_orientation_leaves_the_picture_as_stored(tmp_path: Path) -> None:
    stored_file(tmp_path / "photo.png", None)
    assert np.array_equal(read_image(tmp_path / "photo.png")[..., 0], upright_picture())


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_picture_read_no_larger_than_max_side_keeps_its_shape_and_turn(tmp_path: Path, suffix: str) -> None:
    tall = np.kron(upright_picture(), np.ones((40, 40), np.uint8))  # 1200 x 800, the block near the top left
    stored = Image.fromarray(tall).transpose(Image.Transpose.ROTATE_90).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # turn back on reading: the picture comes upright
    path = tmp_path / f"photo{suffix}"
    stored.save(path, exif=exif.tobytes())
    small = read_image(path, max_side=120)
    assert small.shape == (120, 80, 3)
    dark = small.mean(axis=2) < 128
    assert dark[14:34, 10:22].all() and not dark[60:].any()  # still upright: the block at the top left
    assert read_image(path).shape == (1200, 800, 3)
