"""sbkit plugin ``opencv``: photo-to-sketch with OpenCV on the CPU (canny, canny-clahe, outline, xdog, sobel)."""

from sbkit.hookspecs import hookimpl
from sbkit_opencv.canny import Canny
from sbkit_opencv.canny_clahe import CannyClahe
from sbkit_opencv.outline import Outline
from sbkit_opencv.sobel import Sobel
from sbkit_opencv.xdog import XDoG

__all__ = ["Canny", "CannyClahe", "Outline", "Sobel", "XDoG"]


@hookimpl
def register_sketchifiers() -> list[type]:
    return [Canny, CannyClahe, Outline, XDoG, Sobel]
