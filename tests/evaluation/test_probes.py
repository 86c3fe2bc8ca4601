"""The five probes on a tiny demo test split: numbers in range, pictures written, chance for a text-blind model."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from sbkit.config import RunConfig
from sbkit.data.demo import BRANDS, COLOURS, LIGHT_COLOURS, generate_demo
from sbkit.errors import DataError
from sbkit.evaluation.probes import PROBES, run_probes
from sbkit.pipeline.prepare import SplitTensors, prepare_split
from sbkit.registry import create
from sbkit.training import build_model

SIZE = 32
FIGURES = ("probe-top1.png", "probe-colour.png", "probe-colour-sheet.png", "probe-brand.png", "probe-caption.png",
           "probe-white.png")


@pytest.fixture(scope="module")
def config() -> RunConfig:
    return RunConfig().updated({"image_size": SIZE, "line_width": 1, "device": "cpu"})


@pytest.fixture(scope="module")
def test_split(tmp_path_factory) -> SplitTensors:
    """The test split (30 photos) of a 150-product demo catalogue, sketched by ``canny`` at 32 px."""
    catalogue = generate_demo(tmp_path_factory.mktemp("demo"), size=150, image_size=SIZE)
    split, skipped = prepare_split(catalogue.split("test"), create("sketchifier", "canny"), SIZE, 1, "test",
                                   use_cache=False)
    assert not skipped
    return split


@pytest.fixture(scope="module")
def probed(test_split, config, tmp_path_factory):
    """Every probe on an untrained small model, with the default sketchifiers."""
    torch.manual_seed(0)
    encoder = create("encoder", "small", {"dim": 32, "width": 8})
    encoder.prepare(test_split.captions)
    model = build_model(encoder, "concat", probe_size=SIZE)
    out = tmp_path_factory.mktemp("probes")
    return run_probes(model, test_split, None, config, "cpu", out), out


@pytest.fixture
def pictures(monkeypatch) -> list[str]:
    """Names of the pictures the probes ask for, which are not drawn (the numbers tests need none)."""
    asked: list[str] = []

    def record(rows_or_values, path, *args, **kwargs):
        asked.append(path.name)
        return path

    for module in PROBES:
        for name in ("bar_chart", "contact_sheet"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, record)
    return asked


class TextBlind(torch.nn.Module):
    """Vectors from pixels through a fixed random projection; captions are ignored entirely."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(3 * 8 * 8, 16)

    def _vec(self, images: torch.Tensor) -> torch.Tensor:
        pooled = F.adaptive_avg_pool2d(images.float().expand(-1, 3, -1, -1) / 255, 8).flatten(1)
        return F.normalize(self.proj(pooled), dim=-1)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self._vec(images)

    def embed_queries(self, sketches, texts) -> torch.Tensor:
        if sketches is None:
            return F.normalize(torch.ones(len(texts), 16), dim=-1)
        return self._vec(sketches)


class Oracle:
    """Knows each gallery photo's colour and product: images map to one-hots, captions to their colour."""

    def __init__(self, split: SplitTensors) -> None:
        self.colours = list(COLOURS)
        self.by_image = {split.images[r].numpy().tobytes(): item.attributes["colour"]
                         for r, item in enumerate(split.items)}

    def _one_hot(self, colours: list[str]) -> torch.Tensor:
        return F.one_hot(torch.tensor([self.colours.index(c) for c in colours]), len(self.colours)).float()

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self._one_hot([self.by_image[image.numpy().tobytes()] for image in images.cpu()])

    def embed_queries(self, sketches, texts) -> torch.Tensor:
        if texts is None:
            return torch.zeros(len(sketches), len(self.colours))
        named = [max((c for c in self.colours if c in text), key=len, default=None) for text in texts]
        return torch.stack([self._one_hot([c])[0] if c else torch.zeros(len(self.colours)) for c in named])


def test_every_probe_runs_with_numbers_in_range(probed, test_split):
    results, out = probed
    numbers = results.numbers
    assert numbers["skipped"] == {}
    json.dumps(numbers, allow_nan=False)
    top1 = numbers["top1"]
    assert top1["queries"] == 30 and top1["drawn_queries"] == 30
    assert all(0 <= top1[f"top1_{m}"] <= 1 for m in ("sketch+text", "sketch", "text"))
    assert top1["chance"] == pytest.approx(1 / 30)
    colour = numbers["colour_swap"]
    held = [c for c in COLOURS if any(item.attributes["colour"] == c for item in test_split.items)]
    assert list(colour["per_colour"]) == held and len(held) > 10  # the colours the gallery holds, in demo order
    assert all(0 <= v <= 1 and round(v * 10, 6) == round(v * 10) for v in colour["per_colour"].values())
    assert sum(colour["chance_per_colour"].values()) == pytest.approx(1)
    brand = numbers["brand"]
    brands = [b for b in BRANDS if any(item.attributes["brand"] == b for item in test_split.items)]
    assert list(brand["per_brand"]) == brands and len(brands) > 3  # the brands the gallery holds, in demo order
    assert all(0 <= v <= 1 for b in brand["per_brand"].values() for v in b.values())
    caption = numbers["caption"]
    for variant in ("no_caption", "category_word", "full_caption"):
        assert 0 <= caption[variant]["R@1"] <= caption[variant]["R@10"] <= 1
    white = numbers["white"]
    assert set(white["colours"]) <= set(LIGHT_COLOURS) and white["items"] > 0
    assert set(white["retrieval"]) == {"canny", "canny-clahe"}
    assert set(white["edges"]) == set(white["colours"]) | {"all light"}
    for by_label in white["edges"].values():
        assert all(0 <= v[m] <= 1 for v in by_label.values() for m in ("recall", "precision", "f1"))
    for name in FIGURES:
        assert Image.open(out / name).format == "PNG"
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", results.markdown)
    assert sorted(links) == sorted(FIGURES)
    assert results.markdown.startswith("## Probes") and results.markdown.count("\n### ") == 5


def test_white_probe_reports_the_edge_winner(probed):
    results, _ = probed
    edges = results.numbers["white"]["edges"]["all light"]
    winner = max(edges, key=lambda label: edges[label]["f1"])
    assert f"Edge F1 on light items: `{winner}` wins" in results.markdown


def test_text_blind_model_scores_chance(test_split, config, tmp_path, pictures):
    torch.manual_seed(0)
    results = run_probes(TextBlind(), test_split, {"canny": create("sketchifier", "canny")}, config, "cpu",
                         tmp_path)
    colour = results.numbers["colour_swap"]
    assert colour["mean"] == pytest.approx(colour["chance"], abs=1e-9)
    held = {item.attributes["colour"] for item in test_split.items}
    assert colour["chance"] == pytest.approx(1 / len(held))
    for values in results.numbers["brand"]["per_brand"].values():
        assert values["category_brand"] == pytest.approx(values["brand_only"])
    caption = results.numbers["caption"]
    assert caption["no_caption"] == caption["category_word"] == caption["full_caption"]
    assert set(results.numbers["white"]["retrieval"]) == {"canny"}


def test_oracle_fills_the_top_ten_with_the_asked_colour(test_split, config, tmp_path, pictures):
    results = run_probes(Oracle(test_split), test_split, {"canny": create("sketchifier", "canny")}, config, "cpu",
                         tmp_path)
    colour = results.numbers["colour_swap"]
    counts = {c: sum(item.attributes["colour"] == c for item in test_split.items) for c in COLOURS}
    counts = {c: n for c, n in counts.items() if n}  # a colour the gallery lacks is not asked for
    assert colour["per_colour"] == {c: pytest.approx(min(n, 10) / 10) for c, n in counts.items()}
    assert colour["mean"] > 3 * colour["chance"]


def test_probes_needing_demo_attributes_are_left_out(test_split, config, tmp_path, pictures):
    bare = dataclasses.replace(test_split, items=[dataclasses.replace(i, attributes={}) for i in test_split.items])
    results = run_probes(TextBlind(), bare, None, config, "cpu", tmp_path)
    skipped = results.numbers["skipped"]
    assert set(skipped) == {"colour_swap", "brand", "white"}
    assert all("`colour`" in skipped[k] for k in ("colour_swap", "white")) and "`brand`" in skipped["brand"]
    assert {"top1", "caption"} <= set(results.numbers)
    assert results.markdown.count("Left out:") == 3
    assert sorted(pictures) == ["probe-caption.png", "probe-top1.png"]


def test_an_empty_test_split_is_refused(test_split, config, tmp_path):
    empty = SplitTensors([], test_split.images[:0], test_split.sketches[:0], None, test_split.has_drawn[:0], [],
                         test_split.labels[:0])
    with pytest.raises(DataError, match="empty"):
        run_probes(TextBlind(), empty, None, config, "cpu", tmp_path)


def user_catalogue(root, demo_items, categories: list[str], colours: list[str], brands: list[str] | None):
    """A folder catalogue (captions.csv plus copies of the demo photos) with the user's own categories, colours
    and optionally brands, cycled over the items; read back with ``read_folder``."""
    import csv
    import shutil

    from sbkit.data.folder import read_folder

    (root / "images").mkdir(parents=True)
    columns = ["id", "image", "caption", "category", "split", "colour"] + (["brand"] if brands else [])
    with (root / "captions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for number, item in enumerate(demo_items):
            shutil.copy(item.image, root / "images" / item.image.name)
            category, colour = categories[number % len(categories)], colours[number % len(colours)]
            row = {"id": f"u{number}", "image": f"images/{item.image.name}", "split": "test",
                   "caption": f"a {colour} {category}", "category": category, "colour": colour}
            if brands:
                row["brand"] = brands[number % len(brands)]
            writer.writerow(row)
    catalogue = read_folder(root)
    split, skipped = prepare_split(catalogue.split("test"), create("sketchifier", "canny"), SIZE, 1, "test",
                                   use_cache=False)
    assert not skipped and len(split.items) == len(demo_items)
    return split


def test_demo_probes_are_left_out_of_a_user_catalogue_where_they_mean_nothing(test_split, config, tmp_path,
                                                                           pictures):
    split = user_catalogue(tmp_path / "shop", test_split.items, ["shirt", "shoe"], ["navy", "white", "olive"],
                           ["Acme", "Zenith"])
    results = run_probes(TextBlind(), split, {"canny": create("sketchifier", "canny")}, config, "cpu",
                         tmp_path / "run")
    skipped = results.numbers["skipped"]
    assert set(skipped) == {"colour_swap", "brand"}
    assert "no `trouser` items" in skipped["colour_swap"] and "shirt, shoe" in skipped["colour_swap"]
    assert "Acme, Zenith are not among them" in skipped["brand"]
    assert f"Left out: {skipped['brand']}." in results.markdown
    # the white items of a user catalogue are still a fair question, and the generic probes run everywhere
    assert results.numbers["white"]["colours"] == ["white"] and results.numbers["white"]["items"] == 10
    assert {"top1", "caption"} <= set(results.numbers)
    assert "probe-colour.png" not in pictures and "probe-brand.png" not in pictures


def test_colour_swap_asks_a_user_catalogue_for_its_own_colours(test_split, config, tmp_path, pictures):
    split = user_catalogue(tmp_path / "shop", test_split.items, ["trouser", "shirt"], ["navy", "olive", "white"],
                           None)
    results = run_probes(TextBlind(), split, {"canny": create("sketchifier", "canny")}, config, "cpu",
                         tmp_path / "run")
    colour = results.numbers["colour_swap"]
    assert list(colour["per_colour"]) == ["white", "navy", "olive"]  # the demo's colours first, then the others
    assert colour["chance_per_colour"] == {c: pytest.approx(1 / 3) for c in ("white", "navy", "olive")}
    assert colour["mean"] == pytest.approx(colour["chance"], abs=1e-9)  # a caption-blind model scores chance
    assert "`brand`" in results.numbers["skipped"]["brand"]
