"""Contract checks and pytest fixtures for sbkit components, for sbkit's own tests and for plugin authors.

Installing sbkit installs a pytest plugin (:mod:`sbkit.testing.pytest_plugin`), so in a plugin package's
tests the fixtures (``sbkit_photo``, ``sbkit_sketch``, ``sbkit_texts``, ``sbkit_catalogue``) need no import,
and one line checks a component against its kind's contract::

    from sbkit.testing import check_sketchifier
    from sbkit_pencil import Pencil

    def test_pencil_honours_the_contract():
        check_sketchifier(Pencil)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "check_component",
    "check_config",
    "check_dataset",
    "check_encoder",
    "check_fuser",
    "check_index",
    "check_loss",
    "check_metadata",
    "check_sketchifier",
    "kind_of",
    "product_photo",
    "registered_components",
]


def __getattr__(name: str) -> Any:
    # The checks import torch; loaded on first use, so the pytest plugin (imported by every pytest run in an
    # environment with sbkit) costs nothing where no test uses them.
    if name in __all__:
        from sbkit.testing import contracts

        return getattr(contracts, name)
    raise AttributeError(f"module 'sbkit.testing' has no attribute {name!r}")
