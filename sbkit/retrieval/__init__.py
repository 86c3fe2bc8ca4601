"""Retrieval: reopen a run folder, prepare query drawings, search a gallery, build and extend gallery indexes.

Modules: :mod:`~sbkit.retrieval.run_folder` (``load_run``), :mod:`~sbkit.retrieval.query` (drawings to
sketches), :mod:`~sbkit.retrieval.retriever` (``Retriever``: load once, search many times),
:mod:`~sbkit.retrieval.search` (index, gallery, contact sheet), :mod:`~sbkit.retrieval.build`
(``build_index``, ``add_to_index``), :mod:`~sbkit.retrieval.embeddings` (resumable chunked embedding) and
:mod:`~sbkit.retrieval.gallery`.
"""

from sbkit.retrieval.build import BuildOptions, IndexSummary, add_to_index, build_index
from sbkit.retrieval.gallery import DataSource, Gallery
from sbkit.retrieval.query import load_query, prepare_query
from sbkit.retrieval.retriever import Hit, Retriever, SearchResult, Timings
from sbkit.retrieval.run_folder import LoadedRun, load_run
from sbkit.retrieval.search import write_sheet

__all__ = [
    "BuildOptions",
    "DataSource",
    "Gallery",
    "Hit",
    "IndexSummary",
    "LoadedRun",
    "Retriever",
    "SearchResult",
    "Timings",
    "add_to_index",
    "build_index",
    "load_query",
    "load_run",
    "prepare_query",
    "write_sheet",
]
