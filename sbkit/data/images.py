"""Reading images safely: upright as a viewer shows them, any mode to RGB uint8, transparency onto white, and a
guard against huge images."""

from __future__ import annotations

import re
import threading
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from sbkit.data import skip_reasons as why
from sbkit.data.sources import ImageSource, as_source, open_binary
from sbkit.errors import DataError

try:  # HEIC/HEIF, as phones save photos (decoding only; BSD-3 with LGPL libheif); AVIF is Pillow's own
    from pi_heif import register_heif_opener
except ImportError:  # pragma: no cover - a platform without its wheel: such photos read as not an image
    pass
else:
    register_heif_opener()

MAX_PIXELS = 64_000_000  # about 8000 x 8000; larger files are refused before decoding
MIN_SIDE = 8
SKETCH_RESOLUTION = 256  # photos are sketchified at up to this size, then normalised down
EXIF_ORIENTATION = 0x0112
SVG_HEAD = 1024  # bytes read to tell an SVG document


class ImageError(DataError):
    """An image that cannot be used; ``reason`` is its skip reason (:mod:`sbkit.data.skip_reasons`)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def too_large(path: ImageSource, max_pixels: int, size: str) -> ImageError:
    """The error for an image over the pixel limit (``size``: ``WxH``, or PIL's decompression-bomb words)."""
    return ImageError(f"{path}: {size} is larger than the {max_pixels:,}-pixel limit (refused before decoding)",
                      why.TOO_LARGE)


def turns(exif: Image.Exif) -> bool:
    """Whether an EXIF block's orientation turns or flips the picture (0, 1 and none leave it as stored)."""
    return exif.get(EXIF_ORIENTATION, 1) not in (0, 1)


def upright(img: Image.Image) -> Image.Image:
    """``img`` turned as its EXIF orientation says, as image viewers and browsers show it; unchanged without one.

    Phones store a photo as the sensor saw it and record the turn in EXIF, so a drawing photographed upright on
    paper is stored sideways. A damaged EXIF block is ignored, as viewers ignore it.
    """
    try:
        return ImageOps.exif_transpose(img) if turns(img.getexif()) else img
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):
        return img


def to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL mode (16-bit, float, palette, with transparency) as RGB; transparency goes onto white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(img, dtype=np.float64)
        top = 65535.0 if array.max() > 255 else 255.0
        return Image.fromarray((array / top * 255).clip(0, 255).astype(np.uint8)).convert("RGB")
    if img.mode == "F":
        array = np.asarray(img, dtype=np.float64)
        span = (array.max() - array.min()) or 1.0
        return Image.fromarray(((array - array.min()) / span * 255).astype(np.uint8)).convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def absent_reason(path: ImageSource) -> str:
    """Why ``path``, which is not a readable file, gives no image: a folder, no such file, or a device or pipe."""
    if isinstance(path, Path) and path.is_dir():
        return "is a folder, not an image"
    if isinstance(path, Path) and path.exists():
        return "is not a regular file (a device or a pipe), not an image"
    return "no such file"


def absent_image(path: ImageSource) -> ImageError:
    """The error for ``path`` when it is not a readable file: ``missing_image`` when nothing is there, else
    ``not_an_image`` (a folder, a device or a pipe)."""
    reason = absent_reason(path)
    return ImageError(f"{path}: {reason}", why.MISSING_IMAGE if reason == "no such file" else why.NOT_AN_IMAGE)


def unidentified_reason(path: ImageSource) -> str:
    """Why PIL found no image in ``path``, in words (PIL's own message shows a Python object, not the file)."""
    try:
        empty = isinstance(path, Path) and path.stat().st_size == 0
    except OSError:
        empty = False
    return "empty file (0 bytes)" if empty else "not an image (no PNG, JPEG or other image format found in it)"


_OPENING = threading.Lock()


def open_image(source: str | Path | BinaryIO) -> Image.Image:
    """``Image.open``, with PIL's decompression-bomb warning raised as the error it warns of, so that callers
    refuse the file. Warning filters are shared by the whole process, so threads take turns changing them
    (opening reads the header only; decoding comes after)."""
    with _OPENING, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(source)


def read_image(path: str | Path | ImageSource, max_pixels: int = MAX_PIXELS,
               min_side: int = MIN_SIDE, max_side: int | None = None) -> np.ndarray:
    """Read ``path`` (a file, or a shard member: :mod:`sbkit.data.sources`) as an RGB uint8 array (H, W, 3), or
    raise :class:`DataError` saying why not. With ``max_side`` the picture comes no larger than that on its
    longer side, and a JPEG is decoded at a fraction of its size to begin with (much faster for a large one)."""
    path = as_source(path)
    if not path.is_file():
        raise absent_image(path)
    try:
        with open_binary(path) as handle, open_image(handle) as img:
            width, height = img.size
            if width * height > max_pixels:
                raise too_large(path, max_pixels, f"{width}x{height}")
            if min(width, height) < min_side:
                raise ImageError(f"{path}: {width}x{height} is smaller than {min_side} px on a side", why.TOO_SMALL)
            if max_side is not None:
                img.draft("RGB", (max_side, max_side))  # a JPEG decodes at 1/2, 1/4 or 1/8, still >= max_side
            img.load()
            rgb = to_rgb(upright(img))
            if max_side is not None:
                rgb.thumbnail((max_side, max_side))
            return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    except DataError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large(path, max_pixels, bomb_size(exc)) from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: {unidentified_reason(path)}", why.NOT_AN_IMAGE) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{path}: corrupt or truncated image ({exc})", why.CORRUPT_IMAGE) from None


def bomb_size(exc: Exception) -> str:
    """``400,000,000 pixels`` from PIL's decompression-bomb message, else ``the image``."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return f"{int(found.group(1)):,} pixels" if found else "the image"


def looks_like_svg(head: bytes) -> bool:
    """Whether a file's first bytes (:data:`SVG_HEAD` of them) open an SVG document: ``<svg``, perhaps after an
    XML declaration, comments or a doctype."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<svg") or (text.startswith((b"<?xml", b"<!--", b"<!doctype")) and b"<svg" in text)


def svg_drawing(source: ImageSource | BinaryIO, name: str) -> np.ndarray | None:
    """A drawing from a vector app, drawn dark on white from its SVG strokes as (256, 256) uint8
    (:func:`sbkit.data.adapters.svg.read_svg_drawing`); None when ``source`` (a file or an open binary stream,
    left where it was) is not an SVG document.

    Raises:
        ImageError: an SVG that cannot be read, or too large (``corrupt_image``).
    """
    if hasattr(source, "read"):
        start = source.tell()
        head = source.read(SVG_HEAD)
        source.seek(start)
        data = source.read() if looks_like_svg(head) else None
        source.seek(start)
        if data is None:
            return None
    else:
        with open_binary(source) as handle:
            if not looks_like_svg(handle.read(SVG_HEAD)):
                return None
        data = None if isinstance(source, Path) else source.read_bytes()
    from sbkit.data.adapters.svg import read_svg_drawing

    try:
        return read_svg_drawing(source if data is None else data, name=name)
    except DataError as exc:
        raise ImageError(str(exc), why.CORRUPT_IMAGE) from None


def read_sketch(path: str | Path | ImageSource) -> np.ndarray:
    """Read a drawing as (H, W) uint8. Strokes kept only in the alpha channel are made dark on white; an SVG
    drawing is drawn from its strokes (:func:`svg_drawing`)."""
    path = as_source(path)
    if not path.is_file():
        raise absent_image(path)
    drawn = svg_drawing(path, str(path))
    if drawn is not None:
        return drawn
    try:
        with open_binary(path) as handle, open_image(handle) as opened:
            img = upright(opened)
            if img.mode in ("RGBA", "LA"):
                alpha = np.asarray(img.getchannel("A"), dtype=np.uint8)
                gray = np.asarray(img.convert("L"), dtype=np.uint8)
                if alpha.min() < 255 and gray.std() < 1.0:  # a flat colour whose strokes live in alpha
                    return (255 - alpha).astype(np.uint8)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large(path, MAX_PIXELS, bomb_size(exc)) from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: {unidentified_reason(path)}", why.NOT_AN_IMAGE) from None
    except OSError as exc:
        raise ImageError(f"{path}: not a readable sketch ({exc})", why.CORRUPT_IMAGE) from None
    rgb = read_image(path)
    return np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.uint8)


def border_pixels(image: np.ndarray) -> np.ndarray:
    """The outermost rows and columns of an (H, W) or (H, W, C) image, one after another: its backdrop on a
    product photo, its paper on a drawing."""
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def border_colour(image: np.ndarray) -> tuple[int, ...]:
    """The median colour of an (H, W) or (H, W, C) image's outermost pixels: a product photo's backdrop."""
    return tuple(int(v) for v in np.atleast_1d(np.median(border_pixels(image), axis=0)))


def square(image: np.ndarray, size: int) -> np.ndarray:
    """Pad to a square with the photo's own backdrop colour (:func:`border_colour`), then resize to ``size``.

    Padding a grey or beige backdrop with white would draw two straight edges beside the item, which edge
    sketchifiers trace and encoders see.
    """
    import cv2  # here, so that reading images (PIL) stays cheap to import

    height, width = image.shape[:2]
    side = max(height, width)
    if side != min(height, width):
        top, left = (side - height) // 2, (side - width) // 2
        image = cv2.copyMakeBorder(image, top, side - height - top, left, side - width - left, cv2.BORDER_CONSTANT,
                                   value=border_colour(image))
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interpolation)


def sketch_input(photo: np.ndarray) -> np.ndarray:
    """A photo at the size sketchifiers work at: one larger than ``SKETCH_RESOLUTION`` is squared down to it."""
    return square(photo, SKETCH_RESOLUTION) if max(photo.shape[:2]) > SKETCH_RESOLUTION else photo
