"""Parametric outlines: a category's shape as polygons and lines, built from its length and shape params.

Coordinates are abstract units with y pointing down; the renderer and the sketcher scale and place
them. Every shape is a union of filled polygons (the silhouette), plus construction lines (waistband,
sole line, flap ...; the most telling first) and photo-only details (pockets, stitching, buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Params = dict[str, float]
Options = dict[str, int]


@dataclass
class Shape:
    """A product's geometry. ``accents`` are filled parts in another tone: ``sole-light``, ``sole-dark``, ``trim``."""

    polygons: list[np.ndarray]
    lines: list[np.ndarray] = field(default_factory=list)
    details: list[np.ndarray] = field(default_factory=list)
    accents: list[tuple[np.ndarray, str]] = field(default_factory=list)

    def all_polygons(self) -> list[np.ndarray]:
        return self.polygons + [poly for poly, _ in self.accents]

    def bounds(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the silhouette."""
        points = np.concatenate(self.all_polygons())
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)


@dataclass(frozen=True)
class CategoryShape:
    """How to sample one category's hidden shape variation, and how to build its outline."""

    sample: Callable[[np.random.Generator, str], tuple[Params, Options]]
    build: Callable[[str, Params, Options], Shape]


def pts(*points: tuple[float, float]) -> np.ndarray:
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


def bezier(p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], n: int = 12) -> np.ndarray:
    """A quadratic Bezier curve from ``p0`` to ``p2`` pulled towards ``p1``, as ``n`` points."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    a, b, c = np.asarray(p0, float), np.asarray(p1, float), np.asarray(p2, float)
    return (1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 20,
        power: float = 2.0) -> np.ndarray:
    """Points on a superellipse arc (``power`` 2 is an ellipse, 4 a rounded rectangle); angles in degrees."""
    angles = np.radians(np.linspace(start, end, n))
    cos, sin = np.cos(angles), np.sin(angles)
    exponent = 2.0 / power
    x = rx * np.sign(cos) * np.abs(cos) ** exponent
    y = ry * np.sign(sin) * np.abs(sin) ** exponent
    return np.stack([cx + x, cy + y], axis=1)


def path(*parts: np.ndarray | tuple[float, float]) -> np.ndarray:
    """Concatenate points and point arrays into one (N, 2) array."""
    return np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in parts])


def mirrored(right: np.ndarray) -> np.ndarray:
    """A closed symmetric outline from its right half, which runs from the top centre to the bottom centre."""
    left = right[::-1] * np.array([-1.0, 1.0])
    return np.concatenate([right, left[1:-1]])


def both_sides(line: np.ndarray) -> list[np.ndarray]:
    """A line and its mirror image across x = 0."""
    return [line, line * np.array([-1.0, 1.0])]


def rounded(vertices: np.ndarray, radii: list[float] | float, n: int = 6) -> np.ndarray:
    """A closed polygon whose corners are replaced by curves of the given radii."""
    vertices = np.asarray(vertices, dtype=np.float64)
    count = len(vertices)
    radii = [radii] * count if isinstance(radii, (int, float)) else radii
    out = []
    for i in range(count):
        prev, here, nxt = vertices[i - 1], vertices[i], vertices[(i + 1) % count]
        r = radii[i]
        if r <= 0:
            out.append(here[None])
            continue
        d_in, d_out = prev - here, nxt - here
        r_in = min(r, 0.45 * np.linalg.norm(d_in))
        r_out = min(r, 0.45 * np.linalg.norm(d_out))
        a = here + d_in / np.linalg.norm(d_in) * r_in
        b = here + d_out / np.linalg.norm(d_out) * r_out
        out.append(bezier(tuple(a), tuple(here), tuple(b), n))
    return np.concatenate(out)


def band(curve: np.ndarray, width: float) -> np.ndarray:
    """A closed strip of ``width`` around an open curve (a handle, a strap)."""
    tangent = np.gradient(curve, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    return np.concatenate([curve + normal * width / 2, (curve - normal * width / 2)[::-1]])


def uniform(rng: np.random.Generator, **ranges: tuple[float, float]) -> Params:
    """One uniform draw per named range, in a fixed order so the stream stays reproducible."""
    return {name: float(rng.uniform(low, high)) for name, (low, high) in ranges.items()}


def pick(rng: np.random.Generator, **counts: int) -> Options:
    """One integer choice in ``[0, count)`` per named option."""
    return {name: int(rng.integers(count)) for name, count in counts.items()}


def fit_matrix(points: np.ndarray, size: int, fill: float, dx: float = 0.0, dy: float = 0.0, angle: float = 0.0,
               stretch: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """The (2, 3) affine map that puts ``points`` centred in a ``size`` frame, the longer side at ``fill``.

    ``angle`` rotates counter-clockwise (degrees), ``stretch`` scales x and y apart, and ``dx``/``dy``
    shift the centre (fractions of the frame); the result is nudged back inside the frame if needed.
    """
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    sx, sy = stretch
    scale = fill * size / max((x1 - x0) * sx, (y1 - y0) * sy, 1e-9)
    theta = np.radians(angle)
    rotation = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    linear = rotation @ np.diag([scale * sx, scale * sy])
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    target = np.array([size / 2 + dx * size, size / 2 + dy * size])
    matrix = np.concatenate([linear, (target - linear @ centre)[:, None]], axis=1)
    placed = apply(matrix, points)
    margin = 1.0
    for axis in (0, 1):
        low, high = placed[:, axis].min(), placed[:, axis].max()
        if low < margin:
            matrix[axis, 2] += min(margin - low, max(0.0, size - 1 - margin - high))
        elif high > size - 1 - margin:
            matrix[axis, 2] -= min(high - (size - 1 - margin), max(0.0, low - margin))
    return matrix


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` (N, 2) mapped through the affine ``matrix`` (2, 3)."""
    return points @ matrix[:, :2].T + matrix[:, 2]
