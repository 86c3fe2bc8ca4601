"""Every error the server sends has one JSON shape, ``{"error": code, "detail": message}``, and no stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from sbkit.errors import SbkitError
from sbkit.retrieval.query import DrawingTooLarge

log = logging.getLogger("sbkit.serve")
CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
         415: "unsupported_media_type", 422: "invalid_request", 503: "busy"}


class ApiError(Exception):
    """An error answer: HTTP ``status``, a short machine ``code`` and a one-line ``detail`` for people."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def validation_detail(errors: list) -> str:
    """Pydantic's errors as one line (``k: Input should be less than or equal to 100``), never the input."""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "the request is not valid"


def install_error_handlers(app: FastAPI) -> None:
    """JSON answers for deliberate errors, bad input, unknown routes and unexpected failures alike."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(DrawingTooLarge)
    async def too_large(_: Request, exc: DrawingTooLarge) -> JSONResponse:
        return error_response(413, "image_too_large", str(exc))

    @app.exception_handler(SbkitError)
    async def bad_query(_: Request, exc: SbkitError) -> JSONResponse:
        return error_response(400, "bad_query", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", validation_detail(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "the request could not be answered"
        return error_response(exc.status_code, CODES.get(exc.status_code, "error"), detail,
                              getattr(exc, "headers", None))

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, _: ClientDisconnect) -> JSONResponse:
        # a client that hangs up mid-upload is ordinary traffic: one line, no trace (it could flood the log)
        log.info("%s %s: the client disconnected before sending the whole request", request.method,
                 request.url.path)
        return error_response(400, "bad_request", "the request body ended early; send it again")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)  # the trace stays in the log
        return error_response(500, "internal_error", "the server failed to answer this request; its log says why")
