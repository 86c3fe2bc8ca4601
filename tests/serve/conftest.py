"""Fixtures shared by the server tests: a drawn sketch of one gallery item of the session's tiny run."""

from __future__ import annotations

import pytest

from sbkit.retrieval.retriever import Retriever


@pytest.fixture(scope="module")
def drawn_png(retriever: Retriever) -> bytes:
    """The PNG bytes of a drawn sketch of one gallery item."""
    item = next(retriever.item(i) for i in retriever.index.ids if retriever.item(i).sketch is not None)
    return item.sketch.read_bytes()
