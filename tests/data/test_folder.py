"""The folder catalogue reader: CSV and JSONL, nested folders, any script, quoting, splits."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from fixtures import make_folder_catalogue, picture, save, sketch

from sbkit.data.folder import read_folder
from sbkit.errors import ConfigError, DataError

CAPTIONS = {
    "jp": "白いリネンのシャツ、長袖",
    "ar": "فستان أحمر طويل بأكمام قصيرة",
    "ru": "Чёрное шерстяное пальто, двубортное",
    "quoted": 'a "vintage" denim jacket, size M, with\nbrass buttons',
}


def hand_made(root: Path, bom: bool) -> Path:
    """A CSV written by hand: header, quoted fields with commas, quotes and a newline, three scripts."""
    for i, key in enumerate(CAPTIONS):
        save(root / "photos" / "2024" / key / f"{key}.png", picture(i, 24))
    save(root / "drawings" / "jp.png", sketch(0, 24))
    text = (
        "id,image,caption,sketch,category,split,product,colour,fit\n"
        f"jp,photos/2024/jp/jp.png,{CAPTIONS['jp']},drawings/jp.png,shirt,,prod-1,white,\n"
        f"ar,photos/2024/ar/ar.png,\"{CAPTIONS['ar']}\",,dress,Test,prod-2,red,long\n"
        f"ru,photos\\2024\\ru\\ru.png,\"{CAPTIONS['ru']}\",,coat,,prod-3,black,\n"
        'quoted,photos/2024/quoted/quoted.png,"a ""vintage"" denim jacket, size M, with\nbrass buttons",,jacket,,,'
        ',\n'
    )
    (root / "captions.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return root


@pytest.mark.parametrize("bom", [False, True])
def test_hand_made_csv_reads_every_field(tmp_path: Path, bom: bool) -> None:
    catalogue = read_folder(hand_made(tmp_path / "shop", bom))
    items = {item.id: item for item in catalogue.items}
    assert set(items) == set(CAPTIONS) and not catalogue.skipped
    for key, caption in CAPTIONS.items():
        assert items[key].caption == caption
        assert items[key].image.is_absolute() and items[key].image.is_file()
    assert items["jp"].sketch == (tmp_path / "shop" / "drawings" / "jp.png").resolve()
    assert items["ar"].sketch is None
    assert items["ar"].split == "test"  # given (case-insensitive) and kept
    assert items["jp"].product == "prod-1" and items["quoted"].product is None
    assert items["jp"].attributes == {"colour": "white"}
    assert items["ar"].attributes == {"colour": "red", "fit": "long"}
    assert items["ru"].category == "coat"
    assert all(item.split in ("train", "val", "test") for item in catalogue.items)


def test_jsonl_with_extra_keys_and_a_broken_line(tmp_path: Path) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=6, fmt="jsonl")
    with (root / "captions.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json\n\n")
        handle.write(json.dumps({"id": "x", "image": "", "caption": "no image"}) + "\n")
    catalogue = read_folder(root)
    assert len(catalogue) == 6
    assert [s.source for s in catalogue.skipped] == ["captions.jsonl:7", "captions.jsonl:9"]
    assert "not valid JSON" in catalogue.skipped[0].reason and "empty image" in catalogue.skipped[1].reason
    assert catalogue.items[0].attributes["colour"] == "colour-0"


def test_splits_are_made_by_product_when_not_given(tmp_path: Path) -> None:
    catalogue = read_folder(make_folder_catalogue(tmp_path / "cat", n_items=40), seed=0)
    by_product: dict[str, set[str]] = {}
    for item in catalogue.items:
        by_product.setdefault(item.product, set()).add(item.split)
    assert all(len(s) == 1 for s in by_product.values())
    assert set(Counter(i.split for i in catalogue.items)) == {"train", "val", "test"}


def test_rows_that_cannot_be_items_are_skipped_with_reasons(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    root.mkdir()
    (root / "captions.csv").write_text("id,image,caption,split\n,a.png,x,\nb,b.png,y,holdout\nc,c.png,z,,extra\n"
                                       "d,d.png,ok,train\n", encoding="utf-8")
    catalogue = read_folder(root)
    assert [i.id for i in catalogue.items] == ["d"]
    reasons = [s.reason for s in catalogue.skipped]
    assert "empty id" in reasons[0] and "holdout" in reasons[1] and "5 fields" in reasons[2]


def test_missing_columns_and_missing_files_are_data_errors(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "captions.csv").write_text("name,picture\nx,y.png\n")
    with pytest.raises(DataError, match="no image, caption columns.*--data.columns 'image=picture,caption=name'"):
        read_folder(tmp_path / "a")
    (tmp_path / "b").mkdir()
    with pytest.raises(DataError, match="no captions.csv or captions.jsonl"):
        read_folder(tmp_path / "b")
    with pytest.raises(DataError, match="not a folder"):
        read_folder(tmp_path / "nowhere")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "captions.csv").write_bytes("id,image,caption\n1,a.png,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_folder(tmp_path / "c")


def test_a_column_named_twice_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "captions.csv").write_text("id,image,caption,caption\n1,a.png,red coat,blue coat\n")
    with pytest.raises(DataError, match="names 'caption' more than once"):
        read_folder(tmp_path)


def test_two_caption_files_are_ambiguous(tmp_path: Path) -> None:
    root = make_folder_catalogue(tmp_path / "cat", n_items=2)
    (root / "captions.jsonl").write_text("")
    with pytest.raises(ConfigError, match="keep one"):
        read_folder(root)


def test_a_strokes_column_is_a_path_beside_the_catalogue(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    save(root / "photos" / "a.png", picture(0, 24))
    save(root / "drawings" / "a.png", sketch(0, 24))
    (root / "captions.csv").write_text("id,image,caption,sketch,strokes,colour\n"
                                       "a,photos/a.png,a red dress,drawings/a.png,drawings\\a.svg,red\n")
    item = read_folder(root).items[0]
    assert item.attributes == {"strokes": str(root.resolve() / "drawings" / "a.svg"), "colour": "red"}


def _csv_catalogue(root: Path, lines: list[str]) -> Path:
    root.mkdir()
    (root / "captions.csv").write_text("id,image,caption,split\n" + "".join(lines), encoding="utf-8")
    return root


def test_a_caption_over_the_csv_module_limit_is_read(tmp_path: Path) -> None:
    long = "wool " * 40_000  # 200,000 characters: over the csv module's own 131,072 limit
    root = _csv_catalogue(tmp_path / "cat", ["a0,p0.png,short,test\n", f"a1,p1.png,{long},test\n",
                                             "a2,p2.png,green shirt,train\n"])
    catalogue = read_folder(root)
    assert [i.id for i in catalogue.items] == ["a0", "a1", "a2"] and not catalogue.skipped
    assert catalogue.items[1].caption == long.strip()


def test_a_field_over_the_limit_skips_only_its_row_with_the_line(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sbkit.data.caption_file.CSV_FIELD_LIMIT", 1000)
    root = _csv_catalogue(tmp_path / "cat", ["a0,p0.png,short,test\n", f"a1,p1.png,{'x' * 2000},test\n",
                                             "a2,p2.png,green shirt,train\n"])
    catalogue = read_folder(root)
    assert [i.id for i in catalogue.items] == ["a0", "a2"]
    [skipped] = catalogue.skipped
    assert skipped.source == "captions.csv:3" and "over 1,000 characters" in skipped.reason


def test_an_unclosed_quote_is_reported_at_the_line_it_opens(tmp_path: Path) -> None:
    root = _csv_catalogue(tmp_path / "cat", ['a0,p0.png,"He said ""hi"" and then\n', "a1,p1.png,blue coat,test\n",
                                             "a2,p2.png,green shirt,test\n", "a3,p3.png,black boot,train\n"])
    catalogue = read_folder(root)
    assert catalogue.items == []
    [skipped] = catalogue.skipped
    assert skipped.source == "captions.csv:2"
    assert "runs on to line 5" in skipped.reason and "3 lines that read as rows" in skipped.reason
    assert "never closed" in skipped.reason


def test_a_quote_closed_rows_later_is_reported_too(tmp_path: Path) -> None:
    root = _csv_catalogue(tmp_path / "cat", ['a0,p0.png,"red dress,test\n', "a1,p1.png,blue coat,test\n",
                                             'a2,p2.png,"green, shirt",test\n', "a3,p3.png,black boot,train\n"])
    catalogue = read_folder(root)
    assert [i.id for i in catalogue.items] == ["a3"]
    assert [s.source for s in catalogue.skipped] == ["captions.csv:2"]
    assert "runs on to line 4" in catalogue.skipped[0].reason


def test_a_caption_with_line_breaks_is_not_a_broken_quote(tmp_path: Path) -> None:
    root = _csv_catalogue(tmp_path / "cat", ['a0,p0.png,"a coat, wool, lined,\nwith a belt\nand a hood",test\n',
                                             "a1,p1.png,blue coat,train\n"])
    catalogue = read_folder(root)
    assert [i.id for i in catalogue.items] == ["a0", "a1"] and not catalogue.skipped
    assert catalogue.items[0].caption == "a coat, wool, lined,\nwith a belt\nand a hood"


def test_an_export_with_its_own_column_names_is_read_through_columns(tmp_path: Path) -> None:
    save(tmp_path / "a.png", picture(0, 24))
    save(tmp_path / "b.png", picture(1, 24))
    save(tmp_path / "b-drawn.png", sketch(1, 24))
    (tmp_path / "captions.csv").write_text("sku;title;Image Link;id;drawing;brand\n"
                                           "S1;A mini ivory dress;a.png;x;;Brisk\n"
                                           "S2;A light grey clutch;b.png;y;b-drawn.png;Okoro\n")
    with pytest.raises(DataError, match="found: sku, title, Image Link, id, drawing, brand.*"
                                        "--data.columns 'image=Image Link,caption=title'"):
        read_folder(tmp_path)  # the error names the export's look-alike columns

    columns = "id=sku, image=Image Link, caption=title, sketch=drawing"
    items = {item.id: item for item in read_folder(tmp_path, columns=columns).items}

    assert sorted(items) == ["S1", "S2"]  # the file's own id column is not read once sku is the id
    assert items["S2"].image == tmp_path / "b.png" and items["S2"].caption == "A light grey clutch"
    assert items["S2"].sketch == tmp_path / "b-drawn.png" and items["S1"].sketch is None
    assert items["S1"].attributes == {"brand": "Brisk"}
    assert read_folder(tmp_path, columns={"id": "sku", "image": "Image Link", "caption": "title"}).items[0].id == "S1"


@pytest.mark.parametrize("columns", ["img=image_link", "image", "image=", "id=sku,caption"])
def test_columns_that_name_no_column_of_sbkit_are_refused(tmp_path: Path, columns: str) -> None:
    with pytest.raises(ConfigError, match="should be sbkit's column, '=', then yours"):
        read_folder(make_folder_catalogue(tmp_path / "shop", n_items=2), columns=columns)


@pytest.mark.parametrize(("caption", "read"), [
    ("<p>Soft <strong>suede</strong> ankle boot.</p><ul><li>Red</li><li>Wool</li></ul>",
     "Soft suede ankle boot. Red Wool"),
    ("Lune &amp; Fils mini dress", "Lune & Fils mini dress"),
    ("Caf&eacute; tote&#8211;large<br/>leather", "Café tote–large leather"),
    ('<div class="desc"><script>track()</script>Red boot<style>p {}</style></div>', "Red boot"),
    ("size <M>, a < b, R&D jacket", "size <M>, a < b, R&D jacket"),  # no markup: as written
    ("with\nbrass buttons", "with\nbrass buttons"),
])
def test_a_caption_in_html_is_read_as_the_text_a_browser_shows(tmp_path: Path, caption: str, read: str) -> None:
    save(tmp_path / "a.png", picture(0, 24))
    (tmp_path / "captions.jsonl").write_text(json.dumps({"id": "a", "image": "a.png", "caption": caption}) + "\n")
    assert read_folder(tmp_path).items[0].caption == read


def test_a_caption_file_with_no_id_column_names_each_item_by_its_image(tmp_path: Path) -> None:
    save(tmp_path / "photos" / "boots" / "red.png", picture(0, 24))
    save(tmp_path / "b.png", picture(1, 24))
    (tmp_path / "captions.csv").write_text("image,caption\nphotos/boots/red.png,a red boot\n./b.png,a bag\n"
                                           "photos\\boots\\red.png,the same boot again\n,no picture\n")
    catalogue = read_folder(tmp_path)
    assert [(item.id, item.caption) for item in catalogue.items] == [
        ("photos/boots/red", "a red boot"), ("b", "a bag"), ("photos/boots/red", "the same boot again")]
    assert [s.reason for s in catalogue.skipped] == ["empty image path"]  # validation keeps the first "red"
    (tmp_path / "captions.csv").unlink()
    (tmp_path / "captions.jsonl").write_text(json.dumps({"image": "b.png", "caption": "a bag"}) + "\n"
                                             + json.dumps({"id": "", "image": "b.png", "caption": "x"}) + "\n")
    catalogue = read_folder(tmp_path)  # an id given empty is still an error; only a missing one is made
    assert [item.id for item in catalogue.items] == ["b"] and [s.reason for s in catalogue.skipped] == ["empty id"]


def test_a_products_further_pictures_take_its_caption_category_and_attributes(tmp_path: Path) -> None:
    """A Shopify export: a product's first row holds its title, type and vendor, its image rows only a picture."""
    for name in ("boot-1", "boot-2", "boot-3", "bag-1", "drawn"):
        save(tmp_path / f"{name}.png", picture(len(name), 24))
    (tmp_path / "captions.csv").write_text(
        "Handle,Title,Type,Vendor,Image Src,Image Alt Text,sketch\n"
        "red-boot,Red suede boot,boot,Okoro,boot-1.png,front,drawn.png\n"
        "red-boot,,,,boot-2.png,side,\n"
        "red-boot,,,,boot-3.png,,\n"
        "tote,,,,bag-1.png,,\n")
    columns = "product=Handle,caption=Title,category=Type,image=Image Src"
    items = {item.id: item for item in read_folder(tmp_path, columns=columns).items}

    assert [(items[i].caption, items[i].category) for i in ("boot-1", "boot-2", "boot-3")] == [
        ("Red suede boot", "boot")] * 3
    assert items["boot-2"].attributes == {"Vendor": "Okoro", "Image Alt Text": "side"}  # its own alt text kept
    assert items["boot-3"].attributes == {"Vendor": "Okoro", "Image Alt Text": "front"}  # the product's, lacking one
    assert items["boot-2"].sketch is None and "sketches" not in items["boot-2"].attributes  # drawings stay their own
    assert (items["bag-1"].caption, items["bag-1"].category) == ("", None)  # no picture of it has a caption
