"""Fast photo reading for sketchify jobs, with the same checks and results as :func:`sbkit.data.images.read_image`.

Plain 8-bit RGB or grey JPEG and PNG files (nearly every product photo) are decoded by OpenCV, which
is about twice as fast as PIL. Their headers are parsed first, so the size limits are still checked
before decoding; any file whose header says anything else (16-bit, palette, transparency, CMYK, a
missing end marker, another format, an EXIF orientation that turns the picture) goes through ``read_image``
itself, which turns it upright.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sbkit.data.images import MAX_PIXELS, MIN_SIDE, read_image, turns
from sbkit.data.sources import as_source
from sbkit.sketch.edges import to_gray

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_SOF = {0xC0, 0xC1, 0xC2}  # baseline, extended and progressive Huffman frames
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Pictures that EXIF turns never reach OpenCV (read_image turns them), so its own turning is kept off.
_RGB_FLAGS = cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION  # RGB straight from the decoder
_GRAY_FLAGS = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION  # a JPEG's luma plane, no colour work


def _turned(exif_segment: bytes) -> bool:
    """Whether a JPEG's APP1 payload is EXIF whose orientation turns or flips the picture."""
    if not exif_segment.startswith(b"Exif\x00\x00"):
        return False
    exif = Image.Exif()
    try:
        exif.load(exif_segment)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError, struct.error):
        return False  # read_image ignores a damaged EXIF block too
    return turns(exif)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an 8-bit, 1- or 3-channel JPEG with an end marker and no EXIF turn; None for anything
    else."""
    if not (data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")):
        return None
    i, end = 2, len(data) - 9
    while i < end:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_STANDALONE:
            i += 2
            continue
        if marker == 0xDA:  # start of scan before any frame header
            return None
        length = struct.unpack_from(">H", data, i + 2)[0]
        if marker == 0xE1 and _turned(data[i + 4:i + 2 + length]):
            return None
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            precision, height, width, channels = struct.unpack_from(">BHHB", data, i + 4)
            ok = marker in _JPEG_SOF and precision == 8 and channels in (1, 3)
            return (width, height) if ok else None
        i += 2 + length
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an 8-bit RGB or grey PNG with no transparency, no EXIF and an end chunk; else None."""
    if not (data.startswith(_PNG_SIGNATURE) and data.endswith(_PNG_END) and data[12:16] == b"IHDR"):
        return None
    width, height, depth, colour = struct.unpack_from(">IIBB", data, 16)
    if depth != 8 or colour not in (0, 2):
        return None
    i = 8
    while i + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, i)
        if kind in (b"tRNS", b"eXIf"):
            return None
        if kind == b"IDAT":
            return width, height
        i += 12 + length
    return None


def plain_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) when ``data`` is a plain 8-bit RGB/grey JPEG or PNG that OpenCV may decode."""
    try:
        return _jpeg_size(data) or _png_size(data)
    except struct.error:  # a header cut short
        return None


def read_photo(path: str | Path, gray: bool = False) -> np.ndarray:
    """Read ``path`` as RGB uint8 (H, W, 3), or (H, W) grey with ``gray``, or raise :class:`DataError`.

    The checks and errors are ``read_image``'s.
    """
    try:
        data = as_source(path).read_bytes()
    except OSError:
        data = b""  # read_image words the error
    size = plain_size(data) if data else None
    if size is not None and size[0] * size[1] <= MAX_PIXELS and min(size) >= MIN_SIDE:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), _GRAY_FLAGS if gray else _RGB_FLAGS)
        if image is not None and image.shape[:2] == (size[1], size[0]):
            return image
    image = read_image(path)
    return to_gray(image) if gray else image


def resize_longest(image: np.ndarray, size: int) -> np.ndarray:
    """Resize so the longest side is ``size`` px, keeping the aspect ratio (area filter when shrinking)."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest == size:
        return image
    scale = size / longest
    shape = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, shape, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
