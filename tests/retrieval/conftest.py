import numpy as np
import pytest
import torch
from index_helpers import clustered
from sketch_helpers import SIZE, WIDTH, drawing

from sbkit.retrieval.query import prepare_query

# Gallery and queries share cluster centres, as real catalogue and query embeddings do.
_POINTS = clustered(3050)


@pytest.fixture
def gallery() -> torch.Tensor:
    return _POINTS[:3000].clone()


@pytest.fixture
def queries() -> torch.Tensor:
    return _POINTS[3000:].clone()


@pytest.fixture(autouse=True)
def _one_faiss_thread():
    """Tiny test galleries gain nothing from threads, and FAISS's spinning threads crawl on a busy machine."""
    try:
        import faiss
    except ImportError:
        yield
        return
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(threads)


@pytest.fixture(scope="session")
def reference() -> np.ndarray:
    """The plain dark-on-white drawing as a query sketch: what every other form of it should come out as."""
    return prepare_query(drawing(400, 5), SIZE, WIDTH)
