"""The pytest plugin that installing sbkit adds (entry point ``sbkit`` in the ``pytest11`` group).

Fixtures for testing components, available in any test once sbkit is installed:

- ``sbkit_photo``: a (48, 64, 3) uint8 RGB product photo, a navy rectangle on white;
- ``sbkit_sketch``: a (64, 64) uint8 sketch, dark lines (0) on white (255);
- ``sbkit_texts``: a few captions, one of them empty;
- ``sbkit_catalogue``: the folder of a tiny catalogue (6 items in 3 categories: 32 px images, drawn sketches
  and ``captions.csv``), readable by the ``folder`` dataset (``--data folder --data.path DIR``).

The contract checks are plain functions: ``from sbkit.testing import check_sketchifier``. The module
imports nothing heavy, so the plugin costs nothing in test runs that do not use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def sbkit_photo() -> Any:
    """A (48, 64, 3) uint8 RGB photo: a navy rectangle on white."""
    from sbkit.testing.contracts import product_photo

    return product_photo(48, 64)


@pytest.fixture
def sbkit_sketch() -> Any:
    """A (64, 64) uint8 sketch: a 2 px rectangle outline, 0 ink on 255 paper."""
    import numpy as np

    sketch = np.full((64, 64), 255, dtype=np.uint8)
    sketch[16:48, 20:22] = sketch[16:48, 42:44] = 0
    sketch[16:18, 20:44] = sketch[46:48, 20:44] = 0
    return sketch


@pytest.fixture
def sbkit_texts() -> list[str]:
    """Captions as a catalogue has them, including an empty one (an item with no caption)."""
    return ["a navy quilted shoulder bag", "a long ivory trouser", "red leather ankle boots", ""]


@pytest.fixture
def sbkit_catalogue(tmp_path: Path) -> Path:
    """The folder of a tiny catalogue: 6 items with images, drawn sketches and ``captions.csv``."""
    from sbkit.data.adapters.examples import make_folder_catalogue

    return make_folder_catalogue(tmp_path / "catalogue", n_items=6)
