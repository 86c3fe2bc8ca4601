"""Search a gallery with a drawing, a caption or both, and draw the results as a contact sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from sbkit.components import Index
from sbkit.errors import DataError, check
from sbkit.evaluation.contact_sheet import SheetRow, contact_sheet
from sbkit.retrieval.gallery import Gallery, read_sources, result_photo, run_source
from sbkit.retrieval.query import load_query, prepare_query
from sbkit.retrieval.run_folder import INDEX_DIR, LoadedRun, check_index_model, open_index


@dataclass
class Hit:
    """One result: its rank (1 = best), gallery id, score (cosine similarity), photo path and caption if known."""

    rank: int
    id: str
    score: float
    path: Path | None = None
    caption: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"rank": self.rank, "id": self.id, "score": round(self.score, 6),
                "path": None if self.path is None else str(self.path), "caption": self.caption}


@dataclass
class SearchResult:
    """The query as the model saw it (the normalised sketch, the text), the ranked hits, and the caption's
    words the model cannot read (when every one is unknown, the caption cannot steer the ranking)."""

    sketch: np.ndarray | None
    text: str | None
    hits: list[Hit]
    unknown_words: list[str] = field(default_factory=list)

    @property
    def text_understood(self) -> bool | None:
        """None without a caption; False when the model reads no word of it."""
        if self.text is None:
            return None
        return len(self.unknown_words) < len(self.text.split())

    @property
    def warnings(self) -> list[str]:
        """Things the person searching should know: a caption the model cannot read."""
        if self.text_understood is not False:
            return []
        effect = "the ranking comes from the sketch alone" if self.sketch is not None else "the ranking is meaningless"
        return [f"the model knows no word of the caption {self.text!r} (its vocabulary comes from the training "
                f"captions), so {effect}; describe the item in the catalogue's words, e.g. \"a long red trouser\""]


def gallery_index(run: LoadedRun, index_dir: Path | None = None) -> tuple[Index, Path]:
    """The index to search: ``index_dir`` if given (checked against the run's model), else the run's own."""
    if index_dir is None:
        check(run.index is not None, f"{run.run_dir} has no {INDEX_DIR}/ folder; pass --index DIR, or build one "
              f"with `sbkit index build {run.run_dir} --data PATH`", DataError)
        return run.index, run.run_dir / INDEX_DIR  # type: ignore[return-value]
    index = open_index(index_dir, run.config.index.name)
    check_index_model(index, index_dir, run)
    return index, Path(index_dir)


def gallery_for(run: LoadedRun, index_dir: Path, data: str | None = None) -> Gallery:
    """Where result photos and captions come from: ``data``, else the index's ``gallery.json``, else the run's."""
    from sbkit.retrieval.gallery import DataSource

    if data is not None:
        return Gallery([DataSource.of(data)])
    return Gallery(read_sources(index_dir) or [run_source(run.config)])


def embed_query(run: LoadedRun, sketch: np.ndarray | None, text: str | None) -> torch.Tensor:
    """A prepared (S, S) sketch and/or a caption -> the query vector (1, D)."""
    sketches = None if sketch is None else torch.from_numpy(sketch)[None, None]
    with torch.no_grad():
        return run.model.embed_queries(sketches, None if text is None else [text]).float().cpu()


def search(run: LoadedRun, sketch: str | Path | np.ndarray | None = None, text: str | None = None, k: int = 10,
           index: Index | None = None, gallery: Gallery | None = None) -> SearchResult:
    """Rank the gallery for a drawing (a file or an image array, any form :mod:`sbkit.retrieval.query` reads)
    and/or a caption.

    Args:
        run: the opened run folder.
        sketch: a drawing file or array; None for a text-only query.
        text: a caption; None or blank for a sketch-only query.
        k: results to return.
        index: the index to search; default: the run's own.
        gallery: maps ids to photos and captions; without it hits carry ids and scores only.

    Raises:
        DataError: neither a sketch nor a text was given, or the drawing holds no strokes.
    """
    text = text.strip() if text and text.strip() else None
    check(sketch is not None or text is not None, "a search needs a sketch, a text or both: pass --sketch "
          "drawing.png and/or --text \"a long red trouser\"", DataError)
    check(k >= 1, f"k must be at least 1, got {k}", DataError)
    if index is None:
        index, _ = gallery_index(run)
    size, width = run.config.image_size, run.config.line_width
    prepared = None
    if sketch is not None:
        prepared = prepare_query(sketch, size, width) if isinstance(sketch, np.ndarray) else load_query(
            sketch, size, width)
    unknown = [] if text is None else run.model.encoder.unknown_words(text)
    scores, ids = index.search(embed_query(run, prepared, text), k)
    hits = []
    for rank, (item_id, score) in enumerate(zip(ids[0], scores[0].tolist()), 1):
        item = gallery.get(item_id) if gallery is not None else None
        hits.append(Hit(rank, item_id, float(score), None if item is None else item.image,
                        None if item is None else item.caption or None))
    return SearchResult(prepared, text, hits, unknown)


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def write_sheet(result: SearchResult, gallery: Gallery | None, path: Path, title: str | None = None) -> Path:
    """A contact sheet: the query sketch and text, then the results with id and score under each."""
    check(result.hits, "the search found nothing to draw; is the index empty?", DataError)
    photos = [result_photo(gallery.get(hit.id) if gallery is not None else None) for hit in result.hits]
    row = SheetRow(query_sketch=result.sketch, caption=result.text, results=photos,
                   hits=[False] * len(result.hits),
                   labels=[f"{_short(hit.id)} {hit.score:.2f}" for hit in result.hits])
    path = Path(path)
    check(not path.is_dir(), f"contact sheet {path} is a folder; pass --sheet a .png file name", DataError)
    try:
        return contact_sheet([row], path, title=title, thumb=112, legend="results, best first (score below)")
    except OSError as exc:
        raise DataError(f"cannot write the contact sheet {path} ({exc.strerror or type(exc).__name__}); pass "
                        "--sheet a .png path in a folder you can write") from None
