"""Bad and odd drawings: every image format class searches like a plain PNG; unusable files, bombs and
blank drawings are refused with one line, by the library and by ``sbkit search``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from a_support import bad_files, bomb_png, cli, drawing_files, one_error_line, strokes
from PIL import Image

from sbkit.errors import DataError
from sbkit.retrieval.query import load_query

FORMATS = ["png-1bit", "png-8bit-grey", "png-16bit", "png-rgb", "png-rgba-alpha-strokes",
           "png-rgba-transparent-ground", "png-palette", "png-palette-transparent", "jpeg-rgb", "jpeg-grey",
           "jpeg-cmyk", "jpeg-phone-turned", "gif", "webp", "tiff", "bmp", "white-on-black", "light-pencil",
           "yellow-pen"]
BAD = ["truncated-png", "truncated-jpeg", "zero-bytes", "text-renamed-png", "1-pixel", "bomb-10000x10000",
       "bomb-20000x20000"]


@pytest.fixture(scope="module")
def drawings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return drawing_files(tmp_path_factory.mktemp("drawings"))


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return bad_files(tmp_path_factory.mktemp("bad-drawings"))


def test_every_format_class_is_written_as_named(drawings: dict[str, Path]):
    modes = {name: Image.open(path).mode for name, path in drawings.items()}
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


@pytest.mark.parametrize("name", BAD)
def test_unusable_drawing_is_one_clear_data_error(name: str, bad, retriever):
    path, _ = bad[name]
    with pytest.raises(DataError) as info:
        retriever.search(sketch=path, k=3)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    assert "PNG or JPEG" in message or "scale the drawing down" in message


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
