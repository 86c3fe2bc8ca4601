"""sbkit plugin ``kornia``: photo-to-sketch on tensor batches with kornia, on the CPU or a GPU.

Needs the ``kornia`` extra (``pip install sbkit[kornia]``); kornia is imported when the component is created.
"""

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

SKETCHIFIERS = [
    ComponentSpec("kornia-canny", "sbkit_kornia.canny:KorniaCanny",
                  "Canny on tensor batches with kornia (CPU or CUDA); thresholds set per image like canny.",
                  requires=("kornia",), install="sbkit[kornia]"),
]

__all__ = ["KorniaCanny"]
__getattr__ = lazy_exports(__name__, SKETCHIFIERS)


@hookimpl
def register_sketchifiers() -> list[ComponentSpec]:
    return SKETCHIFIERS
