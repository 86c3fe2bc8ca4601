"""``sbkit data validate`` (summary, --all, --json, exit codes) and ``sbkit data show`` (a contact sheet)."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
import typer
from data.fixtures import make_bomb_png, make_folder_catalogue, make_shoev2_fixture
from PIL import Image
from typer.testing import CliRunner

from sbkit.cli.data import register
from sbkit.hookspecs import hookimpl


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


@pytest.fixture(autouse=True)
def datasets():
    """Only the dataset classes under test, so no other plugin has to load."""
    from sbkit.plugins import PluginHost, reset_host
    from sbkit_datasets.folder import FolderDataset
    from sbkit_datasets.public import ShoeV2

    module = types.ModuleType("datasets_under_test")
    module.register_datasets = hookimpl(lambda: [FolderDataset, ShoeV2])
    host = PluginHost()
    host.register(module, "datasets-under-test")
    reset_host(host)
    yield
    reset_host()


def with_problems(root: Path, n_bad: int) -> Path:
    """A folder catalogue (10 items: enough for train and test splits) plus ``n_bad`` rows whose image is
    missing, and one bomb."""
    root = make_folder_catalogue(root, n_items=10)
    make_bomb_png(root / "bomb.png")
    with (root / "captions.csv").open("a", encoding="utf-8") as handle:
        handle.write("bomb,bomb.png,huge,,,,\n")
        handle.writelines(f"gone{i},nothing/{i}.png,missing,,,,\n" for i in range(n_bad))
    return root


def test_validate_clean_catalogue_exits_0(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["data", "validate", str(make_folder_catalogue(tmp_path / "cat", n_items=10))])
    assert result.exit_code == 0, result.output
    assert "10 of 10 items usable" in result.output and "no problems found" in result.output


def test_validate_lists_the_first_20_problems_unless_all(app: typer.Typer, tmp_path: Path) -> None:
    root = with_problems(tmp_path / "cat", n_bad=25)
    result = CliRunner().invoke(app, ["data", "validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "missing_image" in result.output and "too_large" in result.output
    assert "and 6 more" in result.output
    everything = CliRunner().invoke(app, ["data", "validate", str(root), "--all"])
    assert "gone24" in everything.output and "more (--all" not in everything.output


def test_validate_json_report(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["data", "validate", str(with_problems(tmp_path / "cat", 3)), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["counts"] == {"missing_image": 3, "too_large": 1}
    assert report["n_items"] == 14 and report["n_valid"] == 10 and report["fatal"] is False
    assert {p["item_id"] for p in report["problems"] if p["kind"] == "missing_image"} == {"gone0", "gone1", "gone2"}


def test_validate_exits_1_when_fatal(app: typer.Typer, tmp_path: Path) -> None:
    root = tmp_path / "cat"
    root.mkdir()
    (root / "captions.csv").write_text("id,image,caption\na,missing.png,x\n")
    result = CliRunner().invoke(app, ["data", "validate", str(root), "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["fatal"] is True
    (root / "captions.csv").write_text("name\nx\n")  # unreadable: no id/image/caption columns
    result = CliRunner().invoke(app, ["data", "validate", str(root)])
    assert result.exit_code == 1 and "unreadable_catalogue" in result.output
    result = CliRunner().invoke(app, ["data", "validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "no file or folder" in result.output


def test_validate_passes_dataset_params(app: typer.Typer, tmp_path: Path) -> None:
    root = make_shoev2_fixture(tmp_path, n_photos=3, n_test=1)
    result = CliRunner().invoke(app, ["data", "validate", str(root), "--data.cache", str(tmp_path / "c"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_valid"] == 3 and (tmp_path / "c").is_dir()
    result = CliRunner().invoke(app, ["data", "validate", str(root), "--data.nope", "1"])
    assert result.exit_code == 1 and "no parameter 'nope'" in result.output


def test_show_writes_a_contact_sheet(app: typer.Typer, tmp_path: Path) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=10)
    with (root / "captions.csv").open("a", encoding="utf-8") as handle:
        handle.write('jp,images/dress/item000.png,"白いシャツ, Чёрное пальто",,,,\n')
    out = tmp_path / "sheets" / "sheet.png"
    result = CliRunner().invoke(app, ["data", "show", str(root), "--out", str(out), "-n", "6", "--cell", "64"])
    assert result.exit_code == 0, result.output
    with Image.open(out) as sheet:
        assert sheet.size[0] > 4 * 64 and sheet.size[1] > 64
        pixels = sheet.convert("L")
        assert pixels.getextrema()[0] < 60  # ink from pictures, sketches and text
    small = CliRunner().invoke(app, ["data", "show", str(root), "--out", str(out), "-n", "1", "--split", "nope"])
    assert small.exit_code != 0


def test_show_never_writes_over_the_catalogue_or_a_file_sbkit_did_not_write(app: typer.Typer,
                                                                            tmp_path: Path) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=6)
    photo = next((root / "images").rglob("*.png"))
    before = photo.read_bytes()
    result = CliRunner().invoke(app, ["data", "show", str(root), "--out", str(photo), "-n", "2", "--force"])
    assert result.exit_code != 0 and "lies inside the catalogue" in str(result.exception)
    assert photo.read_bytes() == before
    mine = tmp_path / "notes.png"
    Image.new("RGB", (4, 4)).save(mine)
    result = CliRunner().invoke(app, ["data", "show", str(root), "--out", str(mine), "-n", "2"])
    assert result.exit_code != 0 and "sbkit did not write it" in str(result.exception)
    sheet = tmp_path / "sheet.png"
    for _ in range(2):  # its own sheet is replaced on a rerun; another file with --force
        assert CliRunner().invoke(app, ["data", "show", str(root), "--out", str(sheet), "-n", "2"]).exit_code == 0
    assert CliRunner().invoke(app, ["data", "show", str(root), "--out", str(mine), "-n", "2", "--force"]).exit_code == 0
