"""Dataset: a source of catalogue items (id, image, caption; optionally sketch, category, attributes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sbkit.components.base import Component

if TYPE_CHECKING:
    from sbkit.data.catalogue import Catalogue


class Dataset(Component):
    """Base class. :meth:`load` returns a validated :class:`~sbkit.data.catalogue.Catalogue`."""

    def load(self) -> Catalogue:
        raise NotImplementedError  # abstract
