"""A small SVG stroke rasteriser for sketch files: path data to polylines, drawn with OpenCV.

Supported: ``<path>`` data with M, L, H, V, C, S, Q, T, Z (absolute and relative, implicit repeats),
plus ``<polyline>``, ``<polygon>`` and ``<line>``. Curves are sampled into short segments. Limits:
elliptical arcs (A) are drawn as a straight line to their end point; ``transform`` attributes,
fills, dashes and per-path stroke widths are ignored (every stroke is drawn dark, at one width); the
drawing is scaled to fit the canvas, keeping its aspect ratio, since sbkit crops sketches to their
ink anyway (:func:`sbkit.sketch.normalize_sketch`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np

from sbkit.errors import DataError
from sbkit.io import atomic_write_png

TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}


def _bezier(points: np.ndarray, samples: int) -> np.ndarray:
    """Points on the Bezier curve with control ``points`` (k, 2), excluding the start."""
    t = np.linspace(0.0, 1.0, samples + 1)[1:, None]
    if len(points) == 3:
        p0, p1, p2 = points
        return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
    p0, p1, p2, p3 = points
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3


def _samples(points: np.ndarray, step: float) -> int:
    """Enough samples that no segment is much longer than ``step`` (the control polygon bounds the length)."""
    length = float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())
    return int(np.clip(np.ceil(length / step), 2, 64))


def path_strokes(data: str, step: float = 2.0) -> list[np.ndarray]:
    """SVG path data -> one (N, 2) float array per subpath.

    Raises:
        ValueError: the data is malformed (a number before any command, or too few numbers).
    """
    tokens = TOKEN.findall(data)
    strokes: list[list[np.ndarray]] = []
    pos = start = np.zeros(2)
    control: np.ndarray | None = None  # the last curve control point, for S and T
    previous = ""
    command = ""
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
        elif not command:
            raise ValueError(f"path data starts with a number: {data[:40]!r}")
        upper, relative = command.upper(), command.islower()
        if upper == "Z":
            if strokes and len(strokes[-1]):
                strokes[-1].append(start.copy())
            pos, previous, control = start.copy(), "Z", None
            command = ""
            continue
        count = ARGS[upper]
        if i + count > len(tokens) or any(t.isalpha() for t in tokens[i:i + count]):
            raise ValueError(f"command {command!r} needs {count} numbers")
        args = np.array([float(t) for t in tokens[i:i + count]])
        i += count
        base = pos if relative else np.zeros(2)
        if upper == "M":
            pos = start = base + args
            strokes.append([pos.copy()])
            command = "l" if relative else "L"  # further pairs after a moveto are linetos
            previous, control = "M", None
            continue
        if not strokes:
            strokes.append([pos.copy()])
        curve: list[np.ndarray] = []  # control points after ``pos`` when the segment is a curve
        if upper == "L":
            end = base + args
        elif upper == "H":
            end = np.array([args[0] + (pos[0] if relative else 0), pos[1]])
        elif upper == "V":
            end = np.array([pos[0], args[0] + (pos[1] if relative else 0)])
        elif upper == "A":
            end = base + args[5:7]  # an arc is drawn as its chord
        elif upper == "C":
            curve, end = [base + args[0:2], base + args[2:4]], base + args[4:6]
        elif upper == "S":
            reflected = 2 * pos - control if previous in ("C", "S") and control is not None else pos
            curve, end = [reflected, base + args[0:2]], base + args[2:4]
        elif upper == "Q":
            curve, end = [base + args[0:2]], base + args[2:4]
        else:  # T
            reflected = 2 * pos - control if previous in ("Q", "T") and control is not None else pos
            curve, end = [reflected], base + args
        if curve:
            points = np.stack([pos, *curve, end])
            strokes[-1].extend(_bezier(points, _samples(points, step)))
        else:
            strokes[-1].append(end)
        pos, control, previous = end, (curve[-1] if curve else None), upper
    return [np.array(s, dtype=np.float64) for s in strokes if len(s)]


def _numbers(text: str | None) -> np.ndarray:
    return np.array([float(t) for t in TOKEN.findall(text or "") if not t.isalpha()], dtype=np.float64)


def svg_strokes(path: str | Path) -> list[np.ndarray]:
    """Every stroke of an SVG file, in document order.

    Raises:
        DataError: the file is not readable XML, or its path data is malformed.
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"{path}: not a readable SVG file ({exc})") from None
    strokes: list[np.ndarray] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        try:
            if tag == "path":
                strokes.extend(path_strokes(element.get("d", "")))
            elif tag in ("polyline", "polygon"):
                numbers = _numbers(element.get("points"))
                points = numbers[: len(numbers) // 2 * 2].reshape(-1, 2)
                if len(points):
                    strokes.append(np.vstack([points, points[:1]]) if tag == "polygon" else points)
            elif tag == "line":
                strokes.append(np.array([[float(element.get(k, 0)) for k in pair]
                                         for pair in (("x1", "y1"), ("x2", "y2"))]))
        except ValueError as exc:
            raise DataError(f"{path}: malformed <{tag}> ({exc})") from None
    return strokes


def render_strokes(strokes: list[np.ndarray], size: int = 256, stroke_width: int = 3,
                   margin: float = 0.05) -> np.ndarray:
    """Draw ``strokes`` dark on white, scaled to fit a (size, size) canvas -> uint8 (size, size)."""
    canvas = np.full((size, size), 255, dtype=np.uint8)
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return canvas
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    span = float(max((high - low).max(), 1e-6))
    scale = size * (1 - 2 * margin) / span
    offset = (size - (high - low) * scale) / 2
    for stroke in strokes:
        fixed = np.round(((stroke - low) * scale + offset) * 16).astype(np.int32)  # 4 fractional bits
        if len(fixed) == 1:
            cv2.circle(canvas, tuple(int(v) for v in fixed[0]), max(stroke_width // 2, 1) * 16, 0, -1, cv2.LINE_AA,
                       shift=4)
        else:
            cv2.polylines(canvas, [fixed.reshape(-1, 1, 2)], False, 0, stroke_width, cv2.LINE_AA, shift=4)
    return canvas


def rasterize_svg(source: str | Path, target: str | Path, size: int = 256, stroke_width: int = 3) -> Path:
    """Render ``source`` to the PNG ``target`` (written atomically) unless ``target`` already exists."""
    target = Path(target)
    if not target.is_file():
        atomic_write_png(target, render_strokes(svg_strokes(source), size, stroke_width))
    return target
