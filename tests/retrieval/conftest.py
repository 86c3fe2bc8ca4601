import pytest
import torch
from index_helpers import clustered

# Gallery and queries share cluster centres, as real catalogue and query embeddings do.
_POINTS = clustered(3050)


@pytest.fixture
def gallery() -> torch.Tensor:
    return _POINTS[:3000].clone()


@pytest.fixture
def queries() -> torch.Tensor:
    return _POINTS[3000:].clone()
