"""Hostile and odd catalogues: paths that leave the folder, symlinks, encodings, separators, too few or bad items.

sbkit promises: a catalogue reads only files inside its folder unless allowed; an unreadable caption file is
one clear error; ``sbkit data validate`` fails (exit 1) whenever ``sbkit run`` could not use the catalogue;
and nothing in the catalogue folder is changed.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from b_helpers import TRAIN_ARGS, error_line, sbkit_cli, snapshot

from sbkit.data.adapters.examples import make_folder_catalogue
from sbkit.data.folder import read_folder
from sbkit.data.validate import load_valid, validate_catalogue
from sbkit.errors import DataError

HEADER = "id,image,caption,sketch,category,product,colour"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A 10-item catalogue (enough for train and test), beside a folder of files it must not reach."""
    root = make_folder_catalogue(tmp_path / "shop", n_items=10)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes((root / "images" / "dress" / "item000.png").read_bytes())
    return root


def add_rows(root: Path, *rows: str) -> None:
    """Append rows written as ``id,image,caption,sketch,category,product,colour`` in the file's column order."""
    with (root / "captions.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with (root / "captions.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        for row in rows:
            writer.writerow({k: v for k, v in zip(HEADER.split(","), next(csv.reader([row]))) if k in header})


def skipped_reasons(root: Path, **options) -> dict[str, str]:
    catalogue = read_folder(root, **options)
    return {s.reason.split("'")[1]: s.reason for s in catalogue.skipped}


def validate_json(capsys, root: Path, *options: str) -> tuple[int, dict]:
    code, output = sbkit_cli(capsys, "data", "validate", str(root), "--json", *options)
    return code, json.loads(output[output.index("{"):])


# --- paths that leave the catalogue folder ------------------------------------------------------------------

@pytest.mark.parametrize("image", ["../outside/secret.png", "../../../../../../../../etc/passwd",
                                   "images/../../outside/secret.png", "..\\outside\\secret.png", "{abs}"],
                         ids=["parent", "deep-etc-passwd", "inner-then-out", "windows-backslashes", "absolute"])
def test_paths_leaving_the_folder_are_refused(shop: Path, image: str, capsys):
    add_rows(shop, f"evil,{image.format(abs=shop.parent / 'outside' / 'secret.png')},a secret,,dress,p99,red")
    reasons = skipped_reasons(shop)
    assert "leads outside the catalogue folder" in reasons["evil"] and "allow_outside" in reasons["evil"]
    assert "evil" not in {item.id for item in read_folder(shop).items}
    code, report = validate_json(capsys, shop)
    assert code == 0 and report["n_valid"] == 10  # the rest is usable; the bad row is reported
    assert any("leads outside" in p["reason"] for p in report["problems"] if p["kind"] == "unreadable_entry")


def test_a_symlinked_file_pointing_outside_is_refused(shop: Path):
    os.symlink(shop.parent / "outside" / "secret.png", shop / "images" / "link.png")
    add_rows(shop, "evil,images/link.png,a secret,,dress,p99,red")
    assert "leads outside" in skipped_reasons(shop)["evil"]


def test_a_symlinked_folder_pointing_outside_is_refused(shop: Path):
    os.symlink(shop.parent / "outside", shop / "more")
    add_rows(shop, "evil,more/secret.png,a secret,,dress,p99,red")
    assert "leads outside" in skipped_reasons(shop)["evil"]


def test_a_symlink_that_stays_inside_is_fine(shop: Path):
    os.symlink(shop / "images" / "dress" / "item000.png", shop / "alias.png")
    add_rows(shop, "alias,alias.png,the same dress,,dress,p99,red")
    assert "alias" in {item.id for item in read_folder(shop).items}


def test_a_sketch_path_leaving_the_folder_is_refused(shop: Path):
    add_rows(shop, "evil,images/dress/item000.png,a dress,../outside/secret.png,dress,p99,red")
    assert "sketch path '../outside/secret.png' leads outside" in skipped_reasons(shop)["evil"]


def test_allow_outside_reads_them_when_asked(shop: Path, capsys):
    os.symlink(shop.parent / "outside" / "secret.png", shop / "link.png")
    add_rows(shop, "up,../outside/secret.png,one,,dress,p97,red", "link,link.png,two,,dress,p98,red",
             f"abs,{shop.parent / 'outside' / 'secret.png'},three,,dress,p99,red")
    ids = {item.id for item in read_folder(shop, allow_outside=True).items}
    assert {"up", "link", "abs"} <= ids
    code, report = validate_json(capsys, shop, "--data.allow_outside", "true")
    assert code == 0 and report["n_items"] == 13 and not report["counts"].get("unreadable_entry")


def test_a_run_never_trains_on_a_path_outside(shop: Path):
    from sbkit.config import RunConfig
    from sbkit.pipeline.run import load_catalogue

    add_rows(shop, "evil,../outside/secret.png,a secret,,dress,p99,red")
    catalogue = load_catalogue(RunConfig().updated({"data": str(shop)}))  # what sbkit run --data SHOP trains on
    assert "evil" not in {item.id for item in catalogue.items}
    assert all(item.image.resolve().is_relative_to(shop.resolve()) for item in catalogue.items)
    assert any("leads outside" in s.reason for s in catalogue.skipped)


# --- encodings and separators ---------------------------------------------------------------------------------

def _rewrite(root: Path, encoding: str, delimiter: str = ",") -> None:
    text = (root / "captions.csv").read_text(encoding="utf-8")
    (root / "captions.csv").write_bytes(text.replace(",", delimiter).encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252"])
def test_a_caption_file_that_is_not_utf8_is_one_clear_error(shop: Path, encoding: str, capsys, tmp_path: Path):
    add_rows(shop, "e1,images/dress/item000.png,robe \u00e9t\u00e9 \u00e0 fleurs,,dress,p99,red")
    _rewrite(shop, encoding)
    before = snapshot(shop)
    with pytest.raises(DataError, match="not UTF-8 text.*save it as UTF-8"):
        read_folder(shop)
    code, report = validate_json(capsys, shop)
    assert code == 1 and report["fatal"] and "save it as UTF-8" in report["problems"][0]["reason"]
    code, output = sbkit_cli(capsys, "run", *TRAIN_ARGS, "--data", str(shop), "--out", str(tmp_path / "run"))
    assert code == 2 and "save it as UTF-8" in error_line(output) and not (tmp_path / "run").exists()
    assert snapshot(shop) == before


def test_a_byte_order_mark_is_read_as_utf8(shop: Path):
    _rewrite(shop, "utf-8-sig")
    catalogue = read_folder(shop)
    assert len(catalogue.items) == 10 and catalogue.items[0].id == "item000" and not catalogue.skipped


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_spreadsheet_separators_are_read(shop: Path, delimiter: str):
    _rewrite(shop, "utf-8", delimiter)
    with (shop / "captions.csv").open("a", encoding="utf-8", newline="") as handle:  # columns as in the header
        csv.writer(handle, delimiter=delimiter).writerow(["c1", "images/dress/item000.png", "red, long, with a belt",
                                                          "dress", "p99", "red", ""])
    items = {item.id: item for item in read_folder(shop).items}
    assert len(items) == 11 and items["c1"].caption == "red, long, with a belt"


# --- too few, bad, repeated or no items -------------------------------------------------------------------------

def test_one_item_fails_validate_as_it_fails_run(tmp_path: Path, capsys):
    root = make_folder_catalogue(tmp_path / "one", n_items=1)
    code, report = validate_json(capsys, root)
    assert code == 1 and report["counts"] == {"too_few_items": 1}
    code, output = sbkit_cli(capsys, "run", *TRAIN_ARGS, "--data", str(root), "--out", str(tmp_path / "run"))
    assert code == 2 and "no test item" in error_line(output) and not (tmp_path / "run").exists()


def test_a_catalogue_with_only_train_items_fails_validate(shop: Path, capsys):
    text = (shop / "captions.csv").read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",split"] + [line + ",train" for line in text[1:]]
    (shop / "captions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, report = validate_json(capsys, shop)
    assert code == 1 and "no test item" in report["problems"][-1]["reason"]


def test_all_bad_images_are_fatal_with_examples(tmp_path: Path, capsys):
    root = tmp_path / "bad"
    root.mkdir()
    (root / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "b.png").write_bytes(b"")
    (root / "captions.csv").write_text("id,image,caption\na,a.png,x\nb,b.png,y\nc,c.png,z\n", encoding="utf-8")
    code, report = validate_json(capsys, root)
    assert code == 1 and report["n_valid"] == 0 and "no_valid_items" in report["counts"]
    with pytest.raises(DataError, match="none of its 3 items is usable.*sbkit data validate"):
        load_valid(read_folder(root))


def test_duplicate_ids_keep_the_first(shop: Path):
    add_rows(shop, "item000,images/dress/item001.png,a second item000,,dress,p99,red")
    report = validate_catalogue(read_folder(shop))
    assert report.counts().get("duplicate_id") == 1
    kept = [item for item in load_valid(read_folder(shop)).items if item.id == "item000"]
    assert len(kept) == 1 and kept[0].image.name == "item000.png"


@pytest.mark.parametrize(("content", "kind"), [
    (b"", "unreadable_catalogue"), (HEADER.encode() + b"\n", "no_valid_items"), (b"\n\n\n", "unreadable_catalogue"),
], ids=["empty-file", "header-only", "blank-lines"])
def test_an_empty_caption_file_is_fatal(tmp_path: Path, content: bytes, kind: str, capsys):
    root = tmp_path / "empty"
    root.mkdir()
    (root / "captions.csv").write_bytes(content)
    code, report = validate_json(capsys, root)
    assert code == 1 and kind in report["counts"]
    code, output = sbkit_cli(capsys, "run", *TRAIN_ARGS, "--data", str(root), "--out", str(tmp_path / "run"))
    assert code == 2 and str(root) in error_line(output) and not (tmp_path / "run").exists()
    assert (root / "captions.csv").read_bytes() == content


def test_jsonl_catalogues_get_the_same_path_check(tmp_path: Path):
    root = make_folder_catalogue(tmp_path / "j", n_items=4, fmt="jsonl", with_sketches=False)
    with (root / "captions.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "evil", "image": "../../etc/passwd", "caption": "x"}) + "\n")
    assert "leads outside" in skipped_reasons(root)["evil"]


def test_a_deepfashion_caption_key_cannot_lead_out_of_the_images_folder(tmp_path):
    from sbkit.data.adapters.deepfashion_mm import load_deepfashion_mm

    root = tmp_path / "df"
    (root / "images").mkdir(parents=True)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not for the catalogue")
    (root / "captions.json").write_text(json.dumps({"../../secret.jpg": "a stolen file", "a.jpg": "a dress"}))
    catalogue = load_deepfashion_mm(root)
    assert [item.id for item in catalogue.items] == ["a"]
    assert [s.source for s in catalogue.skipped] == ["../../secret.jpg"] and "outside" in catalogue.skipped[0].reason


def test_web_addresses_that_cannot_be_downloaded_are_named_by_validate_and_refused_by_run(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "feed"
    root.mkdir()
    text = "id,image,caption\n" + "".join(f"p{i},http://127.0.0.1:1/p{i}.jpg,a red boot\n" for i in range(4))
    (root / "captions.csv").write_text(text)  # port 1: nothing listens there, so the answer is a refusal at once
    code, report = validate_json(capsys, root)
    assert code == 1 and report["counts"] == {"not_downloaded": 4, "no_valid_items": 1}
    assert all("no answer from the server" in p["reason"] for p in report["problems"] if p["kind"] == "not_downloaded")
    code, output = sbkit_cli(capsys, "run", *TRAIN_ARGS, "--data", str(root), "--out", str(tmp_path / "run"))
    assert code == 2 and "4 not downloaded" in error_line(output) and not (tmp_path / "run").exists()
    assert (root / "captions.csv").read_text() == text and [p.name for p in root.iterdir()] == ["captions.csv"]
