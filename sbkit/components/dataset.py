"""Dataset: a source of catalogue items (id, image, caption; optionally sketch, category, attributes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sbkit.components.base import Component

if TYPE_CHECKING:
    from sbkit.data.catalogue import Catalogue


class Dataset(Component):
    """Base class. :meth:`load` returns the catalogue as read (rows it could not use in ``skipped``);
    :func:`sbkit.data.validate.load_valid` then drops bad items."""

    def load(self) -> Catalogue:
        raise NotImplementedError  # abstract
