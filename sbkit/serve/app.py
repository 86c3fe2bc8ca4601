"""The FastAPI app of ``sbkit serve``: the drawing page and the REST API, a thin face over one ``Retriever``.

Searches run on a small thread pool, so the event loop keeps answering while the model works; at most
``max_searches`` are admitted at once (running or queued) and the rest get 503 at once. Gallery images are
served by id only: an id is looked up in the index's id list, and only an item found there gives a file.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import orjson
import torch
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from sbkit.data.sources import ImageSource, as_source
from sbkit.errors import DataError
from sbkit.retrieval.retriever import Retriever
from sbkit.serve.errors import ApiError, error_response, install_error_handlers
from sbkit.serve.limits import BodyLimit, BodyTooLarge, SearchGate
from sbkit.serve.requests import SEARCH_BODY, read_query
from sbkit.serve.schemas import ErrorResponse, Example, Health, SearchResponse
from sbkit.serve.thumbnails import Thumbnails

STATIC = Path(__file__).parent / "static"
EXAMPLES = 6
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": what} for status, what in (
        (400, "a drawing that is empty, cannot be read or holds no strokes, or a query missing an input its mode "
              "needs"),
        (413, "an upload over the byte limit, or a drawing over the pixel limit"),
        (415, "a body that is neither multipart/form-data nor JSON"),
        (422, "a field out of range (k, mode, text length)"),
        (503, "every search slot is taken; try again in a moment"),
    )
}
ERROR_404: dict[str, Any] = {"model": ErrorResponse, "description": "no gallery item has this id"}
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


@dataclass
class ServeOptions:
    """How the server guards itself.

    Args:
        max_upload_bytes: largest request body; larger ones get 413 before they are read whole.
        max_pixels: largest drawing (width x height), checked from the image header before decoding.
        max_searches: searches admitted at once (running plus waiting); more get 503.
        workers: threads that run searches.
        threads: torch threads per search (default: CPU cores / ``workers``, at least 1).
        cors_origins: origins allowed to call the API from other sites' pages; none by default (CORS off).
    """

    max_upload_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 16_000_000
    max_searches: int = 32
    workers: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))
    threads: int = 0
    cors_origins: list[str] = field(default_factory=list)


@lru_cache(maxsize=1 << 16)
def item_urls(item_id: str) -> tuple[str, str]:
    """The image and thumbnail URLs of a gallery id (kept: the same ids come back in answer after answer)."""
    base = f"/api/items/{quote(item_id, safe='')}"
    return f"{base}/image", f"{base}/thumbnail"


def json_bytes(value: Any) -> bytes:
    """JSON of plain dicts, lists, strings and numbers, as the API answers it."""
    return orjson.dumps(value)


def examples(retriever: Retriever, count: int = EXAMPLES) -> list[Example]:
    """Up to ``count`` gallery items whose drawing kept its strokes, one per caption, strokes scaled into 0..1."""
    from sbkit.data.adapters.svg import svg_strokes

    found: list[Example] = []
    seen: set[str] = set()
    for item_id in retriever.index.ids:
        item = retriever.item(item_id)
        if item is None or not item.caption or item.caption in seen or not item.attributes.get("strokes"):
            continue
        try:
            strokes = [s for s in svg_strokes(item.attributes["strokes"]) if len(s)]
        except (DataError, OSError):
            continue
        if not strokes:
            continue
        points = np.concatenate(strokes)
        low = points.min(axis=0)
        span = float((points.max(axis=0) - low).max()) or 1.0
        found.append(Example(id=item_id, caption=item.caption,
                             strokes=[np.round((s - low) / span, 4).tolist() for s in strokes]))
        seen.add(item.caption)
        if len(found) == count:
            break
    return found


def media_type(data: bytes) -> str:
    """The MIME type of an encoded image, from what PIL reads its header as (``application/octet-stream`` when
    it reads none)."""
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            return Image.MIME.get(image.format or "", "application/octet-stream")
    except (UnidentifiedImageError, OSError):
        return "application/octet-stream"


def create_app(retriever: Retriever, options: ServeOptions | None = None) -> FastAPI:
    """The app for one loaded ``retriever``; run it with uvicorn (``sbkit serve`` does)."""
    import sbkit

    options = options or ServeOptions()
    retriever.max_pixels = options.max_pixels
    threads = options.threads or max(1, (os.cpu_count() or 1) // max(1, options.workers))
    # torch's thread count is per OS thread: a worker left at the default opens OpenMP teams as wide as the
    # machine, whose spinning threads starve the other workers (10-40x slower searches on 2 cores).
    executor = ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="sbkit-search",
                                  initializer=torch.set_num_threads, initargs=(threads,))
    gate = SearchGate(options.max_searches)
    thumbnails = Thumbnails()
    page = (STATIC / "index.html").read_bytes()
    starters = examples(retriever)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        executor.shutdown(wait=False, cancel_futures=True)

    # No /docs or /redoc: FastAPI's viewers load their scripts from a CDN, and the server must work offline.
    # The schema itself is at /openapi.json, for any OpenAPI viewer or client generator.
    app = FastAPI(title="sbkit", version=sbkit.__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Find fashion items by drawing them: search a gallery with a drawing, a caption "
                  "or both. Every error is JSON: {\"error\": code, \"detail\": message}.")
    install_error_handlers(app)
    app.state.retriever, app.state.gate, app.state.options, app.state.executor = retriever, gate, options, executor

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(_: Request, exc: BodyTooLarge) -> Response:
        return error_response(413, "too_large", str(exc))

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @app.get("/api/health", response_model=Health, summary="Is the server up, and how busy")
    async def health() -> Health:
        return Health(status="ok", searches_running=gate.active, max_searches=gate.limit)

    @app.get("/api/info", summary="The model, the index, the gallery size, the limits and the sbkit version")
    async def info() -> dict[str, Any]:
        return {**retriever.info(), "limits": {"max_upload_bytes": options.max_upload_bytes,
                                               "max_pixels": options.max_pixels,
                                               "max_searches": options.max_searches, "workers": options.workers,
                                               "threads_per_search": threads,
                                               "max_k": 100}}

    @app.get("/api/examples", response_model=list[Example], summary="Queries to start from")
    async def get_examples() -> list[Example]:
        return starters

    @app.post("/api/search", response_model=SearchResponse, responses=ERRORS,
              openapi_extra={"requestBody": SEARCH_BODY}, summary="Rank the gallery for a drawing, a caption or both")
    async def search(request: Request) -> Response:
        """Send the drawing as a multipart file (``sketch``) or as a data URL in JSON, with ``text``, ``mode``
        and ``k``. The answer holds the ranked ids, captions, scores and image URLs, and the time taken by
        each stage."""
        arrived = time.perf_counter()
        query = await read_query(request)
        if not gate.enter():
            raise ApiError(503, "busy", f"all {gate.limit} search slots are taken; try again in a moment",
                           {"Retry-After": "1"})
        try:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(executor, lambda: retriever.search(
                sketch=query.sketch, text=query.text, k=query.k, mode=query.mode, exact_text=query.exact_text,
                colour_weight=query.colour_weight))
        finally:
            gate.leave()
        server = (time.perf_counter() - arrived) * 1000
        # A plain dict in SearchResponse's shape (the schema documents it; tests check the answers against it),
        # encoded once: building and re-validating models per hit costs more than the encoding itself.
        answer = {"mode": result.mode, "text": result.text, "k": query.k,
                  "results": [{"rank": hit.rank, "id": hit.id, "score": hit.json_score(), "caption": hit.caption,
                               "image_url": urls[0], "thumbnail_url": urls[1]}
                              for hit in result.hits for urls in (item_urls(hit.id),)],
                  "timings_ms": {**result.timings.to_dict(), "server": round(server, 3)},
                  "unknown_words": result.unknown_words, "corrections": result.corrections,
                  "colour": result.colour, "warnings": result.warnings}
        return Response(json_bytes(answer), media_type="application/json")

    def photo_of(item_id: str) -> ImageSource:
        item = retriever.item(item_id)
        if item is None:
            raise ApiError(404, "not_found", f"no gallery item with id {item_id[:80]!r}; ids come from "
                           "/api/search results")
        source = as_source(item.image)
        if not source.is_file():
            raise ApiError(404, "not_found", f"the photo of {item_id!r} is not available on this server")
        return source

    @app.get("/api/items/{item_id:path}/image", responses={404: ERROR_404}, response_class=FileResponse,
             summary="A gallery photo, by id")
    async def item_image(item_id: str) -> Response:
        source = photo_of(item_id)
        headers = {"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"}
        if isinstance(source, Path):
            return FileResponse(source, headers=headers)
        try:  # a photo inside a shard: its bytes as stored, typed by what they decode as
            data = await asyncio.get_running_loop().run_in_executor(None, source.read_bytes)
        except OSError:
            raise ApiError(404, "not_found", f"the photo of {item_id!r} cannot be read on this server") from None
        return Response(data, media_type=media_type(data), headers=headers)

    @app.get("/api/items/{item_id:path}/thumbnail", responses={404: ERROR_404}, response_class=Response,
             summary="A gallery photo as a small JPEG, by id")
    async def item_thumbnail(item_id: str) -> Response:
        path = photo_of(item_id)
        loop = asyncio.get_running_loop()
        try:
            data = await loop.run_in_executor(None, thumbnails.get, path)
        except DataError:
            raise ApiError(404, "not_found", f"the photo of {item_id!r} cannot be read on this server") from None
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600",
                                                                 "X-Content-Type-Options": "nosniff"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if options.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=options.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["*"])
    app.add_middleware(BodyLimit, max_bytes=options.max_upload_bytes)
    return app

