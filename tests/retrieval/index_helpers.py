"""Small galleries for index tests."""

import torch


def clustered(n: int, dim: int = 32, clusters: int = 40, noise: float = 0.15, seed: int = 0) -> torch.Tensor:
    """Unit vectors drawn around ``clusters`` random centres."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(clusters, dim, generator=g)
    points = centres[torch.randint(0, clusters, (n,), generator=g)] + noise * torch.randn(n, dim, generator=g)
    return torch.nn.functional.normalize(points, dim=1)


def ids_of(n: int, start: int = 0) -> list[str]:
    return [f"item-{i}" for i in range(start, start + n)]
