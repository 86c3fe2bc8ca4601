"""``sbkit search``: sketch, text or both; a table or JSON; a contact sheet; every drawing form agrees."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from sbkit.cli.search import register
from sbkit.errors import ConfigError, DataError
from sbkit.retrieval.gallery import load_items, run_source
from sbkit.retrieval.run_folder import load_run

runner = CliRunner()
K = 5


@pytest.fixture(scope="module")
def test_items(run_dir: Path):
    items, _ = load_items(run_source(load_run(run_dir).config))
    return {item.id: item for item in items}


@pytest.fixture(scope="module")
def drawn(test_items) -> Path:
    """A drawn sketch of one test item (dark lines on white)."""
    return next(item.sketch for item in test_items.values() if item.sketch is not None)


def search(*args: str):
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps ``search`` a subcommand."""

    register(app)
    return runner.invoke(app, ["search", *map(str, args)])


def search_json(run_dir: Path, *args: str) -> dict:
    result = search(run_dir, "--json", "-k", K, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("mode", ["sketch", "text", "both"])
def test_each_query_mode_ranks_the_test_gallery(mode, run_dir: Path, drawn: Path, test_items, tmp_path: Path):
    caption = "a long red trouser"
    query = {"sketch": ["--sketch", drawn], "text": ["--text", caption],
             "both": ["--sketch", drawn, "--text", caption]}[mode]
    sheet = tmp_path / "sheet.png"
    result = search(run_dir, *query, "-k", K, "--sheet", sheet)
    assert result.exit_code == 0, result.output
    assert "rank" in result.stdout and "score" in result.stdout and "caption" in result.stdout
    shown = [item_id for item_id in test_items if item_id in result.stdout]
    assert len(shown) == K
    assert str(sheet) in result.stdout.replace("\n", "")
    with Image.open(sheet) as image:
        assert image.format == "PNG" and image.width > K * 112 and image.height > 112


def test_json_output_is_machine_readable(run_dir: Path, drawn: Path, test_items):
    payload = search_json(run_dir, "--sketch", drawn, "--text", "a mini black dress")
    results = payload["results"]
    assert [r["rank"] for r in results] == list(range(1, K + 1))
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and all(-1.0001 <= s <= 1.0001 for s in scores)
    for r in results:
        item = test_items[r["id"]]
        assert r["path"] == str(item.image) and r["caption"] == item.caption
    assert payload["query"] == {"sketch": str(drawn), "text": "a mini black dress", "text_understood": True,
                                "unknown_words": [], "corrections": {}, "colour": "black"}
    assert payload["warnings"] == []
    assert payload["sheet"] is None and not list(run_dir.glob("search-*.png"))


def test_typos_are_read_as_catalogue_words_and_exact_text_keeps_them(run_dir: Path, test_items,
                                                                      tmp_path: Path):
    caption = next(item.caption for item in test_items.values() if "dress" in item.caption)
    typed = caption.replace("dress", "drses")
    payload = search_json(run_dir, "--text", typed)
    assert payload["query"]["text"] == caption and payload["query"]["corrections"] == {"drses": "dress"}
    spelt = search_json(run_dir, "--text", caption)
    assert [r["id"] for r in payload["results"]] == [r["id"] for r in spelt["results"]]
    exact = search_json(run_dir, "--text", typed, "--exact-text")
    assert exact["query"]["text"] == typed and exact["query"]["corrections"] == {}
    table = search(run_dir, "--text", typed, "--sheet", tmp_path / "sheet.png")
    assert table.exit_code == 0 and "read 'drses' as 'dress'" in table.stdout and "--exact-text" in table.stdout
    assert "drses" not in search(run_dir, "--text", typed, "--exact-text", "--sheet", tmp_path / "s2.png").stdout


def test_a_colour_named_ranks_toward_photos_of_it_unless_its_weight_is_0(run_dir: Path, tmp_path: Path):
    coloured = search_json(run_dir, "--text", "a red dress", "-k", 30)
    plain = search_json(run_dir, "--text", "a red dress", "-k", 30, "--colour-weight", "0")
    assert coloured["query"]["colour"] == "red" and plain["query"]["colour"] is None
    assert [r["id"] for r in coloured["results"]] != [r["id"] for r in plain["results"]]  # the term moved some
    table = search(run_dir, "--text", "a red dress", "--sheet", tmp_path / "sheet.png")
    assert table.exit_code == 0 and "ranked toward photos that are red; --colour-weight 0" in table.stdout
    refused = search(run_dir, "--text", "a red dress", "--colour-weight", "-1")
    assert refused.exit_code == 2 and "--colour-weight" in refused.output


def test_default_sheet_goes_into_the_run_folder(run_dir: Path):
    before = set(run_dir.glob("search-*.png"))
    result = search(run_dir, "--text", "a short skirt", "-k", 3)
    assert result.exit_code == 0, result.output
    written = set(run_dir.glob("search-*.png")) - before
    assert len(written) == 1
    for path in written:
        path.unlink()


def test_sheet_never_replaces_the_drawing_or_a_file_sbkit_did_not_write(run_dir: Path, drawn: Path,
                                                                        tmp_path: Path):
    query = tmp_path / "query.png"
    query.write_bytes(drawn.read_bytes())
    result = search(run_dir, "--sketch", query, "--sheet", query, "-k", 2, "--force")
    assert isinstance(result.exception, ConfigError) and "is the --sketch drawing" in str(result.exception)
    assert query.read_bytes() == drawn.read_bytes()
    photo = tmp_path / "holiday.png"
    Image.new("RGB", (8, 8), "red").save(photo)
    before = photo.read_bytes()
    result = search(run_dir, "--text", "a dress", "--sheet", photo, "-k", 2)
    assert isinstance(result.exception, ConfigError) and "sbkit did not write it" in str(result.exception)
    assert "--force" in str(result.exception) and photo.read_bytes() == before
    sheet = tmp_path / "sheet.png"
    for _ in range(2):  # its own sheet is replaced on a rerun
        assert search(run_dir, "--text", "a dress", "--sheet", sheet, "-k", 2).exit_code == 0
    assert search(run_dir, "--text", "a dress", "--sheet", photo, "-k", 2, "--force").exit_code == 0
    assert photo.read_bytes() != before


def test_a_query_is_required(run_dir: Path):
    for args in ([], ["--text", "   "]):
        result = search(run_dir, *args)
        assert isinstance(result.exception, DataError)
        assert "--sketch" in str(result.exception) and "--text" in str(result.exception)


def test_light_on_dark_and_transparent_drawings_find_the_same_top_hit(run_dir: Path, drawn: Path,
                                                                     tmp_path: Path):
    gray = np.asarray(Image.open(drawn).convert("L"))
    Image.fromarray(255 - gray).save(tmp_path / "inverted.png")
    strokes = np.zeros((*gray.shape, 4), np.uint8)
    strokes[..., 3] = 255 - gray  # black everywhere, strokes only in alpha
    Image.fromarray(strokes, "RGBA").save(tmp_path / "alpha.png")
    on_clear = np.zeros((*gray.shape, 4), np.uint8)
    on_clear[..., :3] = gray[..., None]
    on_clear[..., 3] = np.where(gray < 128, 255, 0)  # dark strokes on a transparent background
    Image.fromarray(on_clear, "RGBA").save(tmp_path / "transparent.png")
    reference = search_json(run_dir, "--sketch", drawn)["results"]
    for name in ("inverted.png", "alpha.png", "transparent.png"):
        results = search_json(run_dir, "--sketch", tmp_path / name)["results"]
        assert results[0]["id"] == reference[0]["id"], name
        assert results[0]["score"] == pytest.approx(reference[0]["score"], abs=0.02), name


def test_missing_run_folder_and_drawing_are_clear_errors(run_dir: Path, tmp_path: Path):
    result = search(tmp_path / "nope", "--text", "a dress")
    assert isinstance(result.exception, DataError) and "sbkit run" in str(result.exception)
    result = search(run_dir, "--sketch", tmp_path / "missing.png")
    assert isinstance(result.exception, DataError) and "missing.png: no such file" in str(result.exception)


def _folder_catalogue(root: Path, items) -> Path:
    """A folder catalogue holding copies of ``items`` (their ids, photos and captions)."""
    import csv
    import shutil

    root.mkdir()
    with (root / "captions.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "image", "caption", "split"])
        for item in items:
            shutil.copy(item.image, root / f"{item.id}.png")
            writer.writerow([item.id, f"{item.id}.png", item.caption, "test"])
    return root


def test_a_data_given_explicitly_must_load(run_dir: Path, tmp_path: Path):
    result = search(run_dir, "--text", "a dress", "--json", "--data", tmp_path / "nope")
    assert isinstance(result.exception, DataError) and result.exit_code != 0
    assert str(result.exception).startswith(f"--data {tmp_path / 'nope'}") and "no file or folder" in str(
        result.exception)


def test_a_data_holding_none_of_the_index_items_is_refused(run_dir: Path, tmp_path: Path, test_items):
    stranger = next(iter(test_items.values()))
    from dataclasses import replace

    other = _folder_catalogue(tmp_path / "other", [replace(stranger, id="not-in-the-index")])
    result = search(run_dir, "--text", "a dress", "--json", "--data", other)
    assert isinstance(result.exception, DataError) and "holds none of the" in str(result.exception)


def test_a_data_holding_some_index_items_shows_them(run_dir: Path, tmp_path: Path, test_items):
    some = list(test_items.values())[:3]
    payload = search_json(run_dir, "--text", "a dress", "-k", len(test_items),
                          "--data", _folder_catalogue(tmp_path / "some", some))
    paths = {r["id"]: r["path"] for r in payload["results"]}
    assert all(paths[item.id] == str((tmp_path / "some" / f"{item.id}.png").resolve()) for item in some)
    assert payload["warnings"] == []


def test_a_recorded_catalogue_that_cannot_load_is_a_json_warning(run_dir: Path, tmp_path: Path):
    import shutil

    index = tmp_path / "index"
    shutil.copytree(run_dir / "index", index)
    (index / "gallery.json").write_text(json.dumps({"sources": [{"data": str(tmp_path / "gone"), "params": {}}]}),
                                        encoding="utf-8")
    payload = search_json(run_dir, "--text", "a dress", "--index", index)
    assert all(r["path"] is None for r in payload["results"])
    [warning] = payload["warnings"]
    assert warning.startswith(f"photos and captions unavailable for {tmp_path / 'gone'}")


def test_a_long_caption_is_refused_like_the_api_refuses_it(run_dir: Path):
    from sbkit.limits import MAX_QUERY_TEXT
    from sbkit.serve.schemas import SearchQuery

    caption = "a " * 600 + "green trouser"
    result = search(run_dir, "--text", caption, "--json")
    assert isinstance(result.exception, DataError)
    assert f"over the {MAX_QUERY_TEXT}-character limit" in str(result.exception) and not result.stdout
    assert SearchQuery.model_json_schema()["properties"]["text"]["anyOf"][0]["maxLength"] == MAX_QUERY_TEXT


def test_a_folder_or_a_device_given_as_the_drawing_says_what_it_is(run_dir: Path, tmp_path: Path):
    result = search(run_dir, "--sketch", tmp_path, "--json")
    assert isinstance(result.exception, DataError)
    assert f"sketch {tmp_path}: is a folder, not an image" in str(result.exception)
    result = search(run_dir, "--sketch", "/dev/null", "--json")
    assert isinstance(result.exception, DataError) and "is not a regular file" in str(result.exception)


def test_a_file_given_as_the_run_folder_says_so(tmp_path: Path):
    (tmp_path / "good.png").write_bytes(b"not a run")
    result = search(tmp_path / "good.png", "--text", "a dress")
    assert isinstance(result.exception, DataError)
    assert "good.png is a file, not a folder" in str(result.exception)
