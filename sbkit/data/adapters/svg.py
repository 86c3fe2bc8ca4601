"""SVG sketch files to strokes and pictures: parsed by svgelements, drawn with OpenCV.

Every shape counts as strokes: ``<path>`` (all commands, elliptical arcs included), ``<rect>``, ``<circle>``,
``<ellipse>``, ``<line>``, ``<polyline>`` and ``<polygon>``, in document order, with every ``transform`` of the
shape and its groups and the ``viewBox`` applied. Curves and arcs are sampled into short segments. Text, images,
fills, dashes and per-shape stroke widths are ignored (every stroke is drawn dark, at one width); the drawing is
scaled to fit the canvas, keeping its aspect ratio, since sbkit crops sketches to their ink anyway
(:func:`sbkit.sketch.normalize_sketch`).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np
import svgelements as svg

from sbkit.errors import DataError, check
from sbkit.io import atomic_write_png

MAX_SAMPLES = 64  # points per curve segment at most
MAX_BYTES = 16 * 2**20  # an SVG drawing's file size at most
MAX_ELEMENTS = 200_000  # elements at most, with every <use> expanded
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _curve_points(segment: svg.Curve | svg.Arc, step: float) -> np.ndarray:
    """Points along a curve or arc, excluding its start, spaced about ``step`` apart (2 to 64 of them)."""
    coarse = np.asarray(segment.npoint(np.linspace(0.0, 1.0, 9)), dtype=np.float64)
    length = float(np.linalg.norm(np.diff(coarse, axis=0), axis=1).sum())
    samples = int(np.clip(np.ceil(length / step), 2, MAX_SAMPLES))
    return np.asarray(segment.npoint(np.linspace(0.0, 1.0, samples + 1)[1:]), dtype=np.float64)


def _segments_to_strokes(path: svg.Path, step: float) -> list[np.ndarray]:
    """One (N, 2) float array per subpath of an already transformed ``path``."""
    strokes: list[list[np.ndarray | tuple[float, float]]] = []
    for segment in path:
        if isinstance(segment, svg.Move):
            strokes.append([(segment.end.x, segment.end.y)])
            continue
        if segment.end is None:
            continue
        if not strokes:
            start = segment.start if segment.start is not None else segment.end
            strokes.append([(start.x, start.y)])
        if isinstance(segment, (svg.CubicBezier, svg.QuadraticBezier, svg.Arc)):
            strokes[-1].extend(_curve_points(segment, step))
        else:  # Line or Close: straight to the end point (a Close ends where its subpath began)
            strokes[-1].append((segment.end.x, segment.end.y))
    return [np.array(s, dtype=np.float64).reshape(-1, 2) for s in strokes if s]


def _polyline_stroke(shape: svg.Polyline | svg.Polygon) -> list[np.ndarray]:
    """A polyline's points under its transform; a polygon returns to its first point."""
    points = np.array([(p.x, p.y) for p in shape.points], dtype=np.float64).reshape(-1, 2)
    if not len(points):
        return []
    m = shape.transform
    points = points @ np.array([[m.a, m.b], [m.c, m.d]]) + (m.e, m.f)
    return [np.vstack([points, points[:1]]) if isinstance(shape, svg.Polygon) else points]


def _transformed(shape: svg.Shape) -> svg.Path:
    """``shape`` as a path with its transform (its own, its groups' and the viewBox's) applied."""
    path = svg.Path(shape)
    path.reify()
    return path


def _parsed_path(data: str) -> svg.Path:
    """``data`` as an svgelements path; raises ValueError where svgelements would stop reading silently."""
    path = svg.Path()
    lexer = svg.SVGLexicalParser()
    try:
        lexer.parse(path, data)
    except ValueError:
        raise ValueError(f"a command lacks numbers near {data[lexer.pos - 10:lexer.pos + 10]!r}") from None
    if data[lexer.pos:].strip(" \t\r\n,"):
        raise ValueError(f"unreadable path data at {data[lexer.pos:lexer.pos + 20]!r}")
    return path


def path_strokes(data: str, step: float = 2.0) -> list[np.ndarray]:
    """SVG path data -> one (N, 2) float array per subpath, curves and arcs sampled about ``step`` apart.

    Raises:
        ValueError: the data is malformed (a number before any command, or too few numbers).
    """
    return _segments_to_strokes(_parsed_path(data), step)


def _expanded_size(root: ET.Element, name: str) -> int:
    """How many elements the document holds once every ``<use>`` is replaced by what it references, counted
    up to :data:`MAX_ELEMENTS`: nested ``<use>`` elements multiply, and svgelements would expand them all."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    counted: dict[int, int] = {}

    def size(element: ET.Element, open_: set[int]) -> int:
        key = id(element)
        if key in counted:
            return counted[key]
        check(key not in open_, f"{name}: a <use> element refers to itself; remove the loop", DataError)
        open_.add(key)
        total = 1 + sum(size(child, open_) for child in element)
        if element.tag.rsplit("}", 1)[-1] == "use":
            target = element.get(XLINK_HREF) or element.get("href") or ""
            referenced = by_id.get(target.lstrip("#")) if target.startswith("#") else None
            total += size(referenced, open_) if referenced is not None else 0
        open_.discard(key)
        counted[key] = min(total, MAX_ELEMENTS + 1)
        return counted[key]

    try:
        return size(root, set())
    except RecursionError:
        raise DataError(f"{name}: elements nested too deeply to read; flatten the drawing's groups") from None


def _svg_bytes(source: str | Path | bytes, name: str) -> bytes:
    """The file's bytes, refused over :data:`MAX_BYTES` (a file by its size, before it is read)."""
    try:
        size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
        check(size <= MAX_BYTES, f"{name}: over {MAX_BYTES // 2**20} MB, too large for a drawing; simplify it or "
              "export it as a PNG", DataError)
        return source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise DataError(f"{name}: not a readable SVG file ({exc})") from None


def _document(source: str | Path | bytes, name: str) -> svg.SVG:
    data = _svg_bytes(source, name)
    try:  # expat refuses entity expansion attacks; a <use> bomb is counted before svgelements expands it
        check(_expanded_size(ET.fromstring(data), name) <= MAX_ELEMENTS, f"{name}: its <use> elements expand to "
              f"over {MAX_ELEMENTS:,} shapes; simplify the drawing or export it as a PNG", DataError)
        document = svg.SVG.parse(io.BytesIO(data), reify=False)  # transforms are applied per shape, below
    except DataError:
        raise
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"{name}: not a readable SVG file ({exc}); check that it is a complete SVG document") from None
    except Exception as exc:  # svgelements raises IndexError, TypeError, ... on malformed attributes
        raise DataError(f"{name}: malformed SVG attribute ({type(exc).__name__}: {exc}); "
                        "check its transform, viewBox and sizes") from None
    if not isinstance(document, svg.SVG):
        raise DataError(f"{name}: not an SVG drawing (the root element is not <svg>)")
    return document


def svg_strokes(source: str | Path | bytes, step: float = 2.0, name: str | None = None) -> list[np.ndarray]:
    """Every stroke of an SVG file (a path, or the file's bytes), in document order, in the drawing's user
    units after every transform. ``name`` names it in errors (the path by default).

    Raises:
        DataError: the file is not readable XML, not an SVG, too large (over :data:`MAX_BYTES`, or
            :data:`MAX_ELEMENTS` once its ``<use>`` elements are expanded), or a shape's data or attributes are
            malformed.
    """
    path = name or ("the SVG drawing" if isinstance(source, bytes) else str(source))
    strokes: list[np.ndarray] = []
    for element in _document(source, path).elements():
        if not isinstance(element, svg.Shape):
            continue
        if isinstance(element, svg.Path):
            try:  # svgelements keeps whatever it read before an error; a half-read path is refused instead
                _parsed_path(element.values.get("d", ""))
            except ValueError as exc:
                raise DataError(f"{path}: malformed <path> ({exc}); fix or remove that path") from None
        if isinstance(element, (svg.Polyline, svg.Polygon)):  # the demo's strokes: no Path conversion, 3x faster
            strokes.extend(_polyline_stroke(element))
        else:
            strokes.extend(_segments_to_strokes(_transformed(element), step))
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


def read_svg_drawing(source: str | Path | bytes, name: str | None = None, size: int = 256,
                     stroke_width: int = 3) -> np.ndarray:
    """An SVG drawing (a path or the file's bytes) drawn dark on white, as :func:`rasterize_svg` draws it ->
    uint8 (size, size)."""
    return render_strokes(svg_strokes(source, name=name), size, stroke_width)


def rasterize_svg(source: str | Path, target: str | Path, size: int = 256, stroke_width: int = 3) -> Path:
    """Render ``source`` to the PNG ``target`` (written atomically) unless ``target`` already exists."""
    target = Path(target)
    if not target.is_file():
        atomic_write_png(target, render_strokes(svg_strokes(source), size, stroke_width))
    return target
