"""Reading ``POST /api/search``: a multipart form with the drawing as a file, or JSON with a data URL."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from sbkit.limits import COLOUR_WEIGHT, MAX_COLOUR_WEIGHT
from sbkit.serve.errors import ApiError, validation_detail
from sbkit.serve.schemas import MAX_K, MAX_TEXT, SearchQuery

DATA_URL = re.compile(r"^data:(?P<mime>[\w.+/-]*)(?P<params>(?:;[\w.+-]+=[\w.+-]+)*)(?P<b64>;base64)?,", re.ASCII)
FORM_FIELDS = ("sketch", "text", "mode", "k", "exact_text", "colour_weight")


@dataclass
class ParsedQuery:
    sketch: bytes | None
    text: str | None
    mode: str | None
    k: int
    exact_text: bool = False
    colour_weight: float = COLOUR_WEIGHT


def _validated(fields: dict[str, object]) -> SearchQuery:
    try:
        return SearchQuery.model_validate(fields)
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", validation_detail(exc.errors())) from None


def decode_data_url(value: str) -> bytes:
    """The bytes of a ``data:...;base64,...`` URL or of plain base64 text."""
    match = DATA_URL.match(value)
    if match:
        if not match.group("b64"):
            raise ApiError(400, "bad_request", "sketch: a data URL must be base64 (data:image/png;base64,...)")
        if match.group("mime") and not match.group("mime").startswith("image/"):
            raise ApiError(415, "unsupported_media_type", f"sketch: the data URL holds {match.group('mime')!r}, "
                           "not an image; send data:image/png;base64,...")
        value = value[match.end():]
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "bad_request", "sketch: not valid base64; send a data URL such as "
                       "data:image/png;base64,iVBOR...") from None


def _not_empty(drawing: bytes, sent_as: str) -> bytes:
    """``drawing`` when it holds bytes; an empty one given on purpose is refused, not taken as text-only."""
    if not drawing:
        raise ApiError(400, "empty_drawing", f"sketch: {sent_as} is empty (0 bytes); send a PNG, JPEG or SVG file, "
                       "or leave sketch out for a text-only search")
    return drawing


async def _from_json(request: Request) -> ParsedQuery:
    try:
        payload = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_request", f"the body is not valid JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_request", "the body must be a JSON object with sketch, text, mode and k")
    query = _validated(payload)
    sketch = None if query.sketch is None else _not_empty(decode_data_url(query.sketch), "the data URL")
    return ParsedQuery(sketch, query.text, query.mode, query.k, query.exact_text, query.colour_weight)


async def _from_form(request: Request) -> ParsedQuery:
    form = await request.form(max_files=1, max_fields=len(FORM_FIELDS))
    try:
        unknown = sorted(set(form.keys()) - set(FORM_FIELDS))
        if unknown:
            raise ApiError(422, "invalid_request", f"unknown form field(s) {', '.join(unknown)}; send "
                           f"{', '.join(FORM_FIELDS)}")
        upload = form.get("sketch")
        sketch = None
        if isinstance(upload, UploadFile):
            sketch = await upload.read()
            if upload.filename:  # a browser form with no file chosen sends a nameless empty part: no drawing
                _not_empty(sketch, f"the uploaded file {upload.filename[:80]!r}")
        elif isinstance(upload, str):
            sketch = _not_empty(decode_data_url(upload), "the sketch field")
        fields = {key: form.get(key) for key in FORM_FIELDS if key != "sketch" and form.get(key) not in (None, "")}
        if isinstance(fields.get("k"), str):
            try:
                fields["k"] = int(fields["k"])  # type: ignore[arg-type]
            except ValueError:
                raise ApiError(422, "invalid_request", f"k: must be a whole number from 1 to {MAX_K}") from None
        query = _validated(fields)
        return ParsedQuery(sketch or None, query.text, query.mode, query.k, query.exact_text, query.colour_weight)
    finally:
        await form.close()


async def read_query(request: Request) -> ParsedQuery:
    """The search a request asks for, or an :class:`ApiError` (400, 413, 415 or 422) saying what is wrong."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return await _from_json(request)
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _from_form(request)
    raise ApiError(415, "unsupported_media_type", f"send multipart/form-data (sketch as a file) or "
                   f"application/json (sketch as a data URL), not {content_type or 'no content type'!r}")


SEARCH_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "sketch": {"type": "string", "format": "binary", "description": "the drawing: a PNG, JPEG, ... file"},
            "text": {"type": "string", "maxLength": MAX_TEXT},
            "mode": {"type": "string", "enum": ["sketch+text", "sketch", "text"]},
            "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 10},
            "exact_text": {"type": "boolean", "default": False},
            "colour_weight": {"type": "number", "minimum": 0, "maximum": MAX_COLOUR_WEIGHT, "default": COLOUR_WEIGHT},
        }}},
        "application/json": {"schema": SearchQuery.model_json_schema()},
    },
}
