"""Drawn-style sketches: a rough drawing of a spec's outline, standing in for a person's drawing.

The sketch comes from the spec, never from the photo's pixels: each shape param is misjudged by up to
10%, the whole is stretched and turned a little, the outline is simplified and drawn in one to three
wobbly strokes of 1-3 px that sometimes overshoot or leave a gap, and one or two construction lines
(waistband, inseam, sole line, bag flap or handle) are added. There is no surface pattern.

:func:`drawn_strokes` keeps the strokes in the order they were drawn (outline pieces, then construction
lines); the demo writes them as an SVG beside each sketch PNG, so partial sketches (the first strokes
only) can be rendered to measure retrieval while a person is still drawing. :class:`DrawingErrors` switches
each error off on its own, to measure what it costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from sbkit.data.demo.render import fill, to_fixed
from sbkit.data.demo.shapes import apply, fit_matrix
from sbkit.data.demo.specs import ItemSpec

SUPERSAMPLE = 2  # drawn at twice the size, then reduced, for smooth strokes of fractional width
CHUNK = 8  # points per piece of a stroke drawn with one pen width
PROPORTION_ERROR = 0.1


def resample(points: np.ndarray, step: float, closed: bool) -> np.ndarray:
    """Points spaced ``step`` apart along a polyline (closed: back to the start)."""
    if closed:
        points = np.concatenate([points, points[:1]])
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    arclen = np.concatenate([[0.0], np.cumsum(seg)])
    if arclen[-1] < step:
        return points
    at = np.linspace(0.0, arclen[-1], max(2, int(arclen[-1] / step) + 1))
    out = np.stack([np.interp(at, arclen, points[:, 0]), np.interp(at, arclen, points[:, 1])], axis=1)
    return out[:-1] if closed else out


def _normals(points: np.ndarray) -> np.ndarray:
    tangent = np.gradient(points, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    return normal / (np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9)


def wobble(points: np.ndarray, rng: np.random.Generator, amplitude: float, wavelength: float) -> np.ndarray:
    """Push points sideways by a smooth random offset (a hand that does not hold a line perfectly)."""
    count = len(points)
    if count < 3:
        return points
    knots = max(2, int(count * np.linalg.norm(points[1] - points[0]) / wavelength) + 2)
    offsets = np.interp(np.linspace(0, knots - 1, count), np.arange(knots), rng.normal(0.0, amplitude, knots))
    drift = np.linspace(rng.normal(0, amplitude * 0.6), rng.normal(0, amplitude * 0.6), count)
    return points + _normals(points) * (offsets + drift)[:, None]


def _extend(stroke: np.ndarray, rng: np.random.Generator, reach: float, move: bool = True) -> np.ndarray:
    """Overshoot past an end, or stop short of it, now and then; with ``move`` False the random numbers are
    drawn all the same and the stroke is returned as it was."""
    drawn = stroke
    for end in (0, -1):
        roll = rng.random()
        if len(stroke) < 4:
            break
        if roll < 0.3:  # overshoot along the end's tangent
            inner = stroke[1] if end == 0 else stroke[-2]
            direction = (stroke[end] - inner) / (np.linalg.norm(stroke[end] - inner) + 1e-9)
            tip = stroke[end] + direction * reach * rng.uniform(0.5, 1.5)
            stroke = np.concatenate([tip[None], stroke]) if end == 0 else np.concatenate([stroke, tip[None]])
        elif roll < 0.5:  # a small gap
            cut = min(len(stroke) // 4, max(1, int(rng.integers(1, 4))))
            stroke = stroke[cut:] if end == 0 else stroke[:-cut]
    return stroke if move else drawn


def _split(points: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """A closed outline as one to three strokes that overlap a little at their joins."""
    count = len(points)
    pieces = int(rng.integers(1, 4)) if count > 30 else 1
    start = int(rng.integers(count))
    rolled = np.roll(points, -start, axis=0)
    cuts = np.sort(rng.choice(np.arange(5, count - 5), size=pieces - 1, replace=False)) if pieces > 1 else []
    bounds = [0, *cuts, count]
    overlap = 2
    strokes = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        idx = np.arange(a - (overlap if a else 0), b + overlap + (1 if b == count else 0)) % count
        strokes.append(rolled[idx])
    return strokes


@dataclass(frozen=True)
class DrawingErrors:
    """How a drawn-style sketch departs from its spec: errors of shape, then of the hand. The demo's drawings use
    the defaults.

    ``lines`` draws no construction line (``"none"``), the demo's one or two (``"some"``), or every
    construction line and photo-only detail (pockets, stitching) as the photo shows them (``"all"``).

    Every amount is drawn uniformly within its bound, and the random numbers are drawn whatever the settings
    (0 turns an error off and leaves every other draw as it was), so the same generator gives the same strokes
    with one error switched off and the rest unchanged. Only ``lines`` changes how many strokes draw their own
    wobble and ends, and with them the ink and pens that are drawn after.
    """

    proportion: float = PROPORTION_ERROR  # each shape param misjudged by up to this fraction
    stretch: float = 0.06  # the whole stretched sideways by up to this fraction
    turn: float = 6.0  # and turned by up to this many degrees
    angle: float = 0.0  # ... about this angle (degrees; a photo's own angle draws the item as it was photographed)
    wobble: float = 1.0  # the hand's sideways wobble, as a share of the demo's
    ends: bool = True  # strokes now and then overshoot their ends or stop short of them
    lines: Literal["none", "some", "all"] = "some"  # which construction lines are drawn


@dataclass
class DrawnStrokes:
    """A drawn-style sketch before rendering: its strokes in drawing order, with the pen of each.

    ``strokes`` are (N, 2) points at ``SUPERSAMPLE`` times the sketch size; ``widths[i]`` holds one pen width
    (supersampled px) per ``CHUNK`` points of stroke ``i``; ``ink`` is the grey level of every stroke.
    """

    size: int
    strokes: list[np.ndarray]
    widths: list[np.ndarray]
    ink: int

    def render(self, count: int | None = None) -> np.ndarray:
        """The first ``count`` strokes (default all) as (size, size) uint8, dark on white."""
        work = self.size * SUPERSAMPLE
        canvas = np.full((work, work), 255, np.uint8)
        for stroke, widths in list(zip(self.strokes, self.widths))[:count]:
            fixed = to_fixed(stroke)
            for start, width in zip(range(0, len(stroke) - 1, CHUNK), widths):
                cv2.polylines(canvas, [fixed[start : start + CHUNK + 1]], False, self.ink, int(width), cv2.LINE_AA,
                              4)
        return cv2.resize(canvas, (self.size, self.size), interpolation=cv2.INTER_AREA)

    def svg(self) -> str:
        """The strokes as SVG polylines in drawing order, in sketch pixels (the order is what matters)."""
        lines = []
        for stroke, widths in zip(self.strokes, self.widths):
            points = " ".join(f"{x / SUPERSAMPLE:.2f},{y / SUPERSAMPLE:.2f}" for x, y in stroke)
            width = float(np.mean(widths)) / SUPERSAMPLE if len(widths) else 1.0
            lines.append(f'<polyline fill="none" stroke="rgb({self.ink},{self.ink},{self.ink})" '
                         f'stroke-width="{width:.2f}" stroke-linecap="round" points="{points}"/>')
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.size}" height="{self.size}" '
                f'viewBox="0 0 {self.size} {self.size}">\n' + "\n".join(lines) + "\n</svg>\n")


def _pen(stroke: np.ndarray, rng: np.random.Generator, base: float) -> np.ndarray:
    """Pen widths of a stroke, one per chunk of points, drifting along its length (1-3 px after reduction)."""
    chunks = len(range(0, len(stroke) - 1, CHUNK))
    return np.clip(np.round(base + rng.normal(0.0, 0.6, chunks)), 2, 6).astype(int)


def drawn_strokes(spec: ItemSpec, rng: np.random.Generator, errors: DrawingErrors = DrawingErrors()) -> DrawnStrokes:
    """The strokes of a drawn-style sketch of ``spec``, outline pieces first, then construction lines."""
    size = spec.image_size
    work = size * SUPERSAMPLE
    params = {k: v * (1.0 + rng.uniform(-errors.proportion, errors.proportion)) for k, v in spec.params.items()}
    shape = spec.shape(params)
    stretch = (1.0 + rng.uniform(-errors.stretch, errors.stretch), 1.0)
    matrix = fit_matrix(np.concatenate(shape.all_polygons()), work, rng.uniform(0.62, 0.8), rng.uniform(-0.04, 0.04),
                        rng.uniform(-0.04, 0.04), errors.angle + rng.uniform(-errors.turn, errors.turn), stretch)

    silhouette = fill(np.zeros((work, work), np.uint8), [apply(matrix, p) for p in shape.all_polygons()])
    contours, _ = cv2.findContours((silhouette >= 128).astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    step = work / 100
    amplitude, wavelength = work * 0.007, work * 0.12
    strokes = []
    for contour in contours:
        if cv2.contourArea(contour) < (work * 0.02) ** 2:
            continue
        simple = cv2.approxPolyDP(contour, work * 0.004, True)[:, 0, :].astype(np.float64)
        outline = resample(simple, step, closed=True)
        strokes += [_extend(wobble(s, rng, amplitude * errors.wobble, wavelength), rng, work * 0.03, errors.ends)
                    for s in _split(outline, rng)]

    lines = shape.lines[:1] + [line for line in shape.lines[1:2] if rng.random() < 0.6]
    lines = {"none": [], "some": lines, "all": shape.lines + shape.details}[errors.lines]
    for line in lines:
        points = resample(apply(matrix, line), step, closed=False)
        strokes.append(_extend(wobble(points, rng, amplitude * 0.7 * errors.wobble, wavelength), rng, work * 0.02,
                               errors.ends))

    ink = int(rng.integers(0, 60))
    base = rng.uniform(2.0, 5.0)
    widths = []
    for stroke in strokes:
        stroke_base = base + rng.normal(0.0, 0.5)  # drawn before the stroke's own widths, as the sketch always was
        widths.append(_pen(stroke, rng, stroke_base))
    return DrawnStrokes(size, strokes, widths, ink)


def draw_sketch(spec: ItemSpec, rng: np.random.Generator, errors: DrawingErrors = DrawingErrors()) -> np.ndarray:
    """A drawn-style sketch of ``spec``: (H, W) uint8, dark strokes on white, at ``spec.image_size``."""
    return drawn_strokes(spec, rng, errors).render()
