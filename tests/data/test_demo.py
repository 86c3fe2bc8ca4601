"""The demo catalogue: determinism, splits, captions, masks, sketches, caching and resuming."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from sbkit.data.demo import (
    BRANDS, CATEGORIES, COLOURS, LENGTHS, LIGHT_COLOURS, generate_demo, make_caption, sample_spec,
)
from sbkit.data.demo.generate import CATALOGUE_FILE, assign_splits
from sbkit.data.demo.lines import PRODUCTS_PER_LINE, line_count
from sbkit.data.demo.vocab import length_phrase
from sbkit.data.images import read_image, read_sketch
from sbkit.errors import ConfigError, DataError
from sbkit.params import component_params
from sbkit.progress import set_quiet

SIZE, IMAGE_SIZE = 60, 64


@pytest.fixture(autouse=True)
def quiet():
    set_quiet(True)
    yield
    set_quiet(False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    set_quiet(True)
    return generate_demo(tmp_path_factory.mktemp("demo"), size=SIZE, seed=0, image_size=IMAGE_SIZE)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.png"))}


def mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(demo, tmp_path):
    again = generate_demo(tmp_path / "again", size=SIZE, seed=0, image_size=IMAGE_SIZE)
    other = generate_demo(tmp_path / "other", size=SIZE, seed=1, image_size=IMAGE_SIZE)
    assert again.root != demo.root
    assert (again.root / CATALOGUE_FILE).read_text() == (demo.root / CATALOGUE_FILE).read_text()
    first, second = files(demo.root), files(again.root)
    assert len(first) == 2 * SIZE + len(demo.split("val")) + len(demo.split("test"))
    assert first == second
    assert (other.root / CATALOGUE_FILE).read_text() != (demo.root / CATALOGUE_FILE).read_text()
    different = files(other.root)
    assert sum(different.get(name) != data for name, data in first.items()) > SIZE


def test_items_carry_absolute_paths_and_every_attribute(demo):
    assert len(demo) == SIZE and not demo.skipped
    for item in demo.items:
        assert item.image.is_absolute() and item.image.is_file()
        assert Path(item.attributes["mask"]).is_absolute() and Path(item.attributes["mask"]).is_file()
        assert item.category in CATEGORIES and item.product
        attrs = item.attributes
        assert attrs["colour"] in COLOURS and attrs["brand"] in BRANDS
        assert attrs["pattern"] == BRANDS[attrs["brand"]]
        assert attrs["length"] in LENGTHS[item.category]
        assert attrs["colour_group"] in ("light", "mid", "dark")
        assert (attrs["colour_group"] == "light") == (attrs["colour"] in LIGHT_COLOURS)


def test_split_fractions_are_stratified_and_fixed_by_seed():
    categories = [sample_spec(0, i, 300).category for i in range(300)]
    splits = assign_splits(categories, seed=0)
    assert Counter(splits) == {"train": 210, "val": 30, "test": 60}
    for category in CATEGORIES:
        members = [s for s, c in zip(splits, categories) if c == category]
        counts = Counter(members)
        for name, fraction in (("train", 0.7), ("val", 0.1), ("test", 0.2)):
            assert abs(counts[name] - fraction * len(members)) <= 1.5, (category, counts)
    assert assign_splits(categories, seed=0) == splits
    assert assign_splits(categories, seed=1) != splits


def test_views_share_product_and_split(tmp_path):
    catalogue = generate_demo(tmp_path, size=12, seed=3, image_size=IMAGE_SIZE, views=2)
    assert len(catalogue) == 24
    by_product = defaultdict(list)
    for item in catalogue.items:
        by_product[item.product].append(item)
    assert len(by_product) == 12
    for views in by_product.values():
        assert len(views) == 2
        assert len({v.split for v in views}) == 1
        assert len({v.caption for v in views}) == 1
        assert views[0].image.read_bytes() != views[1].image.read_bytes()
        assert views[0].sketch == views[1].sketch


def test_all_categories_colours_brands_and_lengths_appear_at_300():
    specs = [sample_spec(5, i, 300) for i in range(300)]
    assert {s.category for s in specs} == set(CATEGORIES)
    assert {s.colour for s in specs} == set(COLOURS)
    assert {s.brand for s in specs} == set(BRANDS)
    assert {(s.category, s.length) for s in specs} == {(c, n) for c, names in LENGTHS.items() for n in names}


def test_captions_name_category_and_colour_and_sometimes_leave_out_brand_and_length(demo):
    for item in demo.items:
        assert item.category in item.caption and item.attributes["colour"] in item.caption
    spec = sample_spec(2, 0, 300)
    captions = [make_caption(spec, np.random.default_rng(i)) for i in range(400)]
    without_brand = np.mean([spec.brand not in caption for caption in captions])
    without_length = np.mean([length_phrase(spec.category, spec.length) not in caption for caption in captions])
    assert 0.07 < without_brand < 0.25 and 0.07 < without_length < 0.25
    assert len(set(captions)) >= 8


def test_products_of_a_line_share_a_caption_but_not_a_cut(demo):
    lines = defaultdict(list)
    for item in demo.items:
        lines[item.attributes["line"]].append(item)
    assert len(lines) == line_count(SIZE) < SIZE
    shared = [members for members in lines.values() if len(members) > 1]
    assert shared
    for members in shared:
        assert len({m.caption for m in members}) == 1
        assert len({(m.category, m.attributes["colour"], m.attributes["brand"]) for m in members}) == 1
        masks = [read_sketch(m.attributes["mask"]) for m in members]
        assert not np.array_equal(masks[0], masks[1])
    assert len({members[0].caption for members in lines.values()}) > 0.8 * len(lines)
    assert line_count(3000) == 3000 // PRODUCTS_PER_LINE


def test_masks_cover_the_item(demo):
    for item in demo.items[:30]:
        mask = read_sketch(item.attributes["mask"]) > 127
        image = read_image(item.image).astype(int)
        assert 0.04 < mask.mean() < 0.8
        rows, cols = np.nonzero(mask)
        extent = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
        assert 0.5 * IMAGE_SIZE <= extent <= 0.9 * IMAGE_SIZE
        inside, outside = image[mask].mean(axis=0), image[~mask].mean(axis=0)
        assert outside.min() > 225  # a white background
        if item.attributes["colour_group"] != "light":
            assert np.abs(inside - outside).max() > 25
            # strongly coloured pixels lie on the mask (or on its anti-aliased rim)
            ink = np.abs(image - 250).max(axis=2) > 80
            rim = np.zeros_like(mask)
            rim[1:-1, 1:-1] = mask[1:-1, 1:-1] | mask[:-2, 1:-1] | mask[2:, 1:-1] | mask[1:-1, :-2] | mask[1:-1, 2:]
            assert (ink & ~rim).sum() <= 2


def test_drawn_sketches_exist_for_val_and_test_and_are_dark_on_white(demo):
    for item in demo.items:
        if item.split == "train":
            assert item.sketch is None
            continue
        assert item.sketch is not None and item.sketch.is_file()
        sketch = read_sketch(item.sketch)
        assert sketch.shape == (IMAGE_SIZE, IMAGE_SIZE)
        border = np.concatenate([sketch[0], sketch[-1], sketch[:, 0], sketch[:, -1]])
        assert np.median(border) == 255
        ink = (sketch < 128).mean()
        assert 0.01 < ink < 0.3


def test_cached_reload_does_not_regenerate(demo):
    before = mtimes(demo.root)
    again = generate_demo(demo.root, size=SIZE, seed=0, image_size=IMAGE_SIZE)
    assert mtimes(demo.root) == before
    assert [i.id for i in again.items] == [i.id for i in demo.items]


def test_partial_folder_is_completed(tmp_path):
    first = generate_demo(tmp_path, size=20, seed=4, image_size=IMAGE_SIZE)
    marker = (tmp_path / CATALOGUE_FILE).read_text()
    victim = first.items[7].image
    original = victim.read_bytes()
    victim.unlink()
    (tmp_path / CATALOGUE_FILE).unlink()
    leftover = tmp_path / "masks" / ".demo-00003.png.x1y2.part.png"  # a killed run's temporary file
    leftover.write_bytes(b"partial")
    kept = mtimes(tmp_path)
    del kept[str(leftover.relative_to(tmp_path))]
    second = generate_demo(tmp_path, size=20, seed=4, image_size=IMAGE_SIZE)
    assert victim.read_bytes() == original
    assert (tmp_path / CATALOGUE_FILE).read_text() == marker
    after = mtimes(tmp_path)
    assert all(after[name] == stamp for name, stamp in kept.items())
    assert len(second) == 20 and not leftover.exists()


def test_a_missing_file_in_a_finished_folder_is_rendered_again(tmp_path):
    first = generate_demo(tmp_path, size=10, seed=4, image_size=IMAGE_SIZE)
    mask = Path(first.items[3].attributes["mask"])
    original = mask.read_bytes()
    mask.unlink()
    generate_demo(tmp_path, size=10, seed=4, image_size=IMAGE_SIZE)
    assert mask.read_bytes() == original


def test_other_params_in_the_same_folder_regenerate(tmp_path):
    reused = tmp_path / "reused"
    first = files(generate_demo(reused, size=10, seed=4, image_size=IMAGE_SIZE).root)
    other = generate_demo(reused, size=10, seed=5, image_size=IMAGE_SIZE)
    fresh = generate_demo(tmp_path / "fresh", size=10, seed=5, image_size=IMAGE_SIZE)
    assert files(other.root) == files(fresh.root) != first
    assert json.loads((reused / "params.json").read_text())["seed"] == 5


def test_a_folder_the_generator_did_not_write_is_left_alone(tmp_path):
    marker = tmp_path / CATALOGUE_FILE
    marker.write_text('{"id": "mine"}\n')
    with pytest.raises(DataError, match="empty folder"):
        generate_demo(tmp_path, size=5, image_size=IMAGE_SIZE)
    assert marker.read_text() == '{"id": "mine"}\n'


@pytest.mark.parametrize("params", [dict(size=0), dict(image_size=8), dict(views=0), dict(seed=-1)])
def test_bad_params_are_config_errors(tmp_path, params):
    with pytest.raises(ConfigError, match=next(iter(params))):
        generate_demo(tmp_path, **{"size": 5, **params})


def test_demo_dataset_params_are_documented_and_load_uses_the_cache(tmp_path, monkeypatch):
    from sbkit_datasets.demo import DemoDataset

    params = {p.name: p for p in component_params(DemoDataset)}
    assert list(params) == ["size", "seed", "image_size", "views", "cache_dir"]
    assert [params[n].default for n in ("size", "seed", "image_size", "views", "cache_dir")] == [3000, 0, 128, 1,
                                                                                                 None]
    assert all(p.doc for p in params.values())
    assert DemoDataset.name == "demo" and DemoDataset.description

    dataset = DemoDataset(size=8, image_size=IMAGE_SIZE, cache_dir=tmp_path)
    catalogue = dataset.load()
    assert catalogue.root.parent == tmp_path and catalogue.root.name.startswith("demo-")
    assert len(catalogue) == 8
    assert DemoDataset(size=8, image_size=IMAGE_SIZE, seed=1, cache_dir=tmp_path).folder != dataset.folder
    monkeypatch.setenv("SBKIT_CACHE", str(tmp_path / "env"))
    assert DemoDataset(size=8).folder.parent == tmp_path / "env"


def test_demo_is_registered():
    from sbkit.plugins import PluginHost
    import sbkit_datasets

    host = PluginHost(strict=True)
    host.register(sbkit_datasets, "datasets")
    assert any(cls.name == "demo" for cls, _ in host.collect("dataset"))


def test_drawn_sketches_keep_their_strokes_in_order_as_svg(demo):
    from sbkit.data.adapters.svg import svg_strokes
    from sbkit.data.demo.drawn import drawn_strokes
    from sbkit.data.demo.specs import SKETCH_STREAM, item_rng

    drawn = [item for item in demo.items if item.sketch is not None]
    assert drawn and all("strokes" not in item.attributes for item in demo.split("train"))
    for item in drawn:
        svg = Path(item.attributes["strokes"])
        assert svg.is_absolute() and svg.is_file() and svg.suffix == ".svg"
        assert svg.with_suffix(".png") == item.sketch
        index = int(item.product.removeprefix("demo-"))
        strokes = drawn_strokes(sample_spec(0, index, SIZE, IMAGE_SIZE), item_rng(0, index, SKETCH_STREAM))
        assert np.array_equal(strokes.render(), read_sketch(item.sketch))  # the PNG is the strokes, all of them
        read = svg_strokes(svg)
        assert len(read) == len(strokes.strokes)
        for got, want in zip(read, strokes.strokes):
            assert np.abs(got - want / 2).max() < 0.01  # sketch pixels, to 2 decimals, in drawing order


def test_a_folder_made_before_strokes_were_kept_gains_them(tmp_path):
    first = generate_demo(tmp_path, size=10, seed=4, image_size=IMAGE_SIZE)
    svgs = sorted(tmp_path.glob("sketches/*.svg"))
    assert svgs
    pngs = files(tmp_path)
    for svg in svgs:
        svg.unlink()
    again = generate_demo(tmp_path, size=10, seed=4, image_size=IMAGE_SIZE)
    assert sorted(tmp_path.glob("sketches/*.svg")) == svgs and files(tmp_path) == pngs
    assert [i.attributes for i in again.items] == [i.attributes for i in first.items]
