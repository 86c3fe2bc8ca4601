"""Builders of tiny datasets in each published layout, for tests anywhere (``from fixtures import ...`` in
tests/data, ``from data.fixtures import ...`` elsewhere under tests/).

The layout builders live in :mod:`sbkit.data.adapters.examples`, so the dataset components' contract
tests use the same ones; this module adds what only tests need.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from sbkit.data.adapters.examples import (COLOURS, make_deepfashion_mm_fixture, make_fashiongen_fixture,
                                          make_fashioniq_fixture, make_folder_catalogue, make_shoev2_fixture,
                                          make_sketchy_fixture, outline, picture, save, shape_points, sketch,
                                          svg_sketch)

__all__ = [
    "COLOURS", "make_bomb_png", "make_deepfashion_mm_fixture", "make_fashiongen_fixture", "make_fashioniq_fixture",
    "make_folder_catalogue", "make_shoev2_fixture", "make_sketchy_fixture", "outline", "picture", "save",
    "shape_points", "sketch", "svg_sketch",
]


def make_bomb_png(path: Path, width: int = 20000, height: int = 20000) -> Path:
    """A PNG of a few dozen bytes whose header claims ``width`` x ``height`` (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
