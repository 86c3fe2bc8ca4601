"""Tiny copies of each published dataset layout, made from synthetic shapes (for tests, contract checks
and bug reports; docs/data.md describes the layouts).

Every picture is a distinct filled shape on white, and every sketch traces the outline of its photo's
shape (slightly jittered), so these copies also suit a short end-to-end run.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

COLOURS = [(200, 40, 40), (40, 90, 200), (30, 140, 60), (220, 170, 40), (120, 60, 160), (20, 20, 20)]


def shape_points(index: int, size: int) -> np.ndarray:
    """(k, 2) float outline of shape ``index``: a blob whose radii are fixed by the index."""
    rng = np.random.default_rng(index)
    k = 7 + index % 5
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = rng.uniform(0.2, 0.42, k) * size
    centre = size / 2 + rng.uniform(-0.05, 0.05, 2) * size
    return np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)


def picture(index: int, size: int) -> np.ndarray:
    """(size, size, 3) uint8 RGB photo: shape ``index`` filled with a colour, on white."""
    image = np.full((size, size, 3), 255, np.uint8)
    cv2.fillPoly(image, [np.round(shape_points(index, size)).astype(np.int32)], COLOURS[index % len(COLOURS)])
    return image


def outline(index: int, size: int, jitter: float = 0.0, seed: int = 0) -> np.ndarray:
    """The closed outline of shape ``index``, each point moved by up to ``jitter`` px."""
    points = shape_points(index, size)
    points = points + np.random.default_rng(seed).uniform(-jitter, jitter, points.shape)
    return np.vstack([points, points[:1]])


def sketch(index: int, size: int, seed: int = 0) -> np.ndarray:
    """(size, size) uint8 drawing of shape ``index``: dark outline on white."""
    canvas = np.full((size, size), 255, np.uint8)
    cv2.polylines(canvas, [np.round(outline(index, size, size * 0.02, seed)).astype(np.int32)], False, 0, 2)
    return canvas


def save(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def svg_sketch(index: int, size: int, seed: int = 0) -> str:
    """An SVG drawing of shape ``index`` whose path data uses M, L, C, Q, relative l and Z."""
    points = outline(index, size, size * 0.02, seed)[:-1]
    parts = [f"M {points[0][0]:.2f},{points[0][1]:.2f}"]
    for i, (x, y) in enumerate(points[1:], 1):
        px, py = points[i - 1]
        if i % 3 == 0:
            parts.append(f"C {px + (x - px) / 3:.2f} {py + (y - py) / 3:.2f} {px + 2 * (x - px) / 3:.2f} "
                         f"{py + 2 * (y - py) / 3:.2f} {x:.2f} {y:.2f}")
        elif i % 3 == 1:
            parts.append(f"Q{(px + x) / 2:.2f},{(py + y) / 2:.2f} {x:.2f},{y:.2f}")
        else:
            parts.append(f"l {x - px:.2f} {y - py:.2f}")
    parts.append("Z")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{size}" '
            f'height="{size}"><g><path fill="none" stroke="#000000" stroke-width="3" d="{" ".join(parts)}"/>'
            f"</g></svg>\n")


def make_folder_catalogue(root: Path, n_items: int = 12, image_size: int = 32,
                          categories: tuple[str, ...] = ("dress", "sneaker", "handbag"), pictures_per_product: int = 2,
                          with_sketches: bool = True, fmt: str = "csv") -> Path:
    """A folder catalogue: images in ``images/<category>/``, sketches in ``sketches/``, captions.csv (or .jsonl)."""
    import csv

    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n_items):
        product = f"p{i // pictures_per_product:03d}"
        category = categories[(i // pictures_per_product) % len(categories)]
        image = save(root / "images" / category / f"item{i:03d}.png", picture(i, image_size))
        row = {"id": f"item{i:03d}", "image": image.relative_to(root).as_posix(), "caption": f"a {category} number {i}",
               "category": category, "product": product,
               "colour": f"colour-{i % len(COLOURS)}"}
        if with_sketches:
            drawing = save(root / "sketches" / f"item{i:03d}.png", sketch(i, image_size))
            row["sketch"] = drawing.relative_to(root).as_posix()
        rows.append(row)
    if fmt == "csv":
        with (root / "captions.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        (root / "captions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                             encoding="utf-8")
    return root


FASHIONGEN_TEXT = ("input_brand", "input_category", "input_subcategory", "input_department", "input_gender",
                   "input_season", "input_composition", "input_description", "input_concat_description",
                   "input_name", "input_pose")


def make_fashiongen_fixture(root: Path, n_train: int = 6, n_validation: int = 4, image_size: int = 32,
                            poses: int = 2) -> Path:
    """``fashiongen_256_256_{train,validation}.h5`` with (N, 1) latin-1 text columns; consecutive rows of a
    product share ``input_productID``. Row 1 of train has an empty description (its name is the caption)."""
    import h5py

    root.mkdir(parents=True, exist_ok=True)
    offset = 0
    for split, rows in (("train", n_train), ("validation", n_validation)):
        categories = ["SHIRTS", "JACKETS & COATS", "SWEATERS"]
        text: dict[str, list[bytes]] = {key: [] for key in FASHIONGEN_TEXT}
        for r in range(rows):
            product = (offset + r) // poses
            values = {
                "input_brand": f"Maison Noé {product}", "input_category": categories[product % 3],
                "input_subcategory": "BLOUSES", "input_department": "CLOTHING", "input_gender": "WOMEN",
                "input_season": "SS2017", "input_composition": "100% soie",
                "input_description": "" if (split, r) == ("train", 1) else f"Crêpe de Chine blouse {product}, "
                                                                            f"façade plissée.",
                "input_concat_description": f"blouse {product} concat", "input_name": f"Blouse {product} à col",
                "input_pose": f"id_gridfs_{r % poses + 1}",
            }
            for key, value in values.items():
                text[key].append(value.encode("latin-1"))
        with h5py.File(root / f"fashiongen_256_256_{split}.h5", "w") as h5:
            h5["input_image"] = np.stack([picture(offset + r, image_size) for r in range(rows)])
            for key, values in text.items():
                width = max(len(v) for v in values) or 1
                h5[key] = np.array(values, dtype=f"S{width}").reshape(-1, 1)
            h5["input_productID"] = np.array([(offset + r) // poses + 1000 for r in range(rows)]).reshape(-1, 1)
            h5["input_msrpUSD"] = np.full((rows, 1), 95.5)
            h5["index_2"] = np.arange(rows)
        offset += rows
    return root


def make_fashioniq_fixture(root: Path, per_split: int = 3, image_size: int = 32, caption_dir: str = "captions",
                           image_layout: str = "flat", dead: int = 1) -> Path:
    """FashionIQ for dress and toptee: train and val captions with targets, test without; ``dead`` val
    targets have no image file. ``image_layout``: "flat" (images/<asin>.jpg|png) or "per-category"
    (image_data/<category>/<asin>.jpg). Attribute tags are given for the dress train images."""
    index = 0
    for category in ("dress", "toptee"):
        for split in ("train", "val", "test"):
            entries, asins = [], []
            for k in range(per_split):
                candidate, target = f"B{category[:2].upper()}{split[:2].upper()}{k:03d}C", \
                    f"B{category[:2].upper()}{split[:2].upper()}{k:03d}T"
                entry = {"candidate": candidate, "captions": [f"is darker {k}", f"has longer sleeves {k}"]}
                if split != "test":
                    entry["target"] = target
                entries.append(entry)
                asins += [candidate, target]
                missing = split == "val" and category == "dress" and k < dead
                for asin in (candidate, target):
                    if missing and asin == target:
                        continue
                    if image_layout == "flat":
                        suffix = ".png" if index % 4 == 3 else ".jpg"
                        save(root / "images" / f"{asin}{suffix}", picture(index, image_size))
                    else:
                        save(root / "image_data" / category / f"{asin}.jpg", picture(index, image_size))
                    index += 1
            (root / caption_dir).mkdir(parents=True, exist_ok=True)
            (root / caption_dir / f"cap.{category}.{split}.json").write_text(json.dumps(entries))
            (root / "image_splits").mkdir(parents=True, exist_ok=True)
            (root / "image_splits" / f"split.{category}.{split}.json").write_text(json.dumps(asins))
            if category == "dress" and split == "train":
                tags = {a: [["floral"], ["mini", "a-line"], [], ["cotton"], [], ["sleeveless"]] for a in asins}
                tag_dir = root / "image_tag_dataset" / "tags"
                tag_dir.mkdir(parents=True, exist_ok=True)
                (tag_dir / f"asin2attr.{category}.{split}.json").write_text(json.dumps(tags))
    return root


def make_deepfashion_mm_fixture(root: Path, n_products: int = 6, views: int = 2, image_size: int = 32) -> Path:
    """DeepFashion-MultiModal: images/{MEN|WOMEN}-{Category}-id_########-{shot}_{seq}_{view}.jpg plus captions.json."""
    categories = [("WOMEN", "Dresses"), ("MEN", "Denim"), ("WOMEN", "Blouses_Shirts")]
    captions = {}
    index = 0
    for p in range(n_products):
        gender, category = categories[p % len(categories)]
        for v, view in enumerate(("front", "side", "back", "full")[:views]):
            name = f"{gender}-{category}-id_{p + 21:08d}-0{v + 1}_{v + 1}_{view}.jpg"
            save(root / "images" / name, picture(index, image_size))
            captions[name] = f"The upper clothing has long sleeves, cotton fabric and pure color patterns. {p}"
            index += 1
    (root / "captions.json").write_text(json.dumps(captions, indent=1))
    return root


def make_shoev2_fixture(root: Path, n_photos: int = 8, image_size: int = 64, sketches_per_photo: int = 2,
                        n_test: int = 2, layout: str = "official", kind: str = "shoe") -> Path:
    """Shoe-V2 (or Chair-V2 with ``kind="chair"``) and return the dataset folder.

    ``layout="official"``: ``<root>/ShoeV2_F/ShoeV2_photo/<id>.png``, ``ShoeV2_sketch/<id>_<n>.svg`` and
    ``{photo,sketch}_{train,test}.txt``. ``layout="reorganised"``: ``<root>/ShoeV2/trainA|testA`` (sketch PNGs
    with the strokes in the alpha channel) and ``trainB|testB`` (photos). Chair ids contain ``_`` and ``-``.
    """
    prefix = "ShoeV2" if kind == "shoe" else "ChairV2"
    ids = [f"{2429245009 + i}" if kind == "shoe" else f"cvpr_{i + 10}-b_{i}" for i in range(n_photos)]
    test = set(ids[-n_test:]) if n_test else set()
    if layout == "official":
        folder = root / f"{prefix}_F"
        listings: dict[str, list[str]] = {f"{w}_{s}": [] for w in ("photo", "sketch") for s in ("train", "test")}
        for i, pid in enumerate(ids):
            split = "test" if pid in test else "train"
            save(folder / f"{prefix}_photo" / f"{pid}.png", picture(i, image_size))
            listings[f"photo_{split}"].append(f"{pid}.png")
            for n in range(1, sketches_per_photo + 1):
                (folder / f"{prefix}_sketch").mkdir(parents=True, exist_ok=True)
                (folder / f"{prefix}_sketch" / f"{pid}_{n}.svg").write_text(svg_sketch(i, image_size, seed=n))
                listings[f"sketch_{split}"].append(f"{pid}_{n}.svg")
        for name, lines in listings.items():
            (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
        return folder
    folder = root / prefix
    for i, pid in enumerate(ids):
        split = "test" if pid in test else "train"
        save(folder / f"{split}B" / f"{pid}.png", picture(i, image_size))
        for n in range(1, sketches_per_photo + 1):
            rgba = np.zeros((image_size, image_size, 4), np.uint8)
            rgba[..., 3] = 255 - sketch(i, image_size, seed=n)  # strokes live in the alpha channel only
            save(folder / f"{split}A" / f"{pid}_{n}.png", rgba)
    return folder


def make_sketchy_fixture(root: Path, categories: tuple[str, ...] = ("airplane", "car_(sedan)", "hot-air_balloon"),
                         photos_per_category: int = 4, sketches_per_photo: int = 2, image_size: int = 32,
                         test_per_category: int = 1) -> Path:
    """Sketchy: 256x256/{photo,sketch}/tx_000000000000/<category>/..., info/testset.txt and info/invalid-*.txt.

    The first sketch of the first photo of each category is listed as invalid (``invalid-error.txt``);
    ``info/stats.csv`` is written too. A ``tx_000100000000`` variant holds copies of the photos.
    """
    index = 0
    testset, invalid = [], []
    for c, category in enumerate(categories):
        for p in range(photos_per_category):
            pid = f"n0{c + 1}691156_{p + 10}"
            photo = picture(index, image_size)
            save(root / "256x256" / "photo" / "tx_000000000000" / category / f"{pid}.jpg", photo)
            save(root / "256x256" / "photo" / "tx_000100000000" / category / f"{pid}.jpg", photo)
            if p < test_per_category:
                testset.append(f"{category}/{pid}.jpg")
            for n in range(1, sketches_per_photo + 1):
                save(root / "256x256" / "sketch" / "tx_000000000000" / category / f"{pid}-{n}.png",
                     sketch(index, image_size, seed=n))
                if p == 0 and n == 1:
                    invalid.append(f"{pid}-{n}")
            index += 1
    info = root / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "testset.txt").write_text("\n".join(testset) + "\n")
    (info / "invalid-error.txt").write_text("\n".join(invalid) + "\n")
    for name in ("ambiguous", "pose", "context"):
        (info / f"invalid-{name}.txt").write_text("")
    (info / "stats.csv").write_text("Category,ImageNetID,SketchID\n")
    return root
