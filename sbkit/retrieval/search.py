"""What a search reads and draws: the index and gallery of a run, and a contact sheet of the results.

The search itself is :class:`sbkit.retrieval.retriever.Retriever`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sbkit.components import Index
from sbkit.errors import DataError, check
from sbkit.evaluation.contact_sheet import SheetRow, contact_sheet
from sbkit.retrieval.gallery import Gallery, read_sources, result_photo, run_source
from sbkit.retrieval.run_folder import INDEX_DIR, LoadedRun, check_index_model, open_index

if TYPE_CHECKING:
    from sbkit.retrieval.retriever import SearchResult


def gallery_index(run: LoadedRun, index_dir: Path | None = None) -> tuple[Index, Path]:
    """The index to search: ``index_dir`` if given (checked against the run's model), else the run's own."""
    if index_dir is None:
        check(run.index is not None, f"{run.run_dir} has no {INDEX_DIR}/ folder; pass --index DIR, or build one "
              f"with `sbkit index build {run.run_dir} --data PATH`", DataError)
        return run.index, run.run_dir / INDEX_DIR  # type: ignore[return-value]
    index = open_index(index_dir, run.config.index.name)
    check_index_model(index, index_dir, run)
    return index, Path(index_dir)


def gallery_for(run: LoadedRun, index: Index, index_dir: Path, data: str | None = None) -> Gallery:
    """Where result photos and captions come from: ``data``, else the index's ``gallery.json``, else the run's.

    A recorded catalogue that cannot be read leaves its reason in ``Gallery.problems`` (results then show
    ids and scores only); ``data`` given explicitly must load and hold some of the index's items.

    Raises:
        DataError: ``data`` cannot be loaded, or holds none of the items in the index.
    """
    from sbkit.retrieval.gallery import DataSource

    if data is None:
        return Gallery(read_sources(index_dir) or [run_source(run.config)])
    gallery = Gallery([DataSource.of(data)])
    if gallery.problems:
        raise DataError(f"--data {gallery.problems[0]}")
    check(not index.ids or any(item_id in gallery.items for item_id in index.ids),
          f"--data {data}: holds none of the {len(index.ids)} items of the index in {index_dir}; pass the "
          "catalogue the index was built from, or leave --data out to use the one recorded with it", DataError)
    return gallery


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
