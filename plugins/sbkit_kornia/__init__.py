"""sbkit plugin ``kornia``: photo-to-sketch on tensor batches with kornia, on the CPU or a GPU."""

from sbkit.hookspecs import hookimpl
from sbkit_kornia.canny import KorniaCanny

__all__ = ["KorniaCanny"]


@hookimpl
def register_sketchifiers() -> list[type]:
    return [KorniaCanny]
