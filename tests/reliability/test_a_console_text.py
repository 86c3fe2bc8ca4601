"""Markup and control characters in paths, ids and captions reach the console as typed: never parsed as rich
markup or emoji codes, never able to redraw the terminal (``sbkit.console_text`` is the one place)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from a_support import cli, one_error_line, photo_folder, run_sbkit

from sbkit.console_text import shown, visible


@pytest.mark.parametrize(("text", "expected"), [
    ("runs/[/oops]", "runs/[/oops]"),
    ("runs/[exp1]", "runs/[exp1]"),
    ("[bold red]x[/]", "[bold red]x[/]"),
    (":thumbs_up: dress", ":thumbs_up: dress"),
    ("a\x1b[31mred\x1b[0m", "a\\x1b[31mred\\x1b[0m"),
    ("two\nlines\r\tend", "two\\nlines\\r\\tend"),
    ("evil\u202etxt.png", "evil\\u202etxt.png"),
    ("del\x7f and c1\x9b", "del\\x7f and c1\\x9b"),
], ids=["closing-tag", "bracketed-name", "markup-tags", "emoji-code", "escape-sequence", "newline-tab",
        "right-to-left-override", "del-and-c1"])
def test_user_text_prints_exactly_as_typed(text: str, expected: str):
    from sbkit.console_text import make_console

    console = make_console()
    with console.capture() as capture:
        console.print(f"[bold]path:[/bold] {shown(text)}")
    assert capture.get() == f"path: {expected}\n"
    assert visible(text) == expected


def test_a_closing_tag_in_a_run_path_is_one_line_naming_the_path():
    """The reported case: `sbkit search 'runs/[/oops]'` crashed with rich.errors.MarkupError."""
    result = run_sbkit("search", "runs/[/oops]", "--text", "a red dress")
    assert result.returncode == 2
    assert one_error_line(result.stderr) .startswith("error: run folder runs/[/oops] does not exist")


@pytest.mark.parametrize("path", ["runs/[exp1]", "runs/:smile:", "runs/a\x1b[2Jb"],
                         ids=["bracketed", "emoji-code", "clear-screen-escape"])
def test_a_bracketed_or_odd_run_path_is_named_in_full(path: str, capsys):
    code, _, err = cli(capsys, "search", path, "--text", "a red dress")
    assert code == 2
    assert f"error: run folder {visible(path)} does not exist" in one_error_line(err)
    assert "\x1b" not in err


def test_markup_in_a_caption_is_echoed_and_warned_about_as_typed(run_dir: Path, capsys):
    caption = "[/zzq] \x1b[31m ??"
    code, out, err = cli(capsys, "search", run_dir, "--text", caption, "--json")
    assert code == 0 and json.loads(out)["query"]["text"] == caption
    assert "warning:" in err and "[/zzq]" in err and "\\x1b[31m" in err and "\x1b" not in err


def test_markup_in_file_names_reaches_the_sketchify_summary_as_typed(tmp_path: Path, capsys):
    photos = photo_folder(tmp_path / "photos", 2)
    (photos / "[").mkdir()
    (photos / "[" / "oops]notes.txt").write_text("not a photo")  # its path holds the closing tag [/oops]
    cv2.imwrite(str(photos / "[red]x[-red].png"), cv2.imread(str(photos / "p000.jpg")))
    code, out, _ = cli(capsys, "sketchify", photos, "--out", tmp_path / "[job]", "-j", "1")
    assert code == 0 and "3 sketched" in out
    assert "[/oops]notes.txt" in out and f"output: {tmp_path / '[job]'}/" in out
    assert (tmp_path / "[job]" / "sketches" / "[red]x[-red].png").is_file()


def test_markup_in_a_sheet_path_is_reported_as_typed(run_dir: Path, tmp_path: Path, capsys):
    sheet = tmp_path / "[/b]sheet.png"
    code, out, _ = cli(capsys, "search", run_dir, "--text", "a red dress", "--sheet", sheet)
    assert code == 0 and sheet.is_file() and f"contact sheet: {sheet}" in out
