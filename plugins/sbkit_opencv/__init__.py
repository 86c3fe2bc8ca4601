"""sbkit plugin ``opencv``: photo-to-sketch with OpenCV on the CPU (canny, canny-clahe, outline, xdog, sobel).

Components are declared by name; their modules are imported when one is first created.
"""

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

SKETCHIFIERS = [
    ComponentSpec("canny", "sbkit_opencv.canny:Canny",
                  "Blur + Canny with thresholds set from the image's contrast; fast, for most product photos."),
    ComponentSpec("canny-clahe", "sbkit_opencv.canny_clahe:CannyClahe",
                  "Canny that equalises contrast first for light items on light backgrounds (caption or pixels)."),
    ComponentSpec("outline", "sbkit_opencv.outline:Outline",
                  "Silhouette outline plus the few longest interior lines; drops texture, like a drawing."),
    ComponentSpec("xdog", "sbkit_opencv.xdog:XDoG",
                  "Extended difference of Gaussians: pencil-like lines, softer and bolder than Canny."),
    ComponentSpec("sobel", "sbkit_opencv.sobel:Sobel",
                  "Sobel gradient magnitude with hysteresis thresholds: bold, marker-like outlines."),
]

__all__ = ["Canny", "CannyClahe", "Outline", "Sobel", "XDoG"]
__getattr__ = lazy_exports(__name__, SKETCHIFIERS)


@hookimpl
def register_sketchifiers() -> list[ComponentSpec]:
    return SKETCHIFIERS
