"""A Retriever over the session's tiny run, shared by the server tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkit.retrieval.retriever import Retriever


@pytest.fixture(scope="session")
def retriever(run_dir: Path) -> Retriever:
    return Retriever.from_run(run_dir)


@pytest.fixture(scope="session")
def drawn_png(retriever: Retriever) -> bytes:
    """The PNG bytes of a drawn sketch of one gallery item."""
    item = next(retriever.item(i) for i in retriever.index.ids if retriever.item(i).sketch is not None)
    return item.sketch.read_bytes()
