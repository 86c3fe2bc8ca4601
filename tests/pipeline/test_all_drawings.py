"""Training reads every drawing of an item (Sketchy, QMUL-Shoe-V2, a folder catalogue's ``sketches`` column)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from sbkit.data.adapters.examples import picture, save, sketch
from sbkit.data.catalogue import CatalogueItem, other_drawings
from sbkit.data.folder import read_folder
from sbkit.data.rows import DiskRows, whole
from sbkit.pipeline.prepare import _read_drawing, prepare_split
from sbkit.registry import create

SIZE = 32


def shop(root: Path) -> Path:
    """Five items, item k with k drawings (k = 0..4) listed in ``sketches``; item 3's second one is missing."""
    lines = []
    for k in range(5):
        save(root / "photos" / f"p{k}.png", picture(k, SIZE))
        names = [f"drawings/p{k}-{n}.png" for n in range(k)]
        for n, name in enumerate(names):
            if (k, n) != (3, 1):
                save(root / name, sketch(k + n, SIZE, seed=n))
        lines.append(json.dumps({"id": f"p{k}", "image": f"photos/p{k}.png", "caption": f"a bag {k}",
                                 "split": "train", "sketches": names}))
    (root / "captions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_a_folder_catalogues_sketches_column_lists_every_drawing(tmp_path: Path) -> None:
    items = {item.id: item for item in read_folder(shop(tmp_path / "shop")).items}
    assert items["p0"].sketch is None and other_drawings(items["p0"]) == []
    assert items["p2"].sketch == (tmp_path / "shop" / "drawings" / "p2-0.png").resolve()  # the first is the sketch
    assert other_drawings(items["p4"]) == [(tmp_path / "shop" / "drawings" / f"p4-{n}.png").resolve()
                                           for n in (1, 2, 3)]
    lone = CatalogueItem("x", Path("x.png"), "", attributes={"sketches": "a.png;b.png"})
    assert other_drawings(lone) == []  # no sketch to ask with: none to train on beside it


@pytest.mark.parametrize("use_cache", [False, True])
def test_training_splits_read_every_drawing_and_skip_an_unreadable_one_alone(tmp_path: Path,
                                                                              use_cache: bool) -> None:
    items = read_folder(shop(tmp_path / "shop")).items
    split, skipped = prepare_split(items, create("sketchifier", "canny"), SIZE, 1, "prepare", use_cache=use_cache,
                                   workers=0, all_drawings=True)
    assert [item.id for item in split.items] == [f"p{k}" for k in range(5)]  # item 3 is kept
    assert split.drawn_count.tolist() == [0, 1, 2, 2, 4]
    assert [Path(s.source).name for s in skipped] == ["p3-1.png"] and "p3" in skipped[0].reason
    assert isinstance(split.more_drawn, DiskRows) == use_cache
    expected = [_read_drawing(tmp_path / "shop" / "drawings" / name, SIZE, 1)
                for name in ("p2-1.png", "p3-2.png", "p4-1.png", "p4-2.png", "p4-3.png")]
    assert torch.equal(whole(split.more_drawn)[:, 0], torch.from_numpy(np.stack(expected)))
    drawings = split.drawings()
    assert drawings.read(torch.tensor([4]), torch.tensor([2]))[0, 0].equal(torch.from_numpy(expected[3]))

    first_only, _ = prepare_split(items, create("sketchifier", "canny"), SIZE, 1, "prepare", use_cache=use_cache,
                                  workers=0)
    assert first_only.more_drawn is None and first_only.drawn_count.tolist() == [0, 1, 1, 1, 1]
    assert torch.equal(whole(first_only.drawn), whole(split.drawn))


def test_reading_every_drawing_keeps_the_cache_key_of_items_with_one(tmp_path: Path) -> None:
    from sbkit.pipeline.prepare import _fingerprint

    items = read_folder(shop(tmp_path / "shop")).items
    canny = create("sketchifier", "canny")

    def key(chosen: list, all_drawings: bool) -> str:
        return _fingerprint(chosen, canny, SIZE, 1, [None] * len(chosen), all_drawings)

    assert key(items[:2], True) == key(items[:2], False)  # no drawing, or one: rows made before still serve
    assert key(items, True) != key(items, False)


def test_a_run_trains_on_every_drawing_and_says_so(tmp_path: Path, capsys) -> None:
    import sbkit
    from sbkit.pipeline.eval_stage import evaluate_run
    from sbkit_timm.lite_minilm import LiteMiniLMEncoder

    root, lines = tmp_path / "shop", []
    for k in range(12):
        split = "train" if k < 8 else "val" if k < 10 else "test"
        save(root / "photos" / f"p{k}.png", picture(k, SIZE))
        names = [f"drawings/p{k}-{n}.png" for n in range(k % 4 if split == "train" else 2)]
        for n, name in enumerate(names):
            save(root / name, sketch(k + n, SIZE, seed=n))
        lines.append(json.dumps({"id": f"p{k}", "image": f"photos/p{k}.png", "caption": f"a bag {k}",
                                 "category": "bag", "split": split, "sketches": names}))
    (root / "captions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    params = LiteMiniLMEncoder.example_params(tmp_path / "weights")
    result = sbkit.run(data={"name": "folder", "path": str(root)}, image_size=32, epochs=1, batch_size=8,
                       encoder={"name": "lite-minilm", **params}, device="cpu", out=str(tmp_path / "run"),
                       sheet_queries=2, holdout="")
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    # train items p0..p7 have 0, 1, 2, 3, 0, 1, 2, 3 drawings
    assert metrics["train_drawings"] == {"items": 6, "drawings": 12}
    assert "Trained on 12 drawings of 6 training items" in (result.run_dir / "report.md").read_text()
    assert "--sketch-variants 7 stores them all" in capsys.readouterr().err
    # the two test items have two drawings each, and each drawing asks, in the run's test table and its check
    for table in (metrics["metrics"]["sketch"], metrics["untrained"]["sketch"]):
        assert (table["drawn"]["queries"], table["synthetic"]["queries"]) == (4, 2)
    assert "| 4 (of 2 items) |" in (result.run_dir / "report.md").read_text()
    evaluated = evaluate_run(result.run_dir, str(root), device="cpu").metrics["metrics"]["sketch"]["drawn"]
    assert (evaluated["queries"], evaluated["items"]) == (4, 2)  # sbkit eval asks with them all as well


def test_validation_checks_every_drawing_and_drops_a_bad_one_alone(tmp_path: Path) -> None:
    from sbkit.data.validate import load_valid, validate_catalogue

    root = shop(tmp_path / "shop")
    (root / "drawings" / "p2-0.png").unlink()  # item 2's first drawing: the next one takes its place
    catalogue = read_folder(root)
    bad = [p for p in validate_catalogue(catalogue, use_cache=False).problems if p.kind == "missing_sketch"]
    assert sorted((p.item_id, Path(p.path).name) for p in bad) == [("p2", "p2-0.png"), ("p3", "p3-1.png")]
    assert "its drawing 2" in next(p.reason for p in bad if p.item_id == "p3")
    loaded = load_valid(catalogue, use_cache=False)
    items = {item.id: item for item in loaded.items}
    assert len(items) == 5 and items["p2"].sketch.name == "p2-1.png" and other_drawings(items["p2"]) == []
    assert items["p3"].sketch.name == "p3-0.png" and [p.name for p in other_drawings(items["p3"])] == ["p3-2.png"]
    assert sorted(Path(s.source).name for s in loaded.skipped) == ["p2-0.png", "p3-1.png"]
