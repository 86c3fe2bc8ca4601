"""Bad and odd drawings: every image format class searches like a plain PNG; unusable files, bombs and
blank drawings are refused with one line, by the library and by ``sbkit search``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from a_support import bad_files, bomb_png, cli, drawing_files, one_error_line, strokes
from PIL import Image

from sbkit.errors import DataError
from sbkit.retrieval.query import load_query

FORMATS = ["png-1bit", "png-8bit-grey", "png-16bit", "png-rgb", "png-rgba-alpha-strokes",
           "png-rgba-transparent-ground", "png-palette", "png-palette-transparent", "jpeg-rgb", "jpeg-grey",
           "jpeg-cmyk", "jpeg-phone-turned", "gif", "webp", "tiff", "bmp", "white-on-black", "light-pencil",
           "yellow-pen", "avif", "heic-phone-turned"]
BAD = ["truncated-png", "truncated-jpeg", "zero-bytes", "text-renamed-png", "1-pixel", "bomb-10000x10000",
       "bomb-20000x20000"]


@pytest.fixture(scope="module")
def drawings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return drawing_files(tmp_path_factory.mktemp("drawings"))


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return bad_files(tmp_path_factory.mktemp("bad-drawings"))


def test_every_format_class_is_written_as_named(drawings: dict[str, Path]):
    modes = {name: Image.open(path).mode for name, path in drawings.items() if path.suffix != ".svg"}
    assert Image.open(drawings["avif"]).format == "AVIF" and Image.open(drawings["heic-phone-turned"]).format == "HEIF"
    assert modes["png-1bit"] == "1" and modes["png-16bit"].startswith("I") and modes["jpeg-cmyk"] == "CMYK"
    assert modes["png-palette"] == "P" and modes["png-rgba-alpha-strokes"] == "RGBA" and modes["jpeg-grey"] == "L"
    turned = Image.open(drawings["jpeg-phone-turned"])
    assert turned.size == Image.open(drawings["png-8bit-grey"]).size[::-1] and turned.getexif()[0x0112] == 6


@pytest.mark.parametrize("name", FORMATS)
def test_format_class_ranks_like_the_plain_png(name: str, drawings: dict[str, Path], retriever):
    reference = load_query(drawings["png-8bit-grey"], 64, 2)
    prepared = load_query(drawings[name], 64, 2)
    ink, reference_ink = prepared == 0, reference == 0
    assert (ink & reference_ink).sum() / (ink | reference_ink).sum() > 0.9
    ids = [hit.id for hit in retriever.search(sketch=drawings[name], k=5).hits]
    assert ids == [hit.id for hit in retriever.search(sketch=drawings["png-8bit-grey"], k=5).hits]


def test_an_svg_drawing_searches_like_the_same_lines_in_a_png(drawings: dict[str, Path], retriever):
    reference = load_query(drawings["png-8bit-grey"], 64, 2) == 0
    prepared = load_query(drawings["svg"], 64, 2) == 0
    near = np.ones((3, 3), np.uint8)  # drawn from vectors, a line may fall a pixel to either side of the PNG's
    assert (prepared & cv2.dilate(reference.astype(np.uint8), near).astype(bool)).sum() / prepared.sum() > 0.95
    assert (reference & cv2.dilate(prepared.astype(np.uint8), near).astype(bool)).sum() / reference.sum() > 0.95
    ids = [hit.id for hit in retriever.search(sketch=drawings["svg"], k=5).hits]
    assert ids == [hit.id for hit in retriever.search(sketch=drawings["png-8bit-grey"], k=5).hits]
    uploaded = retriever.search(sketch=drawings["svg"].read_bytes(), k=5)
    assert [hit.id for hit in uploaded.hits] == ids


@pytest.mark.parametrize("name", BAD)
def test_unusable_drawing_is_one_clear_data_error(name: str, bad, retriever):
    path, _ = bad[name]
    with pytest.raises(DataError) as info:
        retriever.search(sketch=path, k=3)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    assert "PNG, JPEG or SVG" in message or "scale the drawing down" in message


SVG_BOMB = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs>'
            '<g id="g0"><path d="M0 0 L10 10" stroke="black"/></g>'
            + "".join(f'<g id="g{i}">' + f'<use xlink:href="#g{i - 1}"/>' * 10 + "</g>" for i in range(1, 12))
            + '</defs><use xlink:href="#g11"/></svg>')
ENTITY_BOMB = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
               + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
               + ']><svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>')


BAD_SVG = {
    "use-bomb": (SVG_BOMB, "expand to over 200,000 shapes"),  # 10^11 shapes once every <use> is expanded
    "entity-bomb": (ENTITY_BOMB, "not a readable SVG file"),  # a billion laughs
    "use-loop": ('<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#a"/></g></svg>', "refers to itself"),
    "truncated": ('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0 L10', "not a readable SVG file"),
    "bad-path": ('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0 L10"/></svg>', "malformed <path>"),
}


@pytest.mark.parametrize(("name", "body", "says"), [(name, *case) for name, case in BAD_SVG.items()], ids=list(BAD_SVG))
def test_an_unusable_svg_drawing_is_one_clear_data_error_at_once(name: str, body: str, says: str, tmp_path: Path,
                                                               retriever):
    path = tmp_path / f"{name}.svg"
    path.write_text(body, encoding="utf-8")
    for sketch in (path, body.encode()):
        with pytest.raises(DataError, match=says) as info:
            retriever.search(sketch=sketch, k=3)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("side", [10_000, 20_000])
def test_decompression_bomb_in_search_is_one_line_exit_2(side: int, run_dir: Path, tmp_path: Path, capsys):
    bomb = bomb_png(tmp_path / f"bomb-{side}.png", side, side)
    code, _, err = cli(capsys, "search", run_dir, "--sketch", bomb, "--json")
    assert code == 2
    line = one_error_line(err)
    assert str(bomb) in line and "64,000,000-pixel limit" in line and "scale the drawing down" in line


def test_a_real_90kb_bomb_is_refused_before_decoding(tmp_path: Path, retriever):
    """The reported case itself: Image.new('1', (20000, 20000), 1), about 90 KB on disk."""
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000), 1).save(path)
    assert path.stat().st_size < 200_000
    with pytest.raises(DataError, match="larger than the 64,000,000-pixel limit"):
        retriever.search(sketch=path, k=3)


@pytest.mark.parametrize("ground", [255, 0])
def test_blank_drawing_is_refused(ground: int, tmp_path: Path, retriever):
    path = tmp_path / "blank.png"
    Image.fromarray(np.full((120, 120), ground, np.uint8)).save(path)
    with pytest.raises(DataError, match="holds no strokes"):
        retriever.search(sketch=path, k=3)


def test_huge_drawing_under_the_limit_is_scaled_and_searched(tmp_path: Path, retriever):
    path = tmp_path / "huge.png"
    Image.fromarray(strokes(4000)).save(path)
    prepared = load_query(path, 64, 2)
    assert prepared.shape == (64, 64) and (prepared == 0).any()
    assert len(retriever.search(sketch=path, k=3).hits) == 3


def test_folder_as_sketch_is_refused(tmp_path: Path, retriever):
    with pytest.raises(DataError, match="is a folder, not an image"):
        retriever.search(sketch=tmp_path, k=3)
