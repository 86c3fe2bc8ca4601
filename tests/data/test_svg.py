"""The SVG sketch reader: arcs, transforms, basic shapes, and clear errors for broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sbkit.data.adapters.svg import path_strokes, rasterize_svg, render_strokes, svg_strokes
from sbkit.errors import DataError

HEAD = '<svg xmlns="http://www.w3.org/2000/svg"'


def write(folder: Path, body: str, head: str = HEAD + ">") -> Path:
    path = folder / "drawing.svg"
    path.write_text(f"{head}{body}</svg>")
    return path


def test_an_elliptical_arc_is_sampled_along_the_curve_not_drawn_as_its_chord() -> None:
    (stroke,) = path_strokes("M 0,0 A 10,10 0 0 1 20,0")
    assert np.allclose(stroke[0], [0, 0]) and np.allclose(stroke[-1], [20, 0])
    assert len(stroke) > 10
    assert np.allclose(np.linalg.norm(stroke - [10, 0], axis=1), 10, atol=1e-6)  # every point on the circle
    assert np.abs(stroke[:, 1]).max() == pytest.approx(10, abs=0.1)  # it bulges a full radius off the chord
    (large,) = path_strokes("M 0,0 a 10,5 0 1 0 20,0")  # relative, elliptical, the large arc
    assert np.allclose(large[-1], [20, 0]) and np.abs(large[:, 1]).max() == pytest.approx(5, abs=0.1)


def test_nested_group_transforms_and_the_viewbox_are_applied(tmp_path: Path) -> None:
    body = ('<g transform="translate(100,0)"><g transform="scale(2)">'
            '<line x1="0" y1="0" x2="5" y2="5"/>'
            '<g transform="rotate(90)"><polyline points="0,0 10,0"/></g>'
            '</g></g>')
    first, second = svg_strokes(write(tmp_path, body))
    assert np.allclose(first, [[100, 0], [110, 10]])
    assert np.allclose(second, [[100, 0], [100, 20]])  # rotated a quarter turn, then scaled, then moved
    scaled = write(tmp_path, '<line x1="10" y1="10" x2="50" y2="30"/>',
                   head=HEAD + ' width="200" height="200" viewBox="0 0 100 100">')
    (line,) = svg_strokes(scaled)
    assert np.allclose(line, [[20, 20], [100, 60]])


def test_rect_circle_ellipse_polygon_and_polyline_are_strokes_in_document_order(tmp_path: Path) -> None:
    body = ('<rect x="1" y="2" width="3" height="4"/>'
            '<circle cx="20" cy="20" r="5"/>'
            '<ellipse cx="40" cy="0" rx="6" ry="2"/>'
            '<polygon points="0,0 4,0 4,4"/>'
            '<polyline points="0,0 10,10 20,0"/>'
            '<text x="0" y="0">not a stroke</text>')
    rect, circle, ellipse, polygon, polyline = svg_strokes(write(tmp_path, body))
    assert np.allclose(rect, [[1, 2], [4, 2], [4, 6], [1, 6], [1, 2]])
    assert len(circle) > 8 and np.allclose(circle[0], circle[-1])
    assert np.allclose(np.linalg.norm(circle - [20, 20], axis=1), 5, atol=1e-6)
    assert np.allclose(((ellipse[:, 0] - 40) / 6) ** 2 + (ellipse[:, 1] / 2) ** 2, 1, atol=1e-6)
    assert np.allclose(polygon, [[0, 0], [4, 0], [4, 4], [0, 0]])  # a polygon closes itself
    assert np.allclose(polyline, [[0, 0], [10, 10], [20, 0]])


def test_a_circle_renders_as_a_dark_ring_on_white(tmp_path: Path) -> None:
    target = rasterize_svg(write(tmp_path, '<circle cx="50" cy="50" r="40"/>'), tmp_path / "ring.png", size=64)
    image = render_strokes(svg_strokes(tmp_path / "drawing.svg"), size=64)
    assert target.is_file()
    assert image.shape == (64, 64) and image.dtype == np.uint8
    assert image[32, 32] == 255 and image[0, 0] == 255  # centre and corner stay white
    assert image[32, :8].min() < 64 and image[:8, 32].min() < 64  # the ring reaches the left and top margins


@pytest.mark.parametrize(("text", "message"), [
    ("<svg><path d='M0 0 L 10 10'", "not a readable SVG file"),
    ("<html><body/></html>", "not an SVG drawing"),
    (f"{HEAD}><path d='M 1 2 L'/></svg>", "malformed <path>"),
    (f"{HEAD}><path d='10 10 L 20 20'/></svg>", "malformed <path>"),
    (f"{HEAD}><path d='M 0 0 L 5 x5'/></svg>", "malformed <path>"),
    (f"{HEAD}><g transform='rotate(abc)'><path d='M0 0 L 1 1'/></g></svg>", "malformed SVG attribute"),
])
def test_a_corrupt_svg_is_a_data_error_naming_the_file_and_writes_nothing(tmp_path: Path, text: str,
                                                                          message: str) -> None:
    source = tmp_path / "broken.svg"
    source.write_text(text)
    with pytest.raises(DataError, match=message) as caught:
        svg_strokes(source)
    assert str(source) in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(DataError, match=message):
        rasterize_svg(source, tmp_path / "broken.png")
    assert not (tmp_path / "broken.png").exists()
    assert source.read_text() == text  # the input is left as it was


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a readable SVG file"):
        svg_strokes(tmp_path / "absent.svg")
