"""``Retriever``: the one Python API for searching a run's gallery, used by ``sbkit search`` and ``sbkit serve``.

``Retriever.from_run(path)`` opens the run folder once (model, index, gallery photos and captions);
``search(sketch=..., text=..., k=..., mode=...)`` answers a query and says how long each stage took:
decoding the drawing, normalising it as training sketches were, encoding the query, searching the index.

Example:
    >>> retriever = Retriever.from_run("runs/demo")                     # doctest: +SKIP
    >>> result = retriever.search(sketch="bag.png", text="a black bag")  # doctest: +SKIP
    >>> [hit.id for hit in result.hits], result.timings.total             # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
import operator
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from sbkit.components import Index
from sbkit.data.catalogue import CatalogueItem
from sbkit.data.images import MAX_PIXELS
from sbkit.errors import DataError, check
from sbkit.limits import COLOUR_CANDIDATES, COLOUR_WEIGHT, check_colour_weight, check_query_text
from sbkit.retrieval.colours import ColourReader
from sbkit.retrieval.gallery import Gallery
from sbkit.retrieval.garment_words import GarmentWordReader
from sbkit.retrieval.lexicon import Lexicon
from sbkit.retrieval.photo_colours import PhotoColours, favour_colour, read_photo
from sbkit.retrieval.query import decode_drawing, drawing_pixels, prepare_query, read_drawing
from sbkit.retrieval.run_folder import LoadedRun, load_run
from sbkit.retrieval.search import gallery_for, gallery_index
from sbkit.retrieval.spelling import Speller

MODES = ("sketch+text", "sketch", "text")
Drawing = str | Path | bytes | np.ndarray | Image.Image  # a file, an encoded image, or pixels


@dataclass
class Hit:
    """One result: its rank (1 = best), gallery id, score (cosine similarity, plus the colour term when the caption
    names a colour: :meth:`Retriever.search`), photo path and caption if known."""

    rank: int
    id: str
    score: float
    path: Path | None = None
    caption: str | None = None

    def json_score(self) -> float | None:
        """The score rounded for JSON; None when it is not a finite number (JSON has no NaN)."""
        return round(self.score, 6) if math.isfinite(self.score) else None

    def to_dict(self) -> dict[str, object]:
        return {"rank": self.rank, "id": self.id, "score": self.json_score(),
                "path": None if self.path is None else str(self.path), "caption": self.caption}


@dataclass
class Timings:
    """Milliseconds spent in each stage of one query."""

    decode: float = 0.0
    normalise: float = 0.0
    encode: float = 0.0
    search: float = 0.0

    @property
    def total(self) -> float:
        return self.decode + self.normalise + self.encode + self.search

    def to_dict(self) -> dict[str, float]:
        return {**{key: round(value, 3) for key, value in asdict(self).items()}, "total": round(self.total, 3)}


def reads_a_word(text: str, unknown_words: list[str]) -> bool:
    """Whether search reads any word of ``text``, given its (white-space separated) words it cannot read."""
    return len(unknown_words) < len(text.split())


@dataclass
class SearchResult:
    """The query as the model saw it (the normalised sketch, the text, the mode), the ranked hits, the time each
    stage took, the caption's words search cannot read (when every one is unknown, a sketch+text query leaves
    the caption out), the typos and colour names read as catalogue words (as typed -> as read; ``text`` is
    as read), and the colour named in the caption that the photos' own colours were ranked toward."""

    sketch: np.ndarray | None
    text: str | None
    hits: list[Hit]
    mode: str = "sketch+text"
    timings: Timings = field(default_factory=Timings)
    unknown_words: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    model_reads_text: bool = True  # False: the run's catalogue had no caption to train on (LoadedRun.reads_text)
    colour: str | None = None  # the colour named in the caption that the photos' own colours were ranked by

    @property
    def text_understood(self) -> bool | None:
        """None without a caption; False when the model reads no word of it, or learned no words at all."""
        return None if self.text is None else self.model_reads_text and reads_a_word(self.text, self.unknown_words)

    @property
    def reading(self) -> str | None:
        """Which typos and colour names were read as which catalogue words, in one line; None when the caption
        was read as typed."""
        if not self.corrections:
            return None
        return "read " + ", ".join(f"{typed!r} as {word!r}" for typed, word in self.corrections.items()) + (
            ", the nearest words the catalogue uses")

    @property
    def warnings(self) -> list[str]:
        """Things the person searching should know: caption words the model cannot read, scores that are not
        numbers."""
        found = []
        unscored = sum(not math.isfinite(hit.score) for hit in self.hits)
        if unscored:
            found.append(f"{unscored} of {len(self.hits)} results have no score (null): the index or the query "
                         "holds values that are not finite numbers (NaN); rebuild the index with `sbkit index build`")
        advice = "describe the item in words like the catalogue's, e.g. \"a long red trouser\""
        if self.text is not None and not self.model_reads_text:
            found.insert(0, f"the caption {self.text!r} is left out: this run's model learned no words (its catalogue "
                            "had no captions or category folders to train on), so the ranking comes from the sketch "
                            "alone")
        elif self.text_understood is False:
            effect = "the ranking comes from the sketch alone" if self.sketch is not None else (
                "the results may have nothing to do with it")
            found.insert(0, f"the model knows no word of the caption {self.text!r}, so {effect}; {advice}")
        elif self.unknown_words:
            words = ", ".join(map(repr, dict.fromkeys(self.unknown_words)))
            found.insert(0, f"no meaning known for {words} (not a word of English, of the catalogue or of the text "
                            f"model), so the ranking reads the caption's other words; {advice}")
        return found


def whole_number(k: Any) -> int:
    """``k`` as an int of at least 1 (numpy integers too); a :class:`DataError` for anything else."""
    check(not isinstance(k, bool) and hasattr(k, "__index__"), f"k must be a whole number, got {k!r} "
          f"({type(k).__name__})", DataError)
    check(operator.index(k) >= 1, f"k must be at least 1, got {k!r}", DataError)
    return operator.index(k)


def query_mode(mode: str | None, has_sketch: bool, has_text: bool) -> str:
    """The mode a query runs in: ``mode`` if given (checked against the inputs), else what was given."""
    if mode is None:
        check(has_sketch or has_text, "a search needs a drawing, a caption or both (e.g. \"a long red trouser\")",
              DataError)
        return "sketch+text" if has_sketch and has_text else "sketch" if has_sketch else "text"
    check(mode in MODES, f"mode {mode!r} is not one of {', '.join(MODES)}", DataError)
    check(has_sketch or mode == "text", f"mode {mode!r} needs a drawing; draw something or switch to text only",
          DataError)
    check(has_text or mode == "sketch", f"mode {mode!r} needs a caption; type one or switch to sketch only",
          DataError)
    return mode


class Retriever:
    """A run's model, index and gallery, loaded once and searched many times (thread-safe for searches).

    Args:
        run: the opened run folder.
        index: the index to search.
        index_dir: the folder it was loaded from.
        gallery: maps ids to photos and captions; None gives hits with ids and scores only.
        max_pixels: the largest drawing accepted, checked before decoding.
    """

    def __init__(self, run: LoadedRun, index: Index, index_dir: Path, gallery: Gallery | None = None,
                 max_pixels: int = MAX_PIXELS) -> None:
        self.run = run
        self.index = index
        self.index_dir = Path(index_dir)
        self.gallery = gallery
        self.max_pixels = max_pixels
        self._ids = frozenset(index.ids)

    @classmethod
    def from_run(cls, run_dir: str | Path, index: str | Path | None = None, data: str | Path | None = None,
                 device: str = "cpu", gallery: bool = True, max_pixels: int = MAX_PIXELS) -> Retriever:
        """Open ``run_dir``: its model, its own test index (or ``index``, built by ``sbkit index build``) and,
        with ``gallery``, the photos and captions of the catalogue the index holds (``data`` overrides it).

        Raises:
            DataError: the run folder or index is missing or broken, the index was built by another model, or
                ``data`` cannot be loaded or holds none of the index's items.
        """
        for name, value in (("run_dir", run_dir), ("index", index), ("data", data)):
            check(value is None and name != "run_dir" or isinstance(value, (str, os.PathLike)),
                  f"{name} must be a folder path (str or Path), got {type(value).__name__}", DataError)
        run = load_run(run_dir, device)
        found, index_dir = gallery_index(run, None if index is None else Path(index))
        data = None if data is None else os.fspath(data)
        return cls(run, found, index_dir, gallery_for(run, found, index_dir, data) if gallery else None, max_pixels)

    def __len__(self) -> int:
        return len(self.index)

    def item(self, item_id: str) -> CatalogueItem | None:
        """The catalogue item of an id the index holds; None for any other string (no file system lookup)."""
        if item_id not in self._ids or self.gallery is None:
            return None
        return self.gallery.get(item_id)

    @cached_property
    def _gallery_captions(self) -> list[str]:
        """The captions of the gallery's items."""
        return [] if self.gallery is None else [item.caption for item in self.gallery.items.values()
                                                if item.caption and item.id in self._ids]

    @cached_property
    def _reads_toward_training(self) -> bool:
        """Whether typed captions are read toward the words the run's text side trained on rather than the
        gallery's: where the gallery has no captions (a plain folder of images), its folder names are not words
        the model learned, and reading "trouser" as a folder's "trousers" pulled the demo model's trousers from
        10 of the first 10 to 2."""
        return not self._gallery_captions and self.run.training_words is not None

    @cached_property
    def _captions(self) -> list[str]:
        """The words typed captions are read toward: the gallery's captions, or where it has none, the captions
        the run trained on (:attr:`LoadedRun.training_words`)."""
        if self._reads_toward_training:
            return self.run.training_words.captions  # type: ignore[union-attr]
        return self._gallery_captions

    @cached_property
    def speller(self) -> Speller:
        """Reads a caption's typos and plurals as the words of the gallery's captions (built on the first caption
        searched)."""
        return Speller(self._captions, self.run.model.encoder.knows_word)

    @cached_property
    def garment_reader(self) -> GarmentWordReader:
        """Reads a garment word the gallery's captions never use as its word for the same item (built on the first
        caption)."""
        if self._reads_toward_training:
            categories = self.run.training_words.categories  # type: ignore[union-attr]
        else:
            categories = [] if self.gallery is None else [item.category for item in self.gallery.items.values()
                                                           if item.category and item.id in self._ids]
        return GarmentWordReader(self._captions, categories)

    @cached_property
    def lexicon(self) -> Lexicon:
        """Says which caption words nothing in search can read (built on the first caption, from the speller's
        count of the gallery's words)."""
        return Lexicon(self.speller.counts.keys(), self.run.model.encoder.knows_word)

    @cached_property
    def colour_reader(self) -> ColourReader:
        """Reads a colour name the gallery's captions never use as their nearest (built on the first caption)."""
        return ColourReader(self._captions)

    @cached_property
    def photo_colours(self) -> PhotoColours:
        """The item colours of the gallery's photos, each read when it is first a candidate."""
        return PhotoColours(self._photo_pixels)

    def _photo_pixels(self, item_id: str) -> np.ndarray | None:
        item = self.item(item_id)
        return None if item is None else read_photo(item.image)

    def ranked(self, vectors: torch.Tensor, k: int, colours: Sequence[np.ndarray | None] = (),
               colour_weight: float = COLOUR_WEIGHT) -> list[tuple[np.ndarray, list[str]]]:
        """Each of the (Q, D) query ``vectors``' best ``k`` scores and ids, with the colour term
        (:func:`~sbkit.retrieval.photo_colours.favour_colour`, among the categories of the model's own first
        results) for each query whose named colour (CIELAB, (3,)) is in ``colours``, None for a query that names
        none."""
        colours = list(colours) or [None] * len(vectors)
        favoured = colour_weight > 0 and any(colour is not None for colour in colours)
        scores, ids = self.index.search(vectors, max(k, COLOUR_CANDIDATES) if favoured else k)
        rows = []
        for row_scores, row_ids, colour in zip(scores, ids, colours, strict=True):
            scored, found = row_scores[:len(row_ids)].numpy(), row_ids
            if colour is not None and colour_weight > 0:
                categories = [None if (item := self.item(item_id)) is None else item.category for item_id in found]
                scored, found = favour_colour(scored, found, colour, self.photo_colours, colour_weight, categories)
            rows.append((scored[:k], found[:k]))
        return rows

    def search(self, sketch: Drawing | None = None, text: str | None = None, k: int = 10,
               mode: str | None = None, exact_text: bool = False, colour_weight: float = COLOUR_WEIGHT,
               ) -> SearchResult:
        """Rank the gallery for a drawing and/or a caption.

        Args:
            sketch: a drawing: a file path, the bytes of a PNG/JPEG/SVG/HEIC/... file, a PIL image, or an image array
                (H, W), (H, W, 3) or (H, W, 4) of uint8, 16-bit, float in [0, 1] or bool pixels; any size,
                either polarity, transparency or a photo of paper.
            text: a caption of at most :data:`sbkit.limits.MAX_QUERY_TEXT` characters; None or blank for none.
                With a sketch, a caption of which search reads no word (:meth:`unread_words`) is left out of
                the query: the result's ``mode`` is then ``sketch``, and its warning says so.
            k: results to return (at most the gallery size).
            mode: ``sketch+text``, ``sketch`` or ``text``; the other input is then ignored. Default: the
                inputs given.
            exact_text: read the caption as typed; by default a word the gallery's captions never use, the
                plural or singular of one they do or a typo away from it, is read as that word
                (:mod:`sbkit.retrieval.spelling`), a garment word they never use as their word for the same
                item (:mod:`sbkit.retrieval.garment_words`), and a colour name they never use as their nearest
                colour (:mod:`sbkit.retrieval.colours`).
            colour_weight: when the caption names a colour, the most that a photo of that very colour gains
                among the best :data:`~sbkit.limits.COLOUR_CANDIDATES` results (of the categories of the
                model's first :data:`~sbkit.limits.COLOUR_CATEGORIES_FROM`), read from the photo itself
                (:mod:`sbkit.retrieval.photo_colours`); 0 ranks by the model alone. Needs the gallery's photos.

        Raises:
            DataError: a missing input for the mode, a bad mode, k or colour_weight, a caption that is not a str or
                is over the length limit, a caption alone for a model that learned no words
                (:attr:`LoadedRun.reads_text`), or a drawing that cannot be read or holds no strokes.
            ShapeError: a drawing array of the wrong shape, or pixels that are not finite numbers.
        """
        check_query_text(text)
        check_colour_weight(colour_weight)
        text = text.strip() if text and text.strip() else None
        mode = query_mode(mode, sketch is not None, text is not None)
        k = whole_number(k)
        timings = Timings()
        prepared = None
        if mode != "text":
            start = time.perf_counter()
            image = self._decode(sketch)  # type: ignore[arg-type]
            timings.decode = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            try:
                prepared = prepare_query(image, self.run.config.image_size, self.run.config.line_width)
            except DataError as exc:
                where = f"sketch {sketch}: " if isinstance(sketch, (str, Path)) else ""
                raise DataError(f"{where}{exc}") from None
            timings.normalise = (time.perf_counter() - start) * 1000
        query_text = text if mode != "sketch" else None
        check(query_text is None or prepared is not None or self.run.reads_text,
              f"this run's model ({self.run.run_dir}) learned no words: its catalogue had no captions or category "
              "folders to train on, so it cannot search by a caption alone; search with a drawing, or train on "
              "a catalogue with captions", DataError)
        corrections: dict[str, str] = {}
        start = time.perf_counter()
        if query_text is not None and not exact_text:
            query_text, corrections = self.read_caption(query_text)
        unknown = [] if query_text is None else self.unread_words(query_text)
        ignored = query_text is not None and prepared is not None and (
            not self.run.reads_text or not reads_a_word(query_text, unknown))
        vector = self.embed(prepared, None if ignored else query_text)  # a caption read not at all only adds noise
        timings.encode = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        named = None
        if query_text is not None and not ignored and colour_weight > 0 and self.gallery is not None:
            named = self.colour_reader.main_colour(query_text)
        [(scored, found)] = self.ranked(vector, k, [None if named is None else named[1]], colour_weight)
        hits = [self._hit(rank, item_id, score) for rank, (item_id, score) in
                enumerate(zip(found, scored.tolist()), 1)]
        timings.search = (time.perf_counter() - start) * 1000
        return SearchResult(prepared, query_text, hits, "sketch" if ignored else mode, timings, unknown, corrections,
                            self.run.reads_text, None if named is None else named[0])

    def read_caption(self, text: str) -> tuple[str, dict[str, str]]:
        """``text`` as search reads it by default: typos and plurals as the gallery's words, then garment words
        it never uses as its words for the same item, then a colour name it never uses as its nearest; and the
        words changed (as typed -> as read)."""
        text, corrections = self.speller.correct(text)
        text, garments = self.garment_reader.read(text)
        text, colours = self.colour_reader.read(text)
        return text, corrections | garments | colours

    def unread_words(self, text: str) -> list[str]:
        """The words of ``text`` that search cannot read: unknown to the text model (``Encoder.unknown_words``) or
        to the gallery's captions, English and the text model's vocabulary alike (:mod:`sbkit.retrieval.lexicon`),
        in the caption's order."""
        unknown = set(self.run.model.encoder.unknown_words(text)) | set(self.lexicon.unread(text))
        return [word for word in text.split() if word in unknown]

    def embed(self, sketch: np.ndarray | None, text: str | None) -> torch.Tensor:
        """A prepared (S, S) uint8 sketch and/or a caption -> the query vector (1, D) float32 on the CPU."""
        sketches = None if sketch is None else torch.from_numpy(np.ascontiguousarray(sketch))[None, None]
        with torch.inference_mode():
            return self.run.model.embed_queries(sketches, None if text is None else [text]).float().cpu()

    def info(self) -> dict[str, Any]:
        """What is loaded: run folder, model components, index, gallery size, sbkit version."""
        import sbkit

        config = self.run.config
        return {
            "sbkit": sbkit.__version__,
            "run": str(self.run.run_dir),
            "model": {"encoder": config.encoder.name, "encoder_params": dict(config.encoder.params),
                      "fuser": config.fuser.name, "dim": self.run.model.dim, "image_size": config.image_size,
                      "device": str(self.run.device)},
            "index": {"name": self.index.name, "folder": str(self.index_dir), "size": len(self.index)},
            "gallery": {"size": len(self.index),
                        "sources": [] if self.gallery is None else [s.label() for s in self.gallery.sources],
                        "problems": [] if self.gallery is None else list(self.gallery.problems)},
            "modes": list(MODES) if self.run.reads_text else ["sketch"],
        }

    def _decode(self, sketch: Drawing) -> np.ndarray:
        if isinstance(sketch, np.ndarray):
            return sketch
        if isinstance(sketch, Image.Image):
            return drawing_pixels(sketch)
        if isinstance(sketch, (bytes, bytearray, memoryview)):
            check(len(sketch) > 0, "the uploaded drawing is empty (0 bytes); send a PNG, JPEG or SVG file", DataError)
            return decode_drawing(io.BytesIO(bytes(sketch)), "the uploaded drawing", self.max_pixels)
        check(isinstance(sketch, (str, os.PathLike)), f"sketch must be a file path, the bytes of an image file, a "
              f"numpy array or a PIL image, got {type(sketch).__name__}", DataError)
        return read_drawing(sketch, self.max_pixels)

    def _hit(self, rank: int, item_id: str, score: float) -> Hit:
        item = self.gallery.get(item_id) if self.gallery is not None else None
        return Hit(rank, item_id, float(score), None if item is None else item.image,
                   None if item is None else item.caption or None)
