"""What a person types into ``sbkit search``: captions the model cannot read are said to be so (a warning and
a ``--json`` field), bad ``--sheet`` paths are one line, and every command keeps one exit-code convention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from a_support import cli, one_error_line, photo_folder, strokes

from sbkit.components import Encoder
from sbkit.retrieval.retriever import Retriever

UNREAD = ["!?.,;:", "красное платье", "赤いワンピース"]


@pytest.fixture(scope="module")
def run(retriever: Retriever):
    return retriever.run


@pytest.mark.parametrize("caption", UNREAD, ids=["punctuation", "russian", "japanese"])
def test_a_caption_with_no_known_word_is_flagged_in_json_and_warned(caption: str, run_dir: Path, capsys):
    code, out, err = cli(capsys, "search", run_dir, "--text", caption, "--json")
    payload = json.loads(out)
    assert code == 0 and payload["query"]["text_understood"] is False
    assert payload["query"]["unknown_words"] == caption.split()
    assert payload["warnings"] and "knows no word of the caption" in payload["warnings"][0]
    assert err.startswith("warning: the model knows no word of the caption") and len(err.splitlines()) == 1


def test_a_known_caption_is_understood_and_not_warned(run_dir: Path, capsys):
    code, out, err = cli(capsys, "search", run_dir, "--text", "a long red trouser", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["query"]["text_understood"] is True and payload["warnings"] == [] and err == ""


def test_a_partly_known_caption_lists_its_unknown_words(retriever):
    result = retriever.search(text="a red zzqx dress", k=3)
    assert result.text_understood is True and result.unknown_words == ["zzqx"]
    assert len(result.warnings) == 1 and result.warnings[0].startswith("no meaning known for 'zzqx'")


@pytest.mark.parametrize("caption", ["!?", "zapato rojo", "xqzvw blorf"])
def test_with_a_sketch_an_unread_caption_is_said_to_add_nothing_and_adds_nothing(retriever, caption: str):
    result = retriever.search(sketch=strokes(), text=caption, k=5)
    alone = retriever.search(sketch=strokes(), k=5)
    assert result.text_understood is False and result.unknown_words == caption.split() and result.mode == "sketch"
    assert "the ranking comes from the sketch alone" in result.warnings[0]
    assert [(hit.id, hit.score) for hit in result.hits] == [(hit.id, hit.score) for hit in alone.hits]


def test_a_caption_in_words_of_no_language_search_knows_is_flagged_as_not_understood(run_dir: Path, capsys):
    code, out, err = cli(capsys, "search", run_dir, "--text", "falda rojo", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["query"]["text_understood"] is False
    assert payload["query"]["unknown_words"] == ["falda", "rojo"]
    assert err.startswith("warning: the model knows no word of the caption 'falda rojo'")


def test_the_encoder_says_which_words_it_cannot_read(run):
    encoder = run.model.encoder
    assert encoder.unknown_words("a red dress") == []
    assert encoder.unknown_words("red платье !?") == ["платье", "!?"]
    assert Encoder.unknown_words(encoder, "платье") == []  # the default: a subword tokenizer reads any text


@pytest.mark.parametrize("kind", ["folder", "/proc"])
def test_a_bad_sheet_path_is_one_line_exit_2(kind: str, run_dir: Path, tmp_path: Path, capsys):
    """The reported cases: IsADirectoryError and FileNotFoundError tracebacks."""
    sheet = tmp_path if kind == "folder" else Path("/proc/x.png")
    code, out, err = cli(capsys, "search", run_dir, "--text", "a red dress", "--sheet", sheet)
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert str(sheet) in line and ("is a folder" in line or "cannot write the contact sheet" in line)


def test_exit_codes_are_one_convention_across_commands(run_dir: Path, tmp_path: Path, capsys):
    """2: refused (bad option, config or input); 1: ran, but the result is a failure; 0: done."""
    photos = photo_folder(tmp_path / "photos", 1)
    assert cli(capsys, "sketchify", photos, "--out", tmp_path / "a", "--sketchifier", "nope")[0] == 2
    assert cli(capsys, "sketchify", photos, "--out", tmp_path / "b", "--sketchifier.sigmaa", "2")[0] == 2
    assert cli(capsys, "sketchify", tmp_path / "nowhere", "--out", tmp_path / "c")[0] == 2
    assert cli(capsys, "search", run_dir, "-k", "3")[0] == 2
    assert cli(capsys, "run", "--fuser", "nope")[0] == 2
    assert cli(capsys, "index", "build", tmp_path / "nowhere", "--data", "demo")[0] == 2
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "a.png").write_text("not an image")
    assert cli(capsys, "sketchify", tmp_path / "text", "--out", tmp_path / "d", "-j", "1")[0] == 1
    assert cli(capsys, "data", "validate", tmp_path / "text")[0] == 1
    assert cli(capsys, "sketchify", photos, "--out", tmp_path / "e", "-j", "1")[0] == 0
