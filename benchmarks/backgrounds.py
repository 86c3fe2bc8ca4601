"""Edge quality on backgrounds other than studio white: backdrops, uneven light, texture.

    python benchmarks/backgrounds.py [--size 600] [--tolerance 2] [--markdown docs/backgrounds-table.md]
        [--sheet docs/img/backgrounds.png [--sheet-item ID]]

Catalogues other than the demo put their products on grey or beige backdrops, light them from one side,
leave a vignette or crop close, so that long items run off the frame. Each demo photo (rendered on white,
with its true silhouette) is put on each background below, and every sketchifier's outline recall, precision
and F1 are scored against the silhouette, as in ``benchmarks/edge_quality.py``. It also counts blank sketches
(fewer than 20 ink pixels: the item lost entirely) and times each sketchifier, as a ratio to plain ``canny``
in the same run. ``--sheet PATH`` also draws one item on every background with each sketchifier's sketch.

``canny-clahe`` and ``outline`` level an uneven background first (``flatten``, on by default); the
``flatten off`` columns show what that adds. The two "3:4 photo" rows put the item in a 768 x 1024 photo on
light grey, which a run squares to 256 px before sketchifying (``sbkit.data.images.sketch_input``): padded
with the photo's backdrop colour, as sbkit does, or with white, as it did before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console

from sbkit.components import Sketchifier
from sbkit.data.catalogue import CatalogueItem
from sbkit.data.demo import LIGHT_COLOURS
from sbkit.data.images import SKETCH_RESOLUTION, read_image, sketch_input
from sbkit.evaluation.contact_sheet import photo_sketch_grid
from sbkit.evaluation.edges import edge_benchmark_parser
from sbkit.evaluation.tables import print_table
from sbkit.progress import progress_bar
from sbkit.registry import create
from sbkit.sketch.quality import edge_quality

SKETCHIFIERS = {
    "canny": ("canny", {}),
    "canny-clahe, flatten off": ("canny-clahe", {"flatten": False}),
    "canny-clahe": ("canny-clahe", {}),
    "outline, flatten off": ("outline", {"flatten": False}),
    "outline": ("outline", {}),
}
BLANK_PIXELS = 20

Background = Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def _frame(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates in [0, 1], each (H, W)."""
    height, width = shape[:2]
    return np.mgrid[0:height, 0:width].astype(np.float32) / np.float32(max(height, width) - 1)


def _backdrop(photo: np.ndarray, mask: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """The item cut out along its (softened) silhouette and put on ``colour`` (H, W, 3) or (3,)."""
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 0.7)[..., None]
    return np.clip(photo * alpha + colour * (1 - alpha), 0, 255).astype(np.uint8)


def _lit(photo: np.ndarray, light: np.ndarray) -> np.ndarray:
    """The whole picture, item and background, under a light field (H, W) of factors up to 1."""
    return np.clip(photo * light[..., None], 0, 255).astype(np.uint8)


def side_light(photo: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    _, x = _frame(photo.shape)
    return _lit(photo, 1 - 0.25 * x), mask


def vignette(photo: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y, x = _frame(photo.shape)
    return _lit(photo, 1 - 0.6 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)), mask


def beige_lit_from_above(photo: np.ndarray, mask: np.ndarray,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y, _ = _frame(photo.shape)
    return _lit(_backdrop(photo, mask, np.array([228, 214, 190], np.float32)), 1 - 0.18 * y), mask


def textured(photo: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y, x = _frame(photo.shape)
    weave = 195 + 22 * np.sin(x * 60) * np.cos(y * 45) + rng.normal(0, 8, x.shape)
    return _backdrop(photo, mask, np.repeat(weave[..., None], 3, axis=-1)), mask


def _pad_white(image: np.ndarray) -> np.ndarray:
    """The squaring sbkit did before: the short side padded with white, then reduced to 256 px."""
    height, width = image.shape[:2]
    left = (height - width) // 2
    padded = cv2.copyMakeBorder(image, 0, 0, left, height - width - left, cv2.BORDER_CONSTANT, value=(255,) * 3)
    return cv2.resize(padded, (SKETCH_RESOLUTION, SKETCH_RESOLUTION), interpolation=cv2.INTER_AREA)


def tall_photo(squaring: Callable[[np.ndarray], np.ndarray]) -> Background:
    """The item on light grey in a 3:4 photo of 768 x 1024 px, squared by ``squaring``."""
    def place(photo: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        side = photo.shape[0]
        canvas = np.full((side * 2, side * 3 // 2, 3), 236, np.float32)
        backdrop = np.zeros(canvas.shape[:2], np.uint8)
        top, left = side // 2, side // 4
        canvas[top:top + side, left:left + side] = _backdrop(photo, mask, canvas[top:top + side, left:left + side])
        backdrop[top:top + side, left:left + side] = mask
        big = cv2.resize(canvas.astype(np.uint8), (768, 1024), interpolation=cv2.INTER_CUBIC)
        big_mask = cv2.resize(backdrop, (768, 1024), interpolation=cv2.INTER_NEAREST)
        truth = cv2.copyMakeBorder(big_mask, 0, 0, 128, 128, cv2.BORDER_CONSTANT, value=0)  # squared alike
        return squaring(big), cv2.resize(truth, (SKETCH_RESOLUTION,) * 2, interpolation=cv2.INTER_NEAREST)
    return place


def cropped_close(photo: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The photo's middle 70%: long items run off the frame, as in close-cropped catalogue shots."""
    cut = round(0.15 * photo.shape[0])
    middle = (slice(cut, -cut), slice(cut, -cut))
    return np.ascontiguousarray(photo[middle]).astype(np.uint8), np.ascontiguousarray(mask[middle])


BACKGROUNDS: dict[str, Background] = {
    "studio white (as rendered)": lambda photo, mask, rng: (photo.astype(np.uint8), mask),
    "grey backdrop": lambda photo, mask, rng: (_backdrop(photo, mask, np.full(3, 200, np.float32)), mask),
    "dark backdrop": lambda photo, mask, rng: (_backdrop(photo, mask, np.full(3, 40, np.float32)), mask),
    "light from one side": side_light,
    "vignette": vignette,
    "beige, lit from above": beige_lit_from_above,
    "textured backdrop": textured,
    "cropped close (items run off the frame)": cropped_close,
    "3:4 photo on light grey, padded with its backdrop": tall_photo(sketch_input),
    "3:4 photo on light grey, padded with white (before)": tall_photo(_pad_white),
}


def write_sheet(item: CatalogueItem, sketchifiers: dict[str, Sketchifier], path: Path, seed: int) -> Path:
    """A contact sheet of one item: a row per background (in table order), the photo and each sketch; the
    headers shorten ``canny-clahe`` to ``clahe`` and ``flatten off`` to ``(off)``."""
    photo = read_image(item.image).astype(np.float32)
    mask = read_image(item.attributes["mask"])[..., 0]
    rng = np.random.default_rng(seed)
    headers = {label: label.replace("canny-clahe", "clahe").replace(", flatten off", " (off)")
               for label in sketchifiers}
    columns: dict[str, list[np.ndarray]] = {"photo": [], **{header: [] for header in headers.values()}}
    for place in BACKGROUNDS.values():
        shown, _ = place(photo, mask, rng)
        columns["photo"].append(shown)
        for label, sketchifier in sketchifiers.items():
            columns[headers[label]].append(sketchifier(shown, item.caption))
    return photo_sketch_grid(columns, path, thumb=128)


def main() -> None:
    parser = edge_benchmark_parser(__doc__)
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet of one item on every background")
    parser.add_argument("--sheet-item", help="the demo item id for --sheet (default: the first light-coloured one)")
    args = parser.parse_args()

    items = [item for item in create("dataset", "demo", {"size": args.size, "seed": args.seed}).load().items
             if item.attributes.get("mask")]
    sketchifiers = {label: create("sketchifier", name, params) for label, (name, params) in SKETCHIFIERS.items()}
    f1 = {(bg, label): [] for bg in BACKGROUNDS for label in sketchifiers}
    blank = dict.fromkeys(f1, 0)
    seconds = dict.fromkeys(sketchifiers, 0.0)
    rng = np.random.default_rng(args.seed)
    with progress_bar("backgrounds", len(items) * len(BACKGROUNDS)) as advance:
        for item in items:
            photo = read_image(item.image)
            mask = read_image(item.attributes["mask"])[..., 0]
            for bg, place in BACKGROUNDS.items():
                shown, truth = place(photo.astype(np.float32), mask, rng)
                for label, sketchifier in sketchifiers.items():
                    start = time.perf_counter()
                    sketch = sketchifier(shown, item.caption)
                    seconds[label] += time.perf_counter() - start
                    f1[bg, label].append(edge_quality(sketch, truth, args.tolerance)["f1"])
                    blank[bg, label] += int((sketch < 128).sum() < BLANK_PIXELS)
                advance(1)

    rows = [{"background": bg} | {label: f"{np.mean(f1[bg, label]):.3f} ({blank[bg, label]})" for label in sketchifiers}
            for bg in BACKGROUNDS]
    shots = len(items) * len(BACKGROUNDS)
    rows.append({"background": "ms per photo (x canny)"}
                | {label: f"{1000 * s / shots:.2f} ({s / seconds['canny']:.2f}x)" for label, s in seconds.items()})
    columns = ["background", *sketchifiers]
    title = (f"Edge F1 per background (blank sketches in brackets), tolerance {args.tolerance:g} px, "
             f"{len(items)} demo items (seed {args.seed})")
    print_table(title, rows, columns, args.markdown, left=columns)
    if args.sheet:
        chosen = [item for item in items if item.id == args.sheet_item] if args.sheet_item else \
            [item for item in items if item.attributes.get("colour") in LIGHT_COLOURS]
        if not chosen:
            raise SystemExit(f"--sheet-item {args.sheet_item}: no such demo item among the {len(items)} scored")
        Console().print(f"sheet: {write_sheet(chosen[0], sketchifiers, args.sheet, args.seed)} ({chosen[0].id})")


if __name__ == "__main__":
    main()
