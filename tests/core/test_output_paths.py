"""``check_output``: an output never overwrites an input, never lands inside an input folder, and replaces a
file or folder that the command did not write only with ``force``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sbkit.errors import ConfigError
from sbkit.evaluation.contact_sheet import photo_sketch_grid
from sbkit.paths import check_output, not_written_by_sbkit, written_by_sbkit


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    Image.new("RGB", (8, 8), "white").save(folder / "a.png")
    return folder


def test_an_input_file_is_never_an_output(source: Path) -> None:
    with pytest.raises(ConfigError, match=r"--sheet .*a\.png is the drawing, which this command reads"):
        check_output(source / "a.png", "--sheet", inputs={"the drawing": source / "a.png"}, force=True)
    with pytest.raises(ConfigError, match="is the drawing"):  # the same file named another way
        check_output(source / "sub" / ".." / "a.png", inputs={"the drawing": source / "a.png"}, force=True)


def test_an_output_inside_an_input_folder_is_refused(source: Path, tmp_path: Path) -> None:
    for out in (source, source / "sub" / "job", source / "new.png"):
        with pytest.raises(ConfigError, match="lies inside SOURCE .*give --out a path outside it"):
            check_output(out, folders={"SOURCE": source}, folder=out.suffix == "", force=True)
    assert check_output(tmp_path / "job", folders={"SOURCE": source}, folder=True) == tmp_path / "job"
    check_output(tmp_path, folders={"SOURCE": source}, folder=True, conflict=lambda _: None)  # holds it: written beside
    with pytest.raises(ConfigError, match="holds SOURCE"):
        check_output(tmp_path, folders={"SOURCE": source}, folder=True, replaced=True, force=True)


def test_a_file_where_a_folder_is_needed_and_the_reverse(source: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--out .*a\.png is a file; give --out a folder$"):
        check_output(source / "a.png", folder=True, force=True)
    with pytest.raises(ConfigError, match="is a folder; give --sheet a file name"):
        check_output(source, "--sheet", force=True)


def test_a_file_sbkit_did_not_write_needs_force(source: Path, tmp_path: Path) -> None:
    mine = source / "a.png"
    with pytest.raises(ConfigError, match="already exists and sbkit did not write it.*--force"):
        check_output(mine, conflict=not_written_by_sbkit)
    assert check_output(mine, conflict=not_written_by_sbkit, force=True) == mine
    sheet = photo_sketch_grid({"photo": [np.zeros((8, 8), np.uint8)]}, tmp_path / "sheet.png", thumb=16)
    assert written_by_sbkit(sheet) and not written_by_sbkit(mine)
    assert check_output(sheet, conflict=not_written_by_sbkit) == sheet  # its own sheet: a rerun replaces it
    assert not written_by_sbkit(tmp_path / "missing.png")
